"""In Chromium: 抄送 from the case page — the picker loads when the section is opened and the
chosen person is copied in."""

import pytest

from requests_app.models import CarbonCopy
from tests.browser.steps import sign_in, submit
from tests.factories import TEST_PASSWORD
from tests.fixtures.inbox_cases import pending_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_initiator_opens_the_picker_and_copies_someone_in(live_server, page, company):
    case = pending_case(company, "浏览器里的抄送")
    base = live_server.url
    sign_in(page, base, company.sales_staff.username, TEST_PASSWORD)
    page.goto(f"{base}{case.get_absolute_url()}")
    assert page.locator("select[name=people]").count() == 0
    page.click("[data-testid=copy-in] summary")
    picker = page.locator("[data-testid=copy-in-form] select[name=people]")
    picker.wait_for()
    picker.select_option(str(company.tech_head.pk))
    submit(page, "[data-testid=copy-in-form] button[type=submit]")
    assert page.url.endswith(case.get_absolute_url())
    assert list(CarbonCopy.objects.filter(request=case).values_list("user", flat=True)) == [
        company.tech_head.pk
    ]
