"""In Chromium, with the demo data: a department head opens the dashboard, looks at last week,
comes back to this week, clicks the overdue bar of the workload chart into the list behind it
and urges an owner; the process KPIs load into the page; a leader in charge sees only the
departments they lead."""

from pathlib import Path

import pytest

from collab_portal.activity.models import Activity
from collab_portal.org.models import Department, User
from insights_app.kpis import KPI_KEYS
from tests.browser.steps import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "dashboard"


def figure(page, name: str) -> int:
    return int(page.inner_text(f"[data-figure={name}]"))


def test_a_head_reads_the_week_and_urges_an_overdue_owner(live_server, page, demo):
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    sign_in(page, base, "wufang")
    page.click("a.nav-link:has-text('看板')")
    page.wait_for_selector("[data-chart=workload] svg")
    overdue = figure(page, "tasks_overdue")
    assert overdue > 0
    page.wait_for_selector("[data-testid=kpis] [data-kpi=on_time_task_rate]")  # loaded by htmx
    sparklines = "[data-testid=kpis] [data-sparkline] svg"
    page.wait_for_function(  # one per KPI, drawn once the panel has loaded
        f"document.querySelectorAll('{sparklines}').length === {len(KPI_KEYS)}"
    )
    assert page.locator(sparklines).count() == len(KPI_KEYS) == 9
    page.screenshot(path=str(SHOTS / "01-this-week.png"), full_page=True)

    # On paper: the title says whose week it is; the buttons and the form stay off it.
    page.emulate_media(media="print")
    title = page.locator(".page-title")
    assert title.is_visible() and "市场部" in title.inner_text()
    assert page.locator(".page-pretitle").is_visible()
    assert not page.get_by_test_id("export-pdf").is_visible()
    assert not page.get_by_test_id("dashboard-filters").is_visible()
    page.screenshot(path=str(SHOTS / "01-printed.png"), full_page=True)
    page.emulate_media(media="screen")

    page.click("[data-testid=previous-week]")
    page.wait_for_selector("[data-chart=stages] svg")
    assert "week=" in page.url
    page.screenshot(path=str(SHOTS / "02-last-week.png"), full_page=True)
    page.go_back()
    page.wait_for_selector("[data-chart=workload] svg")

    # The red (overdue) part of the first person's bar opens their overdue tasks.
    page.locator('[data-chart=workload] path[fill="#d63939"]').first.click()
    page.wait_for_url("**/dashboard/list/tasks/**")
    assert "status=overdue" in page.url
    listed = int(page.inner_text("[data-testid=drill-total]"))
    assert 0 < listed <= overdue
    page.screenshot(path=str(SHOTS / "03-overdue-list.png"), full_page=True)

    button = page.locator("[data-testid^=urge-]").first
    task_pk = int(button.get_attribute("data-testid").removeprefix("urge-"))
    button.click()
    page.wait_for_selector(".alert-success, .alert")
    assert Activity.objects.filter(
        verb="task_urge", actor__username="wufang", target_id=str(task_pk)
    ).exists()
    assert "status=overdue" in page.url  # back on the list
    page.screenshot(path=str(SHOTS / "04-urged.png"), full_page=True)
    assert errors == []


def test_a_leader_in_charge_chooses_among_the_departments_they_lead(live_server, page, demo):
    base = live_server.url
    leader = User.objects.get(username="sunwei")
    led = Department.objects.filter(leader_in_charge=leader)

    sign_in(page, base, "sunwei")
    page.goto(f"{base}/dashboard/")
    options = page.locator("#id_department option").all_inner_texts()
    assert {name.strip() for name in options} >= {department.name for department in led}
    other = (
        Department.objects.exclude(pk__in=led)
        .exclude(parent__in=led)
        .filter(parent__isnull=False)
        .first()
    )
    response = page.goto(f"{base}/dashboard/?department={other.pk}")
    assert response.status == 404


def test_a_head_sees_their_cases_status_the_instructions_waiting_and_the_kpi_targets(
    live_server, page, demo
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    sign_in(page, base, "wufang")
    page.goto(f"{base}/dashboard/")
    rows = page.locator("[data-testid=case-status-row]")
    assert rows.count() > 0
    rags = rows.evaluate_all("rows => rows.map(row => row.dataset.rag)")
    order = {"red": 0, "amber": 1, "green": 2, "none": 3}
    assert rags == sorted(rags, key=order.get) and set(rags) - {"none"}  # red first
    assert page.get_by_test_id("escalations").is_visible()

    # The manual's 100% ownership as a dashed line on its sparkline, inside the chart; none on
    # a KPI the manual promises nothing about.
    page.wait_for_selector("[data-sparkline=responsibility_coverage] svg")
    target = page.locator('[data-sparkline=responsibility_coverage] svg path[stroke="#f76707"]')
    assert target.count() == 1
    assert target.get_attribute("stroke-dasharray")
    box, chart = (
        target.bounding_box(),
        page.locator("[data-sparkline=responsibility_coverage]").bounding_box(),
    )
    assert chart["y"] <= box["y"] <= chart["y"] + chart["height"]
    assert box["width"] > chart["width"] / 2
    assert (
        page.locator('[data-sparkline=on_time_task_rate] svg path[stroke="#f76707"]').count() == 0
    )
    cell = page.locator("[data-kpi=responsibility_coverage] [data-testid=kpi-target]")
    assert "100.0%" in cell.inner_text()
    page.screenshot(path=str(SHOTS / "05-cases-and-targets.png"), full_page=True)

    # 孙伟 leads 研发中心: the escalation waiting for his 批示 is listed, and opens the risk.
    sign_in(page, base, "sunwei")
    division = Department.objects.get(code="RND")
    page.goto(f"{base}/dashboard/?department={division.pk}")
    waiting = page.locator("[data-testid=escalation-row]", has_text="营销部新增积分规则")
    assert waiting.count() == 1 and "孙伟" in waiting.inner_text()
    page.get_by_test_id("escalations").screenshot(path=str(SHOTS / "06-escalations.png"))
    with page.expect_navigation():
        waiting.click()
    assert "/risks/" in page.url
    assert errors == []
