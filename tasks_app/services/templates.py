"""Writes on the WBS templates, and the Excel import: save a case's task breakdown as a
template, start a new one from a template (its working days counted from the new start), delete
a template, and replace a breakdown with the tasks of a workbook (read by ``wbs_io``).

Each write checks its permission, locks the case and writes the activity row; an import is
checked completely before anything is written."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.archive_guard import lock_for_change, refuse_if_archived
from cases.models import Case
from collab_portal.activity.services import activity_record
from collab_portal.calendar.workdays import MAX_WORKDAYS_STEP, WorkdayCalendar
from collab_portal.lib.dates import SCHEDULE
from collab_portal.lib.refusals import ActionRefused
from collab_portal.lib.uploads import Kind, check_upload
from collab_portal.org.models import User
from tasks_app.models import MAX_DEPTH, Task, WbsTemplate, WbsTemplateItem
from tasks_app.policies import (
    refuse_unless_template_deleter,
    refuse_unless_template_saver,
    refuse_unless_wbs_editor,
)
from tasks_app.selectors import plan_window_end, tasks_in_wbs_order, template_item_rows
from tasks_app.services.wbs import renumber
from tasks_app.wbs_io import MAX_IMPORT_BYTES, read_wbs_workbook

# ---------------------------------------------------------------------------------------------
# Templates


def _effective_dates(tasks: list[Task]) -> dict[int, tuple[datetime.date, datetime.date]]:
    """Start and due per task; a task without dates takes its parent's (or the tree's first
    day), so a template always has whole dates and children stay inside their parents."""
    known = [d for t in tasks for d in (t.start_on, t.due_on) if d]
    base = min(known, default=timezone.localdate())
    dates: dict[int, tuple[datetime.date, datetime.date]] = {}
    for task in tasks:  # parents come first
        parent_start, parent_due = dates.get(task.parent_id, (base, None))
        start = task.start_on or parent_start
        due = task.due_on or parent_due or start
        dates[task.pk] = (start, max(start, due))
    return dates


class _WorkdaySchedule:
    """A template's offsets and durations are working days of the PRC calendar (with the entered
    holiday years and the overrides): a task that starts on a rest day starts on the next
    working day, and a task of n working days ends on its n-th working day."""

    def __init__(self, calendar: WorkdayCalendar, first: datetime.date):
        self.calendar = calendar
        self.first = calendar.add_workdays(first, 0)  # the template's day 0: a working day

    @classmethod
    def around(cls, dates: Iterable[tuple[datetime.date, datetime.date]]) -> _WorkdaySchedule:
        """For saving: day 0 is the first working day from the earliest start."""
        days = [day for pair in dates for day in pair]
        return cls(WorkdayCalendar(min(days), max(days)), min(days))

    @classmethod
    def from_day(cls, start_on: datetime.date, *, working_days: int) -> _WorkdaySchedule:
        """For applying from ``start_on``: one calendar wide enough for ``working_days``."""
        reach = datetime.timedelta(days=working_days * 7 // 5 + 30)
        return cls(WorkdayCalendar(start_on - reach, start_on + reach), start_on)

    def offset_and_duration(self, start: datetime.date, due: datetime.date) -> tuple[int, int]:
        """The working days from day 0 to ``start`` (a rest day counts as the next working day),
        and the working days ``start``..``due`` (at least one)."""
        offset = self.calendar.workdays_between(self.first, start) - self.calendar.is_workday(start)
        return offset, max(1, self.calendar.workdays_between(start, due))

    def dates_of(self, item: WbsTemplateItem) -> tuple[datetime.date, datetime.date]:
        start = self.calendar.add_workdays(self.first, item.start_offset_days)
        return start, self.calendar.add_workdays(start, max(item.duration_days, 1) - 1)

    def latest_start(self, *, last_step: int, end: datetime.date) -> datetime.date:
        """The latest first day whose ``last_step``-th working day is still on or before
        ``end``."""
        last_working = end if self.calendar.is_workday(end) else self.calendar.add_workdays(end, -1)
        return self.calendar.add_workdays(last_working, -(last_step - 1))


@transaction.atomic
def wbs_template_save(
    *, actor: User, request: Case, name: str, description: str = ""
) -> WbsTemplate:
    """Keep the case's task tree as a named template: offsets in days from the earliest start,
    durations from start and due, deliverable standards and key flags. The case is only read:
    an archived case is a good source too."""
    request = lock_for_change(request, archived_ok=True)
    refuse_unless_template_saver(actor, request)
    tasks = tasks_in_wbs_order(list(Task.objects.filter(request=request)))
    if not tasks:
        raise ActionRefused(_("The task breakdown is empty: there is nothing to save."))
    name = " ".join(name.split())
    max_length = WbsTemplate._meta.get_field("name").max_length
    if not name:
        raise ValidationError({"name": _("Name the template.")})
    if len(name) > max_length:
        raise ValidationError(
            {"name": _("The name is longer than %(max)d characters.") % {"max": max_length}}
        )
    taken = _("A template named “%(name)s” already exists; choose another name.") % {"name": name}
    if WbsTemplate.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": taken})
    try:
        with transaction.atomic():
            template = WbsTemplate.objects.create(
                name=name, description=description.strip(), created_by=actor
            )
    except IntegrityError as error:  # someone saved the same name a moment ago
        raise ValidationError({"name": taken}) from error

    dates = _effective_dates(tasks)
    schedule = _WorkdaySchedule.around(dates.values())
    items: dict[int, WbsTemplateItem] = {}
    for task in tasks:
        start, due = dates[task.pk]
        offset, duration = schedule.offset_and_duration(start, due)
        items[task.pk] = WbsTemplateItem.objects.create(
            template=template,
            parent=items.get(task.parent_id),
            position=task.position,
            name=task.name,
            description=task.description,
            start_offset_days=offset,
            duration_days=duration,
            deliverable_standard=task.deliverable_standard,
            is_key=task.is_key,
        )
    return template


@transaction.atomic
def wbs_template_apply(
    *, actor: User, request: Case, template: WbsTemplate, start_on: datetime.date
) -> list[Task]:
    """Start the case's empty task breakdown from ``template``, its first day on ``start_on``.
    Refused (nothing clamped) when the last task would end after the plan."""
    request = lock_for_change(request)
    refuse_unless_wbs_editor(actor, request)
    if Task.objects.filter(request=request).exists():
        raise ActionRefused(
            _(
                "The task breakdown is not empty: a template can only start an empty one. "
                "Delete the tasks first, or import an Excel file to replace them."
            )
        )
    rows = template_item_rows(list(template.items.all()))
    if not rows:
        raise ActionRefused(_("The template “%(name)s” has no tasks.") % {"name": template.name})
    if max(row.depth for row in rows) > MAX_DEPTH:
        raise ActionRefused(
            _("The task breakdown is at most %(depth)d levels deep.") % {"depth": MAX_DEPTH}
        )

    if errors := SCHEDULE.refusals(start_on=start_on):
        raise ValidationError(errors)

    end = plan_window_end(request)
    last_step = max(row.item.start_offset_days + max(row.item.duration_days, 1) for row in rows)
    if last_step > MAX_WORKDAYS_STEP:  # saved from tasks dated years apart
        raise ValidationError(
            {"start_on": _("The template’s tasks span more time than any plan can hold.")}
        )
    schedule = _WorkdaySchedule.from_day(start_on, working_days=last_step)
    dates = {row.item.pk: schedule.dates_of(row.item) for row in rows}
    for row in reversed(rows):  # subtasks come after their parent: it ends no earlier than they
        if (parent_id := row.item.parent_id) in dates:
            parent_start, parent_due = dates[parent_id]
            dates[parent_id] = (parent_start, max(parent_due, dates[row.item.pk][1]))
    last_due = max(due for _start, due in dates.values())
    if last_due > end:
        latest = schedule.latest_start(last_step=last_step, end=end)
        raise ValidationError(
            {
                "start_on": _(
                    "Starting on %(start)s, the last task would end on %(last)s, after the "
                    "plan's end (%(end)s). Start on %(latest)s at the latest."
                )
                % {
                    "start": start_on.isoformat(),
                    "last": last_due.isoformat(),
                    "end": end.isoformat(),
                    "latest": latest.isoformat(),
                }
            }
        )
    created: dict[int, Task] = {}
    for row in rows:  # parents come first
        item = row.item
        created[item.pk] = Task.objects.create(
            request=request,
            parent=created.get(item.parent_id),
            position=item.position,
            name=item.name,
            description=item.description,
            start_on=dates[item.pk][0],
            due_on=dates[item.pk][1],
            deliverable_standard=item.deliverable_standard,
            is_key=item.is_key,
        )
    renumber(request)
    activity_record(subject=request, verb="wbs_template", actor=actor, comment=template.name)
    return tasks_in_wbs_order(list(Task.objects.filter(request=request)))


@transaction.atomic
def wbs_template_delete(*, actor: User, template: WbsTemplate) -> None:
    """Administrators tidy the template list; tasks started from a template keep their data."""
    refuse_unless_template_deleter(actor)
    WbsTemplate.objects.filter(pk=template.pk).delete()


# ---------------------------------------------------------------------------------------------
# Excel import


@transaction.atomic
def wbs_import_xlsx(*, actor: User, request: Case, content: bytes) -> int:
    """Replace the case's task breakdown with the tasks of an exported (or filled-in) workbook;
    all or nothing. Task IDs in the file only link rows to their parents; the codes are
    recomputed. Returns how many tasks the breakdown now has."""
    request = lock_for_change(request)
    refuse_unless_wbs_editor(actor, request)
    rows = read_wbs_workbook(content, window_end=plan_window_end(request))

    try:
        with transaction.atomic():
            Task.objects.filter(request=request).delete()
    except (ProtectedError, RestrictedError) as error:
        raise ActionRefused(
            _(
                "The current tasks are referred to elsewhere (risks, deliveries) and cannot be "
                "replaced."
            )
        ) from error
    created: dict[int, Task] = {}
    for row in rows:  # parents come first: a parent must be an earlier row
        task = Task.objects.create(
            request=request,
            parent=created[id(row.parent)] if row.parent else None,
            position=row.position,
            name=row.name,
            description=row.description,
            owner=row.owner,
            lead_department=row.lead_department,
            start_on=row.start_on,
            due_on=row.due_on,
            deliverable_standard=row.deliverable_standard,
            is_key=row.is_key,
        )
        if row.collaborators:
            task.collaborators.set(row.collaborators)
        if row.supporting_departments:
            task.supporting_departments.set(row.supporting_departments)
        created[id(row)] = task
    renumber(request)
    activity_record(
        subject=request,
        verb="wbs_import",
        actor=actor,
        comment=_("%(count)d tasks") % {"count": len(rows)},
    )
    return len(rows)


def wbs_import_upload(*, actor: User, request: Case, uploaded_file: UploadedFile) -> int:
    """An uploaded workbook: checked by its content (an .xlsx and nothing else), then imported."""
    refuse_if_archived(request)
    # Before reading the file; checked again under the lock.
    refuse_unless_wbs_editor(actor, request)
    check_upload(uploaded_file, max_bytes=MAX_IMPORT_BYTES, allowed_kinds=frozenset({Kind.XLSX}))
    uploaded_file.seek(0)
    return wbs_import_xlsx(actor=actor, request=request, content=uploaded_file.read())
