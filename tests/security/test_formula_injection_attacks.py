"""Issue 17, finding 7: formula injection into every Excel export.

A task, risk or person named ``=HYPERLINK("http://…/exfil?"&A1,"…")`` or ``=cmd|' /C calc'!A0``
was written as a live formula into the tracking table, the risk register, the WBS and the
dashboard's week. Each export is downloaded here as the people who use it download it, then
opened with openpyxl: no cell may be a formula, and every payload reads back as the text the
user typed (marked with Excel's quote prefix, so editing the cell does not turn it into a
formula either). The WBS file must also import back to the same task names."""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from insights_app.scope import this_week
from tasks_app.models import Task
from tests.factories import CaseFactory, RiskFactory, TaskFactory
from tests.security.formula_payloads import (
    FORMULA_PAYLOADS,
    UNWRITABLE,
    UNWRITABLE_AS_WRITTEN,
    as_read_back,
)

TODAY = timezone.localdate()


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def text_cells(content: bytes) -> dict[str, object]:
    """Every cell of every sheet that holds something, by "sheet!A1"; fails on any formula."""
    book = load_workbook(io.BytesIO(content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    formulas = [f"{c.parent.title}!{c.coordinate}: {c.value}" for c in cells if c.data_type == "f"]
    assert not formulas, formulas
    return {f"{c.parent.title}!{c.coordinate}": c for c in cells if c.value is not None}


def assert_written_as_typed(content: bytes, typed: list[str]) -> None:
    cells = text_cells(content)
    for text in typed:
        expected = as_read_back(text)
        found = [cell for cell in cells.values() if cell.value == expected]
        assert found, f"{text!r} is not in any cell"
        for cell in found:
            assert cell.data_type == "s", (text, cell.data_type)
            if text[0] in "=+-@\t\r":
                assert cell.quotePrefix, text


def test_the_tracking_table_writes_task_text_as_text(company, executing, login):
    for payload in FORMULA_PAYLOADS:
        TaskFactory(
            request=executing,
            name=payload,
            deliverable_standard=payload,
            status_reason=payload,
            start_on=day(1),
            due_on=day(5),
        )
    TaskFactory(request=executing, name=UNWRITABLE, start_on=day(1), due_on=day(5))

    response = login(company.sales_staff).get(
        reverse("tasks_app:tracking_xlsx", args=[executing.code])
    )

    assert_written_as_typed(response.content, [*FORMULA_PAYLOADS, UNWRITABLE_AS_WRITTEN])
    dates = [c for c in text_cells(response.content).values() if isinstance(c.value, datetime.date)]
    assert dates and all(c.is_date for c in dates)  # the portal's own dates stay dates


def test_the_risk_register_writes_risk_text_as_text(company, executing, login):
    for payload in FORMULA_PAYLOADS:
        RiskFactory(
            request=executing,
            description=payload,
            measures=payload,
            owner=company.tech_staff,
            raised_by=company.tech_staff,
            deadline=day(3),
        )
    RiskFactory(request=executing, description=UNWRITABLE, deadline=day(3))

    response = login(company.sales_staff).get(
        reverse("risks_app:case_register_xlsx", args=[executing.code])
    )

    assert_written_as_typed(response.content, [*FORMULA_PAYLOADS, UNWRITABLE_AS_WRITTEN])


def test_the_wbs_writes_task_text_as_text_and_imports_back_the_same_names(
    company, breakdown, login
):
    for code, payload in enumerate(FORMULA_PAYLOADS, 1):
        TaskFactory(
            request=breakdown,
            wbs_code=str(code),
            position=code,
            name=payload,
            description=payload,
            deliverable_standard=payload,
            owner=company.tech_staff,
            lead_department=company.tech,
            start_on=day(1),
            due_on=day(5),
        )
    client = login(company.tech_staff)

    exported = client.get(reverse("tasks_app:wbs_export", args=[breakdown.code])).content
    assert_written_as_typed(exported, FORMULA_PAYLOADS)

    upload = SimpleUploadedFile("任务分解.xlsx", exported)
    client.post(reverse("tasks_app:wbs_import", args=[breakdown.code]), {"file": upload})
    names = list(Task.objects.filter(request=breakdown).order_by("wbs_code", "pk"))
    # The import folds whitespace in names (a leading tab or line break goes), as it always has.
    assert sorted(task.name for task in names) == sorted(
        " ".join(payload.split()) for payload in FORMULA_PAYLOADS
    )
    assert all(t.deliverable_standard == as_read_back(t.name) for t in names if t.name[0] != "=")


def test_the_dashboards_week_writes_names_as_text(company, login):
    week = this_week().shifted(-1)
    company.sales_staff.display_name = "=cmd|' /C calc'!A0"
    company.sales_staff.save()
    case = CaseFactory(initiator=company.sales_staff, code="CR-F7")
    for payload in FORMULA_PAYLOADS:
        TaskFactory(  # overdue in that week
            request=case,
            name=payload,
            start_on=week.monday - datetime.timedelta(days=7),
            due_on=week.monday,
            status=Task.Status.IN_PROGRESS,
        )

    response = login(company.sales_head).get(reverse("insights:weekly_xlsx"), {"week": week.value})

    # The dashboard labels a task by its code and name, without the spaces around them.
    shown = [payload.strip() for payload in FORMULA_PAYLOADS]
    assert_written_as_typed(response.content, [*shown, "=cmd|' /C calc'!A0"])


def test_a_department_named_like_a_formula_stays_text_on_the_dashboard(company, login):
    company.sales.name = '=HYPERLINK("http://attacker.example/","销售部")'
    company.sales.save()
    response = login(company.sales_head).get(reverse("insights:weekly_xlsx"))
    assert_written_as_typed(response.content, [company.sales.name])


def test_the_dashboards_cases_summaries_and_escalations_are_written_as_text(company, login):
    """A case's subject, its 周报 line and an escalated risk's description reach the dashboard's
    Excel (issue 18, point 11) as text, never as formulas."""
    from risks_app.models import Risk
    from tasks_app.models import WeeklySummary

    week = this_week().shifted(-1)
    payloads = [p for p in FORMULA_PAYLOADS if p.strip() == p and "\n" not in p]
    for number, payload in enumerate(payloads):
        case = CaseFactory(initiator=company.sales_staff, subject=payload, code=f"CR-F{number}")
        WeeklySummary.objects.create(
            request=case,
            iso_year=week.iso_year,
            iso_week=week.iso_week,
            state=WeeklySummary.State.PUBLISHED,
            rag=WeeklySummary.Rag.RED,
            comments=payload,
            facts={"progress": 10},
        )
        risk = RiskFactory(request=case, description=payload, escalated_to=company.leader)
        Risk.objects.filter(pk=risk.pk).update(
            state=Risk.State.ESCALATED, escalated_at=timezone.now()
        )

    response = login(company.sales_head).get(reverse("insights:weekly_xlsx"), {"week": week.value})

    assert_written_as_typed(response.content, payloads)
    cells = text_cells(response.content)
    for payload in payloads:  # subject, summary line and description: three cells each
        assert sum(cell.value == payload for cell in cells.values()) >= 3, payload
