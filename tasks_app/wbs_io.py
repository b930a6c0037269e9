"""The task breakdown as an Excel workbook: written for a case (``wbs_export_xlsx``) and read
back (``read_wbs_workbook``), nothing else. Importing it into a case is a service
(``services.templates.wbs_import_xlsx``); this module writes nothing to the database.

The workbook names people and departments by name with their code (王五（E1003）) and carries
the sheets of the active people and departments to fill it from. Reading checks the whole file
before anything is written, and every error names its row and column."""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q, Value
from django.db.models.functions import Concat, Trim
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case
from collab_portal.lib.dates import SCHEDULE
from collab_portal.lib.language import join_list
from collab_portal.lib.spreadsheets import append_row, read_xlsx
from collab_portal.org.models import Department, User
from tasks_app.models import MAX_DEPTH, Task
from tasks_app.selectors import tasks_in_wbs_order

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
# Writing


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

    tasks = tasks_in_wbs_order(
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
# Reading


def read_wbs_workbook(content: bytes, *, window_end: datetime.date) -> list[ImportedTask]:
    """The tasks of an exported (or filled-in) workbook, parents before their subtasks, every
    task ending by ``window_end``; one ValidationError listing every bad cell otherwise."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    return _parse_rows(_read_sheet(content), window_end)


@dataclass
class ImportedTask:
    number: int
    code: str
    name: str
    parent: ImportedTask | None
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


def _parse_rows(rows: list[tuple[int, tuple]], window_end: datetime.date) -> list[ImportedTask]:
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
        self.by_code: dict[str, ImportedTask] = {}
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

    def parse(self, number: int, values: dict) -> ImportedTask:
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
        row = ImportedTask(
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

    def _parent(self, parent_code: str) -> ImportedTask | None:
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

    def _dates(self, values: dict, parent: ImportedTask | None):
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
