"""Reads over tasks: the task tree with its roll-up, my tasks, the plan's window, and the weekly
summaries a person may see. Querysets and access: what a page shows is built in ``pages``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.selectors import case_for
from collab_portal.calendar.workdays import WorkdayCalendar
from collab_portal.org.models import User
from requests_app.models import Milestone, Receiver
from tasks_app.models import Task, WbsTemplateItem, WeeklySummary
from tasks_app.policies import weekly_summary_may_manage
from tasks_app.weeks import week_bounds

Status = Task.Status
State = WeeklySummary.State


def task_queryset() -> QuerySet[Task]:
    return Task.objects.select_related("owner", "lead_department", "request").prefetch_related(
        Prefetch(
            "collaborators",
            queryset=User.objects.only("pk", "display_name", "username", "first_name", "last_name"),
        ),
        "supporting_departments",
    )


def task_for(*, user: User, code: str, pk: int) -> Task:
    """The task if ``user`` may see its case, else 404."""
    request = case_for(user=user, code=code)
    return get_object_or_404(task_queryset(), pk=pk, request=request)


def case_visibility(user: User, overseen: list[int]) -> Q:
    """Who sees a case through its tasks (a rule of ``Case.objects.visible_to``): the tasks'
    owners and collaborators, and the overseers of a task's lead department."""
    # one subquery per index: an OR inside one would scan every task
    return (
        Q(pk__in=Task.objects.filter(owner=user).values("request_id"))
        | Q(pk__in=Task.collaborators.through.objects.filter(user=user).values("task__request_id"))
        | Q(pk__in=Task.objects.filter(lead_department__in=overseen).values("request_id"))
    )


def plan_window_end(request: Case) -> datetime.date:
    """Tasks finish inside the plan: by the expected deadline or the last milestone."""
    last_milestone = (
        Milestone.objects.filter(plan__request=request, plan__state="confirmed")
        .order_by("-due_on")
        .values_list("due_on", flat=True)
        .first()
    )
    return max(d for d in (request.expected_deadline, last_milestone) if d is not None)


@dataclass
class TaskRow:
    task: Task
    is_leaf: bool
    progress: int
    weight: int
    overdue: bool
    children: list[TaskRow] = field(default_factory=list)

    @property
    def indent(self) -> int:
        return self.task.depth - 1


def _weight(task: Task, calendar: WorkdayCalendar) -> int:
    start = task.planned_start_on or task.start_on
    due = task.planned_due_on or task.due_on
    if start and due:
        return max(1, calendar.workdays_between(start, due))
    return 1


def tree_rows(tasks: list[Task], *, today: datetime.date | None = None) -> list[TaskRow]:
    """Rows in WBS order with parents' progress rolled up from their leaves, weighted by
    planned working days. One calendar query whatever the number of tasks."""
    today = today or timezone.localdate()
    dates = [
        d
        for t in tasks
        for d in (t.planned_start_on or t.start_on, t.planned_due_on or t.due_on)
        if d
    ]
    calendar = WorkdayCalendar(min(dates, default=today), max(dates, default=today))
    by_parent: dict[int | None, list[Task]] = {}
    for task in tasks:
        by_parent.setdefault(task.parent_id, []).append(task)
    rows: list[TaskRow] = []

    def build(task: Task) -> TaskRow:
        children = [
            build(child)
            for child in sorted(by_parent.get(task.pk, []), key=lambda t: (t.position, t.pk))
        ]
        if children:
            total = sum(child.weight for child in children)
            progress = round(sum(child.progress * child.weight for child in children) / total)
            weight = total
        else:
            progress = 100 if task.status == Status.DONE else task.progress
            weight = _weight(task, calendar)
        overdue = task.status != Status.DONE and task.due_on is not None and task.due_on < today
        if children:
            overdue = overdue and progress < 100
        return TaskRow(
            task=task,
            is_leaf=not children,
            progress=progress,
            weight=weight,
            overdue=overdue,
            children=children,
        )

    def flatten(row: TaskRow):
        rows.append(row)
        for child in row.children:
            flatten(child)

    known = {t.pk for t in tasks}
    roots = [t for t in tasks if t.parent_id is None or t.parent_id not in known]
    for root in sorted(roots, key=lambda t: (t.position, t.pk)):
        flatten(build(root))
    return rows


@dataclass
class TemplateRow:
    item: WbsTemplateItem
    code: str
    depth: int


def template_item_rows(items: list[WbsTemplateItem]) -> list[TemplateRow]:
    """Template items in WBS order with their codes (1, 1.2, …) and depths."""
    children: dict[int | None, list[WbsTemplateItem]] = {}
    for item in items:
        children.setdefault(item.parent_id, []).append(item)
    rows: list[TemplateRow] = []

    def walk(parent_id, prefix, depth):
        siblings = sorted(children.get(parent_id, []), key=lambda i: (i.position, i.pk))
        for index, item in enumerate(siblings, 1):
            rows.append(TemplateRow(item=item, code=f"{prefix}{index}", depth=depth))
            walk(item.pk, f"{prefix}{index}.", depth + 1)

    walk(None, "", 1)
    return rows


def tasks_in_wbs_order(tasks: list[Task]) -> list[Task]:
    """The case's tasks in WBS order (parents before their children)."""
    children: dict[int | None, list[Task]] = {}
    for task in tasks:
        children.setdefault(task.parent_id, []).append(task)
    ordered: list[Task] = []

    def walk(parent_id):
        for task in sorted(children.get(parent_id, []), key=lambda t: (t.position, t.pk)):
            ordered.append(task)
            walk(task.pk)

    walk(None)
    return ordered


