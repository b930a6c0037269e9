"""An archived case is read-only: its task breakdown, its tasks (status, progress, due dates),
its weekly summaries and its WBS (templates applied, Excel imported) refuse every write with the
one archived message and change nothing; the pages answer with the message, never a server
error; the tracking table, its PDF and Excel, the Gantt data, the WBS export, the weekly summary
and its PDF still render, and the breakdown can still be kept as a template."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.archive_guard import archived_message
from collab_portal.lib.refusals import ActionRefused
from tasks_app import services, wbs_io, weeks
from tasks_app.models import Task, WbsTemplate, WbsTemplateItem, WeeklySummary
from tasks_app.services import TaskData
from tests.fixtures.execution import day
from tests.platform.archived import (
    archive,
    assert_refused_as_archived,
    fresh,
    set_stage,
    snapshot,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _leaf(case, name="方案反馈") -> Task:
    return Task.objects.get(request=case, name=name)


def _this_week():
    iso = weeks.today().isocalendar()
    return iso.year, iso.week


def _draft_summary(company, case) -> WeeklySummary:
    year, week = _this_week()
    return services.weekly_summary_draft(
        request=case, iso_year=year, iso_week=week, actor=company.tech_staff
    )


def _template() -> WbsTemplate:
    template = WbsTemplate.objects.create(name="客户调研模板")
    WbsTemplateItem.objects.create(
        template=template, name="问卷设计", start_offset_days=0, duration_days=3
    )
    return template


def _full_task(company, case, name="需求调研"):
    return services.wbs_task_add(
        actor=company.tech_staff,
        request=case,
        data=TaskData(
            name=name,
            owner=company.tech_staff,
            lead_department=company.tech,
            start_on=day(1),
            due_on=day(10),
            deliverable_standard="交付物齐全",
        ),
    )


def _exported(company, case) -> bytes:
    _full_task(company, case)
    return wbs_io.wbs_export_xlsx(request=case)


# Each scenario: (fixture, set-up(company, case) -> write). The write fetches its objects
# afresh, as a view would. The coordinator is company.tech_staff; 方案反馈 is a leaf task owned
# by company.tech_staff, not started.
def _start(company, case):
    task = _leaf(case)
    return lambda: services.task_start(actor=company.tech_staff, task=fresh(task))


def _complete(company, case):
    task = _leaf(case)
    return lambda: services.task_complete(actor=company.tech_staff, task=fresh(task))


def _progress(company, case):
    task = _leaf(case)
    return lambda: services.progress_save(
        actor=company.tech_staff, task=fresh(task), percent=30, note="访谈 3 家"
    )


def _delay(company, case):
    task = _leaf(case)
    return lambda: services.task_report_delay(
        actor=company.tech_staff, task=fresh(task), reason="客户排期", new_date=day(27)
    )


def _block(company, case):
    task = _leaf(case)
    return lambda: services.task_report_block(
        actor=company.tech_staff, task=fresh(task), reason="等客户接口"
    )


def _resume(company, case):
    task = services.task_report_block(actor=company.tech_staff, task=_leaf(case), reason="等接口")
    return lambda: services.task_resume(actor=company.tech_staff, task=fresh(task))


def _change_due(company, case):
    task = _leaf(case)
    return lambda: services.task_change_due(
        actor=company.tech_staff, task=fresh(task), new_due=day(26), reason="客户要求顺延"
    )


def _wbs_add(company, case):
    return lambda: _full_task(company, fresh(case), name="新任务")


def _wbs_update(company, case):
    task = _full_task(company, case)
    return lambda: services.wbs_task_update(
        actor=company.tech_staff, task=fresh(task), data=TaskData(name="改名")
    )


def _wbs_delete(company, case):
    task = _full_task(company, case)
    return lambda: services.wbs_task_delete(actor=company.tech_staff, task=fresh(task))


def _wbs_indent(company, case):
    _full_task(company, case, name="一")
    second = _full_task(company, case, name="二")
    return lambda: services.wbs_task_indent(actor=company.tech_staff, task=fresh(second))


def _wbs_publish(company, case):
    _full_task(company, case)
    return lambda: services.wbs_publish(actor=company.tech_staff, request=fresh(case))


def _template_apply(company, case):
    template = _template()
    return lambda: services.wbs_template_apply(
        actor=company.tech_staff, request=fresh(case), template=template, start_on=day(1)
    )


def _import(company, case):
    content = _exported(company, case)
    return lambda: services.wbs_import_xlsx(
        actor=company.tech_staff, request=fresh(case), content=content
    )


def _import_upload(company, case):
    content = _exported(company, case)
    return lambda: services.wbs_import_upload(
        actor=company.tech_staff,
        request=fresh(case),
        uploaded_file=SimpleUploadedFile("wbs.xlsx", content, content_type=XLSX_TYPE),
    )


def _weekly_draft(company, case):
    return lambda: _draft_summary(company, fresh(case))


def _weekly_update(company, case):
    summary = _draft_summary(company, case)
    return lambda: services.weekly_summary_update(
        actor=company.tech_staff, summary=fresh(summary), rag="red", comments="客户接口延迟"
    )


def _weekly_publish(company, case):
    summary = _draft_summary(company, case)
    return lambda: services.weekly_summary_publish(actor=company.tech_staff, summary=fresh(summary))


SCENARIOS = {
    "task_start": ("executing", _start),
    "task_complete": ("executing", _complete),
    "progress_save": ("executing", _progress),
    "task_report_delay": ("executing", _delay),
    "task_report_block": ("executing", _block),
    "task_resume": ("executing", _resume),
    "task_change_due": ("executing", _change_due),
    "wbs_task_add": ("breakdown", _wbs_add),
    "wbs_task_update": ("breakdown", _wbs_update),
    "wbs_task_delete": ("breakdown", _wbs_delete),
    "wbs_task_indent": ("breakdown", _wbs_indent),
    "wbs_publish": ("breakdown", _wbs_publish),
    "wbs_template_apply": ("breakdown", _template_apply),
    "wbs_import_xlsx": ("breakdown", _import),
    "wbs_import_upload": ("breakdown", _import_upload),
    "weekly_summary_draft": ("executing", _weekly_draft),
    "weekly_summary_update": ("executing", _weekly_update),
    "weekly_summary_publish": ("executing", _weekly_publish),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_it_refuses_every_write_on_an_archived_case_and_changes_nothing(request, company, name):
    fixture, set_up = SCENARIOS[name]
    case = request.getfixturevalue(fixture)
    write = set_up(company, case)
    stage = fresh(case).stage
    archive(case)
    before = snapshot()

    with pytest.raises(ActionRefused) as refused:
        write()

    assert refused.value.message == archived_message()
    assert snapshot() == before
    # The same write goes through on the case as it was: the archive alone refused it.
    set_stage(case, stage)
    write()
    assert snapshot() != before


def test_the_weekly_job_leaves_archived_cases_alone(company, executing):
    archive(executing)
    result = services.weekly_summary_generate()
    assert (result.created, result.refreshed) == (0, 0)
    assert not WeeklySummary.objects.exists()


def test_an_archived_breakdown_can_still_be_kept_as_a_template(company, executing):
    case = archive(executing)
    template = services.wbs_template_save(actor=company.tech_staff, request=case, name="调研模板")
    assert template.items.count() == Task.objects.filter(request=case).count()
    assert fresh(case).stage == "archived"


# --- the pages --------------------------------------------------------------------------------


def _task_url(name, task):
    return reverse(f"tasks_app:{name}", args=[task.request.code, task.pk])


def _week_url(name, summary):
    return reverse(
        f"tasks_app:{name}",
        args=[summary.request.code, summary.iso_year, f"{summary.iso_week:02d}"],
    )


def _case_url(name, case):
    return reverse(f"tasks_app:{name}", args=[case.code])


def _publish_post(company, case):
    _full_task(company, case)
    return _case_url("wbs_publish", case), {}


# (fixture, set-up(company, case) -> (url, data)); every post is the coordinator's.
VIEW_POSTS = {
    "task_start": ("executing", lambda c, case: (_task_url("task_start", _leaf(case)), {})),
    "task_done": ("executing", lambda c, case: (_task_url("task_done", _leaf(case)), {})),
    "task_progress": (
        "executing",
        lambda c, case: (_task_url("task_progress", _leaf(case)), {"percent": "40"}),
    ),
    "task_delay": (
        "executing",
        lambda c, case: (
            _task_url("task_delay", _leaf(case)),
            {"reason": "客户排期", "new_date": day(27).isoformat()},
        ),
    ),
    "task_block": (
        "executing",
        lambda c, case: (_task_url("task_block", _leaf(case)), {"reason": "等客户接口"}),
    ),
    "task_due": (
        "executing",
        lambda c, case: (
            _task_url("task_due", _leaf(case)),
            {"new_due": day(26).isoformat(), "reason": "客户要求顺延"},
        ),
    ),
    "weekly_draft": ("executing", lambda c, case: (_case_url("weekly_draft", case), {})),
    "weekly_update": (
        "executing",
        lambda c, case: (
            _week_url("weekly_update", _draft_summary(c, case)),
            {"rag": "red", "comments": "延迟"},
        ),
    ),
    "weekly_publish": (
        "executing",
        lambda c, case: (_week_url("weekly_publish", _draft_summary(c, case)), {}),
    ),
    "wbs_add": (
        "breakdown",
        lambda c, case: (
            _case_url("wbs_add", case),
            {
                "name": "新任务",
                "start_on": day(1).isoformat(),
                "due_on": day(5).isoformat(),
                "deliverable_standard": "纪要",
            },
        ),
    ),
    "wbs_delete": (
        "breakdown",
        lambda c, case: (_task_url("wbs_delete", _full_task(c, case)), {}),
    ),
    "wbs_publish": ("breakdown", lambda c, case: _publish_post(c, case)),
    "wbs_template_apply": (
        "breakdown",
        lambda c, case: (
            _case_url("wbs_template_apply", case),
            {"template": _template().pk, "start_on": day(1).isoformat()},
        ),
    ),
    "wbs_import": (
        "breakdown",
        lambda c, case: (
            _case_url("wbs_import", case),
            {"file": SimpleUploadedFile("wbs.xlsx", _exported(c, case), content_type=XLSX_TYPE)},
        ),
    ),
}


@pytest.mark.parametrize("name", VIEW_POSTS)
def test_a_post_on_an_archived_case_shows_the_message_and_changes_nothing(
    request, company, login, name
):
    fixture, set_up = VIEW_POSTS[name]
    case = request.getfixturevalue(fixture)
    url, data = set_up(company, case)
    archive(case)
    before = snapshot()

    response = login(company.tech_staff).post(url, data, follow=True)

    assert_refused_as_archived(response)
    assert snapshot() == before


def test_the_tracking_table_gantt_wbs_and_their_exports_render_for_an_archived_case(
    company, executing, login
):
    services.progress_save(actor=company.tech_staff, task=_leaf(executing), percent=50)
    case = archive(executing)
    client = login(company.sales_staff)
    for name in ("tracking", "gantt", "wbs", "weekly_list"):
        page = client.get(_case_url(name, case))
        assert page.status_code == 200, name
        if name in ("tracking", "wbs"):
            assert "方案反馈" in page.content.decode(), name
    gantt = client.get(_case_url("gantt_data", case))
    assert gantt.status_code == 200
    assert any("方案反馈" in bar["name"] for bar in gantt.json())
    pdf = client.get(_case_url("tracking_pdf", case))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf).startswith(b"%PDF")
    for name in ("tracking_xlsx", "wbs_export"):
        workbook = client.get(_case_url(name, case))
        assert workbook.status_code == 200, name
        assert workbook["Content-Type"] == XLSX_TYPE
        assert b"".join(workbook).startswith(b"PK"), name


def test_an_archived_case_offers_no_task_action_to_its_coordinator(company, executing, login):
    task = _leaf(executing)
    case = archive(executing)
    client = login(company.tech_staff)
    page = client.get(_task_url("task", task))
    assert page.status_code == 200
    assert not page.context["can_work"] and not page.context["can_change_due"]
    html = page.content.decode()
    for name in ("task_start", "task_done", "task_progress", "task_due"):
        assert _task_url(name, task) not in html, name
    wbs = client.get(_case_url("wbs", case))
    assert not wbs.context["can_edit"]
    panel = wbs.context["wbs_io"]
    assert not (panel.can_apply_template or panel.can_import)
    assert panel.can_save_template  # a read: an archived breakdown is a good template
    mine = client.get(reverse("tasks_app:my_tasks"))
    assert mine.status_code == 200 and "方案反馈" not in mine.content.decode()


def test_an_archived_weekly_summary_and_its_pdf_still_render_without_buttons(
    company, executing, login
):
    summary = services.weekly_summary_publish(
        actor=company.tech_staff, summary=_draft_summary(company, executing)
    )
    archive(executing)
    client = login(company.tech_staff)
    listing = client.get(_case_url("weekly_list", executing))
    assert listing.status_code == 200 and not listing.context["can_draft"]
    page = client.get(_week_url("weekly_detail", summary))
    assert page.status_code == 200 and not page.context["can_edit"]
    assert _week_url("weekly_publish", summary) not in page.content.decode()
    pdf = client.get(_week_url("weekly_pdf", summary))
    assert pdf.status_code == 200 and b"".join(pdf).startswith(b"%PDF")
