"""Nothing is invented for a year nobody entered: its working days are Monday to Friday, and the
pages that count working days in it say so (issue 18, point 1) — the tracking table, the KPIs,
the managers' dashboard, the home page and one's reminders."""

import datetime

from django.urls import reverse
from django.utils import timezone

from collab_portal.calendar.workdays import LOOKED_AHEAD, years_counted_monday_to_friday_over
from tasks_app.models import Task
from tests.org.holiday_years import MADE_UP_2027, enter_year

NOTICE = 'data-testid="workdays-fallback"'


def _notice_years(response) -> list[int]:
    years = response.context["workdays_fallback_years"]
    assert (NOTICE in response.content.decode()) == bool(years)
    return years


def test_the_tracking_table_says_a_task_in_a_year_nobody_entered_is_counted_monday_to_friday(
    company, executing, login
):
    Task.objects.filter(request=executing, name="方案反馈").update(
        start_on=datetime.date(2027, 2, 1), due_on=datetime.date(2027, 2, 10)
    )
    client = login(company.tech_staff)
    url = reverse("tasks_app:tracking", args=[executing.code])

    response = client.get(url)
    assert 2027 in _notice_years(response)
    assert "2027 年的工作日按周一至周五计算" in response.content.decode()

    enter_year(2027, MADE_UP_2027)
    assert 2027 not in _notice_years(client.get(url))


def test_the_kpis_of_a_period_in_a_year_nobody_entered_say_so(company, login):
    client = login(company.leader)
    url = reverse("insights:kpis")
    period = {"period_start": "2027-01-04", "period_end": "2027-03-28"}

    assert 2027 in _notice_years(client.get(url, period))
    enter_year(2027, MADE_UP_2027)
    assert 2027 not in _notice_years(client.get(url, period))


def test_the_pages_about_what_is_due_look_a_month_ahead(company, login):
    today = timezone.localdate()
    expected = years_counted_monday_to_friday_over([today, today + LOOKED_AHEAD])
    client = login(company.leader)

    assert _notice_years(client.get("/")) == expected
    assert _notice_years(client.get(reverse("org:my_reminder_channels"))) == expected
    this_week = today - datetime.timedelta(days=today.weekday())
    assert _notice_years(client.get(reverse("insights:weekly"))) == (
        years_counted_monday_to_friday_over(
            [this_week, this_week + datetime.timedelta(days=6) + LOOKED_AHEAD]
        )
    )


def test_a_period_the_package_knows_needs_no_notice(company, login):
    response = login(company.leader).get(
        reverse("insights:kpis"),
        {"week": "2026-W13", "period_start": "2026-01-05", "period_end": "2026-03-29"},
    )
    assert _notice_years(response) == []
