"""《任务分配与跟踪表》 and the Gantt data: the case's tasks as the page, the Excel file, the PDF
and the chart all show them.

``tracking_table`` reads the case in 5 queries whatever its size (tasks, collaborators, people,
departments, the working-day calendar) and turns every task into a ``TrackingLine``: what the
filters and the summary need is computed for every task, the labels (with their "—") only for
the lines a page or an export shows, so a page of 200 lines costs no query and no include.

It reads plain values rather than ``Task`` instances: for 2,000 tasks, building the instances
with their owner, department, case and collaborator managers (``selectors.task_queryset``) took
most of half a second, the rest of the page a fraction of that. ``selectors.tree_rows`` rolls the
progress up as everywhere else; it reads only the attributes ``TaskFacts`` carries.

A parent task is never worked on itself (its subtasks are), so its status and last update are
rolled up from its subtasks too: done when all are done, blocked or delayed when one is, not
started when none has started, in progress otherwise.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, fields

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case
from collab_portal.lib.dates import CHARTED
from collab_portal.org.models import Department, User
from tasks_app.models import Task, key_task_pks
from tasks_app.selectors import (
    TaskRow,
    TrackingFilters,
    overall_progress,
    owners_and_departments,
    tree_rows,
)

Status = Task.Status


@dataclass(slots=True)
class TaskFacts:
    """One task's columns, read with ``values_list`` (no model instance)."""

    pk: int
    parent_id: int | None
    position: int
    depth: int
    wbs_code: str
    name: str
    owner_id: int | None
    lead_department_id: int | None
    start_on: datetime.date | None
    due_on: datetime.date | None
    planned_start_on: datetime.date | None
    planned_due_on: datetime.date | None
    deliverable_standard: str
    is_key: bool
    status: str
    progress: int
    status_reason: str
    expected_done_on: datetime.date | None
    last_update_on: datetime.date | None
    # Not columns: set from the people read alongside (for selectors.owners_and_departments).
    owner: User | None = None
    lead_department: Department | None = None

    @property
    def variance_days(self) -> int | None:
        """As ``Task.variance_days``: current due date minus the planned one."""
        if self.due_on is None or self.planned_due_on is None:
            return None
        return (self.due_on - self.planned_due_on).days


FACT_COLUMNS = [f.name for f in fields(TaskFacts) if f.name not in ("owner", "lead_department")]


@dataclass
class _People:
    users: dict[int, User]
    departments: dict[int, Department]
    helpers: dict[int, list[int]]
    status_labels: dict[str, str]

    def name(self, pk: int | None) -> str:
        user = self.users.get(pk) if pk else None
        return user.name if user else ""


@dataclass(slots=True)
class TrackingLine:
    """One row of the table. What filtering and the summary need is computed for every task;
    the labels are read from the task and the people when a page or an export shows them."""

    task: TaskFacts
    people: _People
    indent: int
    is_leaf: bool
    status: str  # as shown: rolled up for a parent task
    overdue: bool
    progress: int
    last_update_on: datetime.date | None
    is_key: bool = False  # 关键任务: flagged, or under a flagged task (``key_task_filter``)
    url: str = ""  # the task's page; set for the lines a page shows (``link_lines``)

    def __getitem__(self, name: str):
        """Django templates try ``line[name]`` before ``line.name``: answering it spares them
        an exception per cell (~3 ms of a 200-line page)."""
        try:
            return getattr(self, name)
        except AttributeError as missing:
            raise KeyError(name) from missing

    @property
    def pk(self) -> int:
        return self.task.pk

    @property
    def wbs_code(self) -> str:
        return self.task.wbs_code

    @property
    def name(self) -> str:
        return self.task.name

    @property
    def owner_id(self) -> int | None:
        return self.task.owner_id

    @property
    def owner(self) -> str:
        return self.people.name(self.task.owner_id)

    @property
    def department_id(self) -> int | None:
        return self.task.lead_department_id

    @property
    def department(self) -> str:
        department = self.task.lead_department
        return department.name if department else ""

    @property
    def collaborators(self) -> str:
        helpers = self.people.helpers.get(self.task.pk)
        return "、".join(sorted(self.people.name(pk) for pk in helpers)) if helpers else ""

    @property
    def start_on(self) -> datetime.date | None:
        return self.task.start_on

    @property
    def due_on(self) -> datetime.date | None:
        return self.task.due_on

    @property
    def planned_start_on(self) -> datetime.date | None:
        return self.task.planned_start_on

    @property
    def planned_due_on(self) -> datetime.date | None:
        return self.task.planned_due_on

    @property
    def variance_days(self) -> int | None:
        return self.task.variance_days

    @property
    def deliverable(self) -> str:
        return self.task.deliverable_standard

    @property
    def status_label(self) -> str:
        return self.people.status_labels.get(self.status, self.status)

    @property
    def status_reason(self) -> str:
        """Why a delayed or blocked task is so."""
        if self.is_leaf and self.status in (Status.DELAYED, Status.BLOCKED):
            return self.task.status_reason
        return ""

    @property
    def delayed_to(self) -> datetime.date | None:
        """The new expected date of a delayed task."""
        if self.is_leaf and self.status == Status.DELAYED:
            return self.task.expected_done_on
        return None

    @property
    def rescheduled(self) -> bool:
        """The current dates differ from the baseline frozen at publishing."""
        task = self.task
        return task.planned_due_on is not None and (
            task.planned_start_on != task.start_on or task.planned_due_on != task.due_on
        )

    # Labels for the page, with their "—": cheap to compute, and fewer template nodes per row.
    @property
    def variance_label(self) -> str:
        days = self.task.variance_days
        return f"{days:+d}" if days else "0"

    @property
    def schedule(self) -> str:
        return f"{_day(self.task.start_on)} – {_day(self.task.due_on)}"

    @property
    def planned_schedule(self) -> str:
        return f"{_day(self.task.planned_start_on)} – {_day(self.task.planned_due_on)}"

    @property
    def last_update_label(self) -> str:
        return _day(self.last_update_on)

    @property
    def owner_label(self) -> str:
        return self.owner or "—"

    @property
    def collaborators_label(self) -> str:
        return self.collaborators or "—"

    @property
    def deliverable_label(self) -> str:
        return self.task.deliverable_standard or "—"

    @property
    def percent(self) -> str:
        return str(self.progress)


