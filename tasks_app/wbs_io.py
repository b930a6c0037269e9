"""WBS templates and Excel: save a case's task breakdown as a template, start a new one from a
template (its working days counted from the new start), and export / re-import the breakdown as
a workbook.

Writes go through the keyword-only services below (permission, row lock, activity row); an
import is checked completely before anything is written, and every error names its row and
column."""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, ProtectedError, Q, RestrictedError, Value
from django.db.models.functions import Concat, Trim
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.archive_guard import lock_for_change, refuse_if_archived
from cases.models import Case
from collab_portal.activity.services import activity_record
from collab_portal.lib.dates import SCHEDULE
from collab_portal.lib.language import join_list
from collab_portal.lib.refusals import ActionRefused
from collab_portal.lib.spreadsheets import append_row, read_xlsx
from collab_portal.lib.uploads import Kind, check_upload
from collab_portal.lib.workdays import MAX_WORKDAYS_STEP, WorkdayCalendar
from collab_portal.org.models import Department, User
from tasks_app.models import MAX_DEPTH, Task, WbsTemplate, WbsTemplateItem
from tasks_app.services import (
    _check_wbs_editor,
    may_edit_wbs,
    plan_window_end,
    renumber,
)

Stage = Case.Stage

# A case's breakdown can be kept as a template once the plan is signed.
TEMPLATE_SOURCE_STAGES = frozenset(
    {Stage.BREAKDOWN, Stage.EXECUTING, Stage.ACCEPTING, Stage.RETROSPECTIVE, Stage.ARCHIVED}
)
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
MAX_ERRORS_SHOWN = 30
SHEET_TITLE = "WBS"
PEOPLE_SHEET, DEPARTMENTS_SHEET = "人员", "部门"
YES, NO = "是", "否"

# (key, header written on export, other headers accepted on import, column width). People and
# departments are written as 王五（E1003）; a cell may name them by name, by employee number or
# department code, or both. The headers of earlier exports (负责人工号, …) are still read.
COLUMNS: list[tuple[str, str, tuple[str, ...], int]] = [
    ("code", "任务ID", ("task id", "id"), 10),
    ("name", "任务名称", ("task name", "name"), 32),
    ("parent", "上级任务ID", ("parent task id", "parent id", "parent"), 12),
    ("description", "说明", ("description",), 36),
    ("owner", "负责人", ("负责人工号", "owner", "owner employee no"), 18),
    (
        "collaborators",
        "协作人",
        ("协作人工号", "collaborators", "collaborator employee nos"),
        30,
    ),
    (
        "lead_department",
        "主责部门",
        ("主责部门编码", "lead department", "lead department code"),
        18,
    ),
    (
        "supporting_departments",
        "配合部门",
        ("配合部门编码", "supporting departments", "supporting department codes"),
        30,
    ),
    ("start_on", "开始日期", ("start date", "start"), 12),
    ("due_on", "截止日期", ("due date", "due"), 12),
    ("deliverable_standard", "交付物标准", ("deliverable standard", "deliverable"), 40),
    ("is_key", "关键任务", ("key task", "key"), 10),
]
HEADERS = {key: header for key, header, _aliases, _width in COLUMNS}
REQUIRED_COLUMNS = ("code", "name", "parent")
PERSON_COLUMNS = ("owner", "collaborators")
DEPARTMENT_COLUMNS = ("lead_department", "supporting_departments")
PERSON_NAME_FIELDS = ("display_name", "first_name", "last_name", "username")  # User.name
TEXT_COLUMNS = ("code", "parent", *PERSON_COLUMNS, *DEPARTMENT_COLUMNS)
# Entries of a list cell; not spaces, which names hold (“Wang Wu”).
_LIST_SEPARATORS = re.compile(r"[,，、;；\n]+")
# 王五（E1003） or 王五(E1003): a name and its code.
_LABELLED = re.compile(r"^(?P<name>.+?)\s*[（(]\s*(?P<code>[^（）()]+?)\s*[）)]$")
_YES_WORDS = {"是", "y", "yes", "true", "1", "√", "✓"}
_NO_WORDS = {"", "否", "n", "no", "false", "0"}


# ---------------------------------------------------------------------------------------------
# Reads


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
        template.tree = _item_tree(by_template.get(template.pk, []))
    return templates


@dataclass
class TemplateRow:
    item: WbsTemplateItem
    code: str
    depth: int


