"""Working days follow the PRC calendar with its make-up working days (调休); a year an
administrator entered replaces it; an administrator's override beats both; a year nobody
entered and the calendar package does not know yet counts Monday to Friday."""

import logging
import random
from datetime import date, datetime, timedelta

import pytest

from collab_portal.calendar import workdays
from collab_portal.calendar.workdays import (
    WorkdayCalendar,
    add_workdays,
    is_workday,
    next_workday,
    workdays_between,
    years_counted_monday_to_friday,
)
from collab_portal.org.models import WorkdayOverride
from tests.org.holiday_years import MADE_UP_2027, enter_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_warnings(monkeypatch, caplog):
    """Forget which unknown years were already warned about, and capture the warnings."""
    monkeypatch.setattr(workdays, "_warned_years", set())
    caplog.set_level(logging.WARNING, logger="collab_portal.calendar.workdays")
    return caplog


# --- the PRC calendar (facts from chinesecalendar 1.11.0) -------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 4),  # Sunday, made up for New Year's Day
        date(2026, 2, 14),  # Saturday, made up for the Spring Festival
        date(2026, 2, 28),  # Saturday, made up for the Spring Festival
        date(2026, 9, 20),  # Sunday, made up for National Day
        date(2026, 10, 10),  # Saturday, made up for National Day
    ],
)
def test_it_counts_a_make_up_weekend_day_as_a_working_day(day):
    assert day.weekday() >= 5
    assert is_workday(day) is True


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 2),  # Friday, New Year's Day
        date(2026, 2, 16),  # Monday, Spring Festival
        date(2026, 2, 23),  # Monday, the last day of the Spring Festival
        date(2026, 9, 25),  # Friday, Mid-autumn Festival
        date(2026, 10, 1),  # Thursday, National Day
        date(2026, 10, 7),  # Wednesday, the last day of National Day
    ],
)
def test_it_counts_a_holiday_weekday_as_a_day_off(day):
    assert day.weekday() < 5
    assert is_workday(day) is False


def test_an_ordinary_weekend_is_still_off_and_an_ordinary_weekday_is_still_on():
    assert is_workday(date(2026, 3, 7)) is False  # Saturday
    assert is_workday(date(2026, 3, 9)) is True  # Monday


def test_it_counts_the_working_days_across_the_spring_festival():
    # Mon 9 Feb – Sun 1 Mar 2026: 5 (9–13 Feb) + Sat 14 Feb + none from 15 to 23 Feb
    # + 4 (24–27 Feb) + Sat 28 Feb = 11, where Monday to Friday alone would give 15.
    assert workdays_between(date(2026, 2, 9), date(2026, 3, 1)) == 11


def test_counting_includes_both_ends_and_an_empty_range_counts_nothing():
    assert workdays_between(date(2026, 3, 9), date(2026, 3, 9)) == 1
    assert workdays_between(date(2026, 3, 9), date(2026, 3, 13)) == 5
    assert workdays_between(date(2026, 3, 13), date(2026, 3, 9)) == 0


def test_adding_working_days_skips_the_national_day_week():
    last_before = date(2026, 9, 30)  # Wednesday
    assert add_workdays(last_before, 1) == date(2026, 10, 8)  # Thursday after the holiday
    assert add_workdays(last_before, 3) == date(2026, 10, 10)  # the make-up Saturday
    assert add_workdays(last_before, 4) == date(2026, 10, 12)  # Sunday 11th is off


