"""Far dates (issue 17, finding 4). A WBS task saved due on 0001-01-02 made /dashboard/ take
22–30 s for every manager (counting its working days late walked ~740,000 days), and 9999-12-31
was stored from the registration, draft, WBS and risk forms.

Every form that takes a date refuses both, naming the dates it allows, and writes nothing; the
services refuse them too (the Excel import and other callers reach them without a form). Rows
that already hold such dates are counted, never walked: the pages, the Gantt data and the
reminder sweeps answer as for any other date. The timing is benchmarks/far_dates.py's, not a
test's."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook

from cases.models import Case
from collab_portal.calendar.workdays import WorkdayCalendar
from collab_portal.lib.dates import DEADLINE, RECORDED, SCHEDULE, DateWindow
from collab_portal.org import services as org_services
from collab_portal.reminders.registry import rule_spec
from collab_portal.reminders.services import rule_settings
from requests_app import services as request_services
from risks_app import services as risk_services
from risks_app.models import Risk
from tasks_app import services as task_services
from tasks_app.models import Task, WbsTemplate, WbsTemplateItem
from tests.fixtures.registration import plan_data, registration
from tests.fixtures.reminder_rules import at, sweep
from tests.fixtures.risks import risk_data
from tests.security.bad_input_corpus import FORMS, case_of
from tests.security.test_bad_input import changed_tables, feedback, table_counts

pytestmark = pytest.mark.django_db

FAR = ("0001-01-02", "9999-12-31")
TODAY = timezone.localdate()

# Which window each date field of the corpus's forms keeps to.
WINDOW_OF = {
    "expected_deadline": DEADLINE,
    "milestones-0-due_on": DEADLINE,
    "deadline": DEADLINE,
    "new_date": DEADLINE,
    "ends_on": DEADLINE,
    "start_on": SCHEDULE,
    "due_on": SCHEDULE,
    "new_due": SCHEDULE,
    "starts_on": SCHEDULE,
    "sent_at": RECORDED,
    "held_at": RECORDED,
}
DATETIME_FIELDS = {"sent_at", "held_at"}


def refusal(window: DateWindow, far: str) -> str:
    """The message the user reads, in the portal's language (zh-hans)."""
    return window.refusal(datetime.date.fromisoformat(far))


def assert_refused_and_nothing_written(client, url, data, expected: str):
    with transaction.atomic():
        before = table_counts()
        response = client.post(url, data)
        assert response.status_code < 500
        errors, _others = feedback(response)
        assert any(expected in error for error in errors), errors
        assert "请选择" in expected  # the zh-hans catalogue has it
        assert changed_tables(before, table_counts()) == {}
        transaction.set_rollback(True)


# --- every form that takes a date -----------------------------------------------------------


@pytest.fixture
def stage_value(request, company):
    spec = request.node.callspec.params["spec"]
    return company if spec.stage == "company" else request.getfixturevalue(spec.stage)


@pytest.mark.parametrize("far", FAR)
@pytest.mark.parametrize("spec", [s for s in FORMS if s.date_fields], ids=lambda s: s.name)
def test_each_form_refuses_a_far_date_naming_the_dates_allowed(
    spec, far, company, stage_value, client
):
    client.force_login(getattr(company, spec.actor))
    case = None if spec.stage == "company" else case_of(stage_value)
    ctx = {"company": company, "case": case}
    for field in spec.date_fields:
        data = spec.payload(stage_value, ctx)
        data[field] = f"{far}T10:00" if field in DATETIME_FIELDS else far
        assert_refused_and_nothing_written(
            client, spec.url(stage_value, ctx), data, refusal(WINDOW_OF[field], far)
        )


@pytest.mark.parametrize("far", FAR)
def test_a_wbs_task_edit_refuses_a_far_date(far, company, breakdown, add_task, client):
    task = add_task(breakdown, "客户访谈")
    client.force_login(company.tech_staff)
    url = reverse("tasks_app:wbs_edit", args=[breakdown.code, task.pk])
    data = {
        "name": "客户访谈",
        "owner": company.tech_staff.pk,
        "lead_department": company.tech.pk,
        "start_on": task.start_on.isoformat(),
        "due_on": far,
        "deliverable_standard": "交付物齐全",
    }
    assert_refused_and_nothing_written(client, url, data, refusal(SCHEDULE, far))
    task.refresh_from_db()
    assert task.due_on != datetime.date.fromisoformat(far)


