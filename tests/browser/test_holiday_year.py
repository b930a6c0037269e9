"""In Chromium: an administrator pastes a year's holiday arrangement into the admin, is told which
line is wrong, corrects it, sees the year month by month and saves it (issue 18, point 1).
Screenshots go to var/screenshots/admin/."""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse

from collab_portal.calendar.workdays import is_workday
from collab_portal.org.models import HolidayEntry, HolidayYear
from tests.factories import TEST_PASSWORD
from tests.org.holiday_years import MADE_UP_2027

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "admin"


def test_an_admin_pastes_a_year_sees_the_preview_and_saves_it(company, live_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", company.admin.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(base + reverse("admin:org_holidayyear_add"))
    page.fill("#id_year", "2027")
    page.fill("#id_text", MADE_UP_2027 + "2月16日（周二）上班。\n")
    with page.expect_navigation():
        page.click("[data-testid=preview]")
    errors = page.locator("[data-testid=arrangement-errors] li")
    assert errors.count() == 1
    assert errors.first.inner_text().startswith("第 3 行")
    assert "本来就是工作日" in errors.first.inner_text()
    assert page.locator("[data-testid=year-preview]").count() == 0

    page.fill("#id_text", MADE_UP_2027)
    with page.expect_navigation():
        page.click("[data-testid=preview]")
    assert page.locator("[data-testid=preview-month]").count() == 12
    spring = page.locator("td[data-date='2027-02-08']")
    assert spring.get_attribute("data-kind") == "holiday"
    assert spring.get_attribute("title") == "春节"
    assert page.locator("td[data-date='2027-02-20']").get_attribute("data-kind") == "make-up"
    assert page.locator("td[data-date='2027-02-21']").get_attribute("data-kind") == "rest"
    # the stylesheet tells them apart (no inline style: the CSP would block it)
    colours = {
        kind: page.locator(f"td[data-date='{day}']").evaluate(
            "cell => getComputedStyle(cell).backgroundColor"
        )
        for kind, day in (
            ("holiday", "2027-02-08"),
            ("make-up", "2027-02-20"),
            ("work", "2027-03-01"),
        )
    }
    assert len(set(colours.values())) == 3, colours
    assert "255" in page.locator("[data-testid=preview-summary]").inner_text()
    page.screenshot(path=str(SHOTS / "holiday-year-preview.png"), full_page=True)
    assert not HolidayYear.objects.exists()

    with page.expect_navigation():
        page.click("[data-testid=save]")
    assert page.url == base + reverse("admin:org_holidayyear_changelist")
    assert "2027 年的节假日安排已保存" in page.locator(".messagelist").inner_text()
    assert list(
        HolidayEntry.objects.filter(holiday_year__year=2027)
        .order_by("first_day")
        .values_list("kind", "first_day", "last_day")
    ) == [
        ("holiday", datetime.date(2027, 1, 1), datetime.date(2027, 1, 3)),
        ("holiday", datetime.date(2027, 2, 5), datetime.date(2027, 2, 13)),
        ("make_up_day", datetime.date(2027, 2, 20), datetime.date(2027, 2, 20)),
    ]
    assert is_workday(datetime.date(2027, 2, 8)) is False
