"""Stage 1, the review (预审): submitting to the reviewer, withdrawing, approving (signed) or
returning, handing the review over, urging it, and copying people in."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.archive_guard import lock_for_change
from cases.models import Case
from cases.policies import decided_for, refuse_wrong_stage
from collab_portal.activity.services import activity_record, refuse_if_urged_recently
from collab_portal.lib.refusals import ActionRefused, refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.notifications.services import notify
from collab_portal.org.models import User
from collab_portal.org.selectors import acting_for, leader_in_charge_of
from collab_portal.signoffs.models import SignOff
from collab_portal.signoffs.services import signing_password_check, signoff_record
from requests_app.models import CarbonCopy, Review
from requests_app.policies import (
    is_initiator,
    may_copy_in,
    may_receive_review,
    may_review,
    review_handler,
)
from requests_app.services.shared_rules import _role_label

Stage = Case.Stage


def reviewer_for(request: Case) -> User:
    """The initiator's department head; a head's own request goes to the leader in charge.
    Nobody reviews their own request."""
    department = request.initiator_department
    head = department.head if department.head_id and department.head.is_active else None
    if head is not None and head != request.initiator:
        return head
    leader = leader_in_charge_of(department)
    if leader is not None and leader != request.initiator:
        return leader
    raise ActionRefused(
        _(
            "Nobody can review requests from %(department)s yet: "
            "ask an administrator to set its head and leader in charge."
        )
        % {"department": department.name}
    )


def _review_watchers(request: Case) -> list[User]:
    return [request.initiator, *[cc.user for cc in request.carbon_copies.select_related("user")]]


@transaction.atomic
def request_submit(*, actor: User, request: Case) -> Case:
    request = lock_for_change(request)
    refuse_unless(is_initiator(actor, request), _("Only the initiator can submit this request."))
    refuse_wrong_stage(request, allowed=Case.EDITABLE_STAGES)
    if request.expected_deadline < timezone.localdate():
        raise ActionRefused(_("The expected deadline is in the past; edit the request first."))
    refuse_unless(request.receivers.exists(), _("Name at least one receiver."))
    resubmission = request.stage == Stage.RETURNED
    from_state = request.stage
    request.reviewer = reviewer_for(request)
    request.submitted_at = timezone.now()
    request.submit()
    request.save()
    activity_record(
        subject=request,
        verb="resubmit" if resubmission else "submit",
        actor=actor,
        from_state=from_state,
        to_state=request.stage,
    )
    notify(
        recipients=[review_handler(request)],
        actor=actor,
        title=Text(
            gettext_lazy("Please review {code} “{subject}” from {initiator}"),
            code=request.code,
            subject=request.subject,
            initiator=actor.name,
        ),
        target=request,
    )
    return request


@transaction.atomic
def request_withdraw(*, actor: User, request: Case) -> Case:
    """撤回: the initiator takes a pending request back to draft."""
    request = lock_for_change(request)
    refuse_unless(is_initiator(actor, request), _("Only the initiator can withdraw this request."))
    refuse_wrong_stage(request, allowed=(Stage.PENDING_REVIEW,))
    reviewer = request.reviewer
    request.withdraw()
    request.reviewer = None
    request.save()
    activity_record(
        subject=request,
        verb="withdraw",
        actor=actor,
        from_state=Stage.PENDING_REVIEW,
        to_state=request.stage,
    )
    if reviewer is not None:
        notify(
            recipients=[acting_for(reviewer).person],
            actor=actor,
            title=Text(
                gettext_lazy("{code} was withdrawn by {initiator}"),
                code=request.code,
                initiator=actor.name,
            ),
            target=request,
        )
    return request


def _check_reviewer(actor: User, request: Case) -> None:
    refuse_wrong_stage(request, allowed=(Stage.PENDING_REVIEW,))
    may_review(actor, request).or_refuse()


@transaction.atomic
def request_approve(
    *,
    actor: User,
    request: Case,
    goal_quantifiable: bool,
    receiver_clear: bool,
    deadline_reasonable: bool,
    comment: str = "",
    password: str = "",
) -> Review:
    """审核通过: all three checks ticked; signs the registration form; → information sync."""
    request = lock_for_change(request)
    _check_reviewer(actor, request)
    if not (goal_quantifiable and receiver_clear and deadline_reasonable):
        raise ActionRefused(_("Tick all three checks to approve, or return the request."))
    signing_password_check(user=actor, password=password)
    principal = request.reviewer
    review = Review.objects.create(
        request=request,
        round=request.reviews.count() + 1,
        reviewer=actor,
        on_behalf_of=decided_for(actor, principal),
        decision=Review.Decision.APPROVED,
        goal_quantifiable=True,
        receiver_clear=True,
        deadline_reasonable=True,
        comment=comment,
    )
    signoff_record(
        target=request,
        signer=actor,
        on_behalf_of=decided_for(actor, principal),
        role=_role_label(actor=principal, department=request.initiator_department),
        meaning=SignOff.Meaning.APPROVED,
        comment=comment,
        side_key=f"review:{review.round}",
    )
    request.approve()
    request.approved_at = timezone.now()
    request.save()
    activity_record(
        subject=request,
        verb="approve",
        actor=actor,
        on_behalf_of=decided_for(actor, principal),
        from_state=Stage.PENDING_REVIEW,
        to_state=request.stage,
        comment=comment,
    )
    notify(
        recipients=_review_watchers(request),
        actor=actor,
        title=Text(
            gettext_lazy("{code} was approved: record the information sync next"),
            code=request.code,
        ),
        body=comment,
        target=request,
    )
    return review


@transaction.atomic
def request_return(
    *,
    actor: User,
    request: Case,
    reason_code: str,
    comment: str,
    goal_quantifiable: bool = False,
    receiver_clear: bool = False,
    deadline_reasonable: bool = False,
) -> Review:
    """退回修改: a reason and a comment are required; the initiator edits and resubmits."""
    request = lock_for_change(request)
    _check_reviewer(actor, request)
    if reason_code not in Review.ReturnReason.values or not comment.strip():
        raise ActionRefused(_("Choose a reason and write what should change."))
    principal = request.reviewer
    review = Review.objects.create(
        request=request,
        round=request.reviews.count() + 1,
        reviewer=actor,
        on_behalf_of=decided_for(actor, principal),
        decision=Review.Decision.RETURNED,
        goal_quantifiable=goal_quantifiable,
        receiver_clear=receiver_clear,
        deadline_reasonable=deadline_reasonable,
        reason_code=reason_code,
        comment=comment.strip(),
    )
    request.return_for_changes()
    request.save()
    activity_record(
        subject=request,
        verb="return",
        actor=actor,
        on_behalf_of=decided_for(actor, principal),
        from_state=Stage.PENDING_REVIEW,
        to_state=request.stage,
        comment=f"{review.get_reason_code_display()}：{review.comment}",
    )
    notify(
        recipients=_review_watchers(request),
        actor=actor,
        title=Text(
            gettext_lazy("{code} was returned for changes: {reason}"),
            code=request.code,
            reason=review.get_reason_code_display(),
        ),
        body=review.comment,
        target=request,
    )
    return review


@transaction.atomic
def request_hand_over(*, actor: User, request: Case, to: User, comment: str = "") -> Case:
    """转交: the reviewer hands the pending review to another head or leader in charge."""
    request = lock_for_change(request)
    _check_reviewer(actor, request)
    may_receive_review(to, request).or_refuse()
    previous = request.reviewer
    request.reviewer = to
    request.save()
    activity_record(
        subject=request,
        verb="hand_over",
        actor=actor,
        on_behalf_of=decided_for(actor, previous),
        comment=_("to %(name)s") % {"name": to.name} + (f"：{comment}" if comment else ""),
    )
    notify(
        recipients=[acting_for(to).person, request.initiator],
        actor=actor,
        title=Text(
            gettext_lazy("{actor} handed the review of {code} to {to}"),
            actor=actor.name,
            code=request.code,
            to=to.name,
        ),
        body=comment,
        target=request,
    )
    return request


@transaction.atomic
def request_urge(*, actor: User, request: Case) -> None:
    """催办: the initiator nudges the reviewer, at most once per 4 hours."""
    request = lock_for_change(request)
    refuse_unless(is_initiator(actor, request), _("Only the initiator can urge this review."))
    refuse_wrong_stage(request, allowed=(Stage.PENDING_REVIEW,))
    refuse_if_urged_recently(subject=request, verb="urge", actor=actor)
    handler = review_handler(request)
    activity_record(subject=request, verb="urge", actor=actor, comment=handler.name)
    notify(
        recipients=[handler],
        actor=actor,
        title=Text(
            gettext_lazy("{initiator} is waiting for your review of {code}"),
            initiator=actor.name,
            code=request.code,
        ),
        target=request,
    )


@transaction.atomic
def request_copy_in(*, actor: User, request: Case, people: list[User]) -> int:
    """抄送: the initiator or the reviewer copies people in; they can follow the case."""
    request = lock_for_change(request)
    may_copy_in(actor, request).or_refuse()
    already = set(request.carbon_copies.values_list("user_id", flat=True))
    added = [p for p in people if p.pk not in already and p != request.initiator and p.is_active]
    CarbonCopy.objects.bulk_create(
        [CarbonCopy(request=request, user=person, added_by=actor) for person in added]
    )
    if added:
        activity_record(
            subject=request, verb="cc", actor=actor, comment="、".join(p.name for p in added)
        )
        notify(
            recipients=added,
            actor=actor,
            title=Text(
                gettext_lazy("{actor} copied you in on {code} “{subject}”"),
                actor=actor.name,
                code=request.code,
                subject=request.subject,
            ),
            target=request,
        )
    return len(added)
