"""What every write of stages 5–6 does first: lock the case row, then its own row, so two people
acting on one delivery at once are serialised (the second one finds the new state and is
told), and refuse a case in another stage. ``_refuse_wrong_stage`` and ``_acting_label`` are
copies of requests_app's, kept as they are until the case kernel holds the one copy.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from acceptance_app.models import Delivery, Retrospective
from cases.archive_guard import lock_for_change, refuse_if_archived
from cases.models import Case
from collab_portal.lib.refusals import ActionRefused
from collab_portal.org.models import User


def _lock_delivery(delivery: Delivery) -> tuple[Case, Delivery]:
    request = lock_for_change(delivery.request, archived_ok=True)
    return request, Delivery.objects.select_for_update().get(pk=delivery.pk)


def _refuse_wrong_stage(request: Case, *, allowed: tuple) -> None:
    refuse_if_archived(request)
    if request.stage not in allowed:
        raise ActionRefused(
            _("This request is now “%(stage)s”; that cannot be done any more.")
            % {"stage": request.get_stage_display()}
        )


def _acting_label(actor: User, principal: User | None) -> User | None:
    return principal if principal is not None and actor != principal else None


def _lock_retrospective(retrospective: Retrospective) -> tuple[Case, Retrospective]:
    request = lock_for_change(retrospective.request, archived_ok=True)
    return request, Retrospective.objects.select_for_update().get(pk=retrospective.pk)