def test_subtracting_working_days_goes_back_over_the_holiday():
    assert add_workdays(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert add_workdays(date(2026, 10, 8), -2) == date(2026, 9, 29)
    assert add_workdays(date(2026, 10, 12), -1) == date(2026, 10, 10)


def test_adding_zero_keeps_a_working_day_and_moves_a_day_off_to_the_next_working_day():
    assert add_workdays(date(2026, 9, 30), 0) == date(2026, 9, 30)
    assert add_workdays(date(2026, 10, 3), 0) == date(2026, 10, 8)


def test_the_next_working_day_is_always_after_the_day_and_skips_days_off():
    assert next_workday(date(2026, 3, 9)) == date(2026, 3, 10)
    # Friday 25 Sep is Mid-autumn Festival, then a weekend.
    assert next_workday(date(2026, 9, 24)) == date(2026, 9, 28)
    # Friday 13 Feb is followed by the make-up Saturday.
    assert next_workday(date(2026, 2, 13)) == date(2026, 2, 14)


def test_a_datetime_is_refused_rather_than_silently_missing_the_overrides():
    with pytest.raises(TypeError):
        is_workday(datetime(2026, 3, 9, 10, 0))


# --- administrators' overrides ------------------------------------------------------------------


def test_an_override_makes_a_holiday_a_working_day_and_a_weekday_a_day_off():
    WorkdayOverride.objects.create(date=date(2026, 10, 5), is_workday=True, note="Stock-take")
    WorkdayOverride.objects.create(date=date(2026, 3, 4), is_workday=False, note="Power cut")

    assert is_workday(date(2026, 10, 5)) is True
    assert is_workday(date(2026, 3, 4)) is False
    assert workdays_between(date(2026, 10, 1), date(2026, 10, 7)) == 1
    assert workdays_between(date(2026, 3, 2), date(2026, 3, 6)) == 4
    assert add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 5)
    assert next_workday(date(2026, 3, 3)) == date(2026, 3, 5)


def test_a_calendar_asked_outside_its_range_still_honours_the_overrides(
    django_assert_max_num_queries,
):
    WorkdayOverride.objects.create(date=date(2026, 12, 31), is_workday=False, note="Year end")
    calendar = WorkdayCalendar(date(2026, 1, 1), date(2026, 1, 31))

    with django_assert_max_num_queries(1):
        assert calendar.is_workday(date(2026, 12, 31)) is False


# --- a year the package does not know -----------------------------------------------------------


def test_a_year_the_package_does_not_know_counts_monday_to_friday(fresh_warnings):
    assert is_workday(date(2099, 1, 1)) is True  # Thursday: New Year only by override
    assert is_workday(date(2099, 1, 3)) is False  # Saturday
    assert workdays_between(date(2099, 1, 1), date(2099, 1, 11)) == 7
    assert next_workday(date(2099, 1, 2)) == date(2099, 1, 5)


def test_a_year_the_package_does_not_know_takes_the_overrides(fresh_warnings):
    WorkdayOverride.objects.create(date=date(2099, 1, 1), is_workday=False, note="New Year")
    WorkdayOverride.objects.create(date=date(2099, 1, 3), is_workday=True, note="Make-up day")

    assert is_workday(date(2099, 1, 1)) is False
    assert is_workday(date(2099, 1, 3)) is True
    assert add_workdays(date(2098, 12, 31), 1) == date(2099, 1, 2)
    assert add_workdays(date(2099, 1, 2), 1) == date(2099, 1, 3)


def test_it_warns_once_per_unknown_year(fresh_warnings):
    calendar = WorkdayCalendar(date(2099, 1, 1), date(2100, 12, 31))
    calendar.workdays_between(date(2099, 1, 1), date(2100, 12, 31))
    calendar.is_workday(date(2099, 6, 1))

    messages = [r.getMessage() for r in fresh_warnings.records if r.levelno == logging.WARNING]
    assert len(messages) == 2
    assert "2099" in messages[0]
    assert "2100" in messages[1]


def test_a_year_the_package_knows_does_not_warn(fresh_warnings):
    workdays_between(date(2026, 1, 1), date(2026, 12, 31))

    assert fresh_warnings.records == []


# --- performance ------------------------------------------------------------------------------


