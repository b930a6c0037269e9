"""需求初审: approve with the three checks (signs the form), return with a reason, hand over,
urge, copy in; every round kept."""

import datetime

import pytest
from django.utils import timezone

from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.lib.refusals import ActionRefused
from collab_portal.notifications.models import Notification
from collab_portal.signoffs.canonical import snapshot_hash
from collab_portal.signoffs.models import SigningPolicy, SignOff
from requests_app import services
from requests_app.models import Review
from tests.factories import TEST_PASSWORD, DelegationFactory, DepartmentFactory, UserFactory

ALL_CHECKS = {"goal_quantifiable": True, "receiver_clear": True, "deadline_reasonable": True}


def test_approving_signs_the_form_and_moves_to_information_sync(company, pending):
    review = services.request_approve(
        actor=company.sales_head, request=pending, comment="同意推进", **ALL_CHECKS
    )
    pending.refresh_from_db()
    assert pending.stage == Case.Stage.SYNCING and pending.approved_at
    assert (review.round, review.decision, review.reviewer) == (1, "approved", company.sales_head)
    signoff = SignOff.objects.get()
    assert signoff.signer == company.sales_head and signoff.meaning == "approved"
    assert signoff.content_sha256 == snapshot_hash(pending.signing_snapshot())
    assert signoff.sha256 == snapshot_hash(signoff.seal)
    assert signoff.snapshot["subject"] == "Q3 产品上线客户需求对接"
    assert Notification.objects.filter(
        recipient=company.sales_staff, title__contains="审核"
    ).exists()
    assert Activity.objects.filter(
        subject_id=str(pending.pk), verb="approve", to_state="syncing"
    ).exists()


def test_approval_needs_all_three_checks(company, pending):
    with pytest.raises(ActionRefused, match="三项核查全部勾选"):
        services.request_approve(
            actor=company.sales_head,
            request=pending,
            goal_quantifiable=True,
            receiver_clear=True,
            deadline_reasonable=False,
        )
    pending.refresh_from_db()
    assert pending.stage == Case.Stage.PENDING_REVIEW
    assert not Review.objects.exists() and not SignOff.objects.exists()


@pytest.mark.parametrize("who", ["sales_staff", "tech_head", "tech_staff", "leader", "admin"])
def test_only_the_reviewer_or_their_delegate_decides(company, pending, who):
    with pytest.raises(ActionRefused):
        services.request_approve(actor=getattr(company, who), request=pending, **ALL_CHECKS)
    with pytest.raises(ActionRefused):
        services.request_return(
            actor=getattr(company, who), request=pending, reason_code="other", comment="不行"
        )
    pending.refresh_from_db()
    assert pending.stage == Case.Stage.PENDING_REVIEW and not Review.objects.exists()


def test_a_delegate_approves_for_the_head_and_the_sign_off_says_so(company, pending, sales_deputy):
    DelegationFactory(principal=company.sales_head, delegate=sales_deputy)
    services.request_approve(actor=sales_deputy, request=pending, **ALL_CHECKS)
    signoff = SignOff.objects.get()
    assert (signoff.signer, signoff.on_behalf_of) == (sales_deputy, company.sales_head)
    assert signoff.label == "周九 (代 李四)"
    assert Review.objects.get().on_behalf_of == company.sales_head


