"""WBS templates and Excel (issue 4, point 3): save a breakdown as a template, start a new one
from it with shifted dates, ship the manual's example, export and re-import as Excel."""

import datetime
import io
import itertools
import re

import pytest
from django.apps import apps as django_apps
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from openpyxl import Workbook, load_workbook

from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.calendar.workdays import ONE_DAY, WorkdayCalendar, is_workday
from collab_portal.lib.dates import DateWindow
from collab_portal.lib.refusals import ActionRefused
from requests_app import services as request_services
from tasks_app import policies, services, wbs_io
from tasks_app.models import Task, WbsTemplate
from tasks_app.pages.wbs import wbs_io_panel
from tasks_app.selectors import template_item_rows
from tasks_app.services import templates as template_services
from tests.factories import DepartmentFactory, UserFactory
from tests.fixtures import wbs_cases
from tests.fixtures.wbs_cases import build_wbs, day
from tests.org.holiday_years import MADE_UP_2027, enter_year

# The cases in task breakdown (see tests/fixtures/wbs_cases.py): plan ends in 30 and in 60 days.
breakdown = wbs_cases.breakdown
second_breakdown = wbs_cases.second_breakdown

MANUAL = "客户需求对接（手册示例）"
HEADER = [
    "任务ID",
    "任务名称",
    "上级任务ID",
    "说明",
    "负责人工号",
    "协作人工号",
    "主责部门编码",
    "配合部门编码",
    "开始日期",
    "截止日期",
    "交付物标准",
    "关键任务",
]
# What the export writes since issue 18 (the columns above are still read).
NAMED_HEADER = [
    *HEADER[:4],
    "负责人",
    "协作人",
    "主责部门",
    "配合部门",
    *HEADER[8:],
]


@pytest.fixture(autouse=True)
def english(client, settings):
    """Messages are asserted in English (the msgids), whatever the Chinese catalogue says."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def shape(tasks):
    return [(t.wbs_code, t.name, t.depth, t.deliverable_standard, t.is_key) for t in tasks]


def tree_of(case):
    return list(Task.objects.filter(request=case).order_by("wbs_code"))


def snapshot(case):
    """Everything the import may change, to prove a refused import changed nothing."""
    return [
        (
            t.pk,
            t.wbs_code,
            t.name,
            t.parent_id,
            t.owner_id,
            t.start_on,
            t.due_on,
            sorted(t.collaborators.values_list("pk", flat=True)),
        )
        for t in tree_of(case)
    ]


def cell_values(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content))["WBS"]
    return list(sheet.iter_rows(values_only=True))


def workbook(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "WBS"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(code, name, parent=None, owner=None, start=None, due=None, **extra):
    """A file row: 任务ID, 任务名称, 上级任务ID, …, with the other columns as keywords."""
    return [
        code,
        name,
        parent,
        extra.get("description"),
        owner,
        extra.get("collaborators"),
        extra.get("lead"),
        extra.get("supporting"),
        start,
        due,
        extra.get("deliverable", "交付物"),
        extra.get("key", "否"),
    ]


def last_message(response) -> str:
    """The message this response added (earlier unread ones stay in the cookie until a page
    shows them)."""
    return [str(message) for message in get_messages(response.wsgi_request)][-1]


# --- Templates ----------------------------------------------------------------------------------


def _stepped(day_: datetime.date, n: int) -> datetime.date:
    """The ``n``-th working day after ``day_`` (before it when negative), one day at a time."""
    step = datetime.timedelta(days=1 if n > 0 else -1)
    while n:
        day_ += step
        n -= (1 if n > 0 else -1) * is_workday(day_)
    return day_


def latest_manual_start() -> datetime.date:
    """The last first day from which the manual's template (19 working days) ends by day 30,
    the plan's end: its 19th working day is the last working day up to day 30."""
    return _stepped(_stepped(day(31), -1), -18)


