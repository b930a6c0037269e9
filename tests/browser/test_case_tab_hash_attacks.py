"""The case page's tabs read the address's #hash (static/js/tabs.js): a malformed, hostile or
foreign hash opens nothing, runs nothing and throws nothing; the stage's tab stays open. (An
attack test kept with the browser tests: their session's Chromium is only theirs.)"""

import pytest
from playwright.sync_api import expect

from tests.browser.steps import sign_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HASHES = [
    "%E0%A4%A",  # not decodable
    '"]),alert(1)//',
    "<img src=x onerror=alert(1)>",
    "tab-form'],[data-x='",
    "confirm-dialog",  # an element outside every tab
    "a" * 5000,
    "%00",
]


def test_a_hostile_hash_leaves_the_stages_tab_open_without_an_error(
    live_server, page, company, pending
):
    errors, dialogs = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server.url, company.sales_head.username, TEST_PASSWORD)
    for fragment in HASHES:
        page.goto(f"{live_server.url}/")  # each hash on a page loaded afresh
        page.goto(f"{live_server.url}{pending.get_absolute_url()}#{fragment}")
        expect(page.locator("[data-testid=case-pane-form]")).to_be_visible()
        page.click("[data-testid=case-tab-discussion]")  # the tabs still switch
        expect(page.locator("[data-testid=case-pane-discussion]")).to_be_visible()
    assert errors == [] and dialogs == []
