"""In Chromium: an irreversible step asks first. Cancelling the dialog (its button or Escape)
changes nothing; confirming does the step; without JavaScript the form still posts."""

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.browser.steps import sign_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Stage = Case.Stage


def _stage(case) -> str:
    case.refresh_from_db()
    return case.stage


def test_withdrawing_asks_first_and_only_confirming_withdraws(live_server, page, company, pending):
    sign_in(page, live_server.url, company.sales_staff.username, TEST_PASSWORD)
    page.goto(live_server.url + pending.get_absolute_url())
    dialog = page.locator("[data-testid=confirm-dialog]")

    page.click("[data-testid=withdraw]")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#confirm-dialog-title")).to_have_text("撤回这个需求？")
    expect(dialog.locator("[data-testid=confirm-yes]")).to_have_text("撤回")
    expect(dialog.locator("[data-testid=confirm-no]")).to_be_focused()  # the safe choice
    page.click("[data-testid=confirm-no]")
    expect(dialog).to_be_hidden()
    assert _stage(pending) == Stage.PENDING_REVIEW

    page.click("[data-testid=withdraw]")
    expect(dialog.locator("[data-testid=confirm-no]")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert _stage(pending) == Stage.PENDING_REVIEW
    assert page.url == live_server.url + pending.get_absolute_url()

    page.click("[data-testid=withdraw]")
    with page.expect_navigation():
        page.click("[data-testid=confirm-yes]")
    assert _stage(pending) == Stage.DRAFT
    expect(page.locator(".alert-success")).to_contain_text("已撤回")


def test_publishing_the_task_breakdown_asks_first(live_server, page, company, breakdown, add_task):
    add_task(breakdown, "问卷设计")
    sign_in(page, live_server.url, company.tech_staff.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/requests/{breakdown.code}/wbs/")
    dialog = page.locator("[data-testid=confirm-dialog]")

    page.click("[data-testid=publish]")
    expect(dialog.locator("#confirm-dialog-title")).to_have_text("发布任务分解？")
    page.click("[data-testid=confirm-no]")
    expect(dialog).to_be_hidden()
    assert _stage(breakdown) == Stage.BREAKDOWN

    page.click("[data-testid=publish]")
    with page.expect_navigation():
        page.click("[data-testid=confirm-yes]")
    assert _stage(breakdown) == Stage.EXECUTING
    assert page.url.endswith(f"/requests/{breakdown.code}/tracking/")


def test_without_javascript_the_step_posts_at_once(live_server, browser, company, pending):
    context = browser.new_context(
        viewport={"width": 1280, "height": 860}, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    try:
        sign_in(page, live_server.url, company.sales_staff.username, TEST_PASSWORD)
        page.goto(live_server.url + pending.get_absolute_url())
        with page.expect_navigation():
            page.click("[data-testid=withdraw]")
        assert _stage(pending) == Stage.DRAFT
    finally:
        context.close()
