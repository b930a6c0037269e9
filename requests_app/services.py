"""Every write on a case in stages 1–2. Each service checks who may act, locks the case row,
runs the transition, writes the timeline and queues notifications after commit."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.archive_guard import lock_for_change, refuse_if_archived
from cases.models import OPEN_STAGES, Case
from collab_portal.activity.services import activity_record, refuse_if_urged_recently
from collab_portal.lib.dates import DEADLINE, RECORDED
from collab_portal.lib.refusals import ActionRefused, refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.lib.uploads import check_upload, storage_name
from collab_portal.notifications.services import notify
from collab_portal.org.models import Department, ExternalContact, User
from collab_portal.org.selectors import acting_for, leader_in_charge_of
from collab_portal.signoffs.models import ExternalLink, SignOff
from collab_portal.signoffs.services import (
    external_link_consume,
    external_link_create,
    external_link_email,
    external_link_revoke,
    signing_password_check,
    signoff_record,
    token_digest,
)
from requests_app.models import (
    Attachment,
    CarbonCopy,
    CodeSequence,
    CollabPlan,
    KickoffMeeting,
    Milestone,
    Receiver,
    Review,
    SyncRecord,
)
from requests_app.one_time_links import LinkKind, case_invitation, kind_of
from requests_app.policies import (
    belongs_to_another_side,
    initiator_side_key,
    may_decide_for_department,
    side_decider,
)

Stage = Case.Stage
PLAN_LINK_PURPOSE = "plan_confirmation"
MAX_ATTACHMENTS = 20


# ---------------------------------------------------------------------------------------------
# Codes


def next_request_code(*, year: int) -> str:
    """CR-<year>-<4 digits>, sequential per year. The UPDATE locks the year's row until the
    surrounding transaction ends, so concurrent cases never share a number."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                CodeSequence.objects.get_or_create(prefix="CR", year=year)
        except IntegrityError:
            pass  # created by a concurrent transaction a moment ago
        CodeSequence.objects.filter(prefix="CR", year=year).update(last_number=F("last_number") + 1)
        number = CodeSequence.objects.get(prefix="CR", year=year).last_number
    return f"CR-{year}-{number:04d}"


# ---------------------------------------------------------------------------------------------
# Registration (stage 1)


@dataclass
class RegistrationData:
    subject: str
    goal: str
    expected_deadline: datetime.date
    initiator_role: str
    internal_departments: list[Department]
    external_contacts: list[ExternalContact]
    metric: str = ""
    target_value: Decimal | None = None
    unit: str = ""
    background: str = ""
    files: list = field(default_factory=list)


def _validate_registration(data: RegistrationData) -> None:
    errors = DEADLINE.refusals(expected_deadline=data.expected_deadline)
    if data.expected_deadline < timezone.localdate():
        errors["expected_deadline"] = _("The expected deadline cannot be in the past.")
    if not data.internal_departments and not data.external_contacts:
        errors["internal_departments"] = _("Name at least one receiver.")
    if data.target_value is not None and not data.metric.strip():
        errors["metric"] = _("Say what the target value measures.")
    if data.metric.strip() and data.target_value is None:
        errors["target_value"] = _("Give the target value for the metric.")
    if errors:
        raise ValidationError(errors)


def _refuse_wrong_stage(request: Case, *, allowed: tuple) -> None:
    if request.stage not in allowed:
        raise ActionRefused(
            _("This request is now “%(stage)s”; that cannot be done any more.")
            % {"stage": request.get_stage_display()}
        )


def _store_files(*, request: Case, files, actor: User, sync_record=None) -> None:
    existing = request.attachments.count()
    if existing + len(files) > MAX_ATTACHMENTS:
        raise ValidationError(
            {"files": _("At most %(count)d attachments per request.") % {"count": MAX_ATTACHMENTS}}
        )
    for uploaded in files:
        checked = check_upload(uploaded)
        attachment = Attachment(
            request=request,
            sync_record=sync_record,
            name=checked.safe_name,
            size=checked.size,
            content_type=checked.content_type,
            sha256=checked.sha256,
            uploaded_by=actor,
        )
        uploaded.seek(0)
        attachment.file.save(storage_name(prefix="requests", checked=checked), uploaded, save=False)
        attachment.save()


def _set_receivers(request: Case, data: RegistrationData) -> None:
    request.receivers.all().delete()
    position = 0
    for department in data.internal_departments:
        Receiver.objects.create(
            request=request, kind=Receiver.Kind.INTERNAL, department=department, position=position
        )
        position += 1
    seen_parties = set()
    for contact in data.external_contacts:
        if contact.party_id in seen_parties:
            continue
        seen_parties.add(contact.party_id)
        Receiver.objects.create(
            request=request,
            kind=Receiver.Kind.EXTERNAL,
            party=contact.party,
            contact=contact,
            position=position,
        )
        position += 1