def _day(value: datetime.date | None) -> str:
    return value.isoformat() if value else "—"


def link_lines(lines: list[TrackingLine], *, code: str) -> list[TrackingLine]:
    """Give ``lines`` the URL of their task's page (one ``reverse`` for them all)."""
    sentinel = "987654321"
    pattern = reverse("tasks_app:task", args=[code, int(sentinel)])
    for line in lines:
        line.url = pattern.replace(sentinel, str(line.pk))
    return lines


@dataclass
class StatusCount:
    status: str
    label: str
    count: int


@dataclass
class TrackingSummary:
    progress: int
    tasks: int  # leaf tasks: the work itself
    by_status: list[StatusCount]
    overdue: int


@dataclass
class TrackingTable:
    request: Case
    lines: list[TrackingLine]
    owners: list[User]
    departments: list[Department]
    summary: TrackingSummary

    def filtered(self, filters: TrackingFilters) -> list[TrackingLine]:
        if not filters.active:
            return self.lines
        return [line for line in self.lines if line_matches(line, filters)]


def line_matches(line: TrackingLine, filters: TrackingFilters) -> bool:
    """``TrackingFilters.keep`` for a line: the status compared is the one the table shows
    (rolled up for a parent task)."""
    if filters.status and line.status != filters.status:
        return False
    if filters.owner and line.owner_id != filters.owner:
        return False
    if filters.department and line.department_id != filters.department:
        return False
    return not (filters.overdue_only and not line.overdue)


def _rolled_up_status(children: list[str]) -> str:
    statuses = set(children)
    if statuses == {Status.DONE}:
        return Status.DONE
    for status in (Status.BLOCKED, Status.DELAYED):
        if status in statuses:
            return status
    if statuses == {Status.NOT_STARTED}:
        return Status.NOT_STARTED
    return Status.IN_PROGRESS


def _read(request: Case) -> tuple[list[TaskFacts], _People]:
    tasks = [
        TaskFacts(*values)
        for values in Task.objects.filter(request=request).order_by().values_list(*FACT_COLUMNS)
    ]
    helpers: dict[int, list[int]] = {}
    for task_id, user_id in Task.collaborators.through.objects.filter(
        task__request=request
    ).values_list("task_id", "user_id"):
        helpers.setdefault(task_id, []).append(user_id)
    user_ids = {t.owner_id for t in tasks if t.owner_id} | {
        pk for people in helpers.values() for pk in people
    }
    users = User.objects.filter(pk__in=user_ids).only(
        "pk", "display_name", "first_name", "last_name", "username"
    )
    departments = Department.objects.filter(
        pk__in={t.lead_department_id for t in tasks if t.lead_department_id}
    ).only("pk", "name", "sort_order")
    people = _People(
        users={u.pk: u for u in users},
        departments={d.pk: d for d in departments},
        helpers=helpers,
        status_labels={value: str(label) for value, label in Status.choices},
    )
    for task in tasks:
        task.owner = people.users.get(task.owner_id)
        task.lead_department = people.departments.get(task.lead_department_id)
    return tasks, people


