"""The admin's holiday arrangement page (issue 18, point 1): a year pasted or uploaded, previewed
month by month, then saved; bad input refused line by line with nothing saved; admins asked for
next year's arrangement from 1 October."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from collab_portal.calendar.workdays import holiday_years_missing, is_workday
from collab_portal.dashboard import context_processors
from collab_portal.org.models import HolidayEntry, HolidayYear
from tests.org.holiday_years import MADE_UP_2027, enter_year

ADD = reverse("admin:org_holidayyear_add")
CHANGELIST = reverse("admin:org_holidayyear_changelist")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _cells(preview) -> dict[datetime.date, str]:
    return {
        cell.day: cell.kind
        for month in preview.months
        for week in month.weeks
        for cell in week
        if cell is not None
    }


def _entries(year: int) -> list[tuple[str, str, str, str]]:
    return [
        (entry.kind, entry.first_day.isoformat(), entry.last_day.isoformat(), entry.name)
        for entry in HolidayEntry.objects.filter(holiday_year__year=year).order_by("first_day")
    ]


def test_the_preview_shows_the_year_month_by_month_and_saves_nothing(company, login):
    client = login(company.admin)
    response = client.post(ADD, {"year": 2027, "text": MADE_UP_2027, "action": "preview"})

    preview = response.context["preview"]
    cells = _cells(preview)
    assert len(preview.months) == 12 and len(cells) == 365
    assert cells[datetime.date(2027, 1, 1)] == "holiday"
    assert cells[datetime.date(2027, 2, 8)] == "holiday"
    assert cells[datetime.date(2027, 2, 20)] == "make-up"
    assert cells[datetime.date(2027, 2, 21)] == "rest"
    assert cells[datetime.date(2027, 3, 1)] == "work"
    # 261 Mondays to Fridays in 2027, 7 of them holidays, 1 make-up Saturday
    assert (preview.workdays, preview.holidays_on_weekdays, preview.make_up_days) == (255, 7, 1)
    html = response.content.decode()
    assert 'data-date="2027-02-08" data-kind="holiday" title="春节"' in html
    assert 'data-testid="save-form"' in html and "2月20日（周六）上班" in html
    assert not HolidayYear.objects.exists()


def test_saving_enters_the_year_for_the_calendar(company, login):
    client = login(company.admin)
    response = client.post(ADD, {"year": 2027, "text": MADE_UP_2027, "action": "save"})

    assert response.status_code == 302 and response["Location"] == CHANGELIST
    holiday_year = HolidayYear.objects.get(year=2027)
    assert holiday_year.updated_by == company.admin
    assert holiday_year.text == MADE_UP_2027.strip()
    assert holiday_year.history.count() == 1
    assert _entries(2027) == [
        ("holiday", "2027-01-01", "2027-01-03", "元旦"),
        ("holiday", "2027-02-05", "2027-02-13", "春节"),
        ("make_up_day", "2027-02-20", "2027-02-20", ""),
    ]
    assert is_workday(datetime.date(2027, 2, 8)) is False
    listed = client.get(CHANGELIST).context["cl"].result_list
    assert [(row.year, row.holidays, row.make_up_days) for row in listed] == [(2027, 2, 1)]


def test_the_change_page_offers_the_text_entered_and_saving_replaces_the_year(company, login):
    holiday_year = enter_year(2027, MADE_UP_2027)
    client = login(company.admin)
    url = reverse("admin:org_holidayyear_change", args=[holiday_year.pk])

    assert "2月20日（周六）上班" in client.get(url).content.decode()
    client.post(url, {"year": 2027, "text": "2027-02-08..2027-02-09 春节", "action": "save"})
    assert _entries(2027) == [("holiday", "2027-02-08", "2027-02-09", "春节")]
    assert HolidayYear.objects.count() == 1


@pytest.mark.parametrize("action", ["preview", "save"])
def test_bad_input_is_refused_naming_its_lines_and_nothing_changes(company, login, action):
    enter_year(2027, MADE_UP_2027)
    client = login(company.admin)
    bad = "2027-02-05..2027-02-13 春节\n2027-02-16 上班\n2027-05-05..2027-05-01 劳动节"

    response = client.post(ADD, {"year": 2027, "text": bad, "action": action})

    assert response.status_code == 200
    assert response.context["preview"] is None
    errors = response.context["errors"]
    assert [error.split("（")[0] for error in errors] == ["第 2 行", "第 3 行"]
    assert "本来就是工作日" in errors[0] and "早于开始" in errors[1]
    html = response.content.decode()
    assert "未保存任何内容" in html and 'data-testid="save-form"' not in html
    assert HolidayYear.objects.get().text == MADE_UP_2027.strip()
    assert _entries(2027)[1] == ("holiday", "2027-02-05", "2027-02-13", "春节")


def test_a_gb18030_csv_file_is_read_like_the_text(company, login):
    client = login(company.admin)
    csv = "开始日期,结束日期,名称\n2027-02-05,2027-02-13,春节\n2027-02-20,,上班\n"
    upload = SimpleUploadedFile("2027.csv", csv.encode("gb18030"), content_type="text/csv")

    response = client.post(ADD, {"year": 2027, "text": "", "file": upload, "action": "preview"})

    cells = _cells(response.context["preview"])
    assert cells[datetime.date(2027, 2, 8)] == "holiday"
    assert cells[datetime.date(2027, 2, 20)] == "make-up"
    # the file's lines are in the text box and in what saving posts
    assert response.context["form"].initial["text"] == csv
    assert response.context["preview"].skipped == [(1, "开始日期,结束日期,名称")]
    assert not HolidayYear.objects.exists()


def test_a_file_that_is_not_text_is_refused(company, login):
    client = login(company.admin)
    upload = SimpleUploadedFile("2027.txt", PNG, content_type="text/plain")

    response = client.post(ADD, {"year": 2027, "file": upload, "action": "save"})

    assert response.status_code == 200 and response.context["form"].errors
    assert not HolidayYear.objects.exists()


def test_nothing_pasted_and_no_file_is_refused(company, login):
    response = login(company.admin).post(ADD, {"year": 2027, "text": "  ", "action": "save"})
    assert "请粘贴安排内容或选择文件。" in response.content.decode()
    assert not HolidayYear.objects.exists()


def test_a_year_nobody_can_have_published_is_refused(company, login):
    year = datetime.date.today().year + 2
    response = login(company.admin).post(
        ADD, {"year": year, "text": f"{year}-01-01 元旦", "action": "save"}
    )
    assert response.context["form"].errors["year"]
    assert not HolidayYear.objects.exists()


# --- asking admins for the next year ----------------------------------------------------------


def test_admins_are_asked_for_next_year_from_1_october_until_it_is_entered(db):
    assert holiday_years_missing(datetime.date(2026, 9, 30)) == []  # the package knows 2026
    assert holiday_years_missing(datetime.date(2026, 10, 1)) == [2027]
    assert holiday_years_missing(datetime.date(2027, 3, 1)) == [2027]  # and all through 2027
    enter_year(2027, MADE_UP_2027)
    assert holiday_years_missing(datetime.date(2026, 12, 31)) == []
    assert holiday_years_missing(datetime.date(2027, 10, 1)) == [2028]


@pytest.fixture
def first_of_october(monkeypatch):
    """The banner's day is 1 October 2026."""
    today = SimpleNamespace(localdate=lambda: datetime.date(2026, 10, 1))
    monkeypatch.setattr(context_processors, "timezone", today)


def test_the_banner_asks_admins_on_the_portal_and_the_admin_home(company, login, first_of_october):
    client = login(company.admin)
    for url in ("/", reverse("admin:index")):
        html = client.get(url).content.decode()
        assert 'data-testid="holiday-years-missing"' in html, url
        assert "尚未录入 2027 年的节假日安排" in html, url
        assert ADD in html, url

    enter_year(2027, MADE_UP_2027)
    assert 'data-testid="holiday-years-missing"' not in client.get("/").content.decode()


def test_the_banner_is_for_admins_only(company, login, first_of_october):
    html = login(company.sales_head).get("/").content.decode()
    assert 'data-testid="holiday-years-missing"' not in html