@transaction.atomic
def request_create(*, initiator: User, data: RegistrationData) -> Case:
    """Save a new request as a draft."""
    refuse_unless(
        initiator.department_id is not None,
        _("Your account has no department yet; ask an administrator to set it."),
    )
    _validate_registration(data)
    request = Case.objects.create(
        code=next_request_code(year=timezone.localdate().year),
        subject=data.subject,
        goal=data.goal,
        metric=data.metric,
        target_value=data.target_value,
        unit=data.unit,
        background=data.background,
        expected_deadline=data.expected_deadline,
        initiator=initiator,
        initiator_department=initiator.department,
        initiator_role=data.initiator_role,
    )
    _set_receivers(request, data)
    _store_files(request=request, files=data.files, actor=initiator)
    activity_record(subject=request, verb="create", actor=initiator, to_state=request.stage)
    return request


@transaction.atomic
def request_update(*, actor: User, request: Case, data: RegistrationData) -> Case:
    """Edit a draft or a returned request; a signed form can no longer be edited."""
    request = lock_for_change(request)
    refuse_unless(actor == request.initiator, _("Only the initiator can edit this request."))
    _refuse_wrong_stage(request, allowed=Case.EDITABLE_STAGES)
    _validate_registration(data)
    for name in (
        "subject",
        "goal",
        "metric",
        "target_value",
        "unit",
        "background",
        "expected_deadline",
        "initiator_role",
    ):
        setattr(request, name, getattr(data, name))
    request.save()
    _set_receivers(request, data)
    _store_files(request=request, files=data.files, actor=actor)
    activity_record(subject=request, verb="edit", actor=actor)
    return request


@transaction.atomic
def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    request = lock_for_change(attachment.request)
    refuse_unless(actor == request.initiator, _("Only the initiator can edit this request."))
    _refuse_wrong_stage(request, allowed=Case.EDITABLE_STAGES)
    refuse_unless(attachment.sync_record_id is None, _("Sync materials cannot be removed."))
    attachment.file.delete(save=False)
    attachment.delete()


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


def may_act_for(user: User, principal: User | None) -> bool:
    """True when ``user`` is ``principal`` or the delegate in force for them today."""
    if principal is None or not user.is_active:
        return False
    return user == principal or acting_for(principal).person == user


def review_handler(request: Case) -> User:
    """Who should act on the pending review now: the reviewer's delegate in force, unless that
    delegate is the initiator (nobody reviews their own request) or belongs to a receiving
    side, then the reviewer."""
    handler = acting_for(request.reviewer).person
    if handler == request.initiator or belongs_to_another_side(
        handler, request, initiator_side_key(request)
    ):
        return request.reviewer
    return handler


def _acting_label(actor: User, principal: User) -> User | None:
    return principal if actor != principal else None


def _review_watchers(request: Case) -> list[User]:
    return [request.initiator, *[cc.user for cc in request.carbon_copies.select_related("user")]]


@transaction.atomic
def request_submit(*, actor: User, request: Case) -> Case:
    request = lock_for_change(request)
    refuse_unless(actor == request.initiator, _("Only the initiator can submit this request."))
    _refuse_wrong_stage(request, allowed=Case.EDITABLE_STAGES)
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
def request_save_and_submit(
    *, actor: User, data: RegistrationData, request: Case | None = None
) -> tuple[Case, ActionRefused | None]:
    """保存并提交: save the form (a new draft, or the edits of a draft or returned request), then
    submit it. A refused submit (no reviewer, a deadline passed…) keeps what was saved: the
    request comes back as a draft with the refusal."""
    if request is None:
        saved = request_create(initiator=actor, data=data)
    else:
        saved = request_update(actor=actor, request=request, data=data)
    try:
        with transaction.atomic():
            return request_submit(actor=actor, request=saved), None
    except ActionRefused as refused:
        return saved, refused


@transaction.atomic
def request_withdraw(*, actor: User, request: Case) -> Case:
    """撤回: the initiator takes a pending request back to draft."""
    request = lock_for_change(request)
    refuse_unless(actor == request.initiator, _("Only the initiator can withdraw this request."))
    _refuse_wrong_stage(request, allowed=(Stage.PENDING_REVIEW,))
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


def may_review(user: User, request: Case) -> bool:
    """The reviewer or their delegate in force — never the initiator, nor anyone of a
    receiving side."""
    return (
        user != request.initiator
        and not belongs_to_another_side(user, request, initiator_side_key(request))
        and may_act_for(user, request.reviewer)
    )


