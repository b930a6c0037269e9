"""Stage 1: registering, submitting, withdrawing and editing a request."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.lib.refusals import ActionRefused
from collab_portal.notifications.models import Notification
from requests_app import services
from tests.factories import DelegationFactory, DepartmentFactory, UserFactory
from tests.fixtures.registration import registration

YEAR = timezone.localdate().year


def test_a_draft_gets_the_next_code_of_the_year_and_a_timeline(company, draft):
    second = services.request_create(
        initiator=company.sales_staff, data=registration(internal_departments=[company.tech])
    )
    assert draft.code == f"CR-{YEAR}-0001" and second.code == f"CR-{YEAR}-0002"
    assert draft.stage == Case.Stage.DRAFT
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
    assert not Case.objects.exists()


def test_submitting_routes_to_the_department_head_and_tells_them(company, pending):
    assert pending.stage == Case.Stage.PENDING_REVIEW
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
    assert pending.stage == Case.Stage.DRAFT and pending.reviewer is None
    with pytest.raises(ActionRefused):
        services.request_withdraw(actor=company.sales_staff, request=pending)


def test_nobody_else_withdraws(company, pending):
    with pytest.raises(ActionRefused, match="只有发起人"):
        services.request_withdraw(actor=company.sales_head, request=pending)
    pending.refresh_from_db()
    assert pending.stage == Case.Stage.PENDING_REVIEW


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
        draft.stage = Case.Stage.ARCHIVED


def test_cancel_needs_a_reason_and_the_initiator_or_an_admin(company, pending):
    with pytest.raises(ActionRefused, match="只有发起人或系统管理员"):
        services.request_cancel(actor=company.tech_staff, request=pending, reason="不需要了")
    with pytest.raises(ActionRefused, match="说明取消原因"):
        services.request_cancel(actor=company.sales_staff, request=pending, reason=" ")
    services.request_cancel(actor=company.admin, request=pending, reason="客户取消合作")
    pending.refresh_from_db()
    assert pending.stage == Case.Stage.CANCELLED and pending.cancel_reason == "客户取消合作"
    with pytest.raises(ActionRefused):
        services.request_cancel(actor=company.admin, request=pending, reason="再取消一次")


# 保存并提交: one click saves the form and submits it.


def test_saving_and_submitting_a_new_request_sends_it_to_the_head_at_once(company):
    case, refused = services.request_save_and_submit(
        actor=company.sales_staff, data=registration(internal_departments=[company.tech])
    )

    case.refresh_from_db()
    assert refused is None
    assert case.stage == Case.Stage.PENDING_REVIEW and case.reviewer == company.sales_head
    assert list(
        Activity.objects.filter(subject_id=str(case.pk)).values_list("verb", flat=True)
    ) == ["create", "submit"]
    assert Notification.objects.filter(recipient=company.sales_head, title__contains=case.code)


def test_saving_and_submitting_a_returned_request_resubmits_the_edited_form(company, pending):
    services.request_return(
        actor=company.sales_head,
        request=pending,
        reason_code="goal_not_measurable",
        comment="请量化",
    )
    edited = registration(subject="量化后的主题", internal_departments=[company.tech])

    case, refused = services.request_save_and_submit(
        actor=company.sales_staff, request=pending, data=edited
    )

    case.refresh_from_db()
    assert refused is None
    assert (case.subject, case.stage) == ("量化后的主题", Case.Stage.PENDING_REVIEW)
    assert list(Activity.objects.filter(subject_id=str(case.pk)).values_list("verb", flat=True))[
        -2:
    ] == ["edit", "resubmit"]


def test_a_refused_submit_keeps_the_saved_draft_and_says_why(company):
    nobody_reviews = DepartmentFactory(code="NEW", name="新部门", parent=company.company)
    newcomer = UserFactory(username="newcomer", display_name="新人", department=nobody_reviews)

    case, refused = services.request_save_and_submit(
        actor=newcomer, data=registration(internal_departments=[company.tech])
    )

    case.refresh_from_db()
    assert "新部门" in refused.message and "负责人" in refused.message
    assert case.stage == Case.Stage.DRAFT and case.reviewer is None
    assert case.subject == "Q3 产品上线客户需求对接"
    assert list(
        Activity.objects.filter(subject_id=str(case.pk)).values_list("verb", flat=True)
    ) == ["create"]
    assert not Notification.objects.exists()


def test_saving_and_submitting_bad_input_saves_nothing(company):
    with pytest.raises(ValidationError):
        services.request_save_and_submit(
            actor=company.sales_staff, data=registration(internal_departments=[])
        )
    assert not Case.objects.exists()
