"""People name their own delegate while away; admins may do it for them; nobody else can."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from collab_portal.notifications.models import Notification
from collab_portal.org.models import Delegation
from collab_portal.org.selectors import decider_for_department
from collab_portal.org.services import delegation_cancel, delegation_create
from tests.factories import DelegationFactory, UserFactory

TODAY = timezone.localdate()
IN_A_WEEK = TODAY + datetime.timedelta(days=7)


def test_a_head_names_a_delegate_who_then_decides_and_is_told(company):
    delegation = delegation_create(
        actor=company.sales_head,
        principal=company.sales_head,
        delegate=company.sales_staff,
        starts_on=TODAY,
        ends_on=IN_A_WEEK,
        reason="年假",
    )
    assert decider_for_department(company.sales).label == "张三 (代 李四)"
    notice = Notification.objects.get(recipient=company.sales_staff)
    assert (
        notice.title == f"李四 指定你为其代理人（{TODAY.isoformat()} 至 {IN_A_WEEK.isoformat()}）"
    )
    assert notice.body == "年假"
    assert delegation.is_active


def test_an_admin_may_name_a_delegate_for_someone_else(company):
    delegation_create(
        actor=company.admin,
        principal=company.tech_head,
        delegate=company.tech_staff,
        starts_on=TODAY,
        ends_on=TODAY,
    )
    assert decider_for_department(company.tech).person == company.tech_staff


def test_nobody_else_may_name_a_delegate_for_someone(company):
    with pytest.raises(PermissionDenied):
        delegation_create(
            actor=company.sales_staff,
            principal=company.sales_head,
            delegate=company.sales_staff,
            starts_on=TODAY,
            ends_on=IN_A_WEEK,
        )
    assert not Delegation.objects.exists()


@pytest.mark.parametrize(
    ("delegate_kind", "starts", "ends", "message"),
    [
        ("self", TODAY, IN_A_WEEK, "不能代理自己"),
        ("inactive", TODAY, IN_A_WEEK, "该账户已停用"),
        ("staff", TODAY, TODAY - datetime.timedelta(days=1), "结束日期早于开始日期"),
        (
            "staff",
            TODAY - datetime.timedelta(days=9),
            TODAY - datetime.timedelta(days=2),
            "已经结束",
        ),
    ],
)
def test_a_delegation_that_makes_no_sense_is_refused(company, delegate_kind, starts, ends, message):
    delegate = {
        "self": company.sales_head,
        "inactive": UserFactory(is_active=False),
        "staff": company.sales_staff,
    }[delegate_kind]
    with pytest.raises(ValidationError, match=message):
        delegation_create(
            actor=company.sales_head,
            principal=company.sales_head,
            delegate=delegate,
            starts_on=starts,
            ends_on=ends,
        )
    assert not Delegation.objects.exists()
    assert not Notification.objects.exists()


def test_ending_a_running_delegation_keeps_its_past_days_on_record(company):
    started = DelegationFactory(
        principal=company.sales_head,
        delegate=company.sales_staff,
        starts_on=TODAY - datetime.timedelta(days=3),
        ends_on=IN_A_WEEK,
    )
    delegation_cancel(actor=company.sales_head, delegation=started)
    started.refresh_from_db()
    assert started.ends_on == TODAY - datetime.timedelta(days=1) and started.is_active
    assert decider_for_department(company.sales).person == company.sales_head
    past = decider_for_department(company.sales, on=TODAY - datetime.timedelta(days=2))
    assert past.person == company.sales_staff
    assert (
        Notification.objects.get(recipient=company.sales_staff).title == "李四 已取消对你的代理委托"
    )


def test_withdrawing_a_future_delegation_deactivates_it(company):
    future = DelegationFactory(
        principal=company.sales_head,
        starts_on=TODAY + datetime.timedelta(days=2),
        ends_on=IN_A_WEEK,
    )
    delegation_cancel(actor=company.sales_head, delegation=future)
    future.refresh_from_db()
    assert not future.is_active
    with pytest.raises(ValidationError, match="不再有效"):
        delegation_cancel(actor=company.sales_head, delegation=future)


def test_only_the_principal_or_an_admin_ends_a_delegation(company):
    running = DelegationFactory(principal=company.sales_head, delegate=company.sales_staff)
    with pytest.raises(PermissionDenied):
        delegation_cancel(actor=company.sales_staff, delegation=running)
    running.refresh_from_db()
    assert running.is_active and running.ends_on == running.starts_on + datetime.timedelta(days=7)


def test_the_page_sets_shows_and_ends_a_delegation(company, login):
    client = login(company.sales_head)
    url = reverse("org:my_delegations")
    response = client.post(
        url,
        {
            "delegate": company.sales_staff.pk,
            "starts_on": TODAY.isoformat(),
            "ends_on": IN_A_WEEK.isoformat(),
            "reason": "出差",
        },
        follow=True,
    )
    assert "代理人已设置。" in response.content.decode()
    delegation = Delegation.objects.get(principal=company.sales_head)
    assert (delegation.delegate, delegation.reason) == (company.sales_staff, "出差")

    overlapping = client.post(
        url,
        {
            "delegate": company.tech_staff.pk,
            "starts_on": TODAY.isoformat(),
            "ends_on": TODAY.isoformat(),
        },
    )
    assert "此人在这段日期内已有代理人。" in overlapping.content.decode()
    assert Delegation.objects.filter(principal=company.sales_head).count() == 1

    bad_date = client.post(url, {"delegate": company.tech_staff.pk, "starts_on": "2026-13-45"})
    assert "输入一个有效的日期。" in bad_date.content.decode()

    client.post(reverse("org:delegation_cancel", args=[delegation.pk]))
    delegation.refresh_from_db()
    assert not delegation.can_be_ended


def test_nobody_ends_someone_elses_delegation_through_the_page(company, login):
    theirs = DelegationFactory(principal=company.tech_head, delegate=company.tech_staff)
    response = login(company.sales_head).post(reverse("org:delegation_cancel", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.can_be_ended
