"""Stage 1, the registration form (沟通需求登记表): a case's number, its draft and edits, its
attachments, saving and submitting at once, and cancelling the case."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.archive_guard import lock_for_change
from cases.models import OPEN_STAGES, Case
from cases.policies import refuse_wrong_stage
from collab_portal.activity.services import activity_record
from collab_portal.lib.dates import DEADLINE
from collab_portal.lib.refusals import ActionRefused, refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.lib.uploads import check_upload, storage_name
from collab_portal.notifications.services import notify
from collab_portal.org.models import Department, ExternalContact, User
from requests_app.models import Attachment, CodeSequence, Receiver
from requests_app.policies import is_initiator, may_cancel
from requests_app.services.plan import _side_deciders
from requests_app.services.review import _review_watchers, request_submit

MAX_ATTACHMENTS = 20


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
    refuse_unless(is_initiator(actor, request), _("Only the initiator can edit this request."))
    refuse_wrong_stage(request, allowed=Case.EDITABLE_STAGES)
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
    refuse_unless(is_initiator(actor, request), _("Only the initiator can edit this request."))
    refuse_wrong_stage(request, allowed=Case.EDITABLE_STAGES)
    refuse_unless(attachment.sync_record_id is None, _("Sync materials cannot be removed."))
    attachment.file.delete(save=False)
    attachment.delete()


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
def request_cancel(*, actor: User, request: Case, reason: str) -> Case:
    request = lock_for_change(request)
    may_cancel(actor, request).or_refuse()
    refuse_unless(bool(reason.strip()), _("Say why the request is cancelled."))
    refuse_wrong_stage(request, allowed=tuple(OPEN_STAGES))
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
