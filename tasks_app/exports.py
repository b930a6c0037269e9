"""Excel files of the task pages: the 《任务分配与跟踪表》 with the same rows and columns as the
page (its 时间节点 split into real Excel dates, its progress a number), and the same table as
a printed form (PDF)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab_portal.documents.rendering import render_pdf
from collab_portal.lib.spreadsheets import append_row
from collab_portal.org.selectors import company_name
from tasks_app.models import Task
from tasks_app.pages.tracking import TrackingLine, TrackingTable, filters_description
from tasks_app.selectors import TrackingFilters

DATE_FORMAT = "yyyy-mm-dd"
TITLE = gettext_lazy("Task Assignment and Tracking Table")


@dataclass(frozen=True)
class Column:
    label: str
    width: int
    value: Callable[[TrackingLine], Any]
    number_format: str | None = None
    wrap: bool = False


def _field(name: str) -> str:
    return str(capfirst(Task._meta.get_field(name).verbose_name))


def tracking_columns() -> list[Column]:
    return [
        Column(_field("wbs_code"), 10, lambda line: line.wbs_code),
        Column(_field("name"), 36, lambda line: line.name),
        Column(_field("owner"), 12, lambda line: line.owner),
        Column(_field("lead_department"), 14, lambda line: line.department),
        Column(_field("collaborators"), 18, lambda line: line.collaborators, wrap=True),
        Column(_field("start_on"), 12, lambda line: line.start_on, DATE_FORMAT),
        Column(_field("due_on"), 12, lambda line: line.due_on, DATE_FORMAT),
        Column(_field("planned_start_on"), 12, lambda line: line.planned_start_on, DATE_FORMAT),
        Column(_field("planned_due_on"), 12, lambda line: line.planned_due_on, DATE_FORMAT),
        Column(_("Variance (days)"), 10, lambda line: line.variance_days, "+0;-0;0"),
        Column(_field("deliverable_standard"), 40, lambda line: line.deliverable, wrap=True),
        Column(_field("status"), 10, lambda line: line.status_label),
        Column(_("Overdue"), 8, lambda line: _("Overdue") if line.overdue else ""),
        Column(_field("progress"), 10, lambda line: line.progress, "0"),
        Column(_field("last_update_on"), 12, lambda line: line.last_update_on, DATE_FORMAT),
        Column(_("Reason"), 30, lambda line: line.status_reason, wrap=True),
    ]


def tracking_workbook(*, lines: Iterable[TrackingLine], title: str) -> bytes:
    # openpyxl is imported when a file is made: it would add ~18,000 objects to every server
    # process, which each full garbage collection then walks through (see benchmarks/tracking.py).
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    columns = tracking_columns()
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
    name_column = 2
    for row, line in enumerate(lines, 2):
        append_row(sheet, [column.value(line) for column in columns])
        for index, column in enumerate(columns, 1):
            cell = sheet.cell(row=row, column=index)
            if column.number_format:
                cell.number_format = column.number_format
            cell.alignment = wrapped if column.wrap else top
        if line.indent:
            sheet.cell(row=row, column=name_column).alignment = Alignment(
                indent=line.indent * 2, vertical="top"
            )
        if not line.is_leaf:
            sheet.cell(row=row, column=name_column).font = Font(bold=True)
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    sheet.page_setup.orientation = "landscape"
    sheet.print_title_rows = "1:1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tracking_pdf(*, table: TrackingTable, filters: TrackingFilters | None = None) -> bytes:
    """The printed 《任务分配与跟踪表》 of ``table``'s case: its lines through ``filters`` (all of
    them when none), the filters named on the form."""
    filters = filters or TrackingFilters()
    case = table.request
    context = {
        "company_name": company_name(),
        "form_number": case.code,
        "is_draft": False,
        "signatures": [],
        "case": case,
        "summary": table.summary,
        "filters": filters_description(filters, table),
        "lines": table.filtered(filters),
    }
    return render_pdf(template_name="tasks_app/pdf/tracking.html", context=context)
