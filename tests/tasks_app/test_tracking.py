"""《任务分配与跟踪表》: the page, its filters, the roll-up and overdue flag, the Excel and PDF
exports that match it, the Gantt data, who may see them, and a query count that does not grow
with the number of tasks."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from openpyxl import load_workbook
from pypdf import PdfReader

from collab_portal.calendar.workdays import workdays_between
from tasks_app import services
from tasks_app.models import Task
from tests.fixtures.tracking import day, grow_tree

ALL_CODES = ["1", "1.1", "1.2", "1.3", "2", "3"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def _url(name, case, query=""):
    return reverse(f"tasks_app:{name}", args=[case.code]) + (f"?{query}" if query else "")


def _lines(client, case, query=""):
    response = client.get(_url("tracking", case, query))
    assert response.status_code == 200
    return response, list(response.context["page"].object_list)


def _by_code(lines):
    return {line.wbs_code: line for line in lines}


def test_it_lists_every_task_in_wbs_order_with_the_manuals_fields(company, tracking_case, login):
    response, lines = _lines(login(company.sales_staff), tracking_case)
    assert [line.wbs_code for line in lines] == ALL_CODES
    rows = _by_code(lines)
    interview, minutes, review = rows["1.2"], rows["1.3"], rows["3"]
    assert (interview.name, interview.owner, interview.department) == ("客户访谈", "张三", "销售部")
    assert interview.collaborators == "王五、赵六"
    assert interview.deliverable == "客户访谈成果经负责人确认"
    assert (interview.start_on, interview.due_on) == (day(-6), day(-1))
    assert interview.last_update_on == day(0) and interview.progress == 50
    assert [rows[code].indent for code in ALL_CODES] == [0, 1, 1, 1, 0, 0]
    # Planned vs current: the due date moved after publishing, by two days.
    assert minutes.rescheduled and (minutes.planned_due_on, minutes.due_on) == (day(10), day(12))
    assert minutes.variance_days == 2 and not interview.rescheduled
    assert (review.status, review.status_reason) == ("delayed", "评审专家出差")
    assert {code: rows[code].status for code in ALL_CODES} == {
        "1": "in_progress",  # rolled up from its subtasks
        "1.1": "done",
        "1.2": "in_progress",
        "1.3": "not_started",
        "2": "blocked",
        "3": "delayed",
    }
    html = response.content.decode()
    for text in (
        "访谈纪要整理",
        "张三",
        "王五、赵六",
        "客户访谈成果经负责人确认",
        "等待客户提供资料",
    ):
        assert text in html, text
    assert 'data-testid="variance">+2' in html
    summary = response.context["table"].summary
    assert summary.tasks == 5 and summary.overdue == 1
    assert {item.status: item.count for item in summary.by_status} == {
        "not_started": 1,
        "in_progress": 1,
        "done": 1,
        "delayed": 1,
        "blocked": 1,
    }
    for link in ("tracking_xlsx", "tracking_pdf", "gantt"):
        assert _url(link, tracking_case) in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=in_progress", ["1", "1.2"]),
        ("status=done", ["1.1"]),
        ("status=blocked", ["2"]),
        ("owner={sales_staff}", ["1.2", "2"]),
        ("owner={tech_head}", ["1.1", "3"]),
        ("department={sales}", ["1.2", "2", "3"]),
        ("department={tech}", ["1", "1.1", "1.3"]),
        ("overdue=on", ["1.2"]),
        ("department={sales}&owner={tech_head}", ["3"]),
        ("owner=999999&status=nonsense", ALL_CODES),  # not a choice: ignored, not an error
    ],
)
def test_each_filter_narrows_the_rows(company, tracking_case, login, query, expected):
    query = query.format(
        sales_staff=company.sales_staff.pk,
        tech_head=company.tech_head.pk,
        sales=company.sales.pk,
        tech=company.tech.pk,
    )
    response, lines = _lines(login(company.tech_staff), tracking_case, query)
    assert [line.wbs_code for line in lines] == expected
    # The summary always describes the whole case.
    assert response.context["table"].summary.tasks == 5


def test_the_filter_choices_are_the_cases_owners_and_departments(company, tracking_case, login):
    response, _rows = _lines(login(company.tech_staff), tracking_case)
    form = response.context["form"]
    assert {label for _v, label in form.fields["owner"].choices[1:]} == {"张三", "王五", "赵六"}
    assert {label for _v, label in form.fields["department"].choices[1:]} == {"销售部", "技术部"}


def test_an_open_task_past_its_due_date_is_flagged_overdue(company, tracking_case, login):
    response, lines = _lines(login(company.sales_staff), tracking_case)
    assert [line.wbs_code for line in lines if line.overdue] == ["1.2"]
    html = response.content.decode()
    row = re.search(rf'<tr data-task="{_by_code(lines)["1.2"].pk}".*?</tr>', html, re.S)
    assert 'data-testid="overdue"' in row.group(0)
    # A finished task past its date is not overdue; the stored status never says "overdue".
    assert not _by_code(lines)["1.1"].overdue
    assert set(Task.objects.values_list("status", flat=True)) <= set(Task.Status.values)


def test_a_parent_shows_its_subtasks_progress_weighted_by_working_days(
    company, tracking_case, login
):
    response, lines = _lines(login(company.sales_staff), tracking_case)
    spans = [(day(-10), day(-3), 100), (day(-6), day(-1), 50), (day(0), day(10), 0)]
    weights = [(max(1, workdays_between(start, due)), progress) for start, due, progress in spans]
    expected = round(sum(w * p for w, p in weights) / sum(w for w, _p in weights))
    parent = _by_code(lines)["1"]
    assert not parent.is_leaf and parent.progress == expected and 0 < expected < 100
    html = response.content.decode()
    row = re.search(rf'<tr data-task="{parent.pk}".*?</tr>', html, re.S).group(0)
    assert f'<span data-testid="progress">{expected}%</span>' in row


def test_the_excel_file_has_the_tables_rows_with_real_dates(company, tracking_case, login):
    client = login(company.sales_staff)
    query = f"department={company.sales.pk}"
    _response, lines = _lines(client, tracking_case, query)
    response = client.get(_url("tracking_xlsx", tracking_case, query))
    assert response.status_code == 200
    with translation.override("zh-hans"):
        title = translation.gettext("Task Assignment and Tracking Table")
    assert response["Content-Disposition"] == content_disposition_header(
        True, f"{title}-{tracking_case.code}.xlsx"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(lines) == 3

    def plain(value):
        if isinstance(value, datetime.datetime):
            return value.date()
        return None if value == "" else value

    for row, line in zip(rows, lines, strict=True):
        row = [plain(value) for value in row]
        assert row[:4] == [line.wbs_code, line.name, line.owner, line.department]
        assert row[5:9] == [line.start_on, line.due_on, line.planned_start_on, line.planned_due_on]
        assert row[10] == line.deliverable and row[11] == line.status_label
        assert row[13] == line.progress and isinstance(row[13], int)
        assert row[4] == (line.collaborators or None)
    interview = rows[0]
    assert interview[0] == "1.2" and interview[4] == "王五、赵六"
    assert interview[12] and interview[13] == 50
    assert isinstance(sheet["F2"].value, datetime.datetime) and sheet["F2"].is_date
    everything = load_workbook(io.BytesIO(client.get(_url("tracking_xlsx", tracking_case)).content))
    assert [r[0] for r in everything.active.iter_rows(min_row=2, values_only=True)] == ALL_CODES


def test_the_pdf_is_landscape_and_holds_every_task(company, tracking_case, login):
    response = login(company.sales_head).get(_url("tracking_pdf", tracking_case))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    for value in (
        tracking_case.code,
        "需求调研",
        "问卷设计",
        "客户访谈",
        "访谈纪要整理",
        "方案反馈",
        "需求评审",
        "王五、赵六",
        "等待客户提供资料",
    ):
        assert value in text, value
    assert "草稿" not in text


def test_the_gantt_data_marks_key_and_overdue_tasks(company, tracking_case, login):
    response = login(company.tech_staff).get(_url("gantt_data", tracking_case))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = {item["name"]: item for item in response.json()}
    assert len(data) == 6
    assert "gantt-key" in data["1 需求调研"]["custom_class"].split()
    assert "gantt-overdue" in data["1.2 客户访谈"]["custom_class"].split()
    assert data["1.3 访谈纪要整理"]["end"] == day(12).isoformat()


def test_the_gantt_data_carries_a_delays_new_date(company, tracking_case, login):
    """Issue 18, point 21: the chart draws the delay's new expected date after the bar."""
    served = login(company.tech_staff).get(_url("gantt_data", tracking_case)).json()
    data = {item["name"]: item for item in served}
    review = data["3 需求评审"]
    assert (review["end"], review["delayed_to"]) == (day(8).isoformat(), day(9).isoformat())
    assert "gantt-delayed" in review["custom_class"].split()
    assert [name for name, item in data.items() if item["delayed_to"]] == ["3 需求评审"]
    services.task_resume(actor=company.tech_staff, task=Task.objects.get(name="需求评审"))
    served = login(company.tech_staff).get(_url("gantt_data", tracking_case)).json()
    assert not [item for item in served if item["delayed_to"]]