def _lines(rows: list[TaskRow], people: _People) -> list[TrackingLine]:
    status: dict[int, str] = {}
    last_update: dict[int, datetime.date | None] = {}
    # Rows come parent first; walking them backwards meets every child before its parent.
    for row in reversed(rows):
        task = row.task
        if row.is_leaf:
            status[task.pk] = task.status
            last_update[task.pk] = task.last_update_on
        else:
            status[task.pk] = _rolled_up_status([status[c.task.pk] for c in row.children])
            dates = [last_update[c.task.pk] for c in row.children if last_update[c.task.pk]]
            last_update[task.pk] = max(dates, default=task.last_update_on)
    key = key_task_pks(row.task for row in rows)
    return [
        TrackingLine(
            task=row.task,
            people=people,
            indent=row.indent,
            is_leaf=row.is_leaf,
            status=status[row.task.pk],
            overdue=row.overdue,
            progress=row.progress,
            last_update_on=last_update[row.task.pk],
            is_key=row.task.pk in key,
        )
        for row in rows
    ]


def _summary(rows: list[TaskRow], lines: list[TrackingLine]) -> TrackingSummary:
    leaves = [line for line in lines if line.is_leaf]
    counts = Counter(line.status for line in leaves)
    return TrackingSummary(
        progress=overall_progress(rows),
        tasks=len(leaves),
        by_status=[
            StatusCount(value, str(label), counts[value])
            for value, label in Status.choices
            if counts[value]
        ],
        overdue=sum(line.overdue for line in leaves),
    )


def tracking_table(*, request: Case) -> TrackingTable:
    """Every task of the case in WBS order, with the summary and the filter choices (the case's
    owners by name, its lead departments in the company's order); 5 queries."""
    tasks, people = _read(request)
    rows = tree_rows(tasks)  # duck-typed: TaskFacts has every attribute tree_rows reads
    lines = _lines(rows, people)
    owners, departments = owners_and_departments(rows)
    return TrackingTable(
        request=request,
        lines=lines,
        owners=owners,
        departments=departments,
        summary=_summary(rows, lines),
    )


def gantt_items(lines: list[TrackingLine]) -> list[dict]:
    """The WBS for frappe-gantt, from the table's lines:
    dated tasks, key and overdue tasks marked, the status class the table shows (rolled up for a
    parent, so the chart and the table agree), and a delayed task's new expected date
    (``delayed_to``, drawn as an extension of its bar). A task dated beyond what a chart can draw
    (an old row due in year 1 would make the browser draw two thousand years) is left to the
    table."""
    items = []
    for line in lines:
        if not (line.start_on and line.due_on):
            continue
        if not (CHARTED.holds(line.start_on) and CHARTED.holds(line.due_on)):
            continue
        classes = [
            "gantt-key" if line.is_key else "",
            "gantt-overdue" if line.overdue else "",
            f"gantt-{line.status}",
        ]
        items.append(
            {
                "id": str(line.pk),
                "name": f"{line.wbs_code} {line.name}",
                "start": line.start_on.isoformat(),
                "end": line.due_on.isoformat(),
                "progress": line.progress,
                "dependencies": "",
                "custom_class": " ".join(c for c in classes if c),
                "owner": line.owner,
                "is_key": line.is_key,
                "delayed_to": (
                    line.delayed_to.isoformat()
                    if line.delayed_to and CHARTED.holds(line.delayed_to)
                    else ""
                ),
            }
        )
    return items


def filters_description(filters: TrackingFilters, table: TrackingTable) -> str:
    """The active filters in words, for the printed table ("" when none)."""
    parts = []
    if filters.status:
        parts.append(_("Status: %(value)s") % {"value": Status(filters.status).label})
    if filters.owner:
        owner = next((u.name for u in table.owners if u.pk == filters.owner), "")
        parts.append(_("Owner: %(value)s") % {"value": owner})
    if filters.department:
        department = next((d.name for d in table.departments if d.pk == filters.department), "")
        parts.append(_("Department: %(value)s") % {"value": department})
    if filters.overdue_only:
        parts.append(_("Overdue only"))
    return "；".join(parts)