def test_a_calendar_for_a_whole_year_reads_the_overrides_in_one_query(django_assert_num_queries):
    WorkdayOverride.objects.create(date=date(2026, 10, 5), is_workday=True)
    WorkdayOverride.objects.create(date=date(2026, 3, 4), is_workday=False)
    year = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]

    with django_assert_num_queries(1):
        calendar = WorkdayCalendar(date(2026, 1, 1), date(2026, 12, 31))
        answers = [calendar.is_workday(day) for day in year]
        for day in year[:300]:
            calendar.add_workdays(day, 5)
            calendar.next_workday(day)
            calendar.workdays_between(day, day + timedelta(days=30))
        total = calendar.workdays_between(date(2026, 1, 1), date(2026, 12, 31))

    assert sum(answers) == total
    assert answers[year.index(date(2026, 10, 5))] is True
    assert answers[year.index(date(2026, 3, 4))] is False


# --- counting without walking the days (issue 17, finding 4) ----------------------------------


def _walked(calendar: WorkdayCalendar, start: date, end: date) -> int:
    """The count the slow way: one question per day."""
    return sum(
        calendar.is_workday(start + timedelta(days=i)) for i in range((end - start).days + 1)
    )


def test_counting_matches_walking_day_by_day_over_random_ranges(fresh_warnings):
    # Years the package knows (2004–2026) and years on both sides of them, with overrides of
    # both kinds scattered over all of them (some on days the package already answers alike).
    rnd = random.Random(17)
    first, last = date(1998, 1, 1), date(2032, 12, 31)
    span = (last - first).days
    for day in {first + timedelta(days=rnd.randrange(span)) for _ in range(400)}:
        WorkdayOverride.objects.create(date=day, is_workday=rnd.random() < 0.5)
    edges = [date(2003, 12, 20), date(2004, 1, 1), date(2026, 10, 1), date(2027, 1, 4)]
    ranges = [(edge, edge + timedelta(days=length)) for edge in edges for length in (0, 6, 40)]
    for _ in range(400):
        start = first + timedelta(days=rnd.randrange(span))
        length = rnd.choice([0, 1, 2, 4, 6, 7, 8, 13, 31, 200, rnd.randrange(3000)])
        ranges.append((start, min(last, start + timedelta(days=length))))

    wide = WorkdayCalendar(first, last)
    for start, end in ranges:
        # a fresh, narrow calendar must read the rest of the overrides it is asked about
        narrow = WorkdayCalendar(start, start)
        expected = _walked(wide, start, end)
        assert wide.workdays_between(start, end) == expected, (start, end)
        assert narrow.workdays_between(start, end) == expected, (start, end)
        assert workdays_between(start, end) == expected, (start, end)


def test_a_span_of_centuries_is_counted_without_walking_it(
    fresh_warnings, django_assert_max_num_queries
):
    # 400 Gregorian years are exactly 20,871 weeks: 104,355 Mondays to Fridays.
    with django_assert_max_num_queries(1):
        assert workdays_between(date(1, 1, 1), date(400, 12, 31)) == 104_355
    far = WorkdayCalendar(date(2026, 1, 1), date(2026, 12, 31))
    assert far.workdays_between(date(1, 1, 2), date(2026, 12, 7)) == (
        far.workdays_between(date(1, 1, 2), date(2003, 12, 31))
        + far.workdays_between(date(2004, 1, 1), date(2026, 12, 7))
    )
    assert far.workdays_between(date(2026, 12, 8), date(9999, 12, 31)) > 2_000_000


def test_a_far_span_warns_once_for_its_unknown_years_not_once_per_year(fresh_warnings):
    workdays_between(date(1, 1, 2), date(2026, 12, 7))
    workdays_between(date(1, 1, 3), date(2026, 12, 7))
    workdays_between(date(2026, 12, 8), date(9999, 12, 31))

    messages = [r.getMessage() for r in fresh_warnings.records if r.levelno == logging.WARNING]
    assert len(messages) == 2
    assert "1–2003" in messages[0]
    assert "2027–9999" in messages[1]


def test_a_calendar_asked_at_the_ends_of_time_does_not_overflow():
    calendar = WorkdayCalendar(date(2026, 1, 1), date(2026, 1, 31))

    assert calendar.is_workday(date(1, 1, 1)) is True  # a Monday
    assert calendar.is_workday(date(9999, 12, 31)) is True  # a Friday
    assert calendar.workdays_between(date(1, 1, 1), date(1, 1, 7)) == 5


