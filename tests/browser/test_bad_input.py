"""In Chromium: the pages that show stored markup run none of it (issue 9, point 4).

The payloads of bad_input_corpus.store_payloads set ``window.__xss`` and open an alert if they
ever run; on every page that shows them, no dialog opens and ``window.__xss`` stays undefined."""

import pytest

from tests.factories import TEST_PASSWORD
from tests.security.bad_input_corpus import (
    IMG_ONERROR,
    SCRIPT,
    pages_showing_payloads,
    store_payloads,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_no_stored_payload_runs_in_the_browser(
    company,
    executing,
    live_server,
    browser,
    page,
):
    risk = store_payloads(company, executing)
    task = executing.tasks.get(name=SCRIPT)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", company.tech_staff.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    for url in pages_showing_payloads(executing, risk, task.pk):
        page.goto(live_server.url + url)
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__xss") == "undefined", url
        assert dialogs == [], url
    # the task's name is on the page as text
    page.goto(live_server.url + pages_showing_payloads(executing, risk, task.pk)[7])
    assert SCRIPT in page.locator("body").inner_text()
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert dialogs == []

    # the detector works: the same payload on a bare page (no CSP there) does run
    control = browser.new_page()
    control.set_content(f"<body>{IMG_ONERROR}</body>")
    control.wait_for_timeout(300)
    assert control.evaluate("window.__xss") == 1
    control.close()
