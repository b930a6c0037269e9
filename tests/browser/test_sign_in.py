"""In Chromium: a demo head signs in, sees the workbench in Chinese, switches to English."""

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_a_head_signs_in_sees_the_workbench_and_switches_language(live_server, page, demo):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(live_server.url + "/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "wufang")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator(".alert-danger").inner_text().startswith("请输入一个正确的")

    page.fill("#id_password", "demo12345")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    # the title ends with the red count of what waits
    assert page.locator("h2.page-title").inner_text().splitlines()[0] == "你好，吴芳"
    profile = page.locator("[data-testid=my-profile]").inner_text()
    assert "市场部" in profile and "部门负责人" in profile
    waiting = page.locator("[data-testid=waiting]").inner_text()
    assert "官网改版技术支持" in waiting and "已等待" in waiting
    page.screenshot(path=str(SCREENSHOTS / "home-zh.png"), full_page=True)

    page.click("a[aria-label='语言']")
    page.click("button[value=en]")
    page.wait_for_load_state()
    assert page.locator("h2.page-title").inner_text().splitlines()[0] == "Hello, 吴芳"
    assert "waited" in page.locator("[data-testid=waiting]").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "home-en.png"), full_page=True)

    page.click("a[aria-label='Account']")
    page.click("text=Sign out")
    page.wait_for_url("**/accounts/login/")
    page.goto(live_server.url + "/notifications/")
    assert "/accounts/login/" in page.url