def test_adding_more_working_days_than_any_question_needs_is_refused():
    with pytest.raises(ValueError):
        add_workdays(date(2026, 3, 9), workdays.MAX_WORKDAYS_STEP + 1)
    assert add_workdays(date(2026, 3, 9), -workdays.MAX_WORKDAYS_STEP) < date(2023, 1, 1)


def test_the_working_days_after_a_date_count_a_step_and_are_negative_backwards():
    calendar = WorkdayCalendar(date(2026, 9, 1), date(2026, 10, 31))

    assert calendar.workdays_after(date(2026, 9, 30), date(2026, 9, 30)) == 0
    assert calendar.workdays_after(date(2026, 9, 30), date(2026, 10, 8)) == 1  # over National Day
    assert calendar.workdays_after(date(2026, 10, 8), date(2026, 9, 30)) == -1
    assert calendar.workdays_after(date(9999, 12, 30), date(9999, 12, 31)) == 1


# --- years an administrator entered (issue 18, point 1) ---------------------------------------


def test_an_entered_year_counts_its_holidays_and_make_up_days(fresh_warnings):
    assert is_workday(date(2027, 2, 8)) is True  # nobody entered 2027: Monday to Friday
    fresh_warnings.clear()
    enter_year(2027, MADE_UP_2027)

    assert is_workday(date(2027, 1, 1)) is False  # Friday, New Year's Day
    assert is_workday(date(2027, 2, 8)) is False  # Monday, Spring Festival
    assert is_workday(date(2027, 2, 20)) is True  # the make-up Saturday
    assert is_workday(date(2027, 2, 21)) is False  # an ordinary Sunday
    assert is_workday(date(2027, 3, 1)) is True
    # Mon 1 Feb – Sun 28 Feb 2027: 4 (1–4 Feb) + Sat 20 Feb + 10 (15–19, 22–26 Feb) = 15
    assert workdays_between(date(2027, 2, 1), date(2027, 2, 28)) == 15
    assert add_workdays(date(2027, 2, 4), 1) == date(2027, 2, 15)
    assert fresh_warnings.records == []  # the year is known now: nothing to warn about


def test_an_entered_year_replaces_the_package_for_every_day_of_it():
    # 2026 entered with its Spring Festival only: the package's other holidays and make-up days
    # of 2026 no longer count, and the Spring Festival is the one entered.
    enter_year(2026, "2026-02-16..2026-02-20 春节\n2026-02-14 上班")

    assert is_workday(date(2026, 2, 16)) is False
    assert is_workday(date(2026, 2, 23)) is True  # the package's last Spring Festival day
    assert is_workday(date(2026, 2, 28)) is False  # the package's make-up Saturday
    assert is_workday(date(2026, 10, 1)) is True  # National Day was not entered
    assert is_workday(date(2026, 2, 14)) is True
    # 2026 has 261 Mondays to Fridays; the entered year takes 5 and gives 1.
    assert workdays_between(date(2026, 1, 1), date(2026, 12, 31)) == 257
    assert is_workday(date(2025, 10, 1)) is False  # other years keep the package's answers


def test_an_override_still_wins_over_an_entered_year():
    enter_year(2027, MADE_UP_2027)
    WorkdayOverride.objects.create(date=date(2027, 2, 12), is_workday=True, note="值班")
    WorkdayOverride.objects.create(date=date(2027, 2, 20), is_workday=False, note="停电")

    assert is_workday(date(2027, 2, 12)) is True
    assert is_workday(date(2027, 2, 20)) is False
    assert workdays_between(date(2027, 2, 1), date(2027, 2, 28)) == 15


def test_entering_a_year_again_replaces_it_and_deleting_it_forgets_it():
    holiday_year = enter_year(2027, MADE_UP_2027)
    assert is_workday(date(2027, 2, 8)) is False

    enter_year(2027, "2027-02-08..2027-02-09 春节")
    assert is_workday(date(2027, 2, 5)) is True
    assert is_workday(date(2027, 2, 9)) is False

    holiday_year.delete()
    assert is_workday(date(2027, 2, 9)) is True


