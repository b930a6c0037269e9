"""Stage 1: registering, submitting, withdrawing and editing a request."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from collab_portal.activity.models import Activity
from collab_portal.lib.refusals import ActionRefused
from collab_portal.notifications.models import Notification
from requests_app import services
from requests_app.models import CollabRequest
from tests.factories import DelegationFactory
from tests.requests_app.fixtures import registration

YEAR = timezone.localdate().year


def test_a_draft_gets_the_next_code_of_the_year_and_a_timeline(company, draft):
    second = services.request_create(
        initiator=company.sales_staff, data=registration(internal_departments=[company.tech])
    )
    assert draft.code == f"CR-{YEAR}-0001" and second.code == f"CR-{YEAR}-0002"
    assert draft.stage == CollabRequest.Stage.DRAFT
    assert draft.initiator_department == company.sales
    assert [r.label for r in draft.receivers.all()] == ["技术部"]
    assert Activity.objects.filter(subject_id=str(draft.pk), verb="create").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"expected_deadline": timezone.localdate() - datetime.timedelta(days=1)},
            "expected_deadline",
            "不能早于今天",
        ),
        ({"internal_departments": []}, "internal_departments", "至少指定一个接收方"),
        ({"metric": "", "target_value": 5}, "metric", "说明目标值衡量的是什么"),
        ({"metric": "客户数", "target_value": None}, "target_value", "填写该指标的目标值"),
    ],
)
def test_bad_registrations_are_refused_in_chinese_and_nothing_is_saved(
    company, overrides, field, message
):
    data = registration(internal_departments=[company.tech])
    for key, value in overrides.items():
        setattr(data, key, value)
    with pytest.raises(ValidationError) as error:
        services.request_create(initiator=company.sales_staff, data=data)
    assert message in " ".join(error.value.message_dict[field])
    assert not CollabRequest.objects.exists()


def test_submitting_routes_to_the_department_head_and_tells_them(company, pending):
    assert pending.stage == CollabRequest.Stage.PENDING_REVIEW
    assert pending.reviewer == company.sales_head
    notice = Notification.objects.get(recipient=company.sales_head)
    assert pending.code in notice.title and "张三" in notice.title


def test_submitting_routes_to_the_delegate_in_force(company, draft, sales_deputy):
    DelegationFactory(principal=company.sales_head, delegate=sales_deputy)
    services.request_submit(actor=company.sales_staff, request=draft)
    draft.refresh_from_db()
    assert draft.reviewer == company.sales_head
    assert Notification.objects.filter(recipient=sales_deputy, title__contains="请审核").exists()
    assert not Notification.objects.filter(recipient=company.sales_head).exists()


def test_a_heads_own_request_goes_to_the_leader_in_charge(company):
    own = services.request_create(
        initiator=company.sales_head, data=registration(internal_departments=[company.tech])
    )
    services.request_submit(actor=company.sales_head, request=own)
    own.refresh_from_db()
    assert own.reviewer == company.leader


def test_only_the_initiator_submits_and_only_from_draft_or_returned(company, draft):
    with pytest.raises(ActionRefused, match="只有发起人"):
        services.request_submit(actor=company.sales_head, request=draft)
    services.request_submit(actor=company.sales_staff, request=draft)
    with pytest.raises(ActionRefused, match="待审核"):
        services.request_submit(actor=company.sales_staff, request=draft)
    assert Activity.objects.filter(subject_id=str(draft.pk), verb="submit").count() == 1


def test_withdrawing_returns_a_pending_request_to_draft(company, pending):
    services.request_withdraw(actor=company.sales_staff, request=pending)
    pending.refresh_from_db()
    assert pending.stage == CollabRequest.Stage.DRAFT and pending.reviewer is None
    with pytest.raises(ActionRefused):
        services.request_withdraw(actor=company.sales_staff, request=pending)


def test_nobody_else_withdraws(company, pending):
    with pytest.raises(ActionRefused, match="只有发起人"):
        services.request_withdraw(actor=company.sales_head, request=pending)
    pending.refresh_from_db()
    assert pending.stage == CollabRequest.Stage.PENDING_REVIEW


def test_editing_is_for_the_initiator_of_a_draft_and_not_after_signing(company, syncing):
    draft = services.request_create(
        initiator=company.sales_staff, data=registration(internal_departments=[company.tech])
    )
    services.request_update(
        actor=company.sales_staff,
        request=draft,
        data=registration(subject="改过的主题", internal_departments=[company.tech]),
    )
    draft.refresh_from_db()
    assert draft.subject == "改过的主题"
    with pytest.raises(ActionRefused, match="只有发起人"):
        services.request_update(
            actor=company.sales_head,
            request=draft,
            data=registration(internal_departments=[company.tech]),
        )
    with pytest.raises(ActionRefused):
        services.request_update(
            actor=company.sales_staff,
            request=syncing,
            data=registration(subject="签字后改", internal_departments=[company.tech]),
        )
    syncing.refresh_from_db()
    assert syncing.subject != "签字后改"


def test_the_stage_cannot_be_assigned_directly(draft):
    with pytest.raises(AttributeError):
        draft.stage = CollabRequest.Stage.ARCHIVED


def test_cancel_needs_a_reason_and_the_initiator_or_an_admin(company, pending):
    with pytest.raises(ActionRefused, match="只有发起人或系统管理员"):
        services.request_cancel(actor=company.tech_staff, request=pending, reason="不需要了")
    with pytest.raises(ActionRefused, match="说明取消原因"):
        services.request_cancel(actor=company.sales_staff, request=pending, reason=" ")
    services.request_cancel(actor=company.admin, request=pending, reason="客户取消合作")
    pending.refresh_from_db()
    assert (
        pending.stage == CollabRequest.Stage.CANCELLED and pending.cancel_reason == "客户取消合作"
    )
    with pytest.raises(ActionRefused):
        services.request_cancel(actor=company.admin, request=pending, reason="再取消一次")
