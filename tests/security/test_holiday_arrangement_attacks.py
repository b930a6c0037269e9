"""The holiday arrangement page (issue 18, point 1) under attack: only administrators enter a year;
markup in a line is shown as text; oversized, binary and runaway input is refused before it is
read further; no arrangement can leave the calendar without working days. Nothing is saved by
any of it."""

from __future__ import annotations

import datetime
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from collab_portal.calendar.holiday_arrangement import (
    MAX_LINES,
    MAX_TEXT_CHARS,
    ArrangementRefused,
    read_arrangement,
)
from collab_portal.calendar.services import holiday_year_save
from collab_portal.calendar.workdays import add_workdays
from collab_portal.org.models import HolidayYear
from tests.org.holiday_years import MADE_UP_2027

ADD = reverse("admin:org_holidayyear_add")
MARKUP = '<img src=x onerror="window.__xss=1">'


def test_people_who_are_not_administrators_cannot_enter_a_year(company, login):
    for person in (company.sales_staff, company.sales_head, company.leader):
        response = login(person).post(ADD, {"year": 2027, "text": MADE_UP_2027, "action": "save"})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        with pytest.raises(PermissionDenied):
            holiday_year_save(actor=person, year=2027, text=MADE_UP_2027)
    assert not HolidayYear.objects.exists()


def test_markup_in_a_line_is_shown_as_text(company, login):
    client = login(company.admin)
    response = client.post(
        ADD, {"year": 2027, "text": f"2027-02-05..2027-02-13 {MARKUP}", "action": "preview"}
    )
    html = response.content.decode()
    assert MARKUP not in html
    assert 'title="&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;"' in html

    refused = client.post(ADD, {"year": 2027, "text": f"{MARKUP} 2027-02-16 上班"})
    assert refused.context["errors"][0].startswith("第 1 行（“<img")
    assert MARKUP not in refused.content.decode()
    assert "&lt;img src=x" in refused.content.decode()


@pytest.mark.parametrize(
    "text",
    [
        "2027-01-01 元旦\n" * (MAX_LINES + 1),
        "2027-01-01 " + "元" * MAX_TEXT_CHARS,
    ],
    ids=["too-many-lines", "too-long"],
)
def test_oversized_text_is_refused_whole(company, login, text):
    response = login(company.admin).post(ADD, {"year": 2027, "text": text, "action": "save"})
    assert response.status_code == 200
    assert response.context["form"].errors or response.context["errors"]
    assert not HolidayYear.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("2027.txt", b"MZ\x90\x00" + b"\x00" * 200),  # a Windows program
        ("2027.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200),
        ("2027.txt", b"2027-01-01 " + b"x" * (1024 * 1024 + 1)),
        ("2027.txt", "2027-01-01 元旦".encode("utf-16")),
    ],
    ids=["executable", "image", "larger-than-1-mb", "utf-16"],
)
def test_a_file_that_is_not_small_text_is_refused(company, login, name, content):
    upload = SimpleUploadedFile(name, content, content_type="text/plain")
    response = login(company.admin).post(ADD, {"year": 2027, "file": upload, "action": "save"})
    assert response.status_code == 200 and response.context["form"].errors
    assert not HolidayYear.objects.exists()


@pytest.mark.parametrize("year", ["-1", "0", "99999", "2027.5", "二〇二七", "1999"])
def test_a_year_that_is_not_one_to_enter_is_refused(company, login, year):
    response = login(company.admin).post(
        ADD, {"year": year, "text": "2027-01-01 元旦", "action": "save"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not HolidayYear.objects.exists()


def test_no_arrangement_leaves_the_calendar_without_working_days():
    year_off = "\n".join(
        f"2027-{month:02d}-01..2027-{month:02d}-28 假{month}" for month in range(1, 13)
    )
    with pytest.raises(ArrangementRefused) as refused:
        read_arrangement(year=2027, text=year_off + "\n2027-01-01..2027-12-31 全年")
    errors = refused.value.errors
    assert any(error.startswith("第 13 行") and "不超过 31 天" in error for error in errors)
    assert any("一年不超过 60 天" in error for error in errors)


def test_a_long_line_of_separators_is_read_in_linear_time():
    hostile = "2027-02-05" + " ," * (MAX_TEXT_CHARS // 2 - 10) + "x"
    started = time.perf_counter()
    with pytest.raises(ArrangementRefused):
        read_arrangement(year=2027, text=hostile[: MAX_TEXT_CHARS - 1] + "\n2027-02-16 上班")
    assert time.perf_counter() - started < 1


def test_an_entered_year_cannot_make_counting_walk_forever(company):
    holiday_year_save(actor=company.admin, year=2027, text=MADE_UP_2027)
    assert add_workdays(datetime.date(2027, 2, 4), 1) == datetime.date(2027, 2, 15)