def test_it_saves_a_breakdown_and_starts_another_case_from_it_with_shifted_dates(
    company, breakdown, second_breakdown
):
    build_wbs(company, breakdown)
    template = services.wbs_template_save(
        actor=company.tech_staff, request=breakdown, name=" 调研 模板 ", description="两级调研"
    )
    assert template.name == "调研 模板" and template.created_by == company.tech_staff
    items = {item.name: item for item in template.items.all()}
    assert len(items) == 6
    # working days: from the first task's start to this one's, and this one's own
    calendar = WorkdayCalendar(day(-10), day(90))
    assert (items["需求调研"].start_offset_days, items["需求调研"].duration_days) == (
        0,
        calendar.workdays_between(day(1), day(20)),
    )
    assert (items["访谈执行"].start_offset_days, items["访谈执行"].duration_days) == (
        calendar.workdays_between(day(1), day(4)),
        calendar.workdays_between(day(5), day(15)),
    )
    assert items["访谈执行"].parent == items["客户访谈"]
    assert items["需求调研"].is_key and items["问卷设计"].deliverable_standard == "问卷设计的交付物"

    tasks = services.wbs_template_apply(
        actor=company.tech_staff, request=second_breakdown, template=template, start_on=day(10)
    )

    source, copy = tree_of(breakdown), tree_of(second_breakdown)
    assert [t.pk for t in tasks] == [t.pk for t in copy]
    assert shape(copy) == shape(source)
    assert [c.wbs_code for c in copy] == ["1", "1.1", "1.2", "1.2.1", "1.2.2", "2"]
    first = calendar.add_workdays(day(10), 0)
    assert copy[0].start_on == first
    for original, new in zip(source, copy, strict=True):
        assert calendar.is_workday(new.start_on) and calendar.is_workday(new.due_on)
        assert calendar.workdays_between(new.start_on, new.due_on) == (
            calendar.workdays_between(original.start_on, original.due_on)
        )
        assert calendar.workdays_between(first, new.start_on - ONE_DAY) == (
            calendar.workdays_between(day(1), original.start_on - ONE_DAY)
        )
        assert new.owner is None and new.lead_department is None
    assert [c.parent.name if c.parent else None for c in copy] == [
        s.parent.name if s.parent else None for s in source
    ]
    activity = Activity.objects.get(verb="wbs_template")
    assert activity.subject_id == str(second_breakdown.pk) and activity.comment == "调研 模板"
    assert activity.actor == company.tech_staff


def test_a_template_name_is_unique_whatever_its_case(company, breakdown):
    build_wbs(company, breakdown)
    services.wbs_template_save(actor=company.tech_staff, request=breakdown, name="Survey")
    with pytest.raises(ValidationError) as refused:
        services.wbs_template_save(actor=company.tech_staff, request=breakdown, name="survey")
    assert "already exists" in refused.value.message_dict["name"][0]
    with pytest.raises(ValidationError, match="Name the template"):
        services.wbs_template_save(actor=company.tech_staff, request=breakdown, name="  ")
    assert WbsTemplate.objects.filter(name__iexact="survey").count() == 1


def test_only_the_coordinator_or_an_admin_saves_a_template_and_only_from_a_real_breakdown(
    company, breakdown
):
    with pytest.raises(ActionRefused, match="nothing to save"):
        services.wbs_template_save(actor=company.tech_staff, request=breakdown, name="空")
    build_wbs(company, breakdown)
    for outsider in (company.sales_staff, company.tech_head):
        with pytest.raises(ActionRefused, match="Only the coordinator"):
            services.wbs_template_save(actor=outsider, request=breakdown, name="别人的")
    assert not WbsTemplate.objects.filter(name="别人的").exists()
    assert services.wbs_template_save(actor=company.admin, request=breakdown, name="管理员的").pk

    services.wbs_publish(actor=company.tech_staff, request=breakdown)
    breakdown.refresh_from_db()
    assert breakdown.stage == "executing"
    saved = services.wbs_template_save(actor=company.tech_staff, request=breakdown, name="执行中")
    assert saved.items.count() == 6


def test_applying_is_refused_to_anyone_but_the_coordinator(company, breakdown):
    manual = WbsTemplate.objects.get(name=MANUAL)
    for outsider in (company.sales_staff, company.tech_head, company.sales_head):
        with pytest.raises(ActionRefused, match="Only the coordinator"):
            services.wbs_template_apply(
                actor=outsider, request=breakdown, template=manual, start_on=day(1)
            )
    assert not Task.objects.filter(request=breakdown).exists()
    assert not Activity.objects.filter(verb="wbs_template").exists()
    tasks = services.wbs_template_apply(
        actor=company.admin, request=breakdown, template=manual, start_on=latest_manual_start()
    )
    assert len(tasks) == 10


def test_applying_is_refused_when_the_breakdown_is_not_empty(company, breakdown):
    build_wbs(company, breakdown)
    before = snapshot(breakdown)
    with pytest.raises(ActionRefused, match="not empty"):
        services.wbs_template_apply(
            actor=company.tech_staff,
            request=breakdown,
            template=WbsTemplate.objects.get(name=MANUAL),
            start_on=day(1),
        )
    assert snapshot(breakdown) == before


def test_applying_is_refused_outside_the_breakdown_stage(company, breakdown):
    request_services.request_cancel(actor=company.sales_staff, request=breakdown, reason="取消")
    breakdown.refresh_from_db()
    with pytest.raises(ActionRefused, match="before it is published"):
        services.wbs_template_apply(
            actor=company.tech_staff,
            request=breakdown,
            template=WbsTemplate.objects.get(name=MANUAL),
            start_on=day(1),
        )
    assert not Task.objects.filter(request=breakdown).exists()


