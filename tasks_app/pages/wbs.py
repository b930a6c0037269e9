"""What the WBS editor shows (the tree, what publishing still needs, the template and Excel
toolbar) and the list of WBS templates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from cases.models import Case
from collab_portal.org.models import User
from tasks_app.models import Task, WbsTemplate, WbsTemplateItem
from tasks_app.policies import (
    may_apply_template,
    may_change_wbs,
    may_delete_wbs_template,
    may_save_template,
    publish_missing,
    why_no_template_applies,
)
from tasks_app.selectors import plan_window_end, task_queryset, template_item_rows, tree_rows

Stage = Case.Stage


def wbs_editor_page(*, user: User, case: Case, error: str = "") -> dict:
    rows = tree_rows(list(task_queryset().filter(request=case)))
    return {
        "case": case,
        "rows": rows,
        "can_edit": may_change_wbs(user, case),
        "missing": publish_missing(case) if case.stage == case.Stage.BREAKDOWN else [],
        "wbs_io": wbs_io_panel(user=user, request=case),
        "error": error,
    }


@dataclass
class WbsIoPanel:
    """What the WBS editor's template and Excel toolbar shows (flags computed here)."""

    templates: list[WbsTemplate]
    can_save_template: bool
    can_apply_template: bool
    can_import: bool
    import_replaces: bool
    default_start: datetime.date
    latest_end: datetime.date | None = None
    apply_blocked_reason: str = ""


def wbs_io_panel(*, user: User, request: Case) -> WbsIoPanel:
    """The toolbar's data for ``user`` on ``request`` (3 queries)."""
    has_tasks = Task.objects.filter(request=request).exists()
    templates = list(WbsTemplate.objects.annotate(item_count=Count("items")).order_by("name"))
    has_templates = bool(templates)
    return WbsIoPanel(
        templates=templates,
        can_save_template=may_save_template(user, request, has_tasks=has_tasks),
        can_apply_template=may_apply_template(
            user, request, has_tasks=has_tasks, has_templates=has_templates
        ),
        can_import=may_change_wbs(user, request),
        import_replaces=has_tasks,
        default_start=timezone.localdate(),
        latest_end=plan_window_end(request) if request.stage == Stage.BREAKDOWN else None,
        apply_blocked_reason=why_no_template_applies(
            user, request, has_tasks=has_tasks, has_templates=has_templates
        ),
    )


def wbs_template_list() -> list[WbsTemplate]:
    """Every template with ``item_count`` and its items in tree order (2 queries)."""
    templates = list(
        WbsTemplate.objects.select_related("created_by").annotate(item_count=Count("items"))
    )
    items = WbsTemplateItem.objects.filter(template__in=templates).order_by("position", "pk")
    by_template: dict[int, list[WbsTemplateItem]] = {}
    for item in items:
        by_template.setdefault(item.template_id, []).append(item)
    for template in templates:
        template.tree = template_item_rows(by_template.get(template.pk, []))
    return templates


def templates_page(*, user: User) -> dict:
    return {"templates": wbs_template_list(), "can_delete": may_delete_wbs_template(user)}