def _check_reviewer(actor: User, request: Case) -> None:
    _refuse_wrong_stage(request, allowed=(Stage.PENDING_REVIEW,))
    refuse_unless(actor != request.initiator, _("Nobody reviews their own request."))
    refuse_unless(
        not belongs_to_another_side(actor, request, initiator_side_key(request)),
        _("You belong to a receiving side of this request, so you cannot review it."),
    )
    refuse_unless(
        may_act_for(actor, request.reviewer),
        _("This review is waiting for %(reviewer)s, not for you.")
        % {"reviewer": request.reviewer.name if request.reviewer else "—"},
    )


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
        on_behalf_of=_acting_label(actor, principal),
        decision=Review.Decision.APPROVED,
        goal_quantifiable=True,
        receiver_clear=True,
        deadline_reasonable=True,
        comment=comment,
    )
    signoff_record(
        target=request,
        signer=actor,
        on_behalf_of=_acting_label(actor, principal),
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
        on_behalf_of=_acting_label(actor, principal),
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
        on_behalf_of=_acting_label(actor, principal),
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
        on_behalf_of=_acting_label(actor, principal),
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


def may_receive_hand_over(user: User) -> bool:
    """转交 goes to another qualified person: a head or leader in charge of some department."""
    return (
        user.is_active
        and Department.objects.filter(is_active=True)
        .filter(Q(head=user) | Q(leader_in_charge=user))
        .exists()
    )


@transaction.atomic
def request_hand_over(*, actor: User, request: Case, to: User, comment: str = "") -> Case:
    """转交: the reviewer hands the pending review to another head or leader in charge."""
    request = lock_for_change(request)
    _check_reviewer(actor, request)
    refuse_unless(to != request.initiator, _("Nobody reviews their own request."))
    refuse_unless(
        to != request.reviewer, _("The review is already with %(name)s.") % {"name": to.name}
    )
    refuse_unless(
        may_receive_hand_over(to),
        _("%(name)s is not a department head or leader in charge.") % {"name": to.name},
    )
    refuse_unless(
        not belongs_to_another_side(to, request, initiator_side_key(request)),
        _("%(name)s belongs to a receiving side of this request and cannot review it.")
        % {"name": to.name},
    )
    previous = request.reviewer
    request.reviewer = to
    request.save()
    activity_record(
        subject=request,
        verb="hand_over",
        actor=actor,
        on_behalf_of=_acting_label(actor, previous),
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
    refuse_unless(actor == request.initiator, _("Only the initiator can urge this review."))
    _refuse_wrong_stage(request, allowed=(Stage.PENDING_REVIEW,))
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
    refuse_unless(
        actor == request.initiator or may_act_for(actor, request.reviewer),
        _("Only the initiator or the reviewer can copy people in."),
    )
    refuse_unless(request.stage in OPEN_STAGES, _("This request is closed."))
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


@transaction.atomic
def request_cancel(*, actor: User, request: Case, reason: str) -> Case:
    request = lock_for_change(request)
    refuse_unless(
        actor == request.initiator or actor.is_portal_admin,
        _("Only the initiator or an administrator can cancel this request."),
    )
    refuse_unless(bool(reason.strip()), _("Say why the request is cancelled."))
    _refuse_wrong_stage(request, allowed=tuple(OPEN_STAGES))
    from_state = request.stage
    request.cancel()
    request.cancel_reason = reason.strip()
    request.save()
    activity_record(
        subject=request,
        verb="cancel",
        actor=actor,
        from_state=from_state,
        to_state=request.stage,
        comment=request.cancel_reason,
    )
    notify(
        recipients=[*_review_watchers(request), *_side_deciders(request)],
        actor=actor,
        title=Text(gettext_lazy("{code} was cancelled"), code=request.code),
        body=request.cancel_reason,
        target=request,
    )
    return request


# ---------------------------------------------------------------------------------------------
# Information sync (stage 2, first half)


@transaction.atomic
def sync_record_add(
    *,
    actor: User,
    request: Case,
    receiver: Receiver,
    channel: str,
    sent_at: datetime.datetime,
    recipients: str,
    materials: str = "",
    files=(),
) -> SyncRecord:
    request = lock_for_change(request)
    refuse_unless(actor == request.initiator, _("Only the initiator records the information sync."))
    _refuse_wrong_stage(request, allowed=(Stage.SYNCING,))
    refuse_unless(
        receiver.request_id == request.pk, _("That receiver is not part of this request.")
    )
    if sent_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"sent_at": _("The sending time cannot be in the future.")})
    if errors := RECORDED.refusals(sent_at=sent_at):
        raise ValidationError(errors)
    record = SyncRecord.objects.create(
        request=request,
        receiver=receiver,
        channel=channel,
        sent_at=sent_at,
        recipients=recipients,
        materials=materials,
        recorded_by=actor,
    )
    _store_files(request=request, files=list(files), actor=actor, sync_record=record)
    activity_record(
        subject=request,
        verb="sync_record",
        actor=actor,
        target=record,
        comment=f"{receiver.label} · {record.get_channel_display()} · {recipients}",
    )
    if receiver.is_internal:
        decider = side_decider(request, receiver.department)
        notify(
            recipients=[decider.person] if decider else [],
            actor=actor,
            title=Text(
                gettext_lazy(
                    "{code} “{subject}” was sent to {department}: please acknowledge receipt"
                ),
                code=request.code,
                subject=request.subject,
                department=receiver.department.name,
            ),
            target=request,
        )
    return record


def may_acknowledge(user: User, record: SyncRecord) -> bool:
    """A member of the receiving department, its head or the head's delegate — never someone
    of another side of the case."""
    receiver = record.receiver
    if not receiver.is_internal or not user.is_active:
        return False
    if user.department_id == receiver.department_id:
        return True
    return may_decide_for_department(user, record.request, receiver.department)