def test_a_start_too_late_for_the_plan_is_refused_naming_the_latest_start(company, breakdown):
    manual = WbsTemplate.objects.get(name=MANUAL)  # 19 working days; the plan ends on day 30
    latest = latest_manual_start()
    with pytest.raises(ValidationError) as refused:
        services.wbs_template_apply(
            actor=company.tech_staff, request=breakdown, template=manual, start_on=day(20)
        )
    message = refused.value.message_dict["start_on"][0]
    assert latest.isoformat() in message and day(30).isoformat() in message
    assert not Task.objects.filter(request=breakdown).exists()

    tasks = services.wbs_template_apply(
        actor=company.tech_staff, request=breakdown, template=manual, start_on=latest
    )
    assert max(t.due_on for t in tasks) == _stepped(day(31), -1)


def test_the_manual_example_ships_as_a_template(company, breakdown):
    template = WbsTemplate.objects.get(name=MANUAL)
    assert template.created_by is None
    rows = template_item_rows(list(template.items.all()))
    top = [r.item for r in rows if r.depth == 1]
    assert [item.name for item in top] == ["客户需求对接"]
    children = [r for r in rows if r.depth == 2]
    assert [r.item.name for r in children] == [
        "需求调研问卷设计",
        "客户访谈",
        "需求整理",
        "需求评审",
        "方案反馈",
    ]
    interview = next(r.item for r in children if r.item.name == "客户访谈")
    assert [r.item.name for r in rows if r.item.parent_id == interview.pk] == [
        "访谈提纲制定",
        "访谈对象预约",
        "访谈执行",
        "访谈纪要整理",
    ]
    by_name = {r.item.name: r.item for r in rows}
    assert (
        by_name["访谈纪要整理"].deliverable_standard == "访谈纪要需包含客户核心诉求、优先级及建议"
    )
    parents = {r.item.parent_id for r in rows}
    assert all(r.item.deliverable_standard for r in rows if r.item.pk not in parents)

    tasks = services.wbs_template_apply(
        actor=company.tech_staff,
        request=breakdown,
        template=template,
        start_on=latest_manual_start(),
    )
    by_pk = {t.pk: t for t in tasks}
    for task in tasks:  # every task sits inside its parent's dates, one after the other
        parent = by_pk.get(task.parent_id)
        assert task.start_on <= task.due_on
        if parent:
            assert parent.start_on <= task.start_on and task.due_on <= parent.due_on
    second_level = [t for t in tasks if t.depth == 2]
    for before, after in itertools.pairwise(second_level):
        assert before.due_on < after.start_on
    assert [t.wbs_code for t in tasks][:4] == ["1", "1.1", "1.2", "1.2.1"]
    assert policies.publish_missing(breakdown)  # people and departments still to assign


# The manual's template applied from Tuesday 2026-12-08 (issue 18, point 4): by calendar days
# 1.2.2 ran Saturday–Sunday 12-12..12-13 and 1.5 was due Saturday 12-26.
MANUAL_FROM_2026_12_08 = {
    "1": ("2026-12-08", "2027-01-04"),
    "1.1": ("2026-12-08", "2026-12-10"),
    "1.2": ("2026-12-11", "2026-12-22"),
    "1.2.1": ("2026-12-11", "2026-12-11"),
    "1.2.2": ("2026-12-14", "2026-12-15"),
    "1.2.3": ("2026-12-16", "2026-12-21"),
    "1.2.4": ("2026-12-22", "2026-12-22"),
    "1.3": ("2026-12-23", "2026-12-25"),
    "1.4": ("2026-12-28", "2026-12-29"),
    "1.5": ("2026-12-30", "2027-01-04"),
}


@pytest.fixture
def december_2026(breakdown, monkeypatch):
    """The case's plan runs to March 2027, and a start in December 2026 is one people may
    enter whatever day the test runs (the window is today's)."""
    Case.objects.filter(pk=breakdown.pk).update(expected_deadline=datetime.date(2027, 3, 31))
    wide = DateWindow(years_back=100, years_ahead=100)
    monkeypatch.setattr(template_services, "SCHEDULE", wide)
    monkeypatch.setattr(wbs_io, "SCHEDULE", wide)
    return breakdown


def _apply_manual_on(company, case, start_on):
    tasks = services.wbs_template_apply(
        actor=company.tech_staff,
        request=case,
        template=WbsTemplate.objects.get(name=MANUAL),
        start_on=start_on,
    )
    return {t.wbs_code: (t.start_on.isoformat(), t.due_on.isoformat()) for t in tasks}


def test_the_manual_template_runs_on_working_days_only(company, december_2026):
    enter_year(2027, MADE_UP_2027)  # New Year's Day: Friday 1 to Sunday 3 January off

    dates = _apply_manual_on(company, december_2026, datetime.date(2026, 12, 8))

    assert dates == MANUAL_FROM_2026_12_08
    for code, (start, due) in dates.items():
        for day_ in (start, due):
            assert is_workday(datetime.date.fromisoformat(day_)), (code, day_)


