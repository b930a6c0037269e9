"""Importing departments and people from Excel (.xlsx) or CSV files.

A file holds departments, people, or (in a workbook) both on separate sheets; the kind of each
table is told by its header row. Everything is checked before anything is written: one bad row
and nothing changes, and the report names each bad row.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass, field
from pathlib import PurePath

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from collab_portal.lib.spreadsheets import read_xlsx
from collab_portal.org.models import Department, User, code_validator

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5000  # per sheet or CSV file, below the header

DEPARTMENT_COLUMNS = {
    "code": ("部门编码", "编码", "code", "department code"),
    "name": ("部门名称", "名称", "name", "department name"),
    "kind": ("类型", "kind", "type"),
    "parent_code": ("上级部门编码", "上级编码", "parent code", "parent"),
    "head_employee_no": ("负责人工号", "head employee no", "head"),
    "leader_employee_no": ("分管领导工号", "leader employee no", "leader in charge"),
}
USER_COLUMNS = {
    "employee_no": ("工号", "employee no", "employee number"),
    "display_name": ("姓名", "name", "display name"),
    "username": ("登录名", "用户名", "username", "login"),
    "email": ("邮箱", "email", "e-mail"),
    "phone": ("手机", "电话", "phone", "mobile"),
    "department_code": ("部门编码", "department code", "department"),
    "position": ("职位", "岗位", "position", "title"),
}
KIND_WORDS = {
    "公司": Department.Kind.COMPANY,
    "company": Department.Kind.COMPANY,
    "事业部": Department.Kind.DIVISION,
    "中心": Department.Kind.DIVISION,
    "division": Department.Kind.DIVISION,
    "部门": Department.Kind.DEPARTMENT,
    "department": Department.Kind.DEPARTMENT,
    "": Department.Kind.DEPARTMENT,
}


class ImportRefused(Exception):
    """The file cannot be imported; ``errors`` says why, row by row."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class Table:
    source: str  # "users.csv" or "人员 (sheet)"
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as the user sees it, cells)


@dataclass
class ImportReport:
    departments_created: int = 0
    departments_updated: int = 0
    users_created: int = 0
    users_updated: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return _(
            "Departments: %(dc)d created, %(du)d updated. People: %(uc)d created, %(uu)d updated."
        ) % {
            "dc": self.departments_created,
            "du": self.departments_updated,
            "uc": self.users_created,
            "uu": self.users_updated,
        }


