"""The managers' weekly dashboard: who may open which department, the figures of a hand-built
week, the list behind each figure, 催办 from that list, the exports, bad input, and a constant
number of queries.

The week is last week (Monday ``m``): complete whatever day the suite runs. Sales (李四's) has
case A; tech (赵六's) has case B; 钱总 leads the division above both."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from acceptance_app.models import Delivery
from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.calendar.workdays import WorkdayCalendar
from collab_portal.lib.refusals import ActionRefused
from insights_app.scope import this_week
from requests_app.models import Receiver
from risks_app.models import Level, Risk
from tasks_app.models import Task, WeeklySummary
from tasks_app.services import task_urge
from tests.browser.steps import pdf_text
from tests.factories import (
    CaseFactory,
    DeliveryFactory,
    DepartmentFactory,
    ReviewFactory,
    RiskFactory,
    TaskFactory,
)
from tests.fixtures.kpi_history import registered

Stage = Case.Stage
LAST_WEEK = this_week().shifted(-1)
M = LAST_WEEK.monday
SUNDAY = LAST_WEEK.sunday


def day(offset: int) -> datetime.date:
    return M + datetime.timedelta(days=offset)


def moment(offset: int, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day(offset), datetime.time(hour)))


def done(task: Task, offset: int) -> Task:
    Task.objects.filter(pk=task.pk).update(
        status=Task.Status.DONE, progress=100, completed_at=moment(offset)
    )
    return task


@pytest.fixture
def week(company):
    """The hand-built week; returns its records by name."""
    c = company
    case_a = CaseFactory(
        initiator=c.sales_staff, coordinator=c.sales_staff, stage=Stage.EXECUTING, code="CR-A"
    )
    case_b = CaseFactory(initiator=c.tech_staff, stage=Stage.EXECUTING, code="CR-B")
    overdue = TaskFactory(
        request=case_a,
        name="逾期任务",
        owner=c.sales_staff,
        due_on=day(1),
        start_on=day(-5),
        started_at=moment(-5),
        status=Task.Status.IN_PROGRESS,
        is_key=True,
    )
    finished = done(
        TaskFactory(request=case_a, name="本周完成", owner=c.sales_staff, due_on=day(2)), 3
    )
    running = TaskFactory(
        request=case_a,
        name="进行中",
        owner=c.sales_head,
        due_on=day(8),
        start_on=day(0),
        started_at=moment(0),
        status=Task.Status.IN_PROGRESS,
    )
    tech_led = TaskFactory(
        request=case_a, name="技术部牵头", owner=c.tech_staff, lead_department=c.tech, due_on=day(1)
    )
    late_then_done = done(
        TaskFactory(
            request=case_a,
            name="晚了才完成",
            owner=c.sales_staff,
            lead_department=None,
            due_on=day(-10),
        ),
        7,  # this Monday: after the week
    )
    other_case = TaskFactory(request=case_b, name="技术部逾期", owner=c.tech_staff, due_on=day(2))
    major = RiskFactory(
        request=case_a, impact=Level.HIGH, likelihood=Level.HIGH, task=overdue, deadline=day(9)
    )
    resolved = RiskFactory(
        request=case_a,
        impact=Level.LOW,
        likelihood=Level.MEDIUM,
        deadline=day(4),
        state=Risk.State.RESOLVED,
    )
    Risk.objects.filter(pk=resolved.pk).update(resolved_at=moment(3), created_at=moment(-3))
    Risk.objects.filter(pk=major.pk).update(created_at=moment(-3))
    later = RiskFactory(
        request=case_a, impact=Level.MEDIUM, likelihood=Level.HIGH, deadline=day(20)
    )
    Risk.objects.filter(pk=later.pk).update(created_at=moment(8))
    accepting = CaseFactory(initiator=c.sales_staff, stage=Stage.ACCEPTING, code="CR-C")
    waiting = DeliveryFactory(
        request=accepting, version=1, state=Delivery.State.SUBMITTED, submitted_at=moment(2)
    )
    return {
        "A": case_a,
        "B": case_b,
        "overdue": overdue,
        "finished": finished,
        "running": running,
        "tech_led": tech_led,
        "late_then_done": late_then_done,
        "other_case": other_case,
        "delivery": waiting,
    }


def page(client, **params):
    params.setdefault("week", LAST_WEEK.value)
    return client.get(reverse("insights:weekly"), params)


def figures(response) -> dict[str, str]:
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', response.content.decode()))


def drill_total(client, url: str) -> int:
    body = client.get(url.replace("&amp;", "&")).content.decode()
    return int(re.search(r'data-testid="drill-total">(\d+)<', body).group(1))


# --- who sees what ---------------------------------------------------------------------------


def test_a_head_sees_their_department_and_404_for_another(company, week, login):
    client = login(company.sales_head)

    response = page(client)
    assert response.context["board"].scope.department_ids == {company.sales.pk}
    assert page(client, department=company.tech.pk).status_code == 404
    assert page(client, department=company.division.pk).status_code == 404
    assert page(client, department="999999").status_code == 404
    assert (
        client.get(
            reverse("insights:drill", args=["tasks"]),
            {"department": company.tech.pk, "status": "overdue"},
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("insights:weekly_pdf"), {"department": company.tech.pk}).status_code
        == 404
    )


def test_a_leader_in_charge_sees_only_the_departments_they_lead(company, week, login):
    client = login(company.leader)

    response = page(client)
    choices = [value for value, _label in response.context["form"].fields["department"].choices]
    assert choices == [str(company.division.pk), str(company.sales.pk), str(company.tech.pk)]
    assert page(client, department=company.company.pk).status_code == 404
    assert page(client, department="all").status_code == 404
    assert page(client, department=company.tech.pk).status_code == 200


def test_an_admin_sees_the_whole_company_and_staff_have_no_dashboard(company, week, login):
    admin = login(company.admin)
    assert admin.get(reverse("insights:weekly")).context["board"].scope.department_ids is None

    client = login(company.sales_staff)
    response = client.get(reverse("insights:weekly"))
    assert "board" not in response.context
    assert 'data-testid="no-dashboard"' in response.content.decode()
    assert (
        client.get(reverse("insights:drill", args=["tasks"]), {"status": "overdue"}).status_code
        == 404
    )


def test_anonymous_visitors_are_sent_to_sign_in(client, company):
    for name in ("insights:weekly", "insights:weekly_pdf", "insights:weekly_xlsx"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the figures -----------------------------------------------------------------------------


def test_the_weeks_figures_for_a_department(company, week, login):
    response = page(login(company.sales_head))

    board = response.context["board"]
    assert board.as_of == SUNDAY
    assert figures(response) | {"average_review_wait": ""} == {
        "open_cases": "2",  # A executing, C accepting (B is tech's)
        "waiting_for_review": "0",
        "tasks_done": "1",  # 本周完成
        "tasks_overdue": "2",  # 逾期任务; 晚了才完成 was done only after the week
        "open_risks": "1",  # resolved in the week, raised after it: not open on Sunday
        "major_risks": "1",  # high impact on a key task
        "average_review_wait": "",
    }
    assert [line.label for line in board.overdue] == ["晚了才完成", "逾期任务"]
    calendar = WorkdayCalendar(day(-30), SUNDAY)
    assert board.overdue[1].days_late == calendar.workdays_between(day(2), SUNDAY)
    assert board.summary.tasks_in_progress == 2  # 逾期任务 and 进行中
    assert board.matrix[(Level.HIGH, Level.HIGH)] == 1
    assert sum(board.matrix.values()) == 1
    assert [(w.label, w.in_progress, w.done, w.overdue) for w in board.workload] == [
        ("张三", 1, 1, 2),
        ("李四", 1, 0, 0),
    ]
    assert board.by_person
    assert [line.label for line in board.upcoming] == ["进行中"]
    assert (board.acceptance.waiting, board.acceptance.cases_accepting) == (1, 1)


def test_a_division_is_counted_per_department(company, week, login):
    board = page(login(company.leader), department=company.division.pk).context["board"]

    assert not board.by_person
    assert [(w.label, w.in_progress, w.done, w.overdue) for w in board.workload] == [
        ("销售部", 2, 1, 2),
        ("技术部", 0, 0, 2),  # 技术部牵头 (in a sales case) and 技术部逾期
    ]
    assert board.summary.tasks_overdue == 4


def test_the_burn_up_counts_tasks_planned_and_done_by_the_end_of_each_week(company, week, login):
    c = company

    def finished_at(task: Task, when: datetime.datetime) -> None:
        Task.objects.filter(pk=task.pk).update(status=Task.Status.DONE, completed_at=when)

    TaskFactory(  # postponed: it still counts as planned by its original date
        request=week["A"], name="改期", owner=c.sales_staff, planned_due_on=day(2), due_on=day(30)
    )
    sunday_night = TaskFactory(request=week["A"], owner=c.sales_staff, due_on=day(6))
    finished_at(sunday_night, moment(6, hour=23) + datetime.timedelta(minutes=30))
    past_midnight = TaskFactory(request=week["A"], owner=c.sales_staff, due_on=day(6))
    finished_at(past_midnight, moment(7, hour=0) + datetime.timedelta(minutes=30))

    board = page(login(c.sales_head)).context["board"]

    weeks = [LAST_WEEK.shifted(-n) for n in reversed(range(12))]
    # 晚了才完成 two weeks before; then 逾期任务, 本周完成 and the 3 above
    planned = [0] * 9 + [1, 1, 6]
    done = [0] * 11 + [2]  # 本周完成 and the one done on Sunday night (not 晚了才完成: Monday)
    assert board.burn_up == [
        (f"W{w.iso_week:02d}", p, d) for w, p, d in zip(weeks, planned, done, strict=True)
    ]


def test_last_weeks_figures_stay_as_they_were_and_this_week_counts_up_to_today(
    company, week, login
):
    client = login(company.sales_head)
    Task.objects.filter(pk=week["overdue"].pk).update(
        status=Task.Status.DONE, completed_at=timezone.now()
    )
    cache.clear()

    assert figures(page(client))["tasks_overdue"] == "2"  # it was still late on Sunday
    this = page(client, week=this_week().value).context["board"]
    assert this.as_of == timezone.localdate()
    labels = [line.label for line in this.overdue]
    assert "逾期任务" not in labels and "晚了才完成" not in labels  # both are done by now


def test_each_figure_opens_the_list_of_exactly_what_it_counts(company, week, login):
    client = login(company.sales_head)
    response = page(client)
    links = response.context["links"]
    board = response.context["board"]

    assert drill_total(client, links["tasks_overdue"]) == board.summary.tasks_overdue == 2
    assert drill_total(client, links["tasks_done"]) == board.summary.tasks_done == 1
    assert drill_total(client, links["tasks_in_progress"]) == board.summary.tasks_in_progress
    assert drill_total(client, links["tasks_upcoming"]) == board.upcoming_total == 1
    assert drill_total(client, links["open_risks"]) == 1
    assert drill_total(client, links["major_risks"]) == 1
    assert drill_total(client, links["deliveries_waiting"]) == 1
    for label, count, url in response.context["stage_links"]:
        assert drill_total(client, url) == count, label
    for row in response.context["matrix"]:
        for cell in row.cells:
            assert drill_total(client, cell.url) == cell.count
    body = client.get(links["tasks_overdue"].replace("&amp;", "&")).content.decode()
    assert "逾期任务" in body and "晚了才完成" in body and "技术部牵头" not in body


def test_a_workload_bar_opens_that_persons_tasks(company, week, login):
    client = login(company.sales_head)
    charts = page(client).context["charts"]

    overdue_of_zhang = charts["workload"]["urls"][2][0]
    assert drill_total(client, overdue_of_zhang) == 2
    in_progress_of_li = charts["workload"]["urls"][0][1]
    assert drill_total(client, in_progress_of_li) == 1


# --- the cases, their 周报 and the 批示 waiting ------------------------------------------------


def published(case, week, rag, comments="", progress=50, state=WeeklySummary.State.PUBLISHED):
    return WeeklySummary.objects.create(
        request=case,
        iso_year=week.iso_year,
        iso_week=week.iso_week,
        state=state,
        rag=rag,
        comments=comments,
        facts={"progress": progress},
    )


def test_the_dashboard_lists_the_cases_under_way_with_their_weekly_summary(company, week, login):
    Rag = WeeklySummary.Rag
    published(week["A"], LAST_WEEK.shifted(-1), Rag.GREEN, "一切顺利")
    published(week["A"], LAST_WEEK, Rag.RED, "  \n客户资料未到，关键节点延期\n第二行", progress=40)
    published(week["A"], this_week(), Rag.AMBER, "本周草稿", state=WeeklySummary.State.DRAFT)
    published(week["B"], LAST_WEEK, Rag.GREEN, "技术部的案子")  # tech's: not sales'
    quiet = CaseFactory(initiator=company.sales_staff, stage=Stage.EXECUTING, code="CR-D")
    published(quiet, LAST_WEEK, Rag.GREEN, "")
    CaseFactory(initiator=company.sales_staff, stage=Stage.ARCHIVED, code="CR-Z")
    client = login(company.sales_head)

    response = page(client)
    lines = response.context["board"].cases

    # Red first; a case without a published summary last (C, accepting); never archived ones.
    assert [line.code for line in lines] == ["CR-A", "CR-D", "CR-C"]
    a, d, c = lines
    assert (a.rag, a.summary_line, a.progress) == (Rag.RED, "客户资料未到，关键节点延期", 40)
    assert (a.iso_year, a.iso_week) == (LAST_WEEK.iso_year, LAST_WEEK.iso_week)
    assert (d.rag, d.summary_line) == (Rag.GREEN, "")
    assert (c.rag, c.summary_line, c.progress) == ("", "", None)
    assert response.context["board"].cases_total == 3
    body = response.content.decode()
    section = body[body.index('data-testid="case-status"') :]
    assert "客户资料未到，关键节点延期" in section and "第二行" not in section
    assert "本周草稿" not in body and "技术部的案子" not in body
    assert 'data-rag="red"' in section
    # This week's board reads this week's summary once it is published, not the draft.
    this = page(client, week=this_week().value).context["board"].cases
    assert this[0].code == "CR-A" and this[0].rag == Rag.RED


def test_the_dashboard_lists_the_instructions_waiting_on_a_leader(company, week, login):
    def escalated(case, *, when, state=Risk.State.ESCALATED, **fields):
        risk = RiskFactory(request=case, escalated_to=company.leader, **fields)
        Risk.objects.filter(pk=risk.pk).update(state=state, escalated_at=when)
        return risk

    waiting = escalated(week["A"], when=moment(1), description="关键供应商停产", impact=Level.HIGH)
    escalated(week["B"], when=moment(2))  # tech's
    escalated(week["A"], when=moment(2), state=Risk.State.MITIGATING)  # answered
    cancelled = CaseFactory(initiator=company.sales_staff, stage=Stage.CANCELLED)
    escalated(cancelled, when=moment(2))  # nobody answers a cancelled case's escalation
    client = login(company.sales_head)

    response = page(client)
    board = response.context["board"]

    assert [line.pk for line in board.escalations] == [waiting.pk]
    line = board.escalations[0]
    assert (line.case_code, line.leader, line.escalated_on) == ("CR-A", "钱总", day(1))
    calendar = WorkdayCalendar(day(0), timezone.localdate())
    assert line.waiting_days == calendar.workdays_after(day(1), timezone.localdate())
    assert board.escalations_total == 1
    body = response.content.decode()
    assert "关键供应商停产" in body[body.index('data-testid="escalations"') :]
    assert waiting.get_absolute_url() in body


def test_the_pdf_and_the_excel_carry_the_cases_and_the_escalations(company, week, login):
    from openpyxl import load_workbook

    published(week["A"], LAST_WEEK, WeeklySummary.Rag.AMBER, "等待客户确认", progress=60)
    risk = RiskFactory(request=week["A"], escalated_to=company.leader, description="预算不足")
    Risk.objects.filter(pk=risk.pk).update(state=Risk.State.ESCALATED, escalated_at=moment(1))
    client = login(company.sales_head)

    pdf = pdf_text(client.get(reverse("insights:weekly_pdf"), {"week": LAST_WEEK.value}).content)
    assert "等待客户确认" in pdf and "预算不足" in pdf and "钱总" in pdf
    xlsx = client.get(reverse("insights:weekly_xlsx"), {"week": LAST_WEEK.value})
    book = load_workbook(io.BytesIO(xlsx.content))
    with translation.override("zh-hans"):
        cases = book[translation.gettext("Cases under way")]
        waiting = book[translation.gettext("Instructions waiting")]
    first = cases[2]
    assert [cell.value for cell in first[:2]] == ["CR-A", week["A"].subject]
    assert first[5].value == pytest.approx(0.6) and first[5].number_format == "0%"
    assert first[6].value == "等待客户确认"
    escalation = [cell.value for cell in waiting[2]]
    assert escalation[:4] == ["CR-A", risk.code, "预算不足", "钱总"]
    assert escalation[4].date() == day(1)


# --- 催办 from the list --------------------------------------------------------------------------


def test_a_head_urges_an_overdue_owner_from_the_list_once_in_four_hours(company, week, login):
    client = login(company.sales_head)
    url = page(client).context["links"]["tasks_overdue"].replace("&amp;", "&")
    listing = client.get(url)
    task = week["overdue"]
    assert f'data-testid="urge-{task.pk}"' in listing.content.decode()

    urge = reverse("tasks_app:task_urge", args=[task.request.code, task.pk])
    response = client.post(urge, {"next": url}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert Activity.objects.filter(verb="task_urge", actor=company.sales_head).count() == 1
    assert task.owner.notifications.filter(title__contains="逾期任务").exists()

    again = client.post(urge, {"next": url}, follow=True)
    assert Activity.objects.filter(verb="task_urge").count() == 1
    assert "之后才能再次催办" in " ".join(str(m) for m in again.context["messages"])


def test_nobody_else_urges_and_a_done_task_is_not_urged(company, week):
    with pytest.raises(ActionRefused):
        task_urge(actor=company.tech_head, task=week["overdue"])  # sales' task, tech's head
    with pytest.raises(ActionRefused):
        task_urge(actor=company.sales_head, task=week["finished"])
    assert not Activity.objects.filter(verb="task_urge").exists()


def test_the_list_offers_urge_only_on_tasks_the_viewer_may_urge(company, week, login):
    client = login(company.leader)
    board_links = page(client, department=company.division.pk).context["links"]
    body = client.get(board_links["tasks_overdue"].replace("&amp;", "&")).content.decode()
    # this week is over: the tasks are still overdue now, and 钱总 leads both departments
    assert f'data-testid="urge-{week["overdue"].pk}"' in body
    assert f'data-testid="urge-{week["late_then_done"].pk}"' not in body  # done since


# --- exports ---------------------------------------------------------------------------------


def test_the_week_exports_as_pdf_and_excel(company, week, login):
    from openpyxl import load_workbook

    client = login(company.sales_head)
    pdf = client.get(reverse("insights:weekly_pdf"), {"week": LAST_WEEK.value})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "no-cache" in pdf["Cache-Control"]

    xlsx = client.get(reverse("insights:weekly_xlsx"), {"week": LAST_WEEK.value})
    book = load_workbook(io.BytesIO(xlsx.content))
    overdue = list(book.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[1]) for row in overdue] == [("CR-A", "晚了才完成"), ("CR-A", "逾期任务")]
    summary = dict(row for row in book.worksheets[0].iter_rows(min_row=2, values_only=True))
    with translation.override("zh-hans"):
        assert summary[translation.gettext("Overdue tasks")] == 2
        assert summary[translation.gettext("Major risks")] == 1


@pytest.fixture
def two_weeks_of_kpis(company):
    """On-time tasks: 2 of 3 last week and 2 of 3 the week before (a change of 0); risks
    resolved by their deadline: 1 of 2 last week against 1 of 1 (-50%, worse); a case accepted
    last week (a cycle time in working days)."""
    case = registered(
        CaseFactory(initiator=company.sales_staff, stage=Stage.RETROSPECTIVE),
        submitted=moment(-30),
        approved=moment(-29),
    )
    for offset in (0, -7):
        for due, finished in ((2, 1), (2, 2), (0, 3)):  # the last one a day or more late
            done(TaskFactory(request=case, due_on=day(offset + due)), offset + finished)
    for resolved, deadline in ((moment(1), day(2)), (moment(3), day(2)), (moment(-6), day(-5))):
        risk = RiskFactory(request=case, state=Risk.State.RESOLVED, deadline=deadline)
        Risk.objects.filter(pk=risk.pk).update(resolved_at=resolved)
    DeliveryFactory(request=case, decided_at=moment(4))
    return case


def last_week_against_the_one_before(client):
    """The KPI section for last week, compared with the week before it."""
    before = LAST_WEEK.shifted(-1)
    return client.get(
        reverse("insights:kpis"),
        {
            "week": LAST_WEEK.value,
            "period_start": LAST_WEEK.monday,
            "period_end": SUNDAY,
            "baseline_start": before.monday,
            "baseline_end": before.sunday,
        },
        HTTP_HX_REQUEST="true",
    )


def test_the_kpis_show_the_manuals_targets_set_from_the_baseline(company, two_weeks_of_kpis, login):
    faster = registered(  # accepted the week before, 10 working days after its submission
        CaseFactory(initiator=company.sales_staff, stage=Stage.RETROSPECTIVE),
        submitted=moment(-21),
        approved=moment(-20),
    )
    DeliveryFactory(request=faster, decided_at=moment(-7))
    response = last_week_against_the_one_before(login(company.sales_head))
    rows = {row.key: row for row in response.context["kpis"]}

    cycle = rows["cycle_time"]
    assert cycle.target.value == pytest.approx(cycle.comparison.baseline.value * 0.7)
    assert not cycle.target.at_least and cycle.target_met is False
    assert rows["responsibility_coverage"].target.value == 100.0
    assert rows["on_time_task_rate"].target is None  # the manual promises nothing about it
    assert rows["first_pass_review_rate"].target is None  # nothing reviewed the week before
    targets = response.context["kpi_charts"]["targets"]
    assert targets["cycle_time"] == cycle.target.value and targets["on_time_task_rate"] is None
    body = response.content.decode()
    cell = re.search(
        r'<tr data-kpi="cycle_time">.*?data-testid="kpi-target"[^>]*>(.*?)</td>', body, re.S
    )
    assert "≤" in cell.group(1) and "缩短30%" in cell.group(1)


def _kpi_sheet_rows(workbook) -> dict[str, tuple]:
    """The KPI sheet's cells by their KPI's label (the portal's language)."""
    sheet = workbook.worksheets[-1]
    return {row[0].value: row for row in sheet.iter_rows(min_row=2)}


def test_the_excel_writes_kpis_as_numbers_with_their_format_and_unit(
    company, two_weeks_of_kpis, login
):
    from openpyxl import load_workbook

    xlsx = login(company.sales_head).get(reverse("insights:weekly_xlsx"), {"week": LAST_WEEK.value})
    book = load_workbook(io.BytesIO(xlsx.content))
    header = [cell.value for cell in book.worksheets[-1][1]]
    rows = _kpi_sheet_rows(book)

    with translation.override("zh-hans"):
        gettext = translation.gettext
        on_time = rows[gettext("On-time task rate")]
        cycle = rows[gettext("End-to-end cycle time")]
        risks = rows[gettext("Risks resolved by their deadline")]
        assert gettext("Unit") in header
        unit = header.index(gettext("Unit"))
        assert on_time[unit].value == "%" and cycle[unit].value == gettext("working days")
    this_week, before, change = (
        header.index(name)
        for name in (
            translation.gettext("This week"),
            translation.gettext("Previous week"),
            translation.gettext("Change against the previous week"),
        )
    )
    # A rate is a fraction shown as a percentage with one decimal, not 66.66666666666667.
    assert type(on_time[this_week].value) is float
    assert on_time[this_week].value == pytest.approx(2 / 3)
    assert on_time[this_week].number_format == "0.0%"
    assert on_time[before].value == pytest.approx(2 / 3)
    # A duration is days with one decimal.
    assert isinstance(cycle[this_week].value, int | float) and cycle[this_week].value > 0
    assert cycle[this_week].number_format == "0.0"
    assert cycle[change].value is None  # nothing to compare with the week before
    # A change of 0 is shown as 0% in no colour; a change for the worse in red.
    assert on_time[change].value == 0
    assert on_time[change].number_format == "+0%;-0%;0%"
    assert on_time[change].font.color.type == "theme"  # the sheet's text colour
    assert risks[change].value == pytest.approx(-0.5)
    assert risks[change].font.color.rgb.endswith("D63939")


def test_a_kpi_change_that_rounds_to_zero_is_neither_red_nor_green(
    company, two_weeks_of_kpis, login
):
    response = last_week_against_the_one_before(login(company.sales_head))
    body = response.content.decode()

    def change_cell(key: str) -> str:
        row = re.search(rf'<tr data-kpi="{key}">(.*?)</tr>', body, re.S).group(1)
        return re.search(r'data-testid="kpi-change"[^>]*>.*?</td>', row, re.S).group(0)

    unchanged = change_cell("on_time_task_rate")
    assert ">0%<" in unchanged
    assert "text-red" not in unchanged and "text-green" not in unchanged
    worse = change_cell("risks_resolved_on_time_rate")
    assert "-50%" in worse and "text-red" in worse


def test_figures_kept_in_one_language_are_not_shown_in_the_other(company, week, login):
    client = login(company.sales_head)
    page(client)  # counted and kept in Chinese, the portal's language
    client.get(reverse("insights:kpis"), {"week": LAST_WEEK.value}, HTTP_HX_REQUEST="true")

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    board = page(client).context["board"]
    kpis = client.get(reverse("insights:kpis"), {"week": LAST_WEEK.value}, HTTP_HX_REQUEST="true")

    stages = [label for _stage, label, _count in board.summary.cases_by_stage]
    assert stages[0] == "Pending review" and "Executing" in stages
    assert [str(row.impact) for row in page(client).context["matrix"]] == ["High", "Medium", "Low"]
    assert kpis.context["kpis"][0].label == "Registration to approval"


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2026-W99", "W12", "<script>", "2020-W00", "9999-W01"])
def test_a_bad_week_is_said_and_this_week_shown(company, week, login, value):
    response = page(login(company.sales_head), week=value)

    assert response.status_code == 200
    assert response.context["board"].week == this_week()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


@pytest.mark.parametrize(
    "dates",
    [
        {"period_start": "2026-13-01"},
        {"period_start": "2025-06-01", "period_end": "2025-01-01"},
        {"baseline_start": "1900-01-01", "baseline_end": "1900-02-01"},
    ],
)
def test_bad_comparison_dates_are_said_and_the_default_periods_shown(company, week, login, dates):
    client = login(company.sales_head)
    response = client.get(reverse("insights:kpis"), {"week": LAST_WEEK.value, **dates})

    assert response.status_code == 200
    assert len(response.context["problems"]) == 1
    assert 'data-testid="kpi-problem"' in response.content.decode()
    assert response.context["period"][1] == timezone.localdate()


def test_the_kpis_load_into_the_dashboard_with_its_question(company, week, login):
    client = login(company.sales_head)
    dashboard = page(client, period_start="2025-01-01")
    url = dashboard.context["kpis_url"]
    assert "period_start=2025-01-01" in url and f"week={LAST_WEEK.value}" in url

    fragment = client.get(url, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body and 'data-testid="kpis"' in body
    assert [row.key for row in fragment.context["kpis"]] == [
        "review_lead_time",
        "first_pass_review_rate",
        "plan_sign_off_time",
        "on_time_task_rate",
        "responsibility_coverage",
        "risks_resolved_on_time_rate",
        "first_pass_acceptance_rate",
        "cycle_time",
        "customer_satisfaction",
    ]
    on_time = next(row for row in fragment.context["kpis"] if row.key == "on_time_task_rate")
    assert on_time.this_week.sample_size == 1  # 本周完成, done on time; 晚了才完成 was done later
    assert fragment.context["period"][0] == datetime.date(2025, 1, 1)
    page_of_its_own = client.get(url)
    assert "<html" in page_of_its_own.content.decode()
    assert client.get(reverse("insights:kpis"), {"department": company.tech.pk}).status_code == 404


def _headings(body: str) -> list[str]:
    return re.findall(r"<th>([^<]*)</th>", body)


def test_the_risk_and_delivery_lists_head_their_state_column_as_a_state(company, week, login):
    client = login(company.sales_head)
    links = page(client).context["links"]

    for link in (links["open_risks"], links["deliveries_waiting"]):
        headings = _headings(client.get(link.replace("&amp;", "&")).content.decode())
        assert "状态" in headings and "发布状态" not in headings, headings


@pytest.mark.parametrize(
    "kind, params",
    [
        ("tasks", {"status": "bogus"}),
        ("tasks", {"status": "overdue", "owner": "x"}),
        ("tasks", {"status": "overdue", "part": "123456"}),
        ("risks", {"impact": "huge", "likelihood": "high"}),
        ("cases", {"stage": "draft"}),
        ("deliveries", {"state": "lost"}),
        ("people", {}),
    ],
)
def test_a_tampered_list_address_answers_404(company, week, login, kind, params):
    response = login(company.sales_head).get(reverse("insights:drill", args=[kind]), params)
    assert response.status_code == 404


# --- queries ---------------------------------------------------------------------------------


def _more_of_everything(company, copies: int) -> None:
    for n in range(copies):
        case = CaseFactory(
            initiator=company.sales_staff, coordinator=company.sales_head, stage=Stage.EXECUTING
        )
        task = TaskFactory(
            request=case,
            owner=company.sales_staff,
            due_on=day(n % 5),
            start_on=day(-3),
            started_at=moment(-3),
            status=Task.Status.IN_PROGRESS,
        )
        done(TaskFactory(request=case, owner=company.sales_head, due_on=day(3)), 2)
        RiskFactory(
            request=case, impact=Level.MEDIUM, likelihood=Level.LOW, task=task, deadline=day(6)
        )
        escalated = RiskFactory(request=case, escalated_to=company.leader, deadline=day(6))
        Risk.objects.filter(pk=escalated.pk).update(
            state=Risk.State.ESCALATED, escalated_at=moment(1)
        )
        published(case, LAST_WEEK, WeeklySummary.Rag.AMBER, f"第{n}周说明")


def _queries(client, **params) -> int:
    cache.clear()  # the figures are kept a minute: count what counting them costs
    with CaptureQueriesContext(connection) as queries:
        response = page(client, **params)
    assert response.status_code == 200
    return len(queries)


def test_the_dashboard_runs_the_same_queries_with_ten_times_more_data(company, week, login):
    client = login(company.leader)
    _more_of_everything(company, 3)
    page(client)  # the content types and the session are read once per process or visit
    few = [_queries(client, department=value) for value in (company.division.pk, company.sales.pk)]
    _more_of_everything(company, 30)
    many = [_queries(client, department=value) for value in (company.division.pk, company.sales.pk)]

    assert few == many
    drill = page(client).context["links"]["tasks_overdue"].replace("&amp;", "&")
    with CaptureQueriesContext(connection) as before:
        client.get(drill)
    _more_of_everything(company, 30)
    with CaptureQueriesContext(connection) as after:
        client.get(drill)
    assert len(before) == len(after)


# --- attribution -----------------------------------------------------------------------------


def test_a_case_a_department_receives_counts_for_its_division_in_the_tiles_and_the_kpis(
    company, login
):
    """研发中心's 技术部 receives a case of 销售部 (another division) accepted this week: the
    验收 tiles and the KPIs of the same page both count it for 研发中心 and for 技术部."""
    rnd = DepartmentFactory(code="RND", name="研发中心", kind="division", parent=company.company)
    rnd_tech = DepartmentFactory(code="RND-TECH", name="技术部", parent=rnd)
    now = timezone.now()
    case = registered(
        CaseFactory(initiator=company.sales_staff, stage=Stage.RETROSPECTIVE),
        submitted=now - datetime.timedelta(days=40),
        approved=now - datetime.timedelta(days=39),
    )
    Receiver.objects.create(request=case, kind=Receiver.Kind.INTERNAL, department=rnd_tech)
    DeliveryFactory(request=case, decided_at=now)
    resolved = RiskFactory(request=case, state=Risk.State.RESOLVED, deadline=timezone.localdate())
    Risk.objects.filter(pk=resolved.pk).update(resolved_at=now)
    reviewed = CaseFactory(initiator=company.sales_staff, stage=Stage.SYNCING)
    Receiver.objects.create(request=reviewed, kind=Receiver.Kind.INTERNAL, department=rnd_tech)
    ReviewFactory(request=reviewed, decided_at=now)
    client = login(company.admin)

    for department in (rnd, rnd_tech):
        params = {"department": department.pk, "week": this_week().value}
        board = client.get(reverse("insights:weekly"), params).context["board"]
        kpis = client.get(reverse("insights:kpis"), params, HTTP_HX_REQUEST="true")
        this_week_of = {row.key: row.this_week for row in kpis.context["kpis"]}

        assert board.acceptance.accepted == 1, department.name
        assert board.summary.reviews_decided == 1, department.name
        assert this_week_of["first_pass_acceptance_rate"].value == 100.0, department.name
        assert this_week_of["first_pass_acceptance_rate"].sample_size == 1
        assert this_week_of["cycle_time"].sample_size == 1
        assert this_week_of["risks_resolved_on_time_rate"].value == 100.0
    # The initiating side keeps counting it too.
    sales = client.get(
        reverse("insights:kpis"),
        {"department": company.sales.pk, "week": this_week().value},
        HTTP_HX_REQUEST="true",
    )
    assert {row.key: row.this_week for row in sales.context["kpis"]}["cycle_time"].sample_size == 1