def _item_tree(items: list[WbsTemplateItem]) -> list[TemplateRow]:
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


def _task_tree(tasks: list[Task]) -> list[Task]:
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
    editor = may_edit_wbs(user, request)
    in_breakdown = request.stage == Stage.BREAKDOWN
    templates = list(WbsTemplate.objects.annotate(item_count=Count("items")).order_by("name"))
    reason = ""
    if editor and in_breakdown and has_tasks:
        reason = _("A template starts an empty task breakdown; delete the tasks first.")
    elif editor and in_breakdown and not templates:
        reason = _("No templates yet.")
    return WbsIoPanel(
        templates=templates,
        can_save_template=editor and has_tasks and request.stage in TEMPLATE_SOURCE_STAGES,
        can_apply_template=editor and in_breakdown and not has_tasks and bool(templates),
        can_import=editor and in_breakdown,
        import_replaces=has_tasks,
        default_start=timezone.localdate(),
        latest_end=plan_window_end(request) if in_breakdown else None,
        apply_blocked_reason=reason,
    )


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
    if not may_edit_wbs(actor, request):
        raise ActionRefused(
            _(
                "Only the coordinator (%(name)s) or an administrator may save this task "
                "breakdown as a template."
            )
            % {"name": request.coordinator.name if request.coordinator else "—"}
        )
    if request.stage not in TEMPLATE_SOURCE_STAGES:
        raise ActionRefused(
            _("A task breakdown can be saved as a template once the plan is confirmed.")
        )
    tasks = _task_tree(list(Task.objects.filter(request=request)))
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
    _check_wbs_editor(actor, request)
    if Task.objects.filter(request=request).exists():
        raise ActionRefused(
            _(
                "The task breakdown is not empty: a template can only start an empty one. "
                "Delete the tasks first, or import an Excel file to replace them."
            )
        )
    rows = _item_tree(list(template.items.all()))
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
    return _task_tree(list(Task.objects.filter(request=request)))


@transaction.atomic
def wbs_template_delete(*, actor: User, template: WbsTemplate) -> None:
    """Administrators tidy the template list; tasks started from a template keep their data."""
    if not actor.is_portal_admin:
        raise ActionRefused(_("Only an administrator deletes templates."))
    WbsTemplate.objects.filter(pk=template.pk).delete()


# ---------------------------------------------------------------------------------------------
# Excel export


def _person_key(user: User) -> str:
    """A person in the file: the employee number, or the login of someone without one."""
    return user.employee_no or user.username


def _labelled(name: str, code: str) -> str:
    """“王五（E1003）”: how the file names a person or a department. The import reads it
    back, and either half alone."""
    return f"{name}（{code}）"


def _person_label(user: User) -> str:
    return _labelled(user.name, _person_key(user))


def _department_label(department: Department) -> str:
    return _labelled(department.name, department.code)


