"""What the stage 1–2 writes share: the stage gate every service passes, and how a signature or
a timeline line names who acted (the person, for whom, in which role)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case
from collab_portal.lib.refusals import ActionRefused
from collab_portal.lib.stored_text import Text
from collab_portal.org.models import Department, User


def _refuse_wrong_stage(request: Case, *, allowed: tuple) -> None:
    if request.stage not in allowed:
        raise ActionRefused(
            _("This request is now “%(stage)s”; that cannot be done any more.")
            % {"stage": request.get_stage_display()}
        )


def _acting_label(actor: User, principal: User) -> User | None:
    return principal if actor != principal else None


def _role_label(*, actor: User, department: Department) -> Text:
    if department.head_id == actor.pk:
        return Text(gettext_lazy("Head of %(department)s"), department=department.name)
    return Text(gettext_lazy("Leader in charge of %(department)s"), department=department.name)
