"""The 《风险应对记录表》 as an Excel file: the register's rows with the printed form's columns
(its deadline a real Excel date, red when overdue)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from collab_portal.lib.spreadsheets import append_row
from risks_app.models import Instruction, Risk
from risks_app.pages import RiskRow

DATE_FORMAT = "yyyy-mm-dd"
OVERDUE_RED = "B42318"


@dataclass(frozen=True)
class Column:
    label: str
    width: int
    value: Callable[[RiskRow], Any]
    number_format: str | None = None
    wrap: bool = False


def _field(name: str) -> str:
    return str(capfirst(Risk._meta.get_field(name).verbose_name))


def risk_columns() -> list[Column]:
    """编号, 风险描述, 类别, 影响程度, 可能性, 应对措施, 解决时限, 责任人, 状态, 批示."""
    return [
        Column(_field("number"), 8, lambda row: row.code),
        Column(_field("description"), 40, lambda row: row.description, wrap=True),
        Column(_field("category"), 14, lambda row: row.category),
        Column(_field("impact"), 8, lambda row: row.impact),
        Column(_field("likelihood"), 8, lambda row: row.likelihood),
        Column(_field("measures"), 40, lambda row: row.measures, wrap=True),
        Column(_field("deadline"), 12, lambda row: row.deadline, DATE_FORMAT),
        Column(_("Responsible person"), 12, lambda row: row.owner),
        Column(_field("state"), 10, lambda row: row.state_label),
        Column(
            str(capfirst(Instruction._meta.verbose_name)),
            36,
            lambda row: row.instruction,
            wrap=True,
        ),
    ]


def risk_workbook(*, rows: Iterable[RiskRow], title: str) -> bytes:
    # openpyxl is imported when a file is made, as for the tracking table (tasks_app.exports).
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    columns = risk_columns()
    deadline_column = 7
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    append_row(sheet, [column.label for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", start_color="E8E8E8")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    wrapped = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for index_row, row in enumerate(rows, 2):
        append_row(sheet, [column.value(row) for column in columns])
        for index, column in enumerate(columns, 1):
            cell = sheet.cell(row=index_row, column=index)
            if column.number_format:
                cell.number_format = column.number_format
            cell.alignment = wrapped if column.wrap else top
        if row.overdue:
            sheet.cell(row=index_row, column=deadline_column).font = Font(
                bold=True, color=OVERDUE_RED
            )
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    sheet.page_setup.orientation = "landscape"
    sheet.print_title_rows = "1:1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