def read_tables(*, name: str, content: bytes) -> list[Table]:
    """Split an uploaded file into tables; refuses files that are not what they claim to be."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportRefused([_("The file is larger than 5 MB.")])
    suffix = PurePath(name).suffix.lower()
    if suffix == ".xlsx":
        if not content.startswith(b"PK\x03\x04"):
            raise ImportRefused([_("%(name)s is not an Excel workbook.") % {"name": name}])
        return _read_workbook(name, content)
    if suffix == ".csv":
        return [_read_csv(name, content)]
    raise ImportRefused([_("Only .xlsx and .csv files can be imported.")])


def _read_workbook(name: str, content: bytes) -> list[Table]:
    try:
        sheets = read_xlsx(content, max_rows=MAX_IMPORT_ROWS)
    except ValidationError as refused:
        raise ImportRefused(
            [_("%(name)s: %(reason)s") % {"name": name, "reason": m} for m in refused.messages]
        ) from refused
    tables = []
    for sheet in sheets:
        rows = [[_cell_text(cell) for cell in cells] for _number, cells in sheet.rows]
        if rows and any(rows[0]):
            numbered = [
                (index, cells) for index, cells in enumerate(rows[1:], start=2) if any(cells)
            ]
            tables.append(Table(f"{name} / {sheet.title}", rows[0], numbered))
    return tables


def _read_csv(name: str, content: bytes) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRefused([_("%(name)s is neither UTF-8 nor GB18030 text.") % {"name": name}])
    if "\x00" in text:
        raise ImportRefused([_("%(name)s is not a text file.") % {"name": name}])
    try:
        rows = list(itertools.islice(csv.reader(io.StringIO(text)), MAX_IMPORT_ROWS + 2))
    except csv.Error as error:  # a field longer than the csv module's limit (128 KB)
        raise ImportRefused([_("%(name)s cannot be read as CSV.") % {"name": name}]) from error
    if not rows:
        raise ImportRefused([_("%(name)s is empty.") % {"name": name}])
    if len(rows) > MAX_IMPORT_ROWS + 1:
        raise ImportRefused(
            [
                _(
                    "%(name)s has more than %(max)d rows below its header; split it into "
                    "smaller files."
                )
                % {"name": name, "max": MAX_IMPORT_ROWS}
            ]
        )
    numbered = [
        (index, [cell.strip() for cell in cells])
        for index, cells in enumerate(rows[1:], start=2)
        if any(cell.strip() for cell in cells)
    ]
    return Table(name, [cell.strip() for cell in rows[0]], numbered)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _column_map(header: list[str], columns: dict[str, tuple[str, ...]]) -> dict[str, int]:
    lowered = [cell.strip().lower() for cell in header]
    found = {}
    for key, aliases in columns.items():
        for alias in aliases:
            if alias.lower() in lowered:
                found[key] = lowered.index(alias.lower())
                break
    return found


def _table_kind(table: Table) -> str | None:
    user_columns = _column_map(table.header, USER_COLUMNS)
    if "employee_no" in user_columns and "display_name" in user_columns:
        return "users"
    department_columns = _column_map(table.header, DEPARTMENT_COLUMNS)
    if "code" in department_columns and "name" in department_columns:
        return "departments"
    return None


@transaction.atomic
def org_import(*, tables: list[Table], initial_password: str | None = None) -> ImportReport:
    """Create or update departments and people from ``tables``; all or nothing."""
    departments, users = [], []
    errors: list[str] = []
    if initial_password:
        try:
            validate_password(initial_password)
        except ValidationError as refused:
            raise ImportRefused(refused.messages) from refused
    for table in tables:
        kind = _table_kind(table)
        if kind == "departments":
            departments.append(table)
        elif kind == "users":
            users.append(table)
        else:
            errors.append(
                _(
                    "%(source)s: the header row is not recognised. Departments need 部门编码 and "
                    "部门名称; people need 工号 and 姓名."
                )
                % {"source": table.source}
            )
    if errors:
        raise ImportRefused(errors)

    report = ImportReport()
    links: list[tuple[str, int, Department, str, str]] = []
    for table in departments:
        links += _import_departments(table, report, errors)
    for table in users:
        _import_users(table, report, errors, initial_password)
    _link_heads_and_leaders(links, errors)
    if errors:
        transaction.set_rollback(True)
        raise ImportRefused(errors)
    return report


def _row_error(errors: list[str], source: str, row: int, message: str) -> None:
    errors.append(
        _("%(source)s row %(row)d: %(message)s")
        % {"source": source, "row": row, "message": message}
    )


def _import_departments(table, report, errors):
    columns = _column_map(table.header, DEPARTMENT_COLUMNS)
    parsed = []
    seen_codes = set()
    for row_number, cells in table.rows:
        value = {
            key: (cells[index] if index < len(cells) else "") for key, index in columns.items()
        }
        code, name = value.get("code", ""), value.get("name", "")
        if not code or not name:
            _row_error(errors, table.source, row_number, _("code and name are required."))
            continue
        try:
            code_validator(code)
        except ValidationError:
            _row_error(
                errors, table.source, row_number, _("code %(code)s is not valid.") % {"code": code}
            )
            continue
        if code in seen_codes:
            _row_error(
                errors, table.source, row_number, _("code %(code)s appears twice.") % {"code": code}
            )
            continue
        seen_codes.add(code)
        kind = KIND_WORDS.get(value.get("kind", "").strip().lower())
        if kind is None:
            _row_error(errors, table.source, row_number, _("type must be 公司, 事业部 or 部门."))
            continue
        parsed.append((row_number, code, name[:100], kind, value))

    # Parents may come after their children in the file: create first, link parents second.
    saved: dict[str, tuple[int, Department, dict]] = {}
    for row_number, code, name, kind, value in parsed:
        department, created = Department.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind}
        )
        if not created:
            department.name, department.kind = name, kind
        if created:
            report.departments_created += 1
        else:
            report.departments_updated += 1
        saved[code] = (row_number, department, value)

    links = []
    for row_number, department, value in saved.values():
        parent_code = value.get("parent_code", "")
        if parent_code:
            parent = (
                saved.get(parent_code, (None, None, None))[1]
                or Department.objects.filter(code=parent_code).first()
            )
            if parent is None:
                _row_error(
                    errors,
                    table.source,
                    row_number,
                    _("parent code %(code)s does not exist.") % {"code": parent_code},
                )
                continue
            department.parent = parent
        else:
            department.parent = None
        links.append(
            (
                table.source,
                row_number,
                department,
                value.get("head_employee_no", ""),
                value.get("leader_employee_no", ""),
            )
        )
    for source, row_number, department, _head, _leader in links:
        try:
            department.full_clean(exclude=["head", "leader_in_charge"], validate_unique=False)
        except ValidationError as error:
            _row_error(errors, source, row_number, " ".join(error.messages))
            continue
        department.save()
    return links


def _import_users(table, report, errors, initial_password):
    columns = _column_map(table.header, USER_COLUMNS)
    seen = set()
    for row_number, cells in table.rows:
        value = {
            key: (cells[index] if index < len(cells) else "") for key, index in columns.items()
        }
        employee_no, display_name = value.get("employee_no", ""), value.get("display_name", "")
        if not employee_no or not display_name:
            _row_error(
                errors, table.source, row_number, _("employee number and name are required.")
            )
            continue
        if employee_no in seen:
            _row_error(
                errors,
                table.source,
                row_number,
                _("employee number %(no)s appears twice.") % {"no": employee_no},
            )
            continue
        seen.add(employee_no)
        email = value.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                _row_error(
                    errors,
                    table.source,
                    row_number,
                    _("email %(email)s is not valid.") % {"email": email},
                )
                continue
        department = None
        if value.get("department_code"):
            department = Department.objects.filter(code=value["department_code"]).first()
            if department is None:
                _row_error(
                    errors,
                    table.source,
                    row_number,
                    _("department code %(code)s does not exist.")
                    % {"code": value["department_code"]},
                )
                continue
        user = User.objects.filter(employee_no=employee_no).first()
        username = value.get("username") or (user.username if user else employee_no)
        clash = User.objects.filter(username=username).exclude(employee_no=employee_no).exists()
        if clash:
            _row_error(
                errors,
                table.source,
                row_number,
                _("login %(username)s is taken.") % {"username": username},
            )
            continue
        created = user is None
        user = user or User(employee_no=employee_no)
        user.username = username
        user.display_name = display_name[:50]
        user.email = email
        user.phone = value.get("phone", "")[:20]
        user.position = value.get("position", "")[:50]
        user.department = department
        if created:
            if initial_password:
                user.set_password(initial_password)
            else:
                user.set_unusable_password()
        try:
            user.full_clean(exclude=["password", "signature_image"], validate_unique=False)
        except ValidationError as error:
            _row_error(errors, table.source, row_number, " ".join(error.messages))
            continue
        user.save()
        if created:
            report.users_created += 1
        else:
            report.users_updated += 1


def _link_heads_and_leaders(links, errors):
    for source, row_number, department, head_no, leader_no in links:
        changed = False
        for attribute, employee_no in (("head", head_no), ("leader_in_charge", leader_no)):
            if not employee_no:
                continue
            person = User.objects.filter(employee_no=employee_no).first()
            if person is None:
                _row_error(
                    errors,
                    source,
                    row_number,
                    _("no person has employee number %(no)s.") % {"no": employee_no},
                )
                continue
            setattr(department, attribute, person)
            changed = True
        if changed and department.pk:
            department.save(update_fields=["head", "leader_in_charge"])