def overall_progress(rows: list[TaskRow]) -> int:
    top = [row for row in rows if row.task.parent_id is None]
    total = sum(row.weight for row in top)
    return round(sum(row.progress * row.weight for row in top) / total) if total else 0


@dataclass
class TrackingFilters:
    status: str = ""
    owner: int | None = None
    department: int | None = None
    overdue_only: bool = False

    @property
    def active(self) -> bool:
        return bool(self.status or self.owner or self.department or self.overdue_only)

    def keep(self, row: TaskRow) -> bool:
        task = row.task
        if self.status and task.status != self.status:
            return False
        if self.owner and task.owner_id != self.owner:
            return False
        if self.department and task.lead_department_id != self.department:
            return False
        return not (self.overdue_only and not row.overdue)


def tracking_rows(*, request: Case, filters: TrackingFilters | None = None) -> list[TaskRow]:
    """《任务分配与跟踪表》: every task of the case in WBS order (4 queries in all)."""
    rows = tree_rows(list(task_queryset().filter(request=request)))
    if filters is not None and filters.active:
        rows = [row for row in rows if filters.keep(row)]
    return rows


# ---------------------------------------------------------------------------------------------
# My tasks


@dataclass
class MyTasks:
    owned: list[Task]
    assisting: list[Task]
    due_this_week: list[Task]
    overdue: list[Task]
    no_update_today: list[Task]


def my_tasks(*, user: User, today: datetime.date | None = None) -> MyTasks:
    """我的任务: open leaf tasks of executing cases I own or help on (3 queries)."""
    today = today or timezone.localdate()
    week_end = today + datetime.timedelta(days=6 - today.weekday())
    base = (
        task_queryset()
        .filter(request__stage=Case.Stage.EXECUTING, children__isnull=True)
        .exclude(status=Status.DONE)
        .order_by("due_on", "request_id", "wbs_code")
    )
    owned = list(base.filter(owner=user))
    assisting = list(base.filter(collaborators=user).exclude(owner=user).distinct())
    return MyTasks(
        owned=owned,
        assisting=assisting,
        due_this_week=[t for t in owned if t.due_on and today <= t.due_on <= week_end],
        overdue=[t for t in owned if t.due_on and t.due_on < today],
        no_update_today=[
            t for t in owned if t.status != Status.BLOCKED and t.last_update_on != today
        ],
    )


def owners_and_departments(rows: list[TaskRow]) -> tuple[list[User], list]:
    owners = {row.task.owner_id: row.task.owner for row in rows if row.task.owner_id}
    departments = {
        row.task.lead_department_id: row.task.lead_department
        for row in rows
        if row.task.lead_department_id
    }
    return (
        sorted(owners.values(), key=lambda u: u.name),
        sorted(departments.values(), key=lambda d: d.sort_order),
    )


# ---------------------------------------------------------------------------------------------
# Weekly summaries (周报)


def weekly_summary_list(*, user: User, request: Case) -> list[WeeklySummary]:
    """The case's summaries, newest week first; drafts only for the coordinator and admins."""
    summaries = WeeklySummary.objects.filter(request=request).select_related("author")
    if not weekly_summary_may_manage(user, request):
        summaries = summaries.filter(state=State.PUBLISHED)
    found = list(summaries.order_by("-iso_year", "-iso_week"))
    for summary in found:
        summary.request = request
    return found


def weekly_summary_for(
    *, user: User, code: str, iso_year: int, iso_week: int, drafts: bool = False
) -> WeeklySummary:
    """The summary if ``user`` may see it, else 404: the case must be visible, a draft only to
    its coordinator and admins (``drafts=True`` finds drafts for anyone who sees the case, for
    the write views whose services refuse with a message)."""
    from cases.selectors import case_for

    request = case_for(user=user, code=code)
    try:
        week_bounds(iso_year, iso_week)
    except (TypeError, ValueError, OverflowError):
        raise Http404 from None
    summaries = WeeklySummary.objects.filter(
        request=request, iso_year=iso_year, iso_week=iso_week
    ).select_related("author")
    if not drafts and not weekly_summary_may_manage(user, request):
        summaries = summaries.filter(state=State.PUBLISHED)
    summary = get_object_or_404(summaries)
    summary.request = request
    return summary


def weekly_summary_url(summary: WeeklySummary, name: str = "weekly_detail") -> str:
    return reverse(
        f"tasks_app:{name}",
        args=[summary.request.code, summary.iso_year, f"{summary.iso_week:02d}"],
    )


def weekly_summary_recipients(request: Case) -> list[User]:
    """The case's participants: initiator, coordinator, owners and collaborators of its tasks,
    heads of the initiating and receiving departments; each once."""
    people = [
        request.initiator,
        request.coordinator,
        request.initiator_department.head if request.initiator_department_id else None,
    ]
    receivers = Receiver.objects.filter(request=request, department__isnull=False).select_related(
        "department__head"
    )
    people += [receiver.department.head for receiver in receivers]
    for task in (
        Task.objects.filter(request=request)
        .select_related("owner")
        .prefetch_related("collaborators")
    ):
        people += [task.owner, *task.collaborators.all()]
    unique: dict[int, User] = {}
    for person in people:
        if person is not None and person.is_active:
            unique.setdefault(person.pk, person)
    return list(unique.values())