def test_the_manual_template_from_a_rest_day_starts_on_the_next_working_day(company, december_2026):
    # Saturday 12 December: the breakdown starts on Monday the 14th. Nobody entered 2027, so
    # nothing is invented: Friday 1 January counts as a working day (Monday to Friday).
    dates = _apply_manual_on(company, december_2026, datetime.date(2026, 12, 12))

    assert dates["1.1"] == ("2026-12-14", "2026-12-16")
    assert dates["1.2.2"] == ("2026-12-18", "2026-12-21")  # Friday, then Monday
    assert dates["1.4"] == ("2027-01-01", "2027-01-04")
    assert dates["1.5"] == ("2027-01-05", "2027-01-07")
    assert dates["1"] == ("2026-12-14", "2027-01-07")


def test_the_manual_template_migration_is_reversible(db):
    import importlib

    migration = importlib.import_module("tasks_app.migrations.0002_manual_wbs_template")
    migration.remove_template(django_apps, None)
    assert not WbsTemplate.objects.filter(name=MANUAL).exists()
    migration.add_template(django_apps, None)
    assert WbsTemplate.objects.get(name=MANUAL).items.count() == 10


# --- Excel --------------------------------------------------------------------------------------


def test_the_export_re_imports_unchanged(company, breakdown):
    build_wbs(company, breakdown)
    first = wbs_io.wbs_export_xlsx(request=breakdown)
    old_pks = {t.pk for t in tree_of(breakdown)}

    count = services.wbs_import_xlsx(actor=company.tech_staff, request=breakdown, content=first)

    assert count == 6
    second = wbs_io.wbs_export_xlsx(request=breakdown)
    assert cell_values(second) == cell_values(first)
    tasks = tree_of(breakdown)
    assert not old_pks & {t.pk for t in tasks}  # replaced, not merged
    design = next(t for t in tasks if t.name == "问卷设计")
    assert design.owner == company.tech_head and design.parent.name == "需求调研"
    assert set(design.collaborators.all()) == {company.sales_staff, company.tech_staff}
    assert list(design.supporting_departments.all()) == [company.sales]
    assert Activity.objects.filter(verb="wbs_import", subject_id=str(breakdown.pk)).count() == 1

    values = cell_values(first)
    assert list(values[0]) == NAMED_HEADER
    design_row = next(r for r in values if r[1] == "问卷设计")
    assert design_row[0] == "1.1" and design_row[2] == "1"
    assert design_row[8].date() == day(1) and design_row[9].date() == day(4)
    assert values[1][11] == "是" and design_row[11] == "否"
    sheet = load_workbook(io.BytesIO(first))["WBS"]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width


def test_an_export_fills_another_case_and_codes_are_recomputed(
    company, breakdown, second_breakdown
):
    build_wbs(company, breakdown)
    content = workbook(
        [
            row("A", "准备", start=day(1).isoformat(), due=day(9).strftime("%Y/%m/%d")),
            row("B", "子任务", parent="A", owner=company.tech_staff.employee_no, key="是"),
            row("C", "第二个", start=day(2), due=day(3), lead="TECH"),
        ]
    )
    assert (
        services.wbs_import_xlsx(
            actor=company.tech_staff, request=second_breakdown, content=content
        )
        == 3
    )
    tasks = tree_of(second_breakdown)
    assert [(t.wbs_code, t.name) for t in tasks] == [
        ("1", "准备"),
        ("1.1", "子任务"),
        ("2", "第二个"),
    ]
    assert tasks[0].start_on == day(1) and tasks[0].due_on == day(9)
    assert tasks[1].is_key and tasks[1].owner == company.tech_staff
    assert tasks[2].lead_department == company.tech
    assert len(tree_of(breakdown)) == 6


def _refused_import(company, case, content, *expected):
    if not Task.objects.filter(request=case).exists():
        build_wbs(company, case)
    before = snapshot(case)
    with pytest.raises(ValidationError) as refused:
        services.wbs_import_xlsx(actor=company.tech_staff, request=case, content=content)
    for text in expected:
        assert any(text in message for message in refused.value.messages), refused.value.messages
    assert snapshot(case) == before
    assert not Activity.objects.filter(verb="wbs_import").exists()
    return refused.value.messages