def test_the_delegation_ending_takes_the_right_away(company, pending, sales_deputy):
    DelegationFactory(
        principal=company.sales_head,
        delegate=sales_deputy,
        starts_on=timezone.localdate() - datetime.timedelta(days=5),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    with pytest.raises(ActionRefused, match="等待 李四 处理"):
        services.request_approve(actor=sales_deputy, request=pending, **ALL_CHECKS)


def test_the_initiator_never_reviews_their_own_request_even_as_delegate(company, pending):
    DelegationFactory(principal=company.sales_head, delegate=company.sales_staff)
    with pytest.raises(ActionRefused, match="不能审核自己"):
        services.request_approve(actor=company.sales_staff, request=pending, **ALL_CHECKS)


def test_returning_needs_a_reason_and_a_comment_then_a_second_round_follows(company, pending):
    with pytest.raises(ActionRefused, match="退回原因"):
        services.request_return(
            actor=company.sales_head,
            request=pending,
            reason_code="goal_not_measurable",
            comment=" ",
        )
    with pytest.raises(ActionRefused, match="退回原因"):
        services.request_return(
            actor=company.sales_head, request=pending, reason_code="bogus", comment="改"
        )
    services.request_return(
        actor=company.sales_head,
        request=pending,
        reason_code="goal_not_measurable",
        comment="目标请量化到客户数",
        receiver_clear=True,
    )
    pending.refresh_from_db()
    assert pending.stage == Case.Stage.RETURNED
    assert Notification.objects.filter(
        recipient=company.sales_staff, body="目标请量化到客户数"
    ).exists()
    services.request_submit(actor=company.sales_staff, request=pending)
    services.request_approve(actor=company.sales_head, request=pending, **ALL_CHECKS)
    rounds = list(Review.objects.values_list("round", "decision", "reason_code"))
    assert rounds == [(1, "returned", "goal_not_measurable"), (2, "approved", "")]
    verbs = list(Activity.objects.filter(subject_id=str(pending.pk)).values_list("verb", flat=True))
    assert verbs == ["create", "submit", "return", "resubmit", "approve"]


def test_a_decided_request_cannot_be_decided_again(company, syncing):
    with pytest.raises(ActionRefused, match="信息同步"):
        services.request_approve(actor=company.sales_head, request=syncing, **ALL_CHECKS)
    with pytest.raises(ActionRefused):
        services.request_return(
            actor=company.sales_head, request=syncing, reason_code="other", comment="晚了"
        )
    assert Review.objects.count() == 1 and SignOff.objects.count() == 1


def test_hand_over_goes_to_another_head_who_can_then_decide(company, pending, finance_head):
    services.request_hand_over(
        actor=company.sales_head,
        request=pending,
        to=finance_head,
        comment="预算问题请孙总把关",
    )
    pending.refresh_from_db()
    assert pending.reviewer == finance_head
    assert Notification.objects.filter(recipient=finance_head, title__contains="转交").exists()
    with pytest.raises(ActionRefused):
        services.request_approve(actor=company.sales_head, request=pending, **ALL_CHECKS)
    services.request_approve(actor=finance_head, request=pending, **ALL_CHECKS)
    assert Activity.objects.filter(verb="hand_over", comment__contains="孙七").exists()


def test_hand_over_never_goes_to_the_head_of_a_receiving_side(company, pending):
    with pytest.raises(ActionRefused, match="接收方"):
        services.request_hand_over(actor=company.sales_head, request=pending, to=company.tech_head)
    pending.refresh_from_db()
    assert pending.reviewer == company.sales_head


def test_hand_over_only_to_a_qualified_person_and_never_to_the_initiator(company, pending):
    with pytest.raises(ActionRefused, match="不是部门负责人或分管领导"):
        services.request_hand_over(actor=company.sales_head, request=pending, to=company.tech_staff)
    with pytest.raises(ActionRefused, match="不能审核自己"):
        services.request_hand_over(
            actor=company.sales_head, request=pending, to=company.sales_staff
        )
    with pytest.raises(ActionRefused):
        services.request_hand_over(actor=company.tech_staff, request=pending, to=company.tech_head)
    pending.refresh_from_db()
    assert pending.reviewer == company.sales_head


def test_urging_is_limited_to_once_every_four_hours(company, pending):
    services.request_urge(actor=company.sales_staff, request=pending)
    with pytest.raises(ActionRefused, match="之后才能再次催办"):
        services.request_urge(actor=company.sales_staff, request=pending)
    assert (
        Notification.objects.filter(
            recipient=company.sales_head, title__contains="等待你审核"
        ).count()
        == 1
    )
    Activity.objects.filter(verb="urge").update(
        created_at=timezone.now() - datetime.timedelta(hours=4, minutes=1)
    )
    services.request_urge(actor=company.sales_staff, request=pending)
    assert Activity.objects.filter(verb="urge").count() == 2


def test_only_the_initiator_urges_a_pending_review(company, pending, draft):
    with pytest.raises(ActionRefused):
        services.request_urge(actor=company.tech_staff, request=pending)
    services.request_withdraw(actor=company.sales_staff, request=pending)
    with pytest.raises(ActionRefused):
        services.request_urge(actor=company.sales_staff, request=pending)
    assert not Activity.objects.filter(verb="urge").exists()


def test_people_copied_in_see_the_case_and_hear_of_the_decision(company, pending):
    finance = DepartmentFactory(code="FIN", name="财务部", parent=company.company)
    accountant = UserFactory(display_name="华健", department=finance)
    assert not Case.objects.visible_to(accountant).filter(pk=pending.pk).exists()
    added = services.request_copy_in(
        actor=company.sales_staff, request=pending, people=[accountant, company.sales_staff]
    )
    assert added == 1
    assert Case.objects.visible_to(accountant).filter(pk=pending.pk).exists()
    services.request_approve(actor=company.sales_head, request=pending, **ALL_CHECKS)
    assert Notification.objects.filter(recipient=accountant, title__contains="审核").exists()
    with pytest.raises(ActionRefused):
        services.request_copy_in(actor=accountant, request=pending, people=[company.leader])


def test_admins_can_require_the_password_to_sign(company, pending):
    SigningPolicy.objects.update_or_create(pk=1, defaults={"require_password": True})
    with pytest.raises(Exception, match="请输入密码"):
        services.request_approve(actor=company.sales_head, request=pending, **ALL_CHECKS)
    with pytest.raises(Exception, match="密码不正确"):
        services.request_approve(
            actor=company.sales_head, request=pending, password="wrong", **ALL_CHECKS
        )
    pending.refresh_from_db()
    assert pending.stage == Case.Stage.PENDING_REVIEW and not SignOff.objects.exists()
    services.request_approve(
        actor=company.sales_head, request=pending, password=TEST_PASSWORD, **ALL_CHECKS
    )
    assert SignOff.objects.count() == 1