def _finish_sheet(sheet, widths: list[int], text_columns: set[int]) -> None:
    """Bold header on a tinted row, column widths, the header frozen; ``text_columns``
    (1-based) formatted as text, so "1.10" or "007" stay what they are when edited."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="E8EEF7")
    for cell in sheet[1]:
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(vertical="center")
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.column in text_columns:
                cell.number_format = "@"
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _add_reference_sheets(workbook) -> None:
    """The active people and departments, to fill the WBS sheet's columns from: a person by
    name or employee number, a department by name or code (2 queries)."""
    people = workbook.create_sheet(PEOPLE_SHEET)
    append_row(people, ["姓名", "工号", "部门", "部门编码"])
    for user in (
        User.objects.filter(is_active=True)
        .select_related("department")
        .only(*PERSON_NAME_FIELDS, "employee_no", "department__name", "department__code")
        .order_by("department__sort_order", "department__code", "employee_no", "username")
    ):
        department = user.department
        append_row(
            people,
            [
                user.name,
                _person_key(user),
                department.name if department else None,
                department.code if department else None,
            ],
        )
    _finish_sheet(people, [16, 16, 20, 16], text_columns={2, 4})
    departments = workbook.create_sheet(DEPARTMENTS_SHEET)
    append_row(departments, ["部门", "编码", "上级部门"])
    for department in Department.objects.filter(is_active=True).select_related("parent"):
        parent = department.parent
        append_row(departments, [department.name, department.code, parent.name if parent else None])
    _finish_sheet(departments, [20, 16, 20], text_columns={2})


def wbs_export_xlsx(*, request: Case) -> bytes:
    """The case's task breakdown as a workbook that ``wbs_import_xlsx`` reads back unchanged:
    people and departments by name with their code (王五（E1003）), and the sheets of the
    active people and departments to fill it from. An empty breakdown gives the header row
    alone: a blank form to fill in."""
    from openpyxl import Workbook

    tasks = _task_tree(
        list(
            Task.objects.filter(request=request)
            .select_related("owner", "lead_department")
            .prefetch_related("collaborators", "supporting_departments")
        )
    )
    codes = {task.pk: task.wbs_code for task in tasks}
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    append_row(sheet, [header for _key, header, _aliases, _width in COLUMNS])
    for task in tasks:
        helpers = sorted(task.collaborators.all(), key=_person_key)
        supporting = sorted(task.supporting_departments.all(), key=lambda d: d.code)
        append_row(
            sheet,
            [
                task.wbs_code,
                task.name,
                codes.get(task.parent_id),
                task.description.strip() or None,
                _person_label(task.owner) if task.owner else None,
                "、".join(_person_label(user) for user in helpers) or None,
                _department_label(task.lead_department) if task.lead_department else None,
                "、".join(_department_label(d) for d in supporting) or None,
                task.start_on,
                task.due_on,
                task.deliverable_standard.strip() or None,
                YES if task.is_key else NO,
            ],
        )
    keys = [key for key, *_rest in COLUMNS]
    _finish_sheet(
        sheet,
        [width for *_rest, width in COLUMNS],
        text_columns={keys.index(key) + 1 for key in TEXT_COLUMNS},
    )
    for key in ("start_on", "due_on"):
        column = keys.index(key) + 1
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = "yyyy-mm-dd"
    _add_reference_sheets(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def wbs_export_filename(request: Case) -> str:
    return f"任务分解-{request.code}.xlsx"


# ---------------------------------------------------------------------------------------------
# Excel import


@dataclass
class _Row:
    number: int
    code: str
    name: str
    parent: _Row | None
    depth: int
    description: str = ""
    owner: User | None = None
    collaborators: list[User] = field(default_factory=list)
    lead_department: Department | None = None
    supporting_departments: list[Department] = field(default_factory=list)
    start_on: datetime.date | None = None
    due_on: datetime.date | None = None
    deliverable_standard: str = ""
    is_key: bool = False
    position: int = 0


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _parse_date(value) -> datetime.date | None:
    """An Excel date, an Excel serial number or a YYYY-MM-DD (also YYYY/MM/DD) string."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and 1 <= value < 2958466:
        from openpyxl.utils.datetime import from_excel

        converted = from_excel(value)
        return converted.date() if isinstance(converted, datetime.datetime) else converted
    text = re.sub(r"[/.年月]", "-", str(value).strip()).rstrip("日")
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(value) from None


def _read_sheet(content: bytes) -> list[tuple[int, tuple]]:
    """(row number as Excel shows it, cells) of the WBS sheet (or the first one), header first."""
    return read_xlsx(content, max_rows=MAX_IMPORT_ROWS, sheet=SHEET_TITLE)[0].rows


def _column_indexes(header: tuple) -> tuple[dict[str, int], dict[str, str]]:
    """Where each known column is, and its header as the file writes it (errors name it)."""
    written = [_cell_text(cell) for cell in header]
    names = [title.lower() for title in written]
    found = {}
    for key, title, aliases, _width in COLUMNS:
        for alias in (title.lower(), *aliases):
            if alias in names:
                found[key] = names.index(alias)
                break
    missing = [HEADERS[key] for key in REQUIRED_COLUMNS if key not in found]
    if missing:
        raise ValidationError(
            _(
                "The first row must hold the column names of the exported file; missing: "
                "%(columns)s."
            )
            % {"columns": "、".join(missing)}
        )
    return found, {key: written[index] for key, index in found.items()}


def _split(value) -> list[str]:
    """The entries of a list cell: 张三、李四 / E1001,E1002 / one per line."""
    return [part.strip() for part in _LIST_SEPARATORS.split(_cell_text(value)) if part.strip()]


