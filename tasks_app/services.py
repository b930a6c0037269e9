"""Writes on the work breakdown and the tasks (stages 3–4).

The coordinator (or an admin) shapes the WBS while the case is in task breakdown; publishing
needs every leaf task fully assigned and starts execution. Owners then move their tasks through
the status machine and post one progress update a day."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.archive_guard import lock_for_change, refuse_if_archived
from cases.models import Case
from collab_portal.activity.services import activity_record, refuse_if_urged_recently
from collab_portal.lib.dates import DEADLINE, SCHEDULE
from collab_portal.lib.language import join_list
from collab_portal.lib.refusals import ActionRefused, refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.notifications.services import notify
from collab_portal.org.models import Department, User
from collab_portal.org.selectors import departments_overseen_by
from requests_app.models import Milestone
from tasks_app.models import MAX_DEPTH, ProgressUpdate, Task, TaskDateChange

Stage = Case.Stage
Status = Task.Status


# ---------------------------------------------------------------------------------------------
# Who may do what


def may_edit_wbs(user: User, request: Case) -> bool:
    return user.is_active and (user == request.coordinator or user.is_portal_admin)


def may_work_on(user: User, task: Task) -> bool:
    """The owner moves a task along; the coordinator and admins may too."""
    return user.is_active and (
        user.pk == task.owner_id or user == task.request.coordinator or user.is_portal_admin
    )


def _lock_task(task: Task) -> Task:
    """Lock the task row for a change; a task of an archived case refuses."""
    locked = (
        Task.objects.select_related("request", "request__coordinator")
        .select_for_update(of=("self",))
        .get(pk=task.pk)
    )
    refuse_if_archived(locked.request)
    return locked


def _check_wbs_editor(actor: User, request: Case) -> None:
    refuse_unless(
        may_edit_wbs(actor, request),
        _("Only the coordinator (%(name)s) edits the task breakdown.")
        % {"name": request.coordinator.name if request.coordinator else "—"},
    )
    refuse_unless(
        request.stage == Stage.BREAKDOWN,
        _("The task breakdown can be changed only before it is published."),
    )


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


def plan_window_end(request: Case) -> datetime.date:
    """Tasks finish inside the plan: by the expected deadline or the last milestone."""
    last_milestone = (
        Milestone.objects.filter(plan__request=request, plan__state="confirmed")
        .order_by("-due_on")
        .values_list("due_on", flat=True)
        .first()
    )
    return max(d for d in (request.expected_deadline, last_milestone) if d is not None)


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
    _check_wbs_editor(actor, request)
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
    _check_wbs_editor(actor, request)
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
    _check_wbs_editor(actor, request)
    count = len(_subtree(task))
    task.delete()
    renumber(request)
    return count


@transaction.atomic
def wbs_task_move(*, actor: User, task: Task, parent: Task | None, index: int) -> Task:
    """Put ``task`` (with its subtree) under ``parent`` at ``index`` among the siblings."""
    task = _lock_task(task)
    request = lock_for_change(task.request)
    _check_wbs_editor(actor, request)
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


def publish_missing(request: Case) -> list[str]:
    """What stops publishing: every leaf task needs an owner, a lead department, both dates
    and a deliverable standard (the manual's 100% clear responsibility)."""
    tasks = list(Task.objects.filter(request=request).order_by("wbs_code"))
    if not tasks:
        return [_("Add at least one task.")]
    parents = {t.parent_id for t in tasks if t.parent_id}
    missing = []
    for task in tasks:
        if task.pk in parents:
            continue
        checks = [
            (task.owner_id, _("owner")),
            (task.lead_department_id, _("lead department")),
            (task.start_on, _("start date")),
            (task.due_on, _("due date")),
            (task.deliverable_standard.strip(), _("deliverable standard")),
        ]
        lacking = [label for value, label in checks if not value]
        if lacking:
            missing.append(
                _("%(code)s %(name)s: no %(fields)s")
                % {"code": task.wbs_code, "name": task.name, "fields": join_list(lacking)}
            )
    return missing


@transaction.atomic
def wbs_publish(*, actor: User, request: Case) -> Case:
    """Freeze the plan dates as the baseline, start execution, tell every owner and helper."""
    request = lock_for_change(request)
    _check_wbs_editor(actor, request)
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


# ---------------------------------------------------------------------------------------------
# Task life (stage executing)


def _check_worker(actor: User, task: Task) -> None:
    refuse_unless(
        task.request.stage == Stage.EXECUTING,
        _("Tasks are worked on while the request is executing."),
    )
    refuse_unless(
        may_work_on(actor, task), _("Only the task's owner or the coordinator can do this.")
    )
    refuse_unless(
        not task.children.exists(), _("A parent task follows its subtasks; update those instead.")
    )


def _status_changed(*, actor, task, verb, from_state, comment=""):
    activity_record(
        subject=task.request,
        verb=verb,
        actor=actor,
        target=task,
        from_state=from_state,
        to_state=task.status,
        comment=f"{task.wbs_code} {task.name}" + (f"：{comment}" if comment else ""),
    )


def _clear_reason(task: Task) -> None:
    """Resumed or done: the delay's or blocker's reason and date no longer stand. They stay in
    the task's history and in the timeline (the status change's comment)."""
    task.status_reason, task.expected_done_on = "", None


@transaction.atomic
def task_start(*, actor: User, task: Task) -> Task:
    task = _lock_task(task)
    _check_worker(actor, task)
    refuse_unless(
        task.status == Status.NOT_STARTED, _("Only a task that has not started can start.")
    )
    task.start()
    task.started_at = timezone.now()
    task.save()
    _status_changed(actor=actor, task=task, verb="task_start", from_state=Status.NOT_STARTED)
    return task


@transaction.atomic
def task_complete(*, actor: User, task: Task) -> Task:
    task = _lock_task(task)
    _check_worker(actor, task)
    refuse_unless(
        task.status in (Status.NOT_STARTED, Status.IN_PROGRESS, Status.DELAYED),
        _("A blocked task is unblocked first; a finished one is finished."),
    )
    from_state = task.status
    task.complete()
    task.progress = 100
    task.completed_at = timezone.now()
    _clear_reason(task)
    task.save()
    _status_changed(actor=actor, task=task, verb="task_done", from_state=from_state)
    coordinator = task.request.coordinator
    if coordinator is not None:
        notify(
            recipients=[coordinator],
            actor=actor,
            title=Text(gettext_lazy("{name} finished {task}"), name=actor.name, task=str(task)),
            target=task,
        )
    return task


@transaction.atomic
def task_report_delay(*, actor: User, task: Task, reason: str, new_date: datetime.date) -> Task:
    """延期: a reason and the new expected date are required."""
    task = _lock_task(task)
    _check_worker(actor, task)
    errors = {}
    if not reason.strip():
        errors["reason"] = _("Say why the task is delayed.")
    if new_date is None or new_date < timezone.localdate():
        errors["new_date"] = _("Give a new expected date from today on.")
    else:
        errors |= DEADLINE.refusals(new_date=new_date)
    if errors:
        raise ValidationError(errors)
    refuse_unless(
        task.status in (Status.NOT_STARTED, Status.IN_PROGRESS),
        _("Only an open, unblocked task can be reported delayed."),
    )
    from_state = task.status
    task.report_delay()
    task.status_reason, task.expected_done_on = reason.strip(), new_date
    task.save()
    _status_changed(
        actor=actor,
        task=task,
        verb="task_delay",
        from_state=from_state,
        comment=f"{reason.strip()}（{new_date:%Y-%m-%d}）",
    )
    coordinator = task.request.coordinator
    notify(
        recipients=[coordinator] if coordinator else [],
        actor=actor,
        title=Text(
            gettext_lazy("{task} is delayed to {date}"), task=str(task), date=new_date.isoformat()
        ),
        body=reason.strip(),
        target=task,
    )
    return task


@transaction.atomic
def task_report_block(*, actor: User, task: Task, reason: str) -> Task:
    """阻塞: a reason is required; the coordinator hears of it."""
    task = _lock_task(task)
    _check_worker(actor, task)
    if not reason.strip():
        raise ValidationError({"reason": _("Say what blocks the task.")})
    refuse_unless(
        task.status in (Status.NOT_STARTED, Status.IN_PROGRESS, Status.DELAYED),
        _("Only an open task can be blocked."),
    )
    from_state = task.status
    task.report_block()
    task.status_reason = reason.strip()
    task.save()
    _status_changed(
        actor=actor, task=task, verb="task_block", from_state=from_state, comment=reason.strip()
    )
    coordinator = task.request.coordinator
    notify(
        recipients=[coordinator] if coordinator else [],
        actor=actor,
        title=Text(gettext_lazy("{task} is blocked"), task=str(task)),
        body=reason.strip(),
        target=task,
    )
    return task


@transaction.atomic
def task_resume(*, actor: User, task: Task) -> Task:
    task = _lock_task(task)
    _check_worker(actor, task)
    refuse_unless(
        task.status in (Status.DELAYED, Status.BLOCKED),
        _("Only a delayed or blocked task can be resumed."),
    )
    from_state = task.status
    task.resume()
    _clear_reason(task)
    task.save()
    _status_changed(actor=actor, task=task, verb="task_resume", from_state=from_state)
    return task


def may_urge(
    user: User,
    task: Task,
    *,
    is_leaf: bool,
    today: datetime.date | None = None,
    overseen: Collection[int] | None = None,
) -> bool:
    """催办 an overdue leaf task's owner: the coordinator, an admin, or a head or leader in
    charge of the department the task counts for (its lead department, else the case's
    initiating one — as on the managers' dashboard). ``overseen``: the user's
    ``departments_overseen_by``, when the caller has read it for many tasks."""
    today = today or timezone.localdate()
    if not (
        is_leaf
        and user.is_active
        and task.request.stage == Stage.EXECUTING
        and task.status != Status.DONE
        and task.due_on is not None
        and task.due_on < today
        and task.owner_id is not None
        and task.owner_id != user.pk
    ):
        return False
    if may_edit_wbs(user, task.request):
        return True
    if overseen is None:
        overseen = departments_overseen_by(user)
    return (task.lead_department_id or task.request.initiator_department_id) in overseen


@transaction.atomic
def task_urge(*, actor: User, task: Task) -> User:
    """催办: the coordinator nudges the owner of an overdue task, at most once per 4 hours per
    task. Returns the owner."""
    task = _lock_task(task)
    request = task.request
    refuse_unless(
        may_edit_wbs(actor, request)
        or (task.lead_department_id or request.initiator_department_id)
        in departments_overseen_by(actor),
        _(
            "Only the coordinator, or a head or leader in charge of the task's department, "
            "urges its owner."
        ),
    )
    refuse_unless(
        request.stage == Stage.EXECUTING, _("Tasks are worked on while the request is executing.")
    )
    refuse_unless(
        not task.children.exists(), _("A parent task follows its subtasks; urge those instead.")
    )
    refuse_unless(
        task.status != Status.DONE and task.is_overdue,
        _("Only an overdue task that is not done can be urged."),
    )
    owner = task.owner
    refuse_unless(
        owner is not None and owner.is_active and owner != actor,
        _("This task has nobody else to urge: assign an active owner first."),
    )
    refuse_if_urged_recently(subject=request, verb="task_urge", actor=actor, target=task)
    activity_record(
        subject=request,
        verb="task_urge",
        actor=actor,
        target=task,
        comment=f"{task.wbs_code} {task.name} → {owner.name}",
    )
    notify(
        recipients=[owner],
        actor=actor,
        title=Text(
            gettext_lazy("{name} urges you on the overdue task {task} of {code} (due {date})"),
            name=actor.name,
            task=str(task),
            code=request.code,
            date=task.due_on.isoformat(),
        ),
        target=task,
    )
    return owner


@transaction.atomic
def progress_save(*, actor: User, task: Task, percent: int, note: str = "") -> ProgressUpdate:
    """每日进展: one update per task per day; saving again the same day edits it."""
    task = _lock_task(task)
    _check_worker(actor, task)
    refuse_unless(task.status != Status.DONE, _("The task is finished."))
    if not 0 <= percent <= 100:
        raise ValidationError({"percent": _("Progress is a percentage from 0 to 100.")})
    today = timezone.localdate()
    update, _created = ProgressUpdate.objects.update_or_create(
        task=task, day=today, defaults={"author": actor, "percent": percent, "note": note.strip()}
    )
    if task.status == Status.NOT_STARTED and percent > 0:
        task.start()
        task.started_at = timezone.now()
    task.progress, task.last_update_on = percent, today
    task.save()
    return update


@transaction.atomic
def task_change_due(
    *, actor: User, task: Task, new_due: datetime.date, reason: str
) -> TaskDateChange:
    """After publishing, a due date moves only with a reason; planned vs current is kept."""
    task = _lock_task(task)
    request = task.request
    refuse_unless(
        request.stage == Stage.EXECUTING, _("Due dates change with a reason only after publishing.")
    )
    refuse_unless(may_edit_wbs(actor, request), _("Only the coordinator changes due dates."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the due date changes.")})
    if errors := SCHEDULE.refusals(new_due=new_due):
        raise ValidationError(errors)
    parent = Task.objects.get(pk=task.parent_id) if task.parent_id else None
    _validate_dates(
        request=request, parent=parent, start_on=task.start_on, due_on=new_due, task=task
    )
    refuse_unless(new_due != task.due_on, _("That is already the due date."))
    change = TaskDateChange.objects.create(
        task=task,
        old_due_on=task.due_on,
        new_due_on=new_due,
        reason=reason.strip(),
        changed_by=actor,
    )
    old = task.due_on
    task.due_on = new_due
    task.save(update_fields=["due_on"])
    activity_record(
        subject=request,
        verb="task_due_change",
        actor=actor,
        target=task,
        comment=(
            f"{task.wbs_code} {task.name}：{old:%Y-%m-%d} → {new_due:%Y-%m-%d}，{reason.strip()}"
        ),
    )
    if task.owner:
        notify(
            recipients=[task.owner],
            actor=actor,
            title=Text(
                gettext_lazy("The due date of {task} is now {date}"),
                task=str(task),
                date=new_due.isoformat(),
            ),
            body=reason.strip(),
            target=task,
        )
    return change
