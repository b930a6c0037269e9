"""The lists behind the dashboard's figures (drill-through): the rows a figure counts, never
more or fewer, a page at a time, and which of the listed tasks the person may urge."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acceptance_app.models import Delivery
from cases.models import Case
from collab_portal.calendar.workdays import WorkdayCalendar
from insights_app import counting
from insights_app.pages import LEVEL_LABELS
from insights_app.scope import Scope, Week
from tasks_app.models import Task

DRILL_PAGE_ROWS = 50


TASK_STATUSES = {
    "overdue": gettext_lazy("Overdue tasks"),
    "done": gettext_lazy("Tasks done this week"),
    "in_progress": gettext_lazy("Tasks in progress"),
    "upcoming": gettext_lazy("Tasks due in the next 7 working days"),
}
DELIVERY_STATES = {
    "waiting": gettext_lazy("Deliveries waiting for acceptance"),
    "accepted": gettext_lazy("Deliveries accepted this week"),
    "rejected": gettext_lazy("Deliveries sent back for rework this week"),
}


class BadDrill(ValueError):
    """The list asked for is not one the dashboard shows (a tampered address)."""


@dataclass
class Drill:
    kind: str
    title: str
    page: Page
    total: int
    task_lines: list | None = None


def drill(
    *, scope: Scope, week: Week, kind: str, query, page_number, today: datetime.date
) -> Drill:
    as_of = week.as_of(today)
    if kind == "tasks":
        return _task_drill(scope, week, query=query, page_number=page_number, as_of=as_of)
    if kind == "cases":
        stage = query.get("stage", "")
        if stage not in counting.OPEN_CASE_STAGES:
            raise BadDrill(stage)
        cases = (
            counting.cases_in(scope)
            .filter(stage=stage)
            .select_related("initiator", "initiator_department", "coordinator")
            .order_by("-updated_at", "pk")
        )
        title = _("Open cases: %(stage)s") % {"stage": Case.Stage(stage).label}
        return _paged("cases", title, cases, page_number)
    if kind == "risks":
        impact, likelihood = query.get("impact", ""), query.get("likelihood", "")
        risks = counting.risks_in(scope).filter(counting.open_risk_on(as_of))
        if impact or likelihood:
            if impact not in LEVEL_LABELS or likelihood not in LEVEL_LABELS:
                raise BadDrill(impact)
            risks = risks.filter(impact=impact, likelihood=likelihood)
            title = _("Open risks: impact %(impact)s, likelihood %(likelihood)s") % {
                "impact": LEVEL_LABELS[impact],
                "likelihood": LEVEL_LABELS[likelihood],
            }
        elif query.get("major"):
            risks, title = risks.filter(counting.MAJOR_RISK), _("Open major risks")
        else:
            title = _("Open risks")
        risks = risks.select_related("request", "owner", "task").order_by("deadline", "pk")
        return _paged("risks", title, risks, page_number)
    if kind == "deliveries":
        state = query.get("state", "")
        if state not in DELIVERY_STATES:
            raise BadDrill(state)
        deliveries = Delivery.objects.filter(request__in=counting.cases_in(scope).values("pk"))
        decided = counting.decided_within(week)
        deliveries = {
            "waiting": deliveries.filter(state=Delivery.State.SUBMITTED),
            "accepted": deliveries.filter(decided, state=Delivery.State.ACCEPTED),
            "rejected": deliveries.filter(decided, state=Delivery.State.REJECTED),
        }[state]
        deliveries = deliveries.select_related("request", "submitted_by").order_by(
            "-submitted_at", "pk"
        )
        return _paged("deliveries", str(DELIVERY_STATES[state]), deliveries, page_number)
    raise BadDrill(kind)


def _task_drill(scope: Scope, week: Week, *, query, page_number, as_of: datetime.date) -> Drill:
    status = query.get("status", "")
    if status not in TASK_STATUSES:
        raise BadDrill(status)
    tasks = counting.tasks_in(scope)
    part = _int(query.get("part"))
    if part is not None:
        subtree = next((members for pk, _name, members in scope.children if pk == part), None)
        if subtree is None:
            raise BadDrill(part)
        tasks = tasks.filter(counting.counted_in(subtree))
    owner = _int(query.get("owner"))
    if query.get("owner") and owner is None:
        raise BadDrill(query.get("owner"))
    if owner is not None:
        tasks = tasks.filter(owner_id=owner)
    calendar = WorkdayCalendar(
        as_of - datetime.timedelta(days=400), as_of + datetime.timedelta(days=30)
    )
    tasks = {
        "overdue": tasks.filter(counting.overdue_on(as_of)),
        "done": tasks.filter(counting.done_within(week)),
        "in_progress": tasks.filter(counting.in_progress_on(as_of)),
        "upcoming": counting.upcoming_tasks(tasks, as_of=as_of, calendar=calendar),
    }[status]
    tasks = tasks.select_related("request__coordinator", "owner", "lead_department").order_by(
        "due_on", "request__code", "pk"
    )
    result = _paged("tasks", str(TASK_STATUSES[status]), tasks, page_number)
    shown = [task.pk for task in result.page.object_list]
    key = set(Task.objects.filter(pk__in=shown).key().values_list("pk", flat=True))
    result.task_lines = [
        TaskDrillRow(
            task=task,
            key=task.pk in key,
            days_late=calendar.workdays_between(task.due_on + datetime.timedelta(days=1), as_of)
            if task.due_on and task.due_on < as_of and status == "overdue"
            else 0,
        )
        for task in result.page.object_list
    ]
    return result


@dataclass(frozen=True)
class TaskDrillRow:
    task: Task
    days_late: int
    key: bool = False  # 关键任务: flagged, or under a flagged task


def _paged(kind: str, title: str, rows: QuerySet, page_number) -> Drill:
    """The page's rows are picked by id, in the list's order, and only they are read with
    their joins: a department's overdue tasks joined to their cases, owners and departments
    and then sorted cost more than the page."""
    paginator = Paginator(rows.values_list("pk", flat=True), DRILL_PAGE_ROWS)
    page = paginator.get_page(page_number)
    page.object_list = list(rows.filter(pk__in=list(page.object_list)))
    return Drill(kind=kind, title=title, page=page, total=paginator.count)


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def urgeable_tasks(user, listing: Drill) -> set[int]:
    """The listed tasks ``user`` may urge the owner of (the departments they oversee read once)."""
    if listing.kind != "tasks":
        return set()
    from collab_portal.org.selectors import departments_overseen_by
    from tasks_app.policies import may_urge

    overseen = set(departments_overseen_by(user))
    return {
        row.task.pk
        for row in listing.task_lines
        if may_urge(user, row.task, is_leaf=True, overseen=overseen)
    }
