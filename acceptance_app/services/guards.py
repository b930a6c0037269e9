"""What every write of stages 5–6 does first: lock the case row, then its own row, so two people
acting on one delivery at once are serialised (the second one finds the new state and is
told). The stage gate is the kernel's (``cases.policies.refuse_wrong_stage``).
"""

from __future__ import annotations

from acceptance_app.models import Delivery, Retrospective
from cases.archive_guard import lock_for_change
from cases.models import Case


def _lock_delivery(delivery: Delivery) -> tuple[Case, Delivery]:
    request = lock_for_change(delivery.request, archived_ok=True)
    return request, Delivery.objects.select_for_update().get(pk=delivery.pk)


def _lock_retrospective(retrospective: Retrospective) -> tuple[Case, Retrospective]:
    request = lock_for_change(retrospective.request, archived_ok=True)
    return request, Retrospective.objects.select_for_update().get(pk=retrospective.pk)
