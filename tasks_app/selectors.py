"""Reads over tasks: the tracking table with roll-up, my tasks, what waits for whom."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cases.models import Case
from cases.selectors import case_for
from collab_portal.lib.workdays import WorkdayCalendar
from collab_portal.org.models import User
from tasks_app.models import Task

Status = Task.Status


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