def test_an_unknown_or_inactive_employee_number_is_refused_naming_the_row(company, breakdown):
    gone = UserFactory(employee_no="GONE01", is_active=False)
    content = workbook(
        [
            row("1", "调研", start=day(1), due=day(5)),
            row("2", "访谈", owner="NOPE999", start=day(2), due=day(3)),
            row("3", "整理", collaborators=f"{company.tech_staff.employee_no}，{gone.employee_no}"),
            row("4", "评审", lead="NODEPT"),
        ]
    )
    _refused_import(
        company,
        breakdown,
        content,
        "Row 3, column “负责人工号”: no active person is called or numbered “NOPE999” "
        "(see the sheet “人员”).",
        "Row 4, column “协作人工号”: no active person has employee number GONE01.",
        "Row 5, column “主责部门编码”: no active department is called or coded “NODEPT” "
        "(see the sheet “部门”).",
    )


def test_a_parent_on_a_later_row_is_refused(company, breakdown):
    content = workbook([row("1", "子任务", parent="2"), row("2", "父任务")])
    _refused_import(
        company,
        breakdown,
        content,
        "Row 2, column “上级任务ID”: the parent task ID 2 refers to a later row",
    )


def test_inverted_dates_and_dates_outside_the_parent_or_plan_are_refused(company, breakdown):
    content = workbook(
        [
            row("1", "倒置", start=day(5), due=day(3)),
            row("2", "父", start=day(5), due=day(10)),
            row("2.1", "早于父任务", parent="2", start=day(4), due=day(6)),
            row("2.2", "晚于父任务", parent="2", start=day(6), due=day(11)),
            row("3", "超出方案", start=day(5), due=day(31)),
            row("4", "日期写错", start="下周一"),
            row("5", "关键写错", key="也许"),
        ]
    )
    _refused_import(
        company,
        breakdown,
        content,
        "Row 2, column “截止日期”: the due date is before the start date.",
        f"Row 4, column “开始日期”: the task starts before its parent task ({day(5).isoformat()}).",
        f"Row 5, column “截止日期”: the task ends after its parent task ({day(10).isoformat()}).",
        f"Row 6, column “截止日期”: the task must end inside the plan, by {day(30).isoformat()}.",
        "Row 7, column “开始日期”: “下周一” is not a date",
        "Row 8, column “关键任务”: write 是 or 否.",
    )


def test_a_fifth_level_is_refused(company, breakdown):
    content = workbook(
        [
            row("1", "一级"),
            row("1.1", "二级", parent="1"),
            row("1.1.1", "三级", parent="1.1"),
            row("1.1.1.1", "四级", parent="1.1.1"),
            row("1.1.1.1.1", "五级", parent="1.1.1.1"),
        ]
    )
    messages = _refused_import(
        company,
        breakdown,
        content,
        "Row 6, column “上级任务ID”: the task breakdown is at most 4 levels deep.",
    )
    assert len(messages) == 1


def test_a_file_that_is_not_a_workbook_is_refused(company, breakdown):
    _refused_import(company, breakdown, b"%PDF-1.4 not a workbook", "cannot be read as an Excel")
    content = workbook([row("1", "任务")], header=["编号", "名称"])
    with pytest.raises(ValidationError, match="column names"):
        services.wbs_import_xlsx(actor=company.tech_staff, request=breakdown, content=content)
    with pytest.raises(ValidationError, match="no tasks"):
        services.wbs_import_xlsx(actor=company.tech_staff, request=breakdown, content=workbook([]))


def test_only_the_coordinator_imports_and_only_in_breakdown(company, breakdown):
    build_wbs(company, breakdown)
    content = wbs_io.wbs_export_xlsx(request=breakdown)
    before = snapshot(breakdown)
    with pytest.raises(ActionRefused, match="Only the coordinator"):
        services.wbs_import_xlsx(actor=company.sales_staff, request=breakdown, content=content)
    services.wbs_publish(actor=company.tech_staff, request=breakdown)
    breakdown.refresh_from_db()
    with pytest.raises(ActionRefused, match="before it is published"):
        services.wbs_import_xlsx(actor=company.tech_staff, request=breakdown, content=content)
    assert snapshot(breakdown) == before


# --- Excel: names, codes and the reference sheets (issue 18, point 3) ---------------------------


