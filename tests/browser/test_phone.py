"""In Chromium on a phone (390 × 844): the review, the plan signature and the acceptance are
decided from a sticky bar on the first screen; the case page comes in tabs, the tab of the
current stage open, any tab reachable by its #hash, far shorter than the one long column; the
timeline shows its last steps. At desktop width the bar stays away and the forms decide."""

import pytest
from playwright.sync_api import expect

from acceptance_app.models import Delivery
from cases.models import Case
from collab_portal.signoffs.models import SignOff
from tests.browser.steps import sign_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
BAR = "[data-testid=action-bar]"


def on_the_first_screen(page, selector) -> bool:
    """Wholly inside the viewport without scrolling."""
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def below_the_first_screen(page, selector) -> bool:
    return page.locator(selector).bounding_box()["y"] > PHONE["height"]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def open_as(page, base, user, path, viewport=PHONE):
    page.set_viewport_size(viewport)
    sign_in(page, base, user.username, TEST_PASSWORD)
    page.goto(base + path)


def test_the_head_reviews_from_the_bar_on_the_first_screen(live_server, page, company, pending):
    open_as(page, live_server.url, company.sales_head, pending.get_absolute_url())

    assert on_the_first_screen(page, BAR)
    assert below_the_first_screen(page, "[data-testid=approve]")  # the form's own button
    assert no_sideways_scroll(page)
    page.click(f"{BAR} [data-testid=action-bar-to-form]")  # 退回修改: to the form's reason
    expect(page.locator("#review-form")).to_be_in_viewport()
    for box in ("goal_quantifiable", "receiver_clear", "deadline_reasonable"):
        page.check(f"#id_{box}")
    page.evaluate("window.scrollTo(0, 0)")
    with page.expect_navigation():
        page.click(f"{BAR} [data-testid=action-bar-submit]")

    pending.refresh_from_db()
    assert pending.stage == Case.Stage.SYNCING
    assert SignOff.objects.filter(signer=company.sales_head, meaning="approved").count() == 1
    assert page.locator(BAR).count() == 0  # nothing left to decide


def test_a_head_signs_the_plan_from_the_bar(live_server, page, company, proposed):
    open_as(page, live_server.url, company.tech_head, proposed.request.get_absolute_url())

    expect(page.locator("[data-testid=case-pane-process]")).to_be_visible()  # the stage's tab
    assert on_the_first_screen(page, BAR)
    assert below_the_first_screen(page, "[data-testid=sign-plan] button[value=sign]")
    with page.expect_navigation():
        page.click(f"{BAR} [data-testid=action-bar-submit]")

    signed = SignOff.objects.get(signer=company.tech_head)
    assert signed.meaning == "confirmed" and signed.target_id == str(proposed.pk)


def test_the_initiator_signs_the_acceptance_from_the_bar(live_server, page, company, submitted):
    code = submitted.request.code
    open_as(page, live_server.url, company.sales_staff, f"/requests/{code}/delivery/v1/")

    assert on_the_first_screen(page, BAR)
    assert below_the_first_screen(page, "[data-testid=decide-acceptance]")
    for item in submitted.items.all():
        page.check(f"[data-testid=verdict-{item.pk}] input[value=pass]")
    with page.expect_navigation():
        page.click(f"{BAR} [data-testid=action-bar-submit]")

    submitted.refresh_from_db()
    assert submitted.state == Delivery.State.ACCEPTED


def test_the_case_page_comes_in_tabs_far_shorter_than_one_column(live_server, page, demo):
    case = Case.objects.filter(stage="archived").order_by("-code").first()
    base, path = live_server.url, case.get_absolute_url()
    page.set_viewport_size(PHONE)
    sign_in(page, base, case.initiator.username)
    page.goto(base + path)

    # The archived case opens on 交付; every pane shown at once is the old single column.
    expect(page.locator("[data-testid=case-pane-delivery]")).to_be_visible()
    expect(page.locator("[data-testid=case-pane-process]")).to_be_hidden()
    tabbed = page.evaluate("document.documentElement.scrollHeight")
    one_column = page.evaluate(
        """() => {
            const panes = [...document.querySelectorAll('.tab-pane')];
            panes.forEach(pane => { pane.style.display = 'block'; });
            const height = document.documentElement.scrollHeight;
            panes.forEach(pane => { pane.style.display = ''; });
            return height;
        }"""
    )
    assert tabbed * 3 < one_column, (tabbed, one_column)
    assert no_sideways_scroll(page)

    # Tabs switch, and their #hash opens them again.
    page.click("[data-testid=case-tab-process]")
    expect(page.locator("[data-testid=plan]")).to_be_visible()
    expect(page.locator("[data-testid=case-pane-delivery]")).to_be_hidden()
    assert page.url == f"{base}{path}#tab-process"
    page.reload()
    expect(page.locator("[data-testid=plan]")).to_be_visible()
    page.goto(f"{base}{path}#tab-risks")
    expect(page.locator("[data-testid=case-pane-risks] [data-testid=case-links]")).to_be_visible()
    page.goto(f"{base}/")
    page.goto(f"{base}{path}#plan-v1")  # an element inside a tab opens that tab
    expect(page.locator("#plan-v1")).to_be_in_viewport()

    # 讨论: the last five steps, the earlier ones on request.
    page.click("[data-testid=case-tab-discussion]")
    events = page.locator("[data-testid=timeline-event]")
    expect(events.filter(visible=True)).to_have_count(5)
    earlier = events.count() - 5
    assert earlier > 0
    summary = page.locator("[data-testid=timeline-earlier] summary")
    expect(summary).to_have_text(f"显示更早的 {earlier} 步")
    summary.click()
    expect(events.filter(visible=True)).to_have_count(earlier + 5)


def test_at_desktop_width_the_bar_stays_away_and_the_form_decides(
    live_server, page, company, pending
):
    open_as(page, live_server.url, company.sales_head, pending.get_absolute_url(), DESKTOP)

    expect(page.locator(BAR)).to_be_hidden()
    expect(page.locator("[data-testid=review-panel]")).to_be_visible()
    expect(page.locator("[data-testid=reviewer]")).to_have_text(company.sales_head.display_name)
    for box in ("goal_quantifiable", "receiver_clear", "deadline_reasonable"):
        page.check(f"#id_{box}")
    with page.expect_navigation():
        page.click("[data-testid=approve]")

    pending.refresh_from_db()
    assert pending.stage == Case.Stage.SYNCING
