"""归档: the coordinator files the retrospective, which freezes its figures and archives the
case."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acceptance_app.bundle_outbox import archive_bundle_queue
from acceptance_app.models import Retrospective
from acceptance_app.policies import _raters, file_missing, is_coordinator
from acceptance_app.services.guards import _lock_retrospective
from cases.models import Case
from cases.policies import refuse_wrong_stage
from collab_portal.activity.services import activity_record
from collab_portal.lib.refusals import ActionRefused, refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.notifications.services import notify
from collab_portal.org.models import User

Stage = Case.Stage


@transaction.atomic
def retrospective_file(*, actor: User, retrospective: Retrospective) -> Retrospective:
    """归档: the coordinator files the retrospective; its metrics are frozen as they are now
    and the case is archived, read-only from then on."""
    from acceptance_app.metrics import retrospective_metrics

    request, retrospective = _lock_retrospective(retrospective)
    refuse_wrong_stage(request, allowed=(Stage.RETROSPECTIVE,), archived_first=True)
    refuse_unless(
        is_coordinator(actor, request), _("Only the coordinator files the retrospective.")
    )
    missing = file_missing(retrospective)
    if missing:
        raise ActionRefused(
            _("It cannot be filed yet: %(missing)s") % {"missing": "；".join(missing)}
        )
    request.archive()
    request.save()
    activity_record(
        subject=request,
        verb="case_archive",
        actor=actor,
        target=retrospective,
        from_state=Stage.RETROSPECTIVE,
        to_state=request.stage,
    )
    # Frozen after the archive row, so stage 6 has its end date in the figures.
    retrospective.metrics = retrospective_metrics(request).as_json()
    retrospective.filed_by = actor
    retrospective.filed_at = timezone.now()
    retrospective.save()
    archive_bundle_queue(request=request)  # built once, by the worker (bundle_outbox)
    notify(
        recipients=[
            request.initiator,
            request.coordinator,
            *_raters(request),
        ],
        actor=actor,
        title=Text(gettext_lazy("{code} is archived with its retrospective"), code=request.code),
        url=reverse("acceptance_app:retrospective", args=[request.code]),
        target=request,
    )
    return retrospective