def test_a_parents_gantt_class_carries_its_rolled_up_status(company, tracking_case, login):
    served = login(company.tech_staff).get(_url("gantt_data", tracking_case)).json()
    parent = str(Task.objects.get(name="需求调研").pk)
    classes = {item["id"]: item["custom_class"] for item in served}
    assert classes[parent] == "gantt-key gantt-in_progress"


def test_a_task_name_links_to_the_tasks_page(company, tracking_case, login):
    response, lines = _lines(login(company.tech_staff), tracking_case)
    interview = _by_code(lines)["1.2"]
    url = reverse("tasks_app:task", args=[tracking_case.code, interview.pk])
    assert interview.url == url and f'<a href="{url}">客户访谈</a>' in response.content.decode()


@pytest.mark.parametrize("name", ["tracking", "gantt"])
def test_the_pages_carry_no_inline_script(company, tracking_case, login, name):
    html = login(company.sales_staff).get(_url(name, tracking_case)).content.decode()
    assert not INLINE_SCRIPT.findall(html)
    assert " onclick=" not in html
    if name == "gantt":
        assert f'data-url="{_url("gantt_data", tracking_case)}"' in html
        assert "js/gantt.js" in html


@pytest.mark.parametrize(
    "name", ["tracking", "tracking_xlsx", "tracking_pdf", "gantt", "gantt_data"]
)
def test_another_departments_staff_get_404(company, tracking_case, outsider, login, name):
    assert login(outsider).get(_url(name, tracking_case)).status_code == 404


@pytest.mark.parametrize("who", ["sales_staff", "sales_head", "tech_head", "tech_staff", "leader"])
def test_everyone_on_the_case_sees_the_table(company, tracking_case, login, who):
    _response, lines = _lines(login(getattr(company, who)), tracking_case)
    assert len(lines) == 6


def test_the_page_runs_the_same_queries_for_50_and_2000_tasks(company, tracking_case, login):
    client = login(company.tech_staff)
    people = [company.tech_staff, company.tech_head, company.sales_staff, company.sales_head]
    departments = [company.tech, company.sales]
    url = _url("tracking", tracking_case)

    def count(total):
        grow_tree(tracking_case, total=total, people=people, departments=departments)
        assert Task.objects.filter(request=tracking_case).count() == total
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response

    small, _response = count(50)
    large, response = count(2000)
    assert small == large, (small, large)
    page = response.context["page"]
    assert len(page.object_list) == 200 and page.paginator.count == 2000
    assert max(line.indent for line in response.context["table"].lines) == 2
