"""How a stage 1–2 signature or timeline line names the role of the person who acted (the stage
gate and the on-behalf-of rule are the kernel's, ``cases.policies``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from collab_portal.lib.stored_text import Text
from collab_portal.org.models import Department, User


def _role_label(*, actor: User, department: Department) -> Text:
    if department.head_id == actor.pk:
        return Text(gettext_lazy("Head of %(department)s"), department=department.name)
    return Text(gettext_lazy("Leader in charge of %(department)s"), department=department.name)