def _workbook(*rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "WBS"
    sheet.append(["任务ID", "任务名称", "上级任务ID", "负责人工号", "开始日期", "截止日期"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("far", FAR)
def test_a_wbs_import_row_with_a_far_date_is_refused_and_nothing_replaced(
    far, company, breakdown, add_task, client
):
    kept = add_task(breakdown, "已有任务")
    next_week = (TODAY + datetime.timedelta(days=7)).isoformat()
    content = _workbook(
        ["1", "需求调研", None, company.tech_staff.employee_no, next_week, next_week],
        ["2", "远古任务", None, company.tech_staff.employee_no, far, far],
    )
    client.force_login(company.tech_staff)
    upload = io.BytesIO(content)
    upload.name = "wbs.xlsx"
    response = client.post(
        reverse("tasks_app:wbs_import", args=[breakdown.code]), {"file": upload}, follow=True
    )

    messages = [str(m) for m in response.context["messages"]]
    assert any("第 3 行" in m and refusal(SCHEDULE, far) in m for m in messages), messages
    assert list(Task.objects.filter(request=breakdown)) == [kept]


@pytest.mark.parametrize("far", FAR)
def test_a_template_cannot_start_on_a_far_date(far, company, breakdown, client):
    template = WbsTemplate.objects.create(name="模板", created_by=company.tech_staff)
    WbsTemplateItem.objects.create(template=template, position=0, name="任务", duration_days=3)
    client.force_login(company.tech_staff)
    response = client.post(
        reverse("tasks_app:wbs_template_apply", args=[breakdown.code]),
        {"template": template.pk, "start_on": far},
        follow=True,
    )

    assert refusal(SCHEDULE, far) in [str(m) for m in response.context["messages"]]
    assert not Task.objects.filter(request=breakdown).exists()


def test_a_template_saved_from_far_dated_tasks_is_refused_not_a_server_error(
    company, breakdown, client
):
    template = WbsTemplate.objects.create(name="远古模板", created_by=company.tech_staff)
    span = (datetime.date(9999, 12, 31) - datetime.date(1, 1, 2)).days
    WbsTemplateItem.objects.create(template=template, position=0, name="远古", duration_days=span)
    client.force_login(company.tech_staff)
    response = client.post(
        reverse("tasks_app:wbs_template_apply", args=[breakdown.code]),
        {"template": template.pk, "start_on": (TODAY + datetime.timedelta(days=1)).isoformat()},
        follow=True,
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        gettext("The template’s tasks span more time than any plan can hold.")
    ]
    assert not Task.objects.filter(request=breakdown).exists()


def test_a_leaders_instruction_cannot_move_a_deadline_far_away(company, executing, client):
    far = "9999-12-31"
    risk = risk_services.risk_raise(
        actor=company.tech_staff,
        request=executing,
        data=risk_data(company, impact="high", task=executing.tasks.get(name="方案反馈")),
    )
    risk.refresh_from_db()
    assert risk.state == Risk.State.ESCALATED
    client.force_login(risk.escalated_to)
    url = reverse("risks_app:risk_instruct", args=[executing.code, risk.number])
    data = {"decision": "extend_deadline", "text": "延期处理", "new_deadline": far}
    assert_refused_and_nothing_written(client, url, data, refusal(DEADLINE, far))


# --- the services, which imports and other callers reach without a form ---------------------


def _far(far: str) -> datetime.date:
    return datetime.date.fromisoformat(far)


@pytest.mark.parametrize("far", FAR)
def test_the_services_refuse_a_far_date_too(far, company, executing):
    day = _far(far)
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    task = executing.tasks.get(name="客户访谈")
    syncing = request_services.request_create(
        initiator=company.sales_staff, data=registration(internal_departments=[company.tech])
    )
    attempts = {
        "expected_deadline": lambda: request_services.request_create(
            initiator=company.sales_staff,
            data=registration(expected_deadline=day, internal_departments=[company.tech]),
        ),
        "new_date": lambda: task_services.task_report_delay(
            actor=company.tech_staff, task=task, reason="客户改期", new_date=day
        ),
        "new_due": lambda: task_services.task_change_due(
            actor=company.tech_staff, task=task, new_due=day, reason="客户改期"
        ),
        "deadline": lambda: risk_services.risk_raise(
            actor=company.tech_staff, request=executing, data=risk_data(company, deadline=day)
        ),
        "ends_on": lambda: org_services.delegation_create(
            actor=company.sales_head,
            principal=company.sales_head,
            delegate=company.sales_staff,
            starts_on=TODAY,
            ends_on=day,
        ),
        "sent_at": lambda: request_services.sync_record_add(
            actor=company.sales_staff,
            request=syncing,
            receiver=syncing.receivers.get(),
            channel="dingtalk",
            sent_at=moment,
            recipients="赵六",
        ),
    }
    Case.objects.filter(pk=syncing.pk).update(stage=Case.Stage.SYNCING)
    if far == "0001-01-02":
        # Past dates meet the fields' own rules first (a deadline is not in the past).
        attempts = {k: v for k, v in attempts.items() if k in ("new_due", "sent_at")}
    for field, attempt in attempts.items():
        assert_service_refuses(attempt, field)


def assert_service_refuses(attempt, field: str):
    with transaction.atomic():
        before = table_counts()
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert field in refused.value.message_dict, (field, refused.value)
        assert changed_tables(before, table_counts()) == {}, field
        transaction.set_rollback(True)


@pytest.mark.parametrize("far", FAR)
def test_the_wbs_service_refuses_a_far_task_date(far, company, breakdown, add_task):
    task = add_task(breakdown, "客户访谈")

    assert_service_refuses(
        lambda: task_services.wbs_task_update(
            actor=company.tech_staff,
            task=task,
            data=task_services.TaskData(name=task.name, start_on=task.start_on, due_on=_far(far)),
        ),
        "due_on",
    )


def test_the_plan_service_refuses_a_far_milestone(company, planning):
    far = datetime.date(9999, 12, 31)
    Case.objects.filter(pk=planning.pk).update(expected_deadline=far)  # an old row
    planning.refresh_from_db()

    assert_service_refuses(
        lambda: request_services.plan_save(
            actor=company.tech_staff,
            request=planning,
            data=plan_data(company, milestones=[("需求确认", far)]),
        ),
        "milestones",
    )


def test_the_wbs_import_service_refuses_a_far_row(company, breakdown):
    far = datetime.date(9999, 12, 31)
    content = _workbook(["1", "永恒任务", None, company.tech_staff.employee_no, TODAY, far])

    with pytest.raises(ValidationError) as refused:
        task_services.wbs_import_xlsx(actor=company.tech_staff, request=breakdown, content=content)

    assert refusal(SCHEDULE, "9999-12-31") in " ".join(refused.value.messages)
    assert not Task.objects.filter(request=breakdown).exists()


# --- rows that already hold far dates -------------------------------------------------------


@pytest.fixture
def far_task(company, executing):
    """An old row: 客户访谈 due on 0001-01-02, so two thousand years overdue."""
    task = executing.tasks.get(name="客户访谈")
    Task.objects.filter(pk=task.pk).update(
        start_on=datetime.date(1, 1, 1), due_on=datetime.date(1, 1, 2), status="in_progress"
    )
    return task


def test_the_dashboard_counts_an_old_far_due_date_without_walking_it(company, far_task, client):
    client.force_login(company.tech_head)
    response = client.get(reverse("insights:weekly"))

    assert response.status_code == 200
    overdue = {line.pk: line for line in response.context["board"].overdue}
    calendar = WorkdayCalendar(TODAY, TODAY)
    expected = calendar.workdays_between(datetime.date(1, 1, 3), response.context["board"].as_of)
    assert overdue[far_task.pk].days_late == expected > 500_000


def test_the_gantt_leaves_out_a_task_it_cannot_draw_and_keeps_the_others(
    company, executing, far_task, client
):
    client.force_login(company.tech_staff)
    data = client.get(reverse("tasks_app:gantt_data", args=[executing.code])).json()

    names = [item["name"] for item in data]
    assert not any("客户访谈" in name for name in names)
    assert any("问卷设计" in name for name in names)


def test_the_reminder_sweeps_take_old_far_dates_in_their_stride(company, executing, far_task):
    risk = risk_services.risk_raise(
        actor=company.tech_staff, request=executing, data=risk_data(company)
    )
    Risk.objects.filter(pk=risk.pk).update(deadline=datetime.date(1, 1, 2))
    now = at(TODAY.isoformat())
    risk_dues = sweep(rule_spec("risk_deadline"), now)
    overdue = sweep(rule_spec("task_overdue"), now, repeat_days=0)
    repeating = sweep(rule_spec("task_overdue"), now, repeat_days=1)

    assert {due.target.pk for due in risk_dues} == {risk.pk}
    assert overdue == []  # its first working day overdue was two thousand years ago
    assert far_task.owner_id in {due.recipient_id for due in repeating}


def test_an_admin_cannot_set_a_reminder_to_run_years_of_working_days_ahead(company, client):
    rule = rule_settings(rule_spec("task_due_soon"))
    client.force_login(company.admin)
    response = client.post(
        reverse("admin:reminders_reminderrule_change", args=[rule.pk]),
        {
            "enabled": "on",
            "lead_days": "30000",
            "repeat_days": "0",
            "escalate_after_days": "",
            "send_at": "09:00",
            "on_rest_days": "",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["lead_days"]
    rule.refresh_from_db()
    assert rule.lead_days == 2
