"""The rules every stage shares: a write is refused once the case has moved past its stage, and
a decision taken for someone else names whom it was taken for."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.archive_guard import refuse_if_archived
from cases.models import Case
from collab_portal.lib.refusals import ActionRefused
from collab_portal.org.models import User


def refuse_wrong_stage(case: Case, *, allowed: tuple, archived_first: bool = False) -> None:
    """Refuse unless the case is in one of the ``allowed`` stages. With ``archived_first`` an
    archived case is refused with the archive's own message (the later stages, whose records
    stay on the case after it is archived, say so)."""
    if archived_first:
        refuse_if_archived(case)
    if case.stage not in allowed:
        raise ActionRefused(
            _("This request is now “%(stage)s”; that cannot be done any more.")
            % {"stage": case.get_stage_display()}
        )


def decided_for(actor: User, principal: User | None) -> User | None:
    """Whom ``actor`` decided for: ``principal`` when that is someone else, else nobody."""
    return principal if principal is not None and actor != principal else None
