"""In Chromium: the initiator urges a pending review from the inbox's row (htmx) and stays on the
inbox, which shows the answer; a second urge is refused with the reason."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from cases.models import Case
from collab_portal.activity.models import Activity
from tests.browser.steps import sign_in
from tests.factories import TEST_PASSWORD
from tests.fixtures.inbox_cases import executing_case, pending_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "inbox"


def test_urging_from_the_inbox_keeps_the_inbox_and_shows_the_answer(
    live_server,
    page,
    company,
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    case = pending_case(company, "浏览器里的待审需求")
    base = live_server.url
    sign_in(page, base, company.sales_staff.username, TEST_PASSWORD)

    page.click("[data-testid=tab-initiated]")
    page.wait_for_url(f"{base}/?tab=initiated")
    # the page builds its own tab and the waiting tab; the other counts arrive just after
    page.locator("[data-testid=tab-count-involved]").wait_for()
    assert page.locator("[data-testid=tab-count-initiated]").inner_text() == "1"
    assert page.locator("[data-testid=tab-count-drafts]").inner_text() == "0"
    row = page.locator(f"[data-testid=inbox-row][data-case='{case.code}']")
    row.locator("[data-testid=urge]").click()
    page.locator("#inbox-messages .alert-success").wait_for()
    assert page.url == f"{base}/?tab=initiated"
    urges = Activity.objects.filter(
        subject_type=ContentType.objects.get_for_model(Case),
        subject_id=str(case.pk),
        verb="urge",
    )
    assert urges.count() == 1
    page.screenshot(path=str(SHOTS / "01-urged.png"), full_page=True)

    row.locator("[data-testid=urge]").click()
    page.locator("#inbox-messages .alert-danger").wait_for()
    assert page.locator("#inbox-messages .alert").count() == 1
    assert urges.count() == 1
    page.screenshot(path=str(SHOTS / "02-refused.png"), full_page=True)


def test_on_a_phone_the_filters_fold_away_until_asked_for(live_server, page, company):
    pending_case(company, "手机上的待审需求")
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, company.sales_staff.username, TEST_PASSWORD)
    page.goto(f"{base}/?tab=initiated")

    filters = page.locator("[data-testid=inbox-filters]")
    toggle = page.get_by_test_id("filters-toggle")
    assert not filters.is_visible()
    row = page.locator("[data-testid=inbox-row]").first
    assert row.is_visible() and row.bounding_box()["y"] < 844  # the rows are on the first screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    table = page.locator("[data-testid=inbox-table]")  # nor do the rows need scrolling sideways
    assert table.evaluate("table => table.parentElement.scrollWidth") <= 390
    toggle.click()
    filters.locator("select[name=kind]").wait_for(state="visible")
    page.screenshot(path=str(SHOTS / "03-phone-filters.png"))

    page.goto(f"{base}/?tab=initiated&stage=pending_review")  # a filter is set: open at once
    assert filters.is_visible() and "已启用" in toggle.inner_text()

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{base}/?tab=initiated")
    assert filters.is_visible() and not toggle.is_visible()


@pytest.mark.parametrize(
    "path",
    ["/requests/all/", "/risks/", "/requests/{code}/tracking/"],
    ids=["requests", "risks", "tracking"],
)
def test_the_other_lists_fold_their_filters_on_a_phone_too(live_server, page, company, path):
    case = executing_case(company, "手机上的执行中需求")
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, company.sales_staff.username, TEST_PASSWORD)
    # in English, whose longer headings are the harder case
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base}])
    page.goto(base + path.format(code=case.code))

    form = page.locator("form.collapse")
    assert not form.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways page scroll
    page.get_by_test_id("filters-toggle").click()
    form.locator("select").first.wait_for(state="visible")