def test_counting_with_entered_years_matches_walking_day_by_day():
    enter_year(2026, "2026-02-16..2026-02-20 春节\n2026-02-14 上班")
    enter_year(2027, MADE_UP_2027)
    rnd = random.Random(18)
    first, last = date(2025, 6, 1), date(2028, 6, 30)
    span = (last - first).days
    for day in {first + timedelta(days=rnd.randrange(span)) for _ in range(120)}:
        WorkdayOverride.objects.create(date=day, is_workday=rnd.random() < 0.5)
    wide = WorkdayCalendar(first, last)
    for _ in range(300):
        start = first + timedelta(days=rnd.randrange(span))
        end = min(last, start + timedelta(days=rnd.choice([0, 3, 9, 40, 400, 1000])))
        expected = _walked(wide, start, end)
        assert WorkdayCalendar(start, start).workdays_between(start, end) == expected
        assert wide.workdays_between(start, end) == expected


def test_a_calendar_reads_the_overrides_and_the_entered_years_in_one_query(
    django_assert_num_queries,
):
    enter_year(2027, MADE_UP_2027)
    WorkdayOverride.objects.create(date=date(2027, 2, 12), is_workday=True)

    with django_assert_num_queries(1):
        calendar = WorkdayCalendar(date(2027, 1, 1), date(2027, 12, 31))
        assert calendar.is_workday(date(2027, 2, 8)) is False
        assert calendar.is_workday(date(2027, 2, 12)) is True
        assert calendar.workdays_between(date(2027, 2, 1), date(2027, 2, 28)) == 16


def test_the_years_counted_monday_to_friday_are_those_nobody_entered_or_the_package_knows():
    assert years_counted_monday_to_friday(date(2026, 12, 1), date(2028, 1, 31)) == [2027, 2028]
    enter_year(2027, MADE_UP_2027)
    assert years_counted_monday_to_friday(date(2026, 12, 1), date(2028, 1, 31)) == [2028]
    assert years_counted_monday_to_friday(date(2026, 1, 1), date(2027, 12, 31)) == []
    assert years_counted_monday_to_friday(date(2002, 6, 1), date(2004, 6, 1)) == [2002, 2003]


def _stepped(calendar: WorkdayCalendar, day: date, n: int) -> date:
    """add_workdays the slow way: one day at a time."""
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        remaining -= calendar.is_workday(day)
    return day


def test_adding_working_days_counts_as_stepping_day_by_day_would(fresh_warnings):
    # issue 18, point 4: WBS templates step hundreds of working days; adding counts, never walks
    enter_year(2027, MADE_UP_2027)
    rnd = random.Random(4)
    first, last = date(2025, 1, 1), date(2028, 12, 31)
    span = (last - first).days
    for day in {first + timedelta(days=rnd.randrange(span)) for _ in range(150)}:
        WorkdayOverride.objects.create(date=day, is_workday=rnd.random() < 0.5)
    wide = WorkdayCalendar(first - timedelta(days=400), last + timedelta(days=400))
    for _ in range(300):
        day = first + timedelta(days=rnd.randrange(span))
        n = rnd.choice([1, 2, 3, 5, 9, 19, 60, 250]) * rnd.choice([1, -1])
        expected = _stepped(wide, day, n)
        assert wide.add_workdays(day, n) == expected, (day, n)
        assert WorkdayCalendar(day, day).add_workdays(day, n) == expected, (day, n)


def test_a_run_of_days_off_longer_than_a_year_is_refused_not_searched_forever():
    for offset in range(400):
        WorkdayOverride.objects.create(
            date=date(2026, 3, 2) + timedelta(days=offset), is_workday=False
        )
    with pytest.raises(ValueError, match="no working day"):
        add_workdays(date(2026, 3, 1), 1)
    assert add_workdays(date(2026, 2, 27), -1) == date(2026, 2, 26)
