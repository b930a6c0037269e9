"""Writes on the tasks while the case executes (stage 4): owners move their tasks through the
status machine and post one progress update a day; the coordinator moves due dates with a
reason; the coordinator or the heads in charge urge the owners of overdue tasks."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab_portal.activity.services import activity_record, refuse_if_urged_recently
from collab_portal.lib.dates import DEADLINE, SCHEDULE
from collab_portal.lib.refusals import refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.notifications.services import notify
from collab_portal.org.models import User
from tasks_app.models import ProgressUpdate, Task, TaskDateChange
from tasks_app.policies import (
    COMPLETE,
    REPORT_BLOCK,
    REPORT_DELAY,
    RESUME,
    SAVE_PROGRESS,
    START,
    refuse_unless_due_changer,
    refuse_unless_status,
    refuse_unless_urger,
    refuse_unless_worker,
)
from tasks_app.services.wbs import _lock_task, _validate_dates

Status = Task.Status


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
    refuse_unless_worker(actor, task)
    refuse_unless_status(task, START)
    task.start()
    task.started_at = timezone.now()
    task.save()
    _status_changed(actor=actor, task=task, verb="task_start", from_state=Status.NOT_STARTED)
    return task


@transaction.atomic
def task_complete(*, actor: User, task: Task) -> Task:
    task = _lock_task(task)
    refuse_unless_worker(actor, task)
    refuse_unless_status(task, COMPLETE)
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
    refuse_unless_worker(actor, task)
    errors = {}
    if not reason.strip():
        errors["reason"] = _("Say why the task is delayed.")
    if new_date is None or new_date < timezone.localdate():
        errors["new_date"] = _("Give a new expected date from today on.")
    else:
        errors |= DEADLINE.refusals(new_date=new_date)
    if errors:
        raise ValidationError(errors)
    refuse_unless_status(task, REPORT_DELAY)
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
    refuse_unless_worker(actor, task)
    if not reason.strip():
        raise ValidationError({"reason": _("Say what blocks the task.")})
    refuse_unless_status(task, REPORT_BLOCK)
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
    refuse_unless_worker(actor, task)
    refuse_unless_status(task, RESUME)
    from_state = task.status
    task.resume()
    _clear_reason(task)
    task.save()
    _status_changed(actor=actor, task=task, verb="task_resume", from_state=from_state)
    return task


@transaction.atomic
def task_urge(*, actor: User, task: Task) -> User:
    """催办: the coordinator nudges the owner of an overdue task, at most once per 4 hours per
    task. Returns the owner."""
    task = _lock_task(task)
    request = task.request
    refuse_unless_urger(actor, task)
    owner = task.owner
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
    refuse_unless_worker(actor, task)
    refuse_unless_status(task, SAVE_PROGRESS)
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
    refuse_unless_due_changer(actor, task)
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
