"""Steps the browser journeys share: signing in through the login form, posting a form (and
confirming it when it asks), reading a PDF, the inbox row waiting for someone, a one-time link's
QR code and state, and the check that an archived case offers nothing to change."""

import io
import re

import segno
from pypdf import PdfReader

DEMO_PASSWORD = "demo12345"  # every login of the demo seed


def sign_in(page, base, username, password=DEMO_PASSWORD):
    """Sign ``username`` in through the login form, in place of whoever was signed in."""
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def submit(page, selector):
    """Click the button that posts a form and wait for the page it leads to (perhaps the
    same URL again). An irreversible step asks first: the dialog's confirming button posts."""
    asks = page.locator(selector).first.evaluate(
        "button => Boolean(button.form && button.form.hasAttribute('data-confirm'))"
    )
    with page.expect_navigation():
        page.click(selector)
        if asks:
            confirm(page)


def confirm(page):
    """Answer the confirm dialog of an irreversible step (tests/browser/test_confirmations.py
    checks the dialog itself)."""
    page.click("#confirm-dialog [data-testid=confirm-yes]")


def pdf_payload(name, body):
    """A file for ``set_input_files`` that claims to be a PDF."""
    return {"name": name, "mimeType": "application/pdf", "buffer": body}


def pdf_text(body: bytes) -> str:
    """The text of every page of a downloaded PDF; refuses what is not one."""
    assert body.startswith(b"%PDF"), body[:40]
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def qr_modules(url: str) -> str:
    """The modules segno draws for ``url`` with the portal's settings (lib/qr_codes.py), as the
    path of its SVG: a page's QR code with this path encodes exactly ``url``."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", xmldecl=False, nl=False, scale=4, border=4
    )
    return re.search(r' d="([^"]+)"', buffer.getvalue().decode()).group(1)


def link_states(page) -> list[tuple[str, str]]:
    """(what the link is for, its state) of each one-time link the case page lists."""
    rows = page.locator("[data-testid=one-time-link]")
    return [
        (row.locator("strong").inner_text(), row.locator("[data-testid=link-state]").inner_text())
        for row in rows.all()
    ]


def waiting_row(page, code, kind=""):
    """The row of the inbox's 待我处理 tab for case ``code`` that waits for ``kind`` (any
    when not given), on the page shown."""
    wanted = f"[data-kinds~='{kind}']" if kind else ""
    return page.locator(
        f"[data-testid=waiting] [data-testid=inbox-row][data-case='{code}']{wanted}"
    )


def open_waiting(page, code, kind):
    """Follow the link of the row waiting for ``kind`` on case ``code``: it must be there."""
    row = waiting_row(page, code, kind)
    assert row.count() == 1, (code, kind, page.url)
    with page.expect_navigation():
        row.locator("a.text-reset").first.click()
    return row


READ_ONLY_DELIVERY = (
    "add-item",
    "edit-item",
    "submit-panel",
    "submit-delivery",
    "withdraw-delivery",
    "go-accept",
    "create-acceptance-link",
    "acceptance-form",
)
READ_ONLY_RETROSPECTIVE = ("save-write-up", "file-retrospective", "file-panel", "rate")


def assert_read_only(journey, versions):
    """Nothing on the archived case's stage 5–6 pages changes it: no form in the page body
    (the navbar's language and sign-out forms are outside it) and none of the action testids.
    ``journey`` offers ``code``, ``go(path)`` and ``count(selector)``."""
    code = journey.code
    for path in (
        f"/requests/{code}/delivery/",
        *(f"/requests/{code}/delivery/v{version}/" for version in versions),
    ):
        journey.go(path)
        assert journey.count("[data-testid=delivery-item]") > 0, path
        for testid in READ_ONLY_DELIVERY:
            assert journey.count(f"[data-testid={testid}]") == 0, (path, testid)
        assert journey.count(".page-body form") == 0, path
    journey.go(f"/requests/{code}/retrospective/")
    assert journey.count("[data-testid=filed-badge]") == 1
    for testid in READ_ONLY_RETROSPECTIVE:
        assert journey.count(f"[data-testid={testid}]") == 0, testid
    assert journey.count(".page-body form") == 0
    # the bundle's link, or its progress while the worker prepares it
    assert journey.count("[data-testid=bundle-link], [data-testid=bundle-status]") == 1
