"""In Chromium (issue 18, point 5): the WBS editor's 发布 button follows the publishing gate at
every side-panel edit, without a reload. Fixing the last gap enables it; opening a gap again
disables it, and the list of what is missing says what."""

from pathlib import Path

import pytest

from tasks_app.models import Task
from tests.browser.steps import sign_in
from tests.factories import TEST_PASSWORD
from tests.fixtures import wbs_cases
from tests.fixtures.wbs_cases import build_wbs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "tasks"
breakdown = wbs_cases.breakdown

PUBLISH = "[data-testid=publish]"
MISSING = "[data-testid=publish-missing]"


def _edit(page, code):
    page.click(f"[data-code='{code}'] [data-testid=edit-task]")
    page.wait_for_selector("#task-panel [data-testid=task-form]")


def _save(page):
    page.click("#task-panel [data-testid=save-task]")
    page.wait_for_selector("#task-panel [data-testid=task-form]", state="detached")


def test_the_publish_button_follows_the_gate_at_every_edit(company, breakdown, live_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    build_wbs(company, breakdown)
    Task.objects.filter(request=breakdown, name="方案反馈").update(lead_department=None)
    sign_in(page, live_server.url, company.tech_staff.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/requests/{breakdown.code}/wbs/")
    assert page.is_disabled(PUBLISH)
    assert "2 方案反馈" in page.locator(MISSING).inner_text()

    # The last gap is fixed in the side panel: the button is enabled at once.
    _edit(page, "2")
    page.select_option("#task-panel #id_lead_department", label="技术部")
    _save(page)
    assert page.locator(MISSING).count() == 0
    page.wait_for_selector(f"{PUBLISH}:enabled")
    page.screenshot(path=str(SHOTS / "wbs-publish-enabled.png"), full_page=True)

    # A gap opens again (the owner taken off a task): disabled again, and listed.
    _edit(page, "1.2.1")
    page.select_option("#task-panel #id_owner", value="")
    _save(page)
    page.wait_for_selector(f"{PUBLISH}:disabled")
    assert "1.2.1 访谈执行" in page.locator(MISSING).inner_text()

    # A new task without anything assigned keeps it disabled; deleting it enables it again.
    _edit(page, "1.2.1")
    page.select_option("#task-panel #id_owner", label="王五 · 技术部")
    _save(page)
    page.wait_for_selector(f"{PUBLISH}:enabled")
    page.click("[data-testid=add-top]")
    page.wait_for_selector("#task-panel [data-testid=task-form]")
    page.fill("#task-panel #id_name", "补充任务")
    _save(page)
    page.wait_for_selector(f"{PUBLISH}:disabled")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-code='3'] form[hx-post$='/delete/'] button")
    page.wait_for_selector("[data-code='3']", state="detached")
    page.wait_for_selector(f"{PUBLISH}:enabled")