@transaction.atomic
def sync_acknowledge(*, actor: User, record: SyncRecord) -> SyncRecord:
    """已确认收到: a member of the receiving department confirms the material arrived."""
    request = lock_for_change(record.request)
    record = SyncRecord.objects.select_for_update().get(pk=record.pk)
    _refuse_wrong_stage(request, allowed=(Stage.SYNCING, Stage.PLANNING))
    refuse_unless(
        may_acknowledge(actor, record),
        _("Only the receiving department can acknowledge receipt."),
    )
    if record.is_acknowledged:
        raise ActionRefused(
            _("%(name)s already acknowledged receipt at %(time)s.")
            % {
                "name": record.acknowledged_by.name,
                "time": timezone.localtime(record.acknowledged_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
    record.acknowledged_by = actor
    record.acknowledged_at = timezone.now()
    record.save(update_fields=["acknowledged_by", "acknowledged_at"])
    activity_record(
        subject=request, verb="sync_ack", actor=actor, target=record, comment=record.receiver.label
    )
    notify(
        recipients=[request.initiator],
        actor=actor,
        title=Text(
            gettext_lazy("{department} acknowledged receipt of {code}"),
            department=record.receiver.label,
            code=request.code,
        ),
        target=request,
    )
    return record


@transaction.atomic
def kickoff_record(
    *,
    actor: User,
    request: Case,
    mode: str,
    held_at: datetime.datetime,
    location: str,
    invited: list[User],
    attended: list[User],
    minutes: str,
    decisions: str = "",
    external_attendees: str = "",
) -> KickoffMeeting:
    """启动会 record; required before planning when the case has more than one receiver."""
    request = lock_for_change(request)
    refuse_unless(actor == request.initiator, _("Only the initiator records the kickoff meeting."))
    _refuse_wrong_stage(request, allowed=(Stage.SYNCING,))
    if errors := RECORDED.refusals(held_at=held_at):
        raise ValidationError(errors)
    stray = [person.name for person in attended if person not in invited]
    if stray:
        raise ValidationError(
            {
                "attended": _("Attendees must be among the invited: %(names)s")
                % {"names": "、".join(stray)}
            }
        )
    meeting, _created = KickoffMeeting.objects.update_or_create(
        request=request,
        defaults={
            "mode": mode,
            "held_at": held_at,
            "location": location,
            "minutes": minutes,
            "decisions": decisions,
            "external_attendees": external_attendees,
            "recorded_by": actor,
        },
    )
    meeting.invited.set(invited)
    meeting.attended.set(attended)
    activity_record(
        subject=request,
        verb="kickoff",
        actor=actor,
        target=meeting,
        comment=f"{timezone.localtime(held_at):%Y-%m-%d %H:%M} · {location}",
    )
    return meeting


def sync_missing(request: Case) -> list[str]:
    """What still stands between the information sync and planning, in the user's words."""
    missing = []
    receivers = list(request.receivers.all())
    records = list(request.sync_records.all())
    for receiver in receivers:
        own = [record for record in records if record.receiver_id == receiver.pk]
        if not own:
            missing.append(_("No sync recorded for %(receiver)s.") % {"receiver": receiver.label})
        elif receiver.is_internal and not any(record.is_acknowledged for record in own):
            missing.append(
                _("%(receiver)s has not acknowledged receipt yet.") % {"receiver": receiver.label}
            )
    if len(receivers) > 1 and not KickoffMeeting.objects.filter(request=request).exists():
        missing.append(_("A multi-party request needs a kickoff meeting record."))
    return missing


@transaction.atomic
def request_finish_sync(*, actor: User, request: Case) -> Case:
    request = lock_for_change(request)
    refuse_unless(
        actor == request.initiator, _("Only the initiator can finish the information sync.")
    )
    _refuse_wrong_stage(request, allowed=(Stage.SYNCING,))
    missing = sync_missing(request)
    if missing:
        raise ActionRefused(" ".join(missing))
    request.finish_sync()
    request.save()
    activity_record(
        subject=request,
        verb="sync_done",
        actor=actor,
        from_state=Stage.SYNCING,
        to_state=request.stage,
    )
    notify(
        recipients=[
            *(d.person for d in _receiver_deciders(request)),
            *_receiver_plan_authors(request),
        ],
        actor=actor,
        title=Text(
            gettext_lazy("{code} is ready for planning: please draft the collaboration plan"),
            code=request.code,
        ),
        target=request,
    )
    return request


# ---------------------------------------------------------------------------------------------
# Plan co-creation and confirmation (stage 2, second half)


@dataclass(frozen=True)
class Side:
    """One side of the plan's co-signature: a department (its head or delegate signs) or an
    external party (its contact signs through a link)."""

    key: str
    label: str
    department: Department | None = None
    receiver: Receiver | None = None

    @property
    def is_external(self) -> bool:
        return self.department is None


def plan_sides(request: Case) -> list[Side]:
    """The initiator's department and every receiver, each once."""
    department = request.initiator_department
    sides = [Side(key=f"dept:{department.pk}", label=department.name, department=department)]
    for receiver in request.receivers.all():
        if receiver.side_key == sides[0].key:
            continue
        sides.append(
            Side(
                key=receiver.side_key,
                label=receiver.label,
                department=receiver.department if receiver.is_internal else None,
                receiver=receiver,
            )
        )
    return sides


def _receiver_deciders(request: Case):
    for receiver in request.receivers.all():
        if receiver.is_internal:
            decider = side_decider(request, receiver.department)
            if decider is not None:
                yield decider


def _receiver_plan_authors(request: Case) -> list[User]:
    """For external receivers the party's internal owner drafts the plan with them."""
    return [
        r.party.internal_owner
        for r in request.receivers.all()
        if not r.is_internal and r.party.internal_owner_id
    ]


def _side_deciders(request: Case) -> list[User]:
    return [
        decider.person
        for side in plan_sides(request)
        if side.department is not None
        for decider in [side_decider(request, side.department)]
        if decider is not None
    ]


def may_edit_plan(user: User, request: Case) -> bool:
    """The receiver side drafts the plan: members of receiving departments, or — for an
    external receiver — its internal owner and the initiator."""
    if not user.is_active:
        return False
    for receiver in request.receivers.all():
        if receiver.is_internal and user.department_id == receiver.department_id:
            return True
        if receiver.is_internal and may_decide_for_department(user, request, receiver.department):
            return True
        if not receiver.is_internal and user in (receiver.party.internal_owner, request.initiator):
            return True
    return False


def current_plan(request: Case) -> CollabPlan | None:
    return request.plans.order_by("-version").first()


@dataclass
class PlanData:
    content: str
    resource_needs: str = ""
    risk_points: str = ""
    coordinator: User | None = None
    milestones: list[tuple[str, datetime.date]] = field(default_factory=list)


def _validate_plan(request: Case, data: PlanData) -> None:
    if not data.milestones:
        raise ValidationError({"milestones": _("Add at least one milestone with its date.")})
    outside = [name for name, due in data.milestones if not DEADLINE.holds(due)]
    if outside:
        first, last = DEADLINE.bounds()
        message = _("Milestones outside %(first)s to %(last)s: %(names)s") % {
            "first": first.isoformat(),
            "last": last.isoformat(),
            "names": "、".join(outside),
        }
        raise ValidationError({"milestones": message})
    late = [name for name, due in data.milestones if due > request.expected_deadline]
    if late:
        raise ValidationError(
            {
                "milestones": _("Milestones after the expected deadline (%(deadline)s): %(names)s")
                % {"deadline": request.expected_deadline.isoformat(), "names": "、".join(late)}
            }
        )
    past = [name for name, due in data.milestones if due < timezone.localdate()]
    if past:
        raise ValidationError(
            {"milestones": _("Milestones in the past: %(names)s") % {"names": "、".join(past)}}
        )


@transaction.atomic
def plan_save(*, actor: User, request: Case, data: PlanData) -> CollabPlan:
    """Create the first version, or edit the current draft version."""
    request = lock_for_change(request)
    _refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    refuse_unless(may_edit_plan(actor, request), _("Only the receiving side drafts the plan."))
    _validate_plan(request, data)
    plan = current_plan(request)
    if plan is None:
        plan = CollabPlan(request=request, version=1, author=actor)
    elif plan.state != CollabPlan.State.DRAFT:
        raise ActionRefused(
            _("Version %(version)s is “%(state)s” and cannot be edited.")
            % {"version": plan.version, "state": plan.get_state_display()}
        )
    plan.content = data.content
    plan.resource_needs = data.resource_needs
    plan.risk_points = data.risk_points
    plan.coordinator = data.coordinator
    plan.save()
    plan.milestones.all().delete()
    Milestone.objects.bulk_create(
        [
            Milestone(plan=plan, name=name, due_on=due, position=index)
            for index, (name, due) in enumerate(data.milestones)
        ]
    )
    activity_record(
        subject=request, verb="plan_draft", actor=actor, target=plan, comment=f"v{plan.version}"
    )
    return plan


@transaction.atomic
def plan_propose(*, actor: User, plan: CollabPlan) -> CollabPlan:
    request = lock_for_change(plan.request)
    plan = CollabPlan.objects.select_for_update().get(pk=plan.pk)
    _refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    refuse_unless(may_edit_plan(actor, request), _("Only the receiving side drafts the plan."))
    refuse_unless(plan.state == CollabPlan.State.DRAFT, _("Only a draft can be proposed."))
    refuse_unless(
        plan.coordinator_id is not None, _("Name the coordinator before proposing the plan.")
    )
    plan.propose()
    plan.proposed_at = timezone.now()
    plan.save()
    activity_record(
        subject=request, verb="plan_propose", actor=actor, target=plan, comment=f"v{plan.version}"
    )
    notify(
        recipients=_side_deciders(request),
        actor=actor,
        title=Text(
            gettext_lazy("Please confirm the plan v{version} of {code} “{subject}”"),
            version=plan.version,
            code=request.code,
            subject=request.subject,
        ),
        target=plan,
    )
    return plan


def signed_side_keys(plan: CollabPlan) -> set[str]:
    return set(
        SignOff.objects.filter(
            target_type=ContentType.objects.get_for_model(CollabPlan),
            target_id=str(plan.pk),
            meaning=SignOff.Meaning.CONFIRMED,
        ).values_list("side_key", flat=True)
    )


def sides_to_sign_for(user: User, plan: CollabPlan) -> list[Side]:
    """The internal sides ``user`` decides for today (as the head or the head's delegate, and
    belonging to no other side) that have not signed this version yet."""
    signed = signed_side_keys(plan)
    return [
        side
        for side in plan_sides(plan.request)
        if not side.is_external
        and side.key not in signed
        and may_decide_for_department(user, plan.request, side.department)
    ]


def _role_label(*, actor: User, department: Department) -> Text:
    if department.head_id == actor.pk:
        return Text(gettext_lazy("Head of %(department)s"), department=department.name)
    return Text(gettext_lazy("Leader in charge of %(department)s"), department=department.name)


def _confirm_if_complete(*, request: Case, plan: CollabPlan, actor_name: str, actor=None) -> bool:
    signed = signed_side_keys(plan)
    if any(side.key not in signed for side in plan_sides(request)):
        return False
    plan.confirm()
    plan.confirmed_at = timezone.now()
    plan.save()
    request.confirm_plan()
    request.coordinator = plan.coordinator
    request.save()
    activity_record(
        subject=request,
        verb="plan_confirmed",
        actor=actor,
        actor_name=actor_name,
        target=plan,
        from_state=Stage.PLANNING,
        to_state=request.stage,
        comment=f"v{plan.version}",
    )
    notify(
        recipients=[request.initiator, plan.author, plan.coordinator, *_side_deciders(request)],
        actor=actor,
        title=Text(
            gettext_lazy(
                "The plan of {code} is confirmed by every side; "
                "{coordinator} breaks it into tasks next"
            ),
            code=request.code,
            coordinator=plan.coordinator.name,
        ),
        target=request,
    )
    return True


@transaction.atomic
def plan_sign(
    *, actor: User, plan: CollabPlan, comment: str = "", password: str = ""
) -> list[SignOff]:
    """会签: a side's head (or delegate) confirms the proposed plan for every side they decide
    for. The last signature confirms the plan and moves the case to task breakdown."""
    request = lock_for_change(plan.request)
    plan = CollabPlan.objects.select_for_update().get(pk=plan.pk)
    _refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    refuse_unless(
        plan.state == CollabPlan.State.PROPOSED,
        _("This plan version is not awaiting confirmation."),
    )
    sides = sides_to_sign_for(actor, plan)
    refuse_unless(bool(sides), _("You do not sign this plan, or you have signed it already."))
    signing_password_check(user=actor, password=password)
    signoffs = []
    for side in sides:
        head = side.department.head
        signoffs.append(
            signoff_record(
                target=plan,
                signer=actor,
                on_behalf_of=_acting_label(actor, head),
                role=_role_label(actor=head, department=side.department),
                meaning=SignOff.Meaning.CONFIRMED,
                comment=comment,
                side_key=side.key,
            )
        )
        activity_record(
            subject=request,
            verb="plan_sign",
            actor=actor,
            on_behalf_of=_acting_label(actor, head),
            target=plan,
            comment=f"{side.label} · v{plan.version}" + (f"：{comment}" if comment else ""),
        )
    _confirm_if_complete(request=request, plan=plan, actor_name=actor.name, actor=actor)
    return signoffs


def _revision_requested(
    *,
    request: Case,
    plan: CollabPlan,
    comment: str,
    actor,
    actor_name: str,
    on_behalf_of=None,
):
    plan.request_revision()
    plan.revision_comment = comment
    plan.save()
    activity_record(
        subject=request,
        verb="plan_revision",
        actor=actor,
        actor_name=actor_name,
        on_behalf_of=on_behalf_of,
        target=plan,
        comment=f"v{plan.version}：{comment}",
    )
    notify(
        recipients=[plan.author, request.initiator],
        actor=actor,
        title=Text(
            gettext_lazy("{name} asked for a revision of the plan v{version} of {code}"),
            name=actor_name,
            version=plan.version,
            code=request.code,
        ),
        body=comment,
        target=plan,
    )


@transaction.atomic
def plan_request_revision(*, actor: User, plan: CollabPlan, comment: str) -> CollabPlan:
    request = lock_for_change(plan.request)
    plan = CollabPlan.objects.select_for_update().get(pk=plan.pk)
    _refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    refuse_unless(
        plan.state == CollabPlan.State.PROPOSED,
        _("This plan version is not awaiting confirmation."),
    )
    sides = sides_to_sign_for(actor, plan)
    refuse_unless(bool(sides), _("You do not sign this plan, or you have signed it already."))
    refuse_unless(bool(comment.strip()), _("Say what should change in the plan."))
    head = sides[0].department.head
    _revision_requested(
        request=request,
        plan=plan,
        comment=comment.strip(),
        actor=actor,
        actor_name=actor.name,
        on_behalf_of=_acting_label(actor, head),
    )
    return plan


def may_urge_plan(user: User, plan: CollabPlan) -> bool:
    """The plan's author or the initiator chases the sides of a proposed plan."""
    return plan.state == CollabPlan.State.PROPOSED and user.pk in (
        plan.author_id,
        plan.request.initiator_id,
    )


@transaction.atomic
def plan_urge(*, actor: User, plan: CollabPlan) -> list[User]:
    """催办: the plan's author or the initiator nudges every side that has not signed — the
    head of an internal side (or the delegate in force), the internal owner of an external
    party (to chase its contact; the initiator when it has none) — at most once per 4 hours
    per plan version and sender. Returns who was nudged."""
    request = lock_for_change(plan.request)
    plan = CollabPlan.objects.select_for_update().get(pk=plan.pk)
    _refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    refuse_unless(
        plan.state == CollabPlan.State.PROPOSED,
        _("This plan version is not awaiting confirmation."),
    )
    refuse_unless(
        actor.pk in (plan.author_id, request.initiator_id),
        _("Only the plan's author or the initiator can urge its confirmation."),
    )
    refuse_if_urged_recently(subject=request, verb="plan_urge", actor=actor, target=plan)
    signed = signed_side_keys(plan)
    deciders: list[User] = []
    chasers: list[tuple[User, Side]] = []
    for side in plan_sides(request):
        if side.key in signed:
            continue
        if side.is_external:
            owner = side.receiver.party.internal_owner
            chaser = owner if owner is not None and owner.is_active else request.initiator
            chasers.append((chaser, side))
            continue
        decider = side_decider(request, side.department)
        if decider is not None:
            deciders.append(decider.person)
    nudged = list(
        {
            person.pk: person
            for person in [*deciders, *(chaser for chaser, _side in chasers)]
            if person != actor and person.is_active
        }.values()
    )
    refuse_unless(
        bool(nudged),
        _("There is nobody else to urge: the sides that have not signed wait on you."),
    )
    activity_record(
        subject=request,
        verb="plan_urge",
        actor=actor,
        target=plan,
        comment=f"v{plan.version}：" + "、".join(person.name for person in nudged),
    )
    notify(
        recipients=deciders,
        actor=actor,
        title=Text(
            gettext_lazy(
                "{name} is waiting for your confirmation of the plan v{version} of {code}"
            ),
            name=actor.name,
            version=plan.version,
            code=request.code,
        ),
        target=plan,
    )
    for chaser, side in chasers:
        notify(
            recipients=[chaser],
            actor=actor,
            title=Text(
                gettext_lazy(
                    "{name} is waiting for {party}'s confirmation of the plan v{version} of "
                    "{code}: please follow it up with them"
                ),
                name=actor.name,
                party=side.label,
                version=plan.version,
                code=request.code,
            ),
            target=plan,
        )
    return nudged


@transaction.atomic
def plan_new_version(*, actor: User, plan: CollabPlan) -> CollabPlan:
    """Start the next version from a version that was sent back; the old one stays readable."""
    request = lock_for_change(plan.request)
    _refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    refuse_unless(may_edit_plan(actor, request), _("Only the receiving side drafts the plan."))
    latest = current_plan(request)
    refuse_unless(
        latest is not None
        and latest.pk == plan.pk
        and plan.state == CollabPlan.State.REVISION_REQUESTED,
        _("A new version starts from the latest version sent back for revision."),
    )
    new = CollabPlan.objects.create(
        request=request,
        version=plan.version + 1,
        content=plan.content,
        resource_needs=plan.resource_needs,
        risk_points=plan.risk_points,
        coordinator=plan.coordinator,
        author=actor,
    )
    Milestone.objects.bulk_create(
        [
            Milestone(plan=new, name=m.name, due_on=m.due_on, position=m.position)
            for m in plan.milestones.all()
        ]
    )
    activity_record(
        subject=request, verb="plan_new_version", actor=actor, target=new, comment=f"v{new.version}"
    )
    return new


def may_send_plan_link(user: User, request: Case, receiver: Receiver | None) -> bool:
    """The initiator, the party's internal owner or an administrator sends an external
    receiver's contact the plan's link (and may revoke or e-mail it)."""
    return (
        receiver is not None
        and not receiver.is_internal
        and (user in (request.initiator, receiver.party.internal_owner) or user.is_portal_admin)
    )


def receiver_of_contact(request: Case, contact: ExternalContact) -> Receiver | None:
    """The case's external receiver the contact speaks for."""
    return next((r for r in request.receivers.all() if r.party_id == contact.party_id), None)


@transaction.atomic
def plan_external_link_create(*, actor: User, plan: CollabPlan, receiver: Receiver) -> str:
    """A one-time, expiring link for an external receiver's contact to confirm the plan.
    Returns the URL path with the raw token; only its hash is stored."""
    request = lock_for_change(plan.request)
    plan = CollabPlan.objects.select_for_update().get(pk=plan.pk)
    _refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    refuse_unless(
        plan.state == CollabPlan.State.PROPOSED,
        _("This plan version is not awaiting confirmation."),
    )
    refuse_unless(
        receiver.request_id == request.pk and not receiver.is_internal and receiver.contact_id,
        _("Links are for external receivers with a contact."),
    )
    refuse_unless(
        may_send_plan_link(actor, request, receiver),
        _("Only the initiator or the party's internal owner can create the link."),
    )
    _link, token = external_link_create(
        target=plan, contact=receiver.contact, purpose=PLAN_LINK_PURPOSE, created_by=actor
    )
    activity_record(
        subject=request, verb="plan_link", actor=actor, target=plan, comment=receiver.label
    )
    return reverse("external:plan", args=[token])


PLAN_LINKS = LinkKind(
    purpose=PLAN_LINK_PURPOSE,
    label=gettext_lazy("Plan confirmation"),
    model=CollabPlan,
    records=lambda request: request.plans.all(),
    may_send=lambda user, request, contact: may_send_plan_link(
        user, request, receiver_of_contact(request, contact)
    ),
    invitation=case_invitation(
        gettext_lazy(
            "{company} asks you to confirm the collaboration plan v{version} of {code} "
            "“{subject}”: read it and confirm, or ask for changes, through the link below."
        )
    ),
    url_name="external:plan",
)


@transaction.atomic
def plan_external_decide(
    *,
    token: str,
    typed_name: str,
    ip: str | None,
    agree: bool,
    comment: str = "",
    user_agent: str = "",
) -> CollabPlan:
    """The external contact confirms (or asks for a revision of) the plan through the link.
    The link is consumed in the same transaction: usable once."""
    if not typed_name.strip():
        raise ValidationError({"typed_name": _("Type your name to sign.")})
    if not agree and not comment.strip():
        raise ValidationError({"comment": _("Say what should change in the plan.")})
    link = external_link_consume(
        token=token, purpose=PLAN_LINK_PURPOSE, typed_name=typed_name.strip(), ip=ip
    )
    plan = CollabPlan.objects.select_for_update().get(pk=link.target_id)
    request = lock_for_change(plan.request)
    _refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    refuse_unless(
        plan.state == CollabPlan.State.PROPOSED,
        _("This plan version is not awaiting confirmation."),
    )
    side = next(
        (
            s
            for s in plan_sides(request)
            if s.receiver and s.receiver.party_id == link.contact.party_id
        ),
        None,
    )
    refuse_unless(side is not None, _("This link is not valid."))
    name = f"{typed_name.strip()}（{link.contact.party.name}）"
    if not agree:
        _revision_requested(
            request=request, plan=plan, comment=comment.strip(), actor=None, actor_name=name
        )
        return plan
    signoff_record(
        target=plan,
        external_contact=link.contact,
        typed_name=typed_name.strip(),
        role=Text(gettext_lazy("Contact of %(party)s"), party=link.contact.party.name),
        meaning=SignOff.Meaning.CONFIRMED,
        comment=comment,
        side_key=side.key,
        ip=ip,
        user_agent=user_agent[:300],
    )
    activity_record(
        subject=request,
        verb="plan_sign",
        actor_name=name,
        target=plan,
        comment=f"{side.label} · v{plan.version}" + (f"：{comment}" if comment else ""),
    )
    _confirm_if_complete(request=request, plan=plan, actor_name=name)
    return plan


# ---------------------------------------------------------------------------------------------
# The case's one-time links, whatever stage made them (``one_time_links``)


def _link_kind_in_case(request: Case, link: ExternalLink) -> LinkKind:
    """The kind of ``link``, refusing a link that is not one of this case's."""
    kind = kind_of(link.purpose)
    refuse_unless(
        kind is not None
        and link.target_type_id == ContentType.objects.get_for_model(kind.model).pk
        and kind.records(request).filter(pk=link.target_id).exists(),
        _("This link is not valid."),
    )
    return kind


def _refuse_unless_may_send(actor: User, request: Case, kind, link) -> None:
    refuse_unless(
        kind.may_send(actor, request, link.contact),
        _("Only those who may send this link may revoke or e-mail it."),
    )


@transaction.atomic
def case_link_revoke(*, actor: User, request: Case, link: ExternalLink) -> ExternalLink:
    """Revoke an unused one-time link of the case: who may send it may revoke it. Whoever opens
    it afterwards is told it was revoked. Only the link's row is locked, as the customer's use
    of it locks it before the case: the two are serialised on it, never deadlocked."""
    refuse_if_archived(request)
    kind = _link_kind_in_case(request, link)
    _refuse_unless_may_send(actor, request, kind, link)
    link = external_link_revoke(link=link, actor=actor)
    activity_record(
        subject=request,
        verb="link_revoke",
        actor=actor,
        target=link.target,
        comment=Text(
            "{kind} · {party}（{name}）",
            kind=kind.label,
            party=link.contact.party.name,
            name=link.contact.name,
        ),
    )
    return link


@transaction.atomic
def case_link_email(*, actor: User, request: Case, token: str, base_url: str) -> ExternalLink:
    """E-mail a one-time link of the case to its contact, once (``external_link_email``). The
    page that showed the new link posts its token; ``base_url`` is the portal's address as the
    sender reached it, so the e-mail carries the link they were shown. Two clicks at once are
    serialised on the link's row (see ``case_link_revoke``)."""
    refuse_if_archived(request)
    link = (
        ExternalLink.objects.select_related("contact__party")
        .filter(token_hash=token_digest(token or ""))
        .first()
    )
    refuse_unless(link is not None, _("This link is not valid."))
    kind = _link_kind_in_case(request, link)
    _refuse_unless_may_send(actor, request, kind, link)
    record = kind.model._default_manager.get(pk=link.target_id)
    link = external_link_email(
        link=link,
        token=token,
        url=base_url.rstrip("/") + reverse(kind.url_name, args=[token]),
        subject=Text("{label} · {code}", label=kind.label, code=request.code),
        invitation=kind.invitation(record),
        actor=actor,
    )
    activity_record(
        subject=request,
        verb="link_email",
        actor=actor,
        target=record,
        comment=Text(
            "{kind} · {name} <{address}>",
            kind=kind.label,
            name=link.contact.name,
            address=link.emailed_to,
        ),
    )
    return link
