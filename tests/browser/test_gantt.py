"""In Chromium: the Gantt view of an executing case draws one bar per dated task, marks the key
and overdue tasks, shows today's line, switches Day/Week/Month, and shows a task name that looks
like HTML as text. The tracking table next to it. Screenshots go to var/screenshots/tasks/."""

from pathlib import Path

import pytest
from django.urls import reverse

from tasks_app.models import Task
from tests.factories import TEST_PASSWORD
from tests.fixtures.tracking import day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "tasks"
HOSTILE_NAME = '<img src=x onerror="window.__injected=1">访谈'


def _sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_the_gantt_chart_draws_the_wbs_with_key_overdue_and_today(
    company, tracking_case, live_server, page
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    Task.objects.filter(name="客户访谈").update(name=HOSTILE_NAME)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    _sign_in(page, live_server.url, company.sales_staff.username)

    page.goto(live_server.url + reverse("tasks_app:gantt", args=[tracking_case.code]))
    page.wait_for_selector("#gantt[data-rendered]")
    bars = page.locator("#gantt svg .bar-wrapper")
    assert bars.count() == 6
    # 1 需求调研 and 2 方案反馈 are flagged; 1.1–1.3 are key as subtasks of a key task.
    assert page.locator("#gantt svg .bar-wrapper.gantt-key").count() == 5
    assert page.locator("#gantt svg .bar-wrapper.gantt-overdue").count() == 1
    assert page.locator("#gantt svg .bar-wrapper.gantt-done").count() == 1
    assert page.locator("#gantt .current-highlight").count() == 1  # today's line
    labels = page.eval_on_selector_all(
        "#gantt svg .bar-label", "labels => labels.map(label => label.textContent)"
    )
    assert "★ 1.3 访谈纪要整理" in labels and "★ 1 需求调研" in labels
    assert "3 需求评审" in labels  # not key
    assert f"★ 1.2 {HOSTILE_NAME}" in labels  # shown as text, not parsed as HTML
    assert page.evaluate("window.__injected") is None
    page.wait_for_timeout(800)  # frappe-gantt grows the bars for 0.4 s (SVG animation)
    page.screenshot(path=str(SHOTS / "gantt-week.png"), full_page=True)

    page.locator("#gantt svg .bar-wrapper.gantt-overdue .bar-group").click()
    popup = page.locator("#gantt .popup-wrapper")
    popup.wait_for(state="visible")
    assert "张三" in popup.inner_text() and "逾期" in popup.inner_text()

    for mode in ("Month", "Day"):
        page.click(f"button[data-view-mode={mode}]")
        assert page.locator(f"button[data-view-mode={mode}]").get_attribute("aria-pressed") == (
            "true"
        )
        assert page.locator("#gantt svg .bar-wrapper").count() == 6
        assert page.locator("#gantt svg .bar-wrapper.gantt-key").count() == 5
        assert page.locator("#gantt .current-highlight").count() == 1
    page.click("[data-gantt-today]")
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / "gantt-day.png"), full_page=True)
    assert errors == []


def test_a_delayed_task_shows_its_new_date_as_an_extension_of_its_bar(
    company, tracking_case, live_server, page
):
    """Issue 18, point 21: 需求评审 is due on day 8 and delayed to day 9."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    review = Task.objects.get(name="需求评审")
    new_date = day(9).isoformat()
    _sign_in(page, live_server.url, company.tech_staff.username)
    page.goto(live_server.url + reverse("tasks_app:gantt", args=[tracking_case.code]))
    page.wait_for_selector("#gantt[data-rendered]")
    for mode in ("Day", "Week", "Month"):
        page.click(f"button[data-view-mode={mode}]")
        delayed = page.locator(f"#gantt svg .bar-wrapper[data-id='{review.pk}']")
        assert "gantt-delayed" in delayed.get_attribute("class")
        extensions = page.locator("#gantt svg .bar-delay")
        assert extensions.count() == 1, mode  # the delayed task's alone
        assert extensions.get_attribute("data-delayed-to") == new_date
        bar = delayed.locator(".bar").first
        end = float(bar.get_attribute("x")) + float(bar.get_attribute("width"))
        extension = delayed.locator(".bar-extension")
        assert float(extension.get_attribute("x")) == pytest.approx(end)
        days = 8 - 2 + 1  # the bar: day 2 to day 8
        width = float(bar.get_attribute("width"))
        assert float(extension.get_attribute("width")) == pytest.approx(width / days, rel=0.01)
        assert delayed.locator(".bar-delay-label").text_content() == f"→ {new_date}"
    page.click("button[data-view-mode=Day]")
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / "gantt-delay.png"), full_page=True)
    page.locator(f"#gantt svg .bar-wrapper[data-id='{review.pk}'] .bar-group").click()
    popup = page.locator("#gantt .popup-wrapper")
    popup.wait_for(state="visible")
    assert f"新的预计完成日期: {new_date}" in popup.inner_text()


def test_the_tracking_table_in_the_browser(company, tracking_case, live_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    _sign_in(page, live_server.url, company.tech_staff.username)
    page.goto(live_server.url + reverse("tasks_app:tracking", args=[tracking_case.code]))
    rows = page.locator("[data-testid=tracking-table] tbody tr")
    assert rows.count() == 6
    page.screenshot(path=str(SHOTS / "tracking.png"), full_page=True)
    page.check("#id_overdue")
    page.click("[data-testid=filters] button[type=submit]")
    page.wait_for_url("**overdue=on**")
    assert rows.count() == 1 and "客户访谈" in rows.first.inner_text()
    with page.expect_download() as download:
        page.click("[data-testid=xlsx-link]")
    assert download.value.suggested_filename.endswith(f"-{tracking_case.code}.xlsx")
