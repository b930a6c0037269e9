"""Stage 2, first half, the information sync (信息同步): what was sent to each receiver, their
acknowledgement of receipt, the kickoff meeting, and finishing the sync for planning."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.archive_guard import lock_for_change
from cases.models import Case
from cases.policies import refuse_wrong_stage
from collab_portal.activity.services import activity_record
from collab_portal.lib.dates import RECORDED
from collab_portal.lib.refusals import ActionRefused, refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.notifications.services import notify
from collab_portal.org.models import User
from requests_app.models import KickoffMeeting, Receiver, SyncRecord
from requests_app.policies import is_initiator, may_acknowledge, side_decider, sync_missing
from requests_app.services.registration import _store_files

Stage = Case.Stage


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
    refuse_unless(
        is_initiator(actor, request), _("Only the initiator records the information sync.")
    )
    refuse_wrong_stage(request, allowed=(Stage.SYNCING,))
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


@transaction.atomic
def sync_acknowledge(*, actor: User, record: SyncRecord) -> SyncRecord:
    """已确认收到: a member of the receiving department confirms the material arrived."""
    request = lock_for_change(record.request)
    record = SyncRecord.objects.select_for_update().get(pk=record.pk)
    refuse_wrong_stage(request, allowed=(Stage.SYNCING, Stage.PLANNING))
    may_acknowledge(actor, record).or_refuse()
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
    refuse_unless(
        is_initiator(actor, request), _("Only the initiator records the kickoff meeting.")
    )
    refuse_wrong_stage(request, allowed=(Stage.SYNCING,))
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


@transaction.atomic
def request_finish_sync(*, actor: User, request: Case) -> Case:
    request = lock_for_change(request)
    refuse_unless(
        is_initiator(actor, request), _("Only the initiator can finish the information sync.")
    )
    refuse_wrong_stage(request, allowed=(Stage.SYNCING,))
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
