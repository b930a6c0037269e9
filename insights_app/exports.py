"""The dashboard's week as an Excel workbook (the PDF is a template of the forms' family)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from collab_portal.lib.spreadsheets import append_row
from insights_app.kpis import PERCENT, SCORE
from insights_app.pages import (
    BETTER,
    WORSE,
    KpiRow,
    case_rows,
    change_tone,
    escalation_rows,
    rounded_change,
)
from insights_app.weekly import LEVELS, WeeklyDashboard

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERCENT_FORMAT = "0.0%"  # a rate is kept as a fraction: 0.6667 shows as 66.7%
DAYS_FORMAT = "0.0"
HOURS_FORMAT = "0.0"
SCORE_FORMAT = "0.0"
CHANGE_FORMAT = "+0%;-0%;0%"  # the page's whole percent, a zero without a sign
# The dashboard's colours (Tabler's green and red); a change of 0 keeps the text colour.
TONE_COLOURS = {BETTER: "2FB344", WORSE: "D63939"}


@dataclass(frozen=True)
class Number:
    """A cell holding a number with its Excel number format (and a font colour)."""

    value: float | int | None
    number_format: str
    colour: str | None = None


def _kpi_value(value: float | None, unit: str) -> Number:
    """A rate as the fraction Excel shows as a percentage; a duration in working days; a
    score out of 5."""
    if unit == PERCENT:
        return Number(None if value is None else value / 100, PERCENT_FORMAT)
    if unit == SCORE:
        return Number(value, SCORE_FORMAT)
    return Number(value, DAYS_FORMAT)


UNITS = {PERCENT: "%", SCORE: "/ 5"}


def _kpi_line(row: KpiRow) -> list:
    comparison = row.comparison
    return [
        row.label,
        UNITS.get(row.unit) or _("working days"),
        _kpi_value(comparison.current.value, row.unit),
        comparison.current.sample_size,
        _kpi_value(comparison.baseline.value, row.unit),
        comparison.baseline.sample_size,
        Number(
            rounded_change(comparison),
            CHANGE_FORMAT,
            TONE_COLOURS.get(change_tone(comparison)),
        ),
        row.how_computed,
    ]


def filename(board: WeeklyDashboard, extension: str) -> str:
    return _("Weekly status %(department)s %(week)s.%(ext)s") % {
        "department": board.scope.label,
        "week": board.week.value,
        "ext": extension,
    }


def xlsx_response(board: WeeklyDashboard, kpis) -> HttpResponse:
    # openpyxl is imported when a file is made, as for the other exports.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list], first: bool = False):
        page = book.active if first else book.create_sheet()
        page.title = title[:31]
        append_row(page, header)
        for cell in page[1]:
            cell.font = bold
        for row in rows:
            # Text goes through append_row (never a formula); numbers keep their format.
            append_row(page, [item.value if isinstance(item, Number) else item for item in row])
            for cell, item in zip(page[page.max_row], row, strict=False):
                if isinstance(item, Number):
                    cell.number_format = item.number_format
                    if item.colour:
                        cell.font = Font(color=item.colour)
        for column in page.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            page.column_dimensions[column[0].column_letter].width = min(60, max(10, width * 1.6))
        return page

    summary = board.summary
    sheet(
        _("Summary"),
        [_("Figure"), _("Value")],
        [
            [_("Department"), board.scope.label],
            [_("Week"), board.week.label],
            [_("Counted up to"), board.as_of.isoformat()],
            [_("Open cases"), summary.open_cases],
            *[[label, count] for _stage, label, count in summary.cases_by_stage],
            [_("Waiting for review"), summary.waiting_for_review],
            [_("Tasks done this week"), summary.tasks_done],
            [_("Tasks in progress"), summary.tasks_in_progress],
            [_("Overdue tasks"), summary.tasks_overdue],
            [_("Open risks"), summary.open_risks],
            [_("Major risks"), summary.major_risks],
            [
                _("Average review wait (hours)"),
                Number(summary.average_review_wait_hours, HOURS_FORMAT),
            ],
            [_("Deliveries waiting for acceptance"), board.acceptance.waiting],
            [_("Deliveries accepted this week"), board.acceptance.accepted],
            [_("Deliveries sent back for rework this week"), board.acceptance.rejected],
        ],
        first=True,
    )
    sheet(
        _("Burn-up"),
        [_("Week"), _("Planned (cumulative)"), _("Done (cumulative)")],
        [list(row) for row in board.burn_up],
    )
    sheet(
        _("Overdue tasks"),
        [_("Case"), _("Task"), _("Owner"), _("Due"), _("Working days late")],
        [[t.case_code, t.label, t.owner, t.due_on, t.days_late] for t in board.overdue],
    )
    sheet(
        _("Workload"),
        [
            _("Person") if board.by_person else _("Department"),
            _("In progress"),
            _("Done this week"),
            _("Overdue"),
        ],
        [[w.label, w.in_progress, w.done, w.overdue] for w in board.workload],
    )
    sheet(
        _("Upcoming deadlines"),
        [_("Case"), _("Task"), _("Owner"), _("Due")],
        [[t.case_code, t.label, t.owner, t.due_on] for t in board.upcoming],
    )
    sheet(
        _("Risk matrix"),
        [_("Impact / likelihood"), *[str(level.label) for level in LEVELS]],
        [
            [str(impact.label), *[board.matrix[(impact, likelihood)] for likelihood in LEVELS]]
            for impact in LEVELS
        ],
    )
    sheet(
        _("Cases under way"),
        [
            _("Case"),
            _("Subject"),
            _("Stage"),
            _("Status"),
            _("Week"),
            _("Progress"),
            _("Latest weekly summary"),
        ],
        [
            [
                row.case.code,
                row.case.subject,
                row.stage_label,
                row.rag_label,
                row.week_label,
                Number(None if row.case.progress is None else row.case.progress / 100, "0%"),
                row.case.summary_line,
            ]
            for row in case_rows(board)
        ],
    )
    sheet(
        _("Instructions waiting"),
        [
            _("Case"),
            _("Risk"),
            _("Description"),
            _("Escalated to"),
            _("Escalated on"),
            _("Working days waiting"),
            _("Major"),
        ],
        [
            [
                row.escalation.case_code,
                row.code,
                row.escalation.description,
                row.escalation.leader,
                row.escalation.escalated_on,
                row.escalation.waiting_days,
                _("Yes") if row.escalation.major else _("No"),
            ]
            for row in escalation_rows(board)
        ],
    )
    sheet(
        _("KPIs"),
        [
            _("KPI"),
            _("Unit"),
            _("This week"),
            _("Measured"),
            _("Previous week"),
            _("Measured"),
            _("Change against the previous week"),
            _("How it is computed"),
        ],
        [_kpi_line(row) for row in kpis],
    )
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename(board, "xlsx"))
    add_never_cache_headers(response)  # names and overdue work: no shared cache
    return response
