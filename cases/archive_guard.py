"""An archived case is read-only everywhere (docs/process.md): one message and one check for every
write on the case or on a record hanging off it (receivers, attachments, plans, tasks, progress,
weekly summaries, risks, deliveries …). Reads (pages, PDFs, Excel, search) are not affected.

Each app's services lock the case for the change with ``lock_for_change``, which refuses an
archived case before anything else. The admin keeps it too (``cases.admin``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.models import Case
from collab_portal.lib.refusals import ActionRefused


def is_archived(case: Case) -> bool:
    return case.is_archived


def archived_message() -> str:
    """The one refusal an archived case gives, in the active language."""
    return _("This request is archived; it can no longer be changed.")


def refuse_if_archived(case: Case) -> None:
    """Raise ActionRefused with ``archived_message()`` when ``case`` is archived. Call it on
    the row locked for the change, so an archiving that commits first is seen."""
    if is_archived(case):
        raise ActionRefused(archived_message())


def lock_for_change(case: Case, *, archived_ok: bool = False) -> Case:
    """The case's row, locked (SELECT … FOR UPDATE of the case alone, its coordinator read with
    it) until the change commits; an archived case refuses (``refuse_if_archived``) unless
    ``archived_ok`` — for the services that read an archived case whole or say the refusal
    themselves."""
    locked = (
        Case.objects.select_related("coordinator").select_for_update(of=("self",)).get(pk=case.pk)
    )
    if not archived_ok:
        refuse_if_archived(locked)
    return locked