def names_only(content: bytes) -> bytes:
    """The exported workbook as a person fills it in by hand: people and departments by name
    alone (the “（code）” after each name dropped)."""
    book = load_workbook(io.BytesIO(content))
    sheet = book["WBS"]
    header = [cell.value for cell in sheet[1]]
    for column in ("负责人", "协作人", "主责部门", "配合部门"):
        index = header.index(column) + 1
        for cells in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell = cells[0]
            if cell.value:
                cell.value = re.sub(r"（[^（）]*）", "", cell.value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_export_names_people_and_departments_with_their_codes(company, breakdown):
    build_wbs(company, breakdown)
    UserFactory(username="left", display_name="离职者", department=company.tech, is_active=False)
    content = wbs_io.wbs_export_xlsx(request=breakdown)

    values = cell_values(content)
    assert list(values[0]) == NAMED_HEADER
    design = next(r for r in values if r[1] == "问卷设计")
    assert design[4] == f"赵六（{company.tech_head.employee_no}）"
    assert design[5] == (
        f"张三（{company.sales_staff.employee_no}）、王五（{company.tech_staff.employee_no}）"
    )
    assert design[6:8] == ("技术部（TECH）", "销售部（SALES）")

    book = load_workbook(io.BytesIO(content))
    people = list(book["人员"].iter_rows(values_only=True))
    assert people[0] == ("姓名", "工号", "部门", "部门编码")
    assert ("王五", company.tech_staff.employee_no, "技术部", "TECH") in people
    assert ("钱总", company.leader.employee_no, "测试公司", "TESTCO") in people
    assert not [row for row in people if row[0] == "离职者"]  # active people only
    departments = list(book["部门"].iter_rows(values_only=True))
    assert departments[0] == ("部门", "编码", "上级部门")
    assert ("技术部", "TECH", "业务中心") in departments
    assert book.sheetnames[0] == "WBS"

    with CaptureQueriesContext(connection) as few:
        wbs_io.wbs_export_xlsx(request=breakdown)
    for number in range(30):
        UserFactory(username=f"more{number}", department=DepartmentFactory(parent=company.tech))
    with CaptureQueriesContext(connection) as many:
        wbs_io.wbs_export_xlsx(request=breakdown)
    assert len(many) == len(few)  # the reference sheets cost one query each


def test_a_file_naming_people_and_departments_by_name_only_imports_the_same_tree(
    company, breakdown
):
    build_wbs(company, breakdown)
    exported = wbs_io.wbs_export_xlsx(request=breakdown)
    by_hand = names_only(exported)
    assert "（" not in "".join(str(v) for row in cell_values(by_hand)[1:] for v in row[4:8] if v)

    assert (
        services.wbs_import_xlsx(actor=company.tech_staff, request=breakdown, content=by_hand) == 6
    )

    assert cell_values(wbs_io.wbs_export_xlsx(request=breakdown)) == cell_values(exported)
    design = next(t for t in tree_of(breakdown) if t.name == "问卷设计")
    assert design.owner == company.tech_head and design.lead_department == company.tech
    assert set(design.collaborators.all()) == {company.sales_staff, company.tech_staff}
    assert list(design.supporting_departments.all()) == [company.sales]


def test_people_and_departments_by_number_name_or_both(company, breakdown, second_breakdown):
    staff, head = company.tech_staff, company.tech_head
    content = workbook(
        [
            row("1", "按工号", owner=staff.employee_no, lead="TECH"),
            row("2", "按姓名", owner="王五", lead="技术部", collaborators="赵六、张三"),
            row(
                "3", "两者", owner=f"赵六({head.employee_no})", supporting="销售部（SALES），技术部"
            ),
        ],
        header=NAMED_HEADER,
    )
    services.wbs_import_xlsx(actor=staff, request=second_breakdown, content=content)
    by_number, by_name, both = tree_of(second_breakdown)
    assert (by_number.owner, by_number.lead_department) == (staff, company.tech)
    assert (by_name.owner, by_name.lead_department) == (staff, company.tech)
    assert set(by_name.collaborators.all()) == {head, company.sales_staff}
    assert both.owner == head
    assert set(both.supporting_departments.all()) == {company.sales, company.tech}


def test_an_ambiguous_name_is_refused_naming_the_candidates(company, breakdown):
    namesake = UserFactory(username="wangwu2", display_name="王五", department=company.sales)
    sales_tech = DepartmentFactory(code="TECH2", name="技术部", parent=company.sales)
    content = workbook(
        [row("1", "调研", owner="王五"), row("2", "评审", lead="技术部")],
        header=NAMED_HEADER,
    )
    messages = _refused_import(
        company,
        breakdown,
        content,
        "Row 2, column “负责人”: 2 people are called “王五”: "
        f"王五（{company.tech_staff.employee_no}，技术部）, "
        f"王五（{namesake.employee_no}，销售部）; write the employee number instead.",
        "Row 3, column “主责部门”: 2 departments are called “技术部”: "
        f"技术部（TECH，业务中心）, 技术部（{sales_tech.code}，销售部）; write the code instead.",
    )
    assert len(messages) == 2


def test_a_name_that_contradicts_its_number_is_refused(company, breakdown):
    content = workbook(
        [row("1", "调研", owner=f"王五（{company.tech_head.employee_no}）", lead="销售部（TECH）")],
        header=NAMED_HEADER,
    )
    _refused_import(
        company,
        breakdown,
        content,
        f"Row 2, column “负责人”: employee number {company.tech_head.employee_no} is 赵六, "
        "not “王五”.",
        "Row 2, column “主责部门”: code TECH is 技术部, not “销售部”.",
    )


def test_a_bad_row_is_named_by_row_and_column_in_the_persons_language(company, breakdown):
    rows = [row(str(n), f"任务{n}") for n in range(1, 6)]
    rows.append(row("6", "访谈", owner="王小明", start="下周一"))
    content = workbook(rows, header=NAMED_HEADER)
    with translation.override("zh-hans"):
        chinese = _refused_import(company, breakdown, content)
    assert "第 7 行「负责人」列：找不到“王小明”（请按“人员”表填写姓名或工号）。" in chinese
    assert "第 7 行「开始日期」列：“下周一”不是日期（请写成 YYYY-MM-DD）。" in chinese
    english = _refused_import(company, breakdown, content)
    assert (
        "Row 7, column “负责人”: no active person is called or numbered “王小明” "
        "(see the sheet “人员”)." in english
    )
    assert "Row 7, column “开始日期”: “下周一” is not a date (write YYYY-MM-DD)." in english


# --- Views --------------------------------------------------------------------------------------


@pytest.fixture
def outsider(company):
    """Staff of a department the case does not involve."""
    hr = DepartmentFactory(code="HR", name="人事部", parent=company.division)
    return UserFactory(username="hr_staff", display_name="孙七", department=hr)


def test_another_departments_staff_get_404_everywhere(company, breakdown, outsider, login):
    client = login(outsider)
    code = breakdown.code
    manual = WbsTemplate.objects.get(name=MANUAL)
    assert client.get(reverse("tasks_app:wbs_export", args=[code])).status_code == 404
    for name, data in (
        ("tasks_app:wbs_template_save", {"name": "偷看"}),
        ("tasks_app:wbs_template_apply", {"template": manual.pk, "start_on": day(1)}),
        ("tasks_app:wbs_import", {}),
    ):
        assert client.post(reverse(name, args=[code]), data).status_code == 404
    assert not Task.objects.filter(request=breakdown).exists()
    assert not WbsTemplate.objects.filter(name="偷看").exists()


def test_the_export_downloads_with_a_chinese_file_name(company, breakdown, login):
    build_wbs(company, breakdown)
    response = login(company.sales_staff).get(
        reverse("tasks_app:wbs_export", args=[breakdown.code])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == content_disposition_header(
        True, f"任务分解-{breakdown.code}.xlsx"
    )
    assert (
        "filename*=utf-8''%E4%BB%BB%E5%8A%A1%E5%88%86%E8%A7%A3-" in response["Content-Disposition"]
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(cell_values(response.content)) == 7


def test_importing_through_the_page_replaces_the_breakdown(company, breakdown, login):
    build_wbs(company, breakdown)
    client = login(company.tech_staff)
    content = workbook([row("1", "新的任务", start=day(1), due=day(2))])
    upload = SimpleUploadedFile("任务分解.xlsx", content)
    response = client.post(reverse("tasks_app:wbs_import", args=[breakdown.code]), {"file": upload})
    assert (
        response.status_code == 302 and response["Location"] == f"/requests/{breakdown.code}/wbs/"
    )
    assert (
        last_message(response) == "The task breakdown was replaced with the tasks of the file: 1."
    )
    assert [t.name for t in tree_of(breakdown)] == ["新的任务"]


def test_a_bad_file_through_the_page_changes_nothing(company, breakdown, login):
    build_wbs(company, breakdown)
    before = snapshot(breakdown)
    client = login(company.tech_staff)
    url = reverse("tasks_app:wbs_import", args=[breakdown.code])
    pdf = SimpleUploadedFile("wbs.xlsx", b"%PDF-1.4\n% a pdf renamed\n")
    response = client.post(url, {"file": pdf})
    assert response.status_code == 302
    assert last_message(response) == "The file's content does not match its name."
    bad_row = SimpleUploadedFile("wbs.xlsx", workbook([row("1", "任务", owner="NOPE")]))
    response = client.post(url, {"file": bad_row})
    assert last_message(response) == (
        "Row 2, column “负责人工号”: no active person is called or numbered “NOPE” "
        "(see the sheet “人员”)."
    )
    response = client.post(url, {})
    assert response.status_code == 302 and last_message(response) == "This field is required."
    assert snapshot(breakdown) == before
    assert client.get(url).status_code == 405


def test_applying_and_saving_through_the_page(company, breakdown, second_breakdown, login):
    client = login(company.tech_staff)
    manual = WbsTemplate.objects.get(name=MANUAL)
    apply_url = reverse("tasks_app:wbs_template_apply", args=[breakdown.code])
    response = client.post(apply_url, {"template": manual.pk, "start_on": day(25).isoformat()})
    assert response.status_code == 302
    latest = latest_manual_start().isoformat()
    assert "Start on" in last_message(response) and latest in last_message(response)
    assert not Task.objects.filter(request=breakdown).exists()

    response = client.post(apply_url, {"template": manual.pk, "start_on": latest})
    assert response["Location"] == f"/requests/{breakdown.code}/wbs/"
    assert last_message(response) == "Tasks created from the template: 10."
    assert Task.objects.filter(request=breakdown).count() == 10

    save_url = reverse("tasks_app:wbs_template_save", args=[breakdown.code])
    response = client.post(save_url, {"name": "我的模板", "description": "复制手册示例"})
    assert last_message(response) == "The task breakdown is saved as the template “我的模板”."
    assert WbsTemplate.objects.get(name="我的模板").items.count() == 10
    response = client.post(save_url, {"name": "我的模板"})
    assert "already exists" in last_message(response)
    response = client.post(save_url, {"name": ""})
    assert last_message(response) == "This field is required."
    assert WbsTemplate.objects.count() == 2


def test_the_template_list_and_admin_delete(company, breakdown, login):
    build_wbs(company, breakdown)
    mine = services.wbs_template_save(actor=company.tech_staff, request=breakdown, name="调研模板")
    client = login(company.sales_staff)
    response = client.get(reverse("tasks_app:wbs_templates"))
    assert response.status_code == 200
    counts = {t.name: t.item_count for t in response.context["templates"]}
    assert counts == {MANUAL: 10, "调研模板": 6}
    assert not response.context["can_delete"] and "访谈纪要整理" in response.content.decode()

    delete_url = reverse("tasks_app:wbs_template_delete", args=[mine.pk])
    response = client.post(delete_url)
    assert last_message(response) == "Only an administrator deletes templates."
    assert WbsTemplate.objects.filter(pk=mine.pk).exists()

    client = login(company.admin)
    assert client.get(reverse("tasks_app:wbs_templates")).context["can_delete"]
    response = client.post(delete_url)
    assert response["Location"] == reverse("tasks_app:wbs_templates")
    assert not WbsTemplate.objects.filter(pk=mine.pk).exists()
    assert client.post(delete_url).status_code == 404


def test_the_toolbar_flags_follow_the_person_and_the_state(company, breakdown):
    empty = wbs_io_panel(user=company.tech_staff, request=breakdown)
    assert empty.can_apply_template and empty.can_import and not empty.can_save_template
    assert empty.latest_end == day(30) and MANUAL in [t.name for t in empty.templates]
    build_wbs(company, breakdown)
    full = wbs_io_panel(user=company.tech_staff, request=breakdown)
    assert full.can_save_template and not full.can_apply_template and full.import_replaces
    viewer = wbs_io_panel(user=company.sales_staff, request=breakdown)
    assert not (viewer.can_save_template or viewer.can_apply_template or viewer.can_import)


def test_the_toolbar_renders_only_what_the_person_may_do(company, breakdown, rf):
    def render_for(user):
        request = rf.get("/")
        request.user = user
        panel = wbs_io_panel(user=user, request=breakdown)
        return render_to_string(
            "tasks_app/_wbs_io.html", {"case": breakdown, "wbs_io": panel}, request=request
        )

    coordinator = render_for(company.tech_staff)
    assert reverse("tasks_app:wbs_template_apply", args=[breakdown.code]) in coordinator
    assert reverse("tasks_app:wbs_import", args=[breakdown.code]) in coordinator
    assert MANUAL in coordinator and day(30).isoformat() in coordinator
    viewer = render_for(company.sales_staff)
    assert reverse("tasks_app:wbs_export", args=[breakdown.code]) in viewer
    assert "apply-template" not in viewer and "import-xlsx" not in viewer
    assert "save-template" not in viewer
    assert render_to_string("tasks_app/_wbs_io.html", {"case": breakdown}).strip() == ""


def test_templates_saved_in_calendar_days_are_converted_to_working_days(db):
    import importlib

    migration = importlib.import_module("tasks_app.migrations.0004_template_working_days")
    mine = WbsTemplate.objects.create(name="旧模板")
    week = mine.items.create(position=0, name="第一周", start_offset_days=0, duration_days=7)
    next_week = mine.items.create(position=1, name="第二周", start_offset_days=7, duration_days=5)
    weekend = mine.items.create(position=2, name="周末开始", start_offset_days=12, duration_days=3)
    manual = {
        item.pk: item.duration_days for item in WbsTemplate.objects.get(name=MANUAL).items.all()
    }

    migration.to_working_days(django_apps, None)

    for item in (week, next_week, weekend):
        item.refresh_from_db()
    assert [(i.start_offset_days, i.duration_days) for i in (week, next_week, weekend)] == [
        (0, 5),  # Monday to Sunday: 5 working days
        (5, 5),  # the next Monday
        (10, 1),  # Saturday to Monday: it starts on Monday
    ]
    template = WbsTemplate.objects.get(name=MANUAL)
    assert {item.pk: item.duration_days for item in template.items.all()} == manual
    assert "工作日" in template.description and "自然日" not in template.description