def _words(value) -> set[str]:
    """Every entry of a cell, and both halves of a “name（code）” entry: what to look up."""
    words = set()
    for entry in _split(value):
        words.add(entry)
        if labelled := _LABELLED.match(entry):
            words.update((labelled["name"], labelled["code"]))
    return words


@dataclass
class _Found:
    """What an entry names: ``match``, or why it names nobody (``problem``)."""

    match: object = None
    problem: str = ""  # "unknown", "inactive", "ambiguous" or "contradicts"
    code: str = ""
    candidates: list = field(default_factory=list)
    written_name: str = ""


@dataclass
class _Register:
    """People or departments by code (employee number, department code) and, the active ones,
    by name."""

    by_code: dict = field(default_factory=dict)
    by_name: dict = field(default_factory=dict)

    def find(self, entry: str) -> _Found:
        """A code first, then 名称（code） (the code decides; the name must agree), then a name
        only one active record bears. A name never hides a code: someone called “王五（E1003）”
        is not 王五 of E1003."""
        labelled = _LABELLED.match(entry)
        if entry not in self.by_code and labelled and labelled["code"] in self.by_code:
            found = self.by_code[labelled["code"]]
            if found.is_active and found.name != labelled["name"]:
                return _Found(
                    problem="contradicts",
                    code=labelled["code"],
                    candidates=[found],
                    written_name=labelled["name"],
                )
            entry = labelled["code"]
        if entry in self.by_code:
            found = self.by_code[entry]
            if found.is_active:
                return _Found(match=found)
            return _Found(problem="inactive", code=entry)
        named = self.by_name.get(entry, [])
        if len(named) == 1:
            return _Found(match=named[0])
        return _Found(problem="ambiguous" if named else "unknown", candidates=named)


@dataclass(frozen=True)
class _Refusals:
    """What the import says when an entry names no person (or department)."""

    sheet: str
    unknown: str
    inactive: str
    ambiguous: str
    contradicts: str
    candidate: Callable  # a candidate as an ambiguous or contradicted entry shows it


PERSON_REFUSALS = _Refusals(
    sheet=PEOPLE_SHEET,
    unknown=gettext_lazy(
        "no active person is called or numbered “%(value)s” (see the sheet “%(sheet)s”)."
    ),
    inactive=gettext_lazy("no active person has employee number %(no)s."),
    ambiguous=gettext_lazy(
        "%(count)d people are called “%(name)s”: %(candidates)s; write the employee number instead."
    ),
    contradicts=gettext_lazy("employee number %(no)s is %(name)s, not “%(written)s”."),
    candidate=lambda user: _labelled(user.name, f"{_person_key(user)}，{user.department or '—'}"),
)
DEPARTMENT_REFUSALS = _Refusals(
    sheet=DEPARTMENTS_SHEET,
    unknown=gettext_lazy(
        "no active department is called or coded “%(value)s” (see the sheet “%(sheet)s”)."
    ),
    inactive=gettext_lazy("no active department has code %(code)s."),
    ambiguous=gettext_lazy(
        "%(count)d departments are called “%(name)s”: %(candidates)s; write the code instead."
    ),
    contradicts=gettext_lazy("code %(code)s is %(name)s, not “%(written)s”."),
    candidate=lambda d: _labelled(d.name, f"{d.code}，{d.parent or '—'}"),
)


class _Directory:
    """The people and departments the file names, read in one query each: by employee number
    (or the login of someone without one) or department code, and by name."""

    def __init__(self, raw_rows: list[dict[str, object]]):
        people_words, department_words = set(), set()
        for values in raw_rows:
            for key in PERSON_COLUMNS:
                people_words |= _words(values.get(key))
            for key in DEPARTMENT_COLUMNS:
                department_words |= _words(values.get(key))
        people = (
            User.objects.annotate(full_name=Trim(Concat("first_name", Value(" "), "last_name")))
            .filter(
                Q(employee_no__in=people_words)
                | Q(username__in=people_words)
                | Q(display_name__in=people_words)
                | Q(display_name="", full_name__in=people_words)
            )
            .select_related("department")
            .order_by("employee_no", "username")
        )
        self.people = _Register()
        for user in people:  # an employee number wins over a login of the same spelling
            key = _person_key(user)
            if user.employee_no or key not in self.people.by_code:
                self.people.by_code[key] = user
            if user.is_active:
                self.people.by_name.setdefault(user.name, []).append(user)
        self.departments = _Register()
        for department in Department.objects.filter(
            Q(code__in=department_words) | Q(name__in=department_words)
        ).select_related("parent"):
            self.departments.by_code[department.code] = department
            if department.is_active:
                self.departments.by_name.setdefault(department.name, []).append(department)


