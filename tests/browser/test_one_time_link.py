"""In Chromium (issue 18, point 18): the initiator creates the customer's plan link; the page
shows it once with a copy button that puts exactly the link on the clipboard, a QR code drawn
on the server that encodes exactly the link (checked by encoding the URL again with segno: the
modules drawn are the same), and "send by e-mail to the contact", which sends once and says so
in place. The case page then lists the link as unused; the initiator revokes it and the
customer opening it is told it was revoked."""

from pathlib import Path

import pytest
from django.core import mail

from collab_portal.signoffs.models import ExternalLink
from tests.browser.steps import link_states, qr_modules, sign_in, submit
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "links"


def test_a_link_is_copied_scanned_e_mailed_listed_and_revoked(
    browser, live_server, company, external_planning
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": 1280, "height": 860},
        locale="zh-CN",
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    base, code = live_server.url, external_planning.code
    contact = external_planning.receivers.get(kind="external").contact

    # 1. Shown once: the link, its QR code, copy and e-mail.
    sign_in(page, base, company.sales_staff.username, TEST_PASSWORD)
    page.goto(f"{base}/requests/{code}/")
    submit(page, "[data-testid=create-link]")
    url = page.input_value("[data-testid=link-url]")
    assert url.startswith(f"{base}/x/plan/")
    qr = page.locator("[data-testid=link-qr] svg")
    box = qr.bounding_box()
    assert box["width"] == box["height"] and box["width"] >= 120  # square, scannable
    assert qr.locator("path").get_attribute("d") == qr_modules(url)
    page.screenshot(path=str(SHOTS / "01-new-link.png"))

    page.click("[data-testid=copy-link]")
    page.wait_for_selector("[data-testid=copy-link].btn-success")
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert page.inner_text("[data-testid=copy-link]").strip() == "已复制"

    page.click("[data-testid=email-link]")
    result = page.wait_for_selector("[data-testid=email-result]")
    assert contact.email in result.inner_text()
    assert page.input_value("[data-testid=link-url]") == url  # still on the page, in place
    assert page.locator("[data-testid=email-link]").count() == 0
    (message,) = mail.outbox
    assert message.to == [contact.email] and url in message.body
    page.screenshot(path=str(SHOTS / "02-e-mailed.png"))

    # 2. The case page lists it unused, e-mailed; the initiator revokes it.
    page.goto(f"{base}/requests/{code}/")
    assert link_states(page) == [("方案确认 v1", "未使用")]
    assert f"通过邮件发送至 {contact.email}" in page.inner_text("[data-testid=one-time-link]")
    submit(page, "[data-testid=revoke-link]")
    assert link_states(page) == [("方案确认 v1", "已撤销")]
    assert page.locator("[data-testid=revoke-link]").count() == 0
    assert ExternalLink.objects.get().revoked_by == company.sales_staff
    page.screenshot(path=str(SHOTS / "03-revoked.png"))

    # 3. The customer opening it is told it was revoked.
    customer = browser.new_context(locale="zh-CN").new_page()
    response = customer.goto(url)
    assert response.status == 410
    assert customer.inner_text("[data-testid=link-message]") == "此链接已被发送人撤销。"
    customer.context.close()
    context.close()
    assert violations == []
