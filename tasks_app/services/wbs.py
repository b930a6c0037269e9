"""Writes on the work breakdown (stage 3).

The coordinator (or an admin) shapes the WBS while the case is in task breakdown; publishing
needs every leaf task fully assigned and starts execution."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.archive_guard import lock_for_change, refuse_if_archived
from cases.models import Case
from collab_portal.activity.services import activity_record
from collab_portal.lib.dates import SCHEDULE
from collab_portal.lib.refusals import ActionRefused, refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.notifications.services import notify
from collab_portal.org.models import Department, User
from requests_app.models import Milestone
from tasks_app.models import MAX_DEPTH, Task
from tasks_app.policies import publish_missing, refuse_unless_wbs_editor
from tasks_app.selectors import plan_window_end

Stage = Case.Stage


def _lock_task(task: Task) -> Task:
    """Lock the task row for a change; a task of an archived case refuses."""
    locked = (
        Task.objects.select_related("request", "request__coordinator")
        .select_for_update(of=("self",))
        .get(pk=task.pk)
    )
    refuse_if_archived(locked.request)
    return locked


# ---------------------------------------------------------------------------------------------
# The tree


def renumber(request: Case) -> None:
    """Give every task its WBS code (1, 1.2, 1.2.3), depth and leaf flag from the tree order;
    2 queries."""
    tasks = list(
        Task.objects.filter(request=request).only(
            "pk", "parent_id", "position", "wbs_code", "depth", "is_leaf"
        )
    )
    children: dict[int | None, list[Task]] = {}
    for task in tasks:
        children.setdefault(task.parent_id, []).append(task)
    changed = []

    def walk(parent_id, prefix, depth):
        for index, task in enumerate(
            sorted(children.get(parent_id, []), key=lambda t: (t.position, t.pk)), 1
        ):
            code = f"{prefix}{index}"
            is_leaf = task.pk not in children
            if (task.wbs_code, task.depth, task.position, task.is_leaf) != (
                code,
                depth,
                index - 1,
                is_leaf,
            ):
                task.wbs_code, task.depth, task.position = code, depth, index - 1
                task.is_leaf = is_leaf
                changed.append(task)
            walk(task.pk, f"{code}.", depth + 1)

    walk(None, "", 1)
    if changed:
        Task.objects.bulk_update(changed, ["wbs_code", "depth", "position", "is_leaf"])


def _subtree(task: Task) -> list[Task]:
    """The task and everything below it (one query for the case's tree)."""
    tasks = list(Task.objects.filter(request_id=task.request_id).only("pk", "parent_id", "depth"))
    children: dict[int | None, list[Task]] = {}
    for candidate in tasks:
        children.setdefault(candidate.parent_id, []).append(candidate)
    found, stack = [], [task.pk]
    while stack:
        pk = stack.pop()
        found.append(pk)
        stack.extend(child.pk for child in children.get(pk, []))
    by_pk = {t.pk: t for t in tasks}
    return [by_pk[pk] for pk in found if pk in by_pk]


def _subtree_height(task: Task) -> int:
    nodes = _subtree(task)
    return max(node.depth for node in nodes) - task.depth + 1 if nodes else 1


@dataclass
class TaskData:
    name: str
    description: str = ""
    owner: User | None = None
    collaborators: list[User] = field(default_factory=list)
    lead_department: Department | None = None
    supporting_departments: list[Department] = field(default_factory=list)
    start_on: datetime.date | None = None
    due_on: datetime.date | None = None
    deliverable_standard: str = ""
    is_key: bool = False
    milestone: Milestone | None = None


def _validate_dates(
    *, request, parent: Task | None, start_on, due_on, task: Task | None = None
) -> None:
    errors = {}
    if start_on and due_on and due_on < start_on:
        errors["due_on"] = _("The due date is before the start date.")
    end = plan_window_end(request)
    if due_on and due_on > end:
        errors["due_on"] = _("The task must end inside the plan, by %(date)s.") % {
            "date": end.isoformat()
        }
    if parent is not None:
        if start_on and parent.start_on and start_on < parent.start_on:
            errors["start_on"] = _("The task cannot start before its parent task (%(date)s).") % {
                "date": parent.start_on.isoformat()
            }
        if due_on and parent.due_on and due_on > parent.due_on:
            errors["due_on"] = _("The task cannot end after its parent task (%(date)s).") % {
                "date": parent.due_on.isoformat()
            }
    if task is not None and task.pk:
        children = list(task.children.exclude(start_on=None, due_on=None))
        early = [c.name for c in children if start_on and c.start_on and c.start_on < start_on]
        late = [c.name for c in children if due_on and c.due_on and c.due_on > due_on]
        if early or late:
            errors["start_on" if early else "due_on"] = _(
                "Subtasks would fall outside these dates: %(names)s"
            ) % {"names": "、".join(early + late)}
    if errors:
        raise ValidationError(errors)


def _validate_task(
    request: Case, parent: Task | None, data: TaskData, task: Task | None = None
) -> None:
    errors = {}
    if not data.name.strip():
        errors["name"] = _("Name the task.")
    if data.owner is not None and not data.owner.is_active:
        errors["owner"] = _("This account is deactivated.")
    if data.milestone is not None and data.milestone.plan.request_id != request.pk:
        errors["milestone"] = _("The milestone belongs to another request.")
    errors |= SCHEDULE.refusals(start_on=data.start_on, due_on=data.due_on)
    if errors:
        raise ValidationError(errors)
    _validate_dates(
        request=request, parent=parent, start_on=data.start_on, due_on=data.due_on, task=task
    )


def _apply(task: Task, data: TaskData) -> None:
    for name in (
        "description",
        "owner",
        "lead_department",
        "start_on",
        "due_on",
        "deliverable_standard",
        "is_key",
        "milestone",
    ):
        setattr(task, name, getattr(data, name))
    task.name = data.name.strip()


@transaction.atomic
def wbs_task_add(*, actor: User, request: Case, data: TaskData, parent: Task | None = None) -> Task:
    request = lock_for_change(request)
    refuse_unless_wbs_editor(actor, request)
    if parent is not None:
        refuse_unless(parent.request_id == request.pk, _("A task cannot move to another request."))
        refuse_unless(
            parent.depth < MAX_DEPTH,
            _("The task breakdown is at most %(depth)d levels deep.") % {"depth": MAX_DEPTH},
        )
    _validate_task(request, parent, data)
    last = (
        Task.objects.filter(request=request, parent=parent)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    task = Task(request=request, parent=parent, position=(last + 1) if last is not None else 0)
    _apply(task, data)
    task.save()
    task.collaborators.set(data.collaborators)
    task.supporting_departments.set(data.supporting_departments)
    renumber(request)
    task.refresh_from_db()
    return task


@transaction.atomic
def wbs_task_update(*, actor: User, task: Task, data: TaskData) -> Task:
    task = _lock_task(task)
    request = lock_for_change(task.request)
    refuse_unless_wbs_editor(actor, request)
    _validate_task(request, task.parent, data, task=task)
    _apply(task, data)
    task.save()
    task.collaborators.set(data.collaborators)
    task.supporting_departments.set(data.supporting_departments)
    return task


@transaction.atomic
def wbs_task_delete(*, actor: User, task: Task) -> int:
    """Delete the task with its subtasks; returns how many tasks went."""
    task = _lock_task(task)
    request = lock_for_change(task.request)
    refuse_unless_wbs_editor(actor, request)
    count = len(_subtree(task))
    task.delete()
    renumber(request)
    return count


@transaction.atomic
def wbs_task_move(*, actor: User, task: Task, parent: Task | None, index: int) -> Task:
    """Put ``task`` (with its subtree) under ``parent`` at ``index`` among the siblings."""
    task = _lock_task(task)
    request = lock_for_change(task.request)
    refuse_unless_wbs_editor(actor, request)
    if parent is not None:
        parent = Task.objects.get(pk=parent.pk)
        refuse_unless(parent.request_id == request.pk, _("A task cannot move to another request."))
        refuse_unless(
            parent.pk not in {node.pk for node in _subtree(task)},
            _("A task cannot move under itself or its own subtasks."),
        )
        refuse_unless(
            parent.depth + _subtree_height(task) <= MAX_DEPTH,
            _("The task breakdown is at most %(depth)d levels deep.") % {"depth": MAX_DEPTH},
        )
    _validate_dates(request=request, parent=parent, start_on=task.start_on, due_on=task.due_on)
    siblings = list(
        Task.objects.filter(request=request, parent=parent)
        .exclude(pk=task.pk)
        .order_by("position", "pk")
    )
    index = max(0, min(index, len(siblings)))
    siblings.insert(index, task)
    task.parent = parent
    for position, sibling in enumerate(siblings):
        sibling.position = position
        if sibling.pk == task.pk:
            sibling.parent = parent
    Task.objects.bulk_update(siblings, ["position", "parent"])
    renumber(request)
    task.refresh_from_db()
    return task


def _siblings(task: Task) -> list[Task]:
    return list(
        Task.objects.filter(request_id=task.request_id, parent_id=task.parent_id).order_by(
            "position", "pk"
        )
    )


def wbs_task_indent(*, actor: User, task: Task) -> Task:
    """Make the task a child of the sibling above it."""
    siblings = _siblings(task)
    index = [s.pk for s in siblings].index(task.pk)
    refuse_unless(index > 0, _("The first task of a level cannot be indented."))
    new_parent = siblings[index - 1]
    return wbs_task_move(
        actor=actor, task=task, parent=new_parent, index=new_parent.children.count()
    )


def wbs_task_outdent(*, actor: User, task: Task) -> Task:
    """Move the task up one level, right after its former parent."""
    refuse_unless(task.parent_id is not None, _("A top-level task cannot be outdented."))
    parent = Task.objects.get(pk=task.parent_id)
    grand_siblings = _siblings(parent)
    index = [s.pk for s in grand_siblings].index(parent.pk) + 1
    grandparent = Task.objects.get(pk=parent.parent_id) if parent.parent_id else None
    return wbs_task_move(actor=actor, task=task, parent=grandparent, index=index)


def wbs_task_shift(*, actor: User, task: Task, offset: int) -> Task:
    """Move the task up (-1) or down (+1) among its siblings."""
    siblings = _siblings(task)
    index = [s.pk for s in siblings].index(task.pk)
    parent = Task.objects.get(pk=task.parent_id) if task.parent_id else None
    return wbs_task_move(actor=actor, task=task, parent=parent, index=index + offset)


# ---------------------------------------------------------------------------------------------
# Publishing


@transaction.atomic
def wbs_publish(*, actor: User, request: Case) -> Case:
    """Freeze the plan dates as the baseline, start execution, tell every owner and helper."""
    request = lock_for_change(request)
    refuse_unless_wbs_editor(actor, request)
    missing = publish_missing(request)
    if missing:
        raise ActionRefused(
            _("The task breakdown cannot be published yet: %(missing)s")
            % {"missing": "；".join(missing)}
        )
    tasks = list(Task.objects.filter(request=request).prefetch_related("collaborators"))
    for task in tasks:
        task.planned_start_on, task.planned_due_on = task.start_on, task.due_on
    Task.objects.bulk_update(tasks, ["planned_start_on", "planned_due_on"])
    request.start_execution()
    request.save()
    activity_record(
        subject=request,
        verb="wbs_publish",
        actor=actor,
        from_state=Stage.BREAKDOWN,
        to_state=request.stage,
        comment=_("%(count)d tasks") % {"count": len(tasks)},
    )
    people = {}
    for task in tasks:
        for person in [task.owner, *task.collaborators.all()]:
            if person is not None:
                people.setdefault(person.pk, (person, []))[1].append(task)
    for person, own in people.values():
        notify(
            recipients=[person],
            actor=actor,
            title=Text(
                gettext_lazy("{code} has started: {count} tasks are yours or need your help"),
                code=request.code,
                count=len(own),
            ),
            body="\n".join(
                f"{t.wbs_code} {t.name}（{t.due_on:%Y-%m-%d}）" for t in own if t.due_on
            ),
            url=reverse("tasks_app:my_tasks"),
        )
    return request