def _parse_rows(rows: list[tuple[int, tuple]], window_end: datetime.date) -> list[_Row]:
    """Check every row of the sheet; raise one ValidationError listing each bad cell."""
    if not rows:
        raise ValidationError(_("The file holds no tasks."))
    columns, headers = _column_indexes(rows[0][1])
    raw = []
    for number, cells in rows[1:]:
        values = {key: (cells[i] if i < len(cells) else None) for key, i in columns.items()}
        if any(_cell_text(value) for value in values.values()):
            raw.append((number, values))
    if not raw:
        raise ValidationError(_("The file holds no tasks."))
    parser = _RowParser(raw, window_end, headers)
    parsed = [parser.parse(number, values) for number, values in raw]
    errors = parser.errors
    if errors:
        if len(errors) > MAX_ERRORS_SHOWN:
            more = len(errors) - MAX_ERRORS_SHOWN
            errors = [
                *errors[:MAX_ERRORS_SHOWN],
                _("… and %(count)d more errors.") % {"count": more},
            ]
        raise ValidationError(errors)
    return parsed


class _RowParser:
    """Reads the rows in file order: a parent must come before its subtasks, so its dates and
    depth are known when a subtask is checked. Every refusal names its row and its column as
    the file heads it."""

    def __init__(self, raw: list[tuple[int, dict]], window_end: datetime.date, headers: dict):
        self.window_end = window_end
        self.headers = headers
        self.directory = _Directory([values for _number, values in raw])
        self.all_codes = {_cell_text(values.get("code")) for _number, values in raw}
        self.by_code: dict[str, _Row] = {}
        self.next_position: dict[str, int] = {}
        self.errors: list[str] = []
        self.number = 0

    def refuse(self, column: str, message: str) -> None:
        self.errors.append(
            _("Row %(row)d, column “%(column)s”: %(message)s")
            % {
                "row": self.number,
                "column": self.headers.get(column) or HEADERS[column],
                "message": message,
            }
        )

    def parse(self, number: int, values: dict) -> _Row:
        self.number = number
        code = _cell_text(values.get("code"))
        name = " ".join(_cell_text(values.get("name")).split())
        if not code:
            self.refuse("code", _("the task ID is missing."))
        elif code in self.by_code:
            self.refuse("code", _("task ID %(code)s appears twice.") % {"code": code})
        if not name:
            self.refuse("name", _("the task name is missing."))
        parent = self._parent(_cell_text(values.get("parent")))
        depth = parent.depth + 1 if parent else 1
        if depth > MAX_DEPTH:
            self.refuse(
                "parent",
                _("the task breakdown is at most %(depth)d levels deep.") % {"depth": MAX_DEPTH},
            )
        description = _cell_text(values.get("description"))
        deliverable = _cell_text(values.get("deliverable_standard"))
        for field_name, value in (
            ("name", name),
            ("description", description),
            ("deliverable_standard", deliverable),
        ):
            self._check_length(field_name, value)
        owners = self._people("owner", values)
        if len(owners) > 1:
            self.refuse("owner", _("a task has exactly one owner."))
        leads = self._departments("lead_department", values)
        if len(leads) > 1:
            self.refuse("lead_department", _("a task has one lead department."))
        start, due = self._dates(values, parent)
        key_text = _cell_text(values.get("is_key")).lower()
        if key_text not in _YES_WORDS | _NO_WORDS:
            self.refuse("is_key", _("write 是 or 否."))

        parent_key = parent.code if parent else ""
        row = _Row(
            number=number,
            code=code,
            name=name,
            parent=parent,
            depth=depth,
            description=description,
            owner=owners[0] if owners else None,
            collaborators=self._people("collaborators", values),
            lead_department=leads[0] if leads else None,
            supporting_departments=self._departments("supporting_departments", values),
            start_on=start,
            due_on=due,
            deliverable_standard=deliverable,
            is_key=key_text in _YES_WORDS,
            position=self.next_position.get(parent_key, 0),
        )
        self.next_position[parent_key] = row.position + 1
        if code and code not in self.by_code:
            self.by_code[code] = row
        return row

    def _parent(self, parent_code: str) -> _Row | None:
        if not parent_code:
            return None
        parent = self.by_code.get(parent_code)
        if parent is None and parent_code in self.all_codes:
            self.refuse(
                "parent",
                _(
                    "the parent task ID %(code)s refers to a later row; a parent comes before "
                    "its subtasks."
                )
                % {"code": parent_code},
            )
        elif parent is None:
            self.refuse(
                "parent",
                _("the parent task ID %(code)s is not in the file.") % {"code": parent_code},
            )
        return parent

    def _check_length(self, field_name: str, value: str) -> None:
        limit = Task._meta.get_field(field_name).max_length
        if limit and len(value) > limit:
            self.refuse(
                field_name,
                _("the text is longer than %(max)d characters.") % {"max": limit},
            )

    def _people(self, column: str, values: dict) -> list[User]:
        """People by employee number (or login), by name when only one active person bears it,
        or by both as 王五（E1003）."""
        return self._entries(column, values, self.directory.people, PERSON_REFUSALS)

    def _departments(self, column: str, values: dict) -> list[Department]:
        """Departments by code, by name when only one active department bears it, or by both
        as 技术部（TECH）."""
        return self._entries(column, values, self.directory.departments, DEPARTMENT_REFUSALS)

    def _entries(self, column, values, register: _Register, refusals: _Refusals) -> list:
        found = [
            self._named(column, entry, register, refusals)
            for entry in dict.fromkeys(_split(values.get(column)))
        ]
        return list(dict.fromkeys(match for match in found if match is not None))

    def _named(self, column: str, entry: str, register: _Register, refusals: _Refusals):
        found = register.find(entry)
        if found.problem:
            candidates = [refusals.candidate(c) for c in found.candidates]
            self.refuse(
                column,
                getattr(refusals, found.problem)
                % {
                    "value": entry,
                    "sheet": refusals.sheet,
                    "code": found.code,
                    "no": found.code,
                    "name": found.candidates[0].name if found.problem == "contradicts" else entry,
                    "written": found.written_name,
                    "count": len(candidates),
                    "candidates": join_list(candidates),
                },
            )
        return found.match

    def _dates(self, values: dict, parent: _Row | None):
        dates = {}
        for key in ("start_on", "due_on"):
            try:
                dates[key] = _parse_date(values.get(key))
            except ValueError:
                dates[key] = None
                self.refuse(
                    key,
                    _("“%(value)s” is not a date (write YYYY-MM-DD).")
                    % {"value": _cell_text(values.get(key))},
                )
        for key, refusal in SCHEDULE.refusals(**dates).items():
            self.refuse(
                key,
                _("%(date)s is out of range. %(refusal)s")
                % {"date": dates[key].isoformat(), "refusal": refusal},
            )
        start, due = dates["start_on"], dates["due_on"]
        if start and due and due < start:
            self.refuse("due_on", _("the due date is before the start date."))
        if parent is not None and start and parent.start_on and start < parent.start_on:
            self.refuse(
                "start_on",
                _("the task starts before its parent task (%(date)s).")
                % {"date": parent.start_on.isoformat()},
            )
        if parent is not None and due and parent.due_on and due > parent.due_on:
            self.refuse(
                "due_on",
                _("the task ends after its parent task (%(date)s).")
                % {"date": parent.due_on.isoformat()},
            )
        if due and due > self.window_end:
            self.refuse(
                "due_on",
                _("the task must end inside the plan, by %(date)s.")
                % {"date": self.window_end.isoformat()},
            )
        return start, due


@transaction.atomic
def wbs_import_xlsx(*, actor: User, request: Case, content: bytes) -> int:
    """Replace the case's task breakdown with the tasks of an exported (or filled-in) workbook;
    all or nothing. Task IDs in the file only link rows to their parents; the codes are
    recomputed. Returns how many tasks the breakdown now has."""
    request = lock_for_change(request)
    _check_wbs_editor(actor, request)
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    rows = _parse_rows(_read_sheet(content), plan_window_end(request))

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
    _check_wbs_editor(actor, request)  # before reading the file; checked again under the lock
    check_upload(uploaded_file, max_bytes=MAX_IMPORT_BYTES, allowed_kinds=frozenset({Kind.XLSX}))
    uploaded_file.seek(0)
    return wbs_import_xlsx(actor=actor, request=request, content=uploaded_file.read())
