"""Working days: the PRC calendar with its make-up working days (调休), under admin overrides.

An administrator's ``WorkdayOverride`` for a date always wins. Below it, a year an administrator
entered as the State Council published it (``HolidayYear``) decides for every day of that year;
otherwise the ``chinese-calendar`` package decides; for a year neither knows, Monday to Friday
are working days: nothing is guessed, the pages that count working days in such a year say so
(``years_counted_monday_to_friday``), and a warning is logged once per year.

Code that asks about many dates builds one ``WorkdayCalendar`` for the range it needs: the
overrides of that range and the entered years are read in one query, and every answer after
that is computed in memory. The module-level functions are shortcuts that build a calendar for
one question.

Counting never walks the days of a span: the Mondays to Fridays are counted in closed form, then
corrected by the few days that differ from them (the package's holidays and make-up days, where
an entered year differs from the package, the overrides) found by bisection, so a span of 8,000
years costs what a week does.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import chinese_calendar
from django.db.models import Case, CharField, PositiveSmallIntegerField, Value, When

from collab_portal.calendar.selectors import HolidayEntryRow, holiday_entry_rows
from collab_portal.org.models import HolidayEntry, HolidayYear, WorkdayOverride

logger = logging.getLogger(__name__)

ONE_DAY = datetime.timedelta(days=1)
# Reading more overrides than asked for is cheap; a second query is not.
MIN_EXTENSION = datetime.timedelta(days=31)
# Longer than any real run of days off: beyond it the overrides must be wrong.
MAX_DAYS_OFF_IN_A_ROW = 366
# About four years of working days is more than any question the portal asks (reminder leads are
# a few days, a WBS template's tasks fit in a plan), so a larger step is a bad value.
MAX_WORKDAYS_STEP = 1000
# A stretch of unknown years longer than this (only a far date reaches one) gets one warning for
# the whole stretch instead of one per year.
UNKNOWN_YEARS_WARNED_ONE_BY_ONE = 10

_warned_years: set[int | str] = set()
_OVERRIDE_WORKDAY, _OVERRIDE_DAY_OFF = "override:workday", "override:day-off"


@functools.lru_cache(maxsize=8192)
def _package_says(day: datetime.date) -> bool | None:
    """The package's answer, None for a year it does not cover. Cached: each call of the package
    costs tens of microseconds, and sweeps ask about the same few hundred dates again and again."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


@functools.cache
def _package_years() -> tuple[int, int]:
    """The first and last year the package knows."""
    years = [day.year for day in chinese_calendar.holidays]
    return min(years), max(years)


@functools.cache
def _package_differences() -> tuple[list[datetime.date], list[int]]:
    """The days on which the package differs from Monday to Friday (a holiday on a weekday: -1,
    a make-up weekend day: +1), in order, and the running sums of those differences (one more
    entry than days: the sum before the first)."""
    differing = sorted(
        day
        for day in {*chinese_calendar.holidays, *chinese_calendar.workdays}
        if _package_says(day) is not None and _package_says(day) != (day.weekday() < 5)
    )
    steps = [1 if day.weekday() >= 5 else -1 for day in differing]
    return differing, [0, *itertools.accumulate(steps)]


def _difference_within(
    days: list[datetime.date], sums: list[int], start: datetime.date, end: datetime.date
) -> int:
    """The sum of the differences of ``days`` (sorted; ``sums`` their running sums) that fall in
    ``start``..``end``: two bisections."""
    return sums[bisect.bisect_right(days, end)] - sums[bisect.bisect_left(days, start)]


def _mondays_to_fridays(start: datetime.date, end: datetime.date) -> int:
    """How many Mondays to Fridays ``start``..``end`` holds (both included; end >= start)."""
    weeks, rest = divmod((end - start).days + 1, 7)
    first = start.weekday()
    return weeks * 5 + sum((first + offset) % 7 < 5 for offset in range(rest))


def _package_or_weekday(day: datetime.date) -> bool:
    answer = _package_says(day)
    return day.weekday() < 5 if answer is None else answer


def _year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


@dataclass(frozen=True)
class EnteredYears:
    """The holiday years administrators entered, as the calendar reads them."""

    years: frozenset[int]
    days_off: frozenset[datetime.date]
    make_up_days: frozenset[datetime.date]
    # Where an entered year differs from the package (or from Monday to Friday): +1 a working
    # day, -1 a day off, in order, with their running sums.
    differences: tuple[list[datetime.date], list[int]]

    def says(self, day: datetime.date) -> bool | None:
        """The entered year's answer, None for a year nobody entered."""
        if day.year not in self.years:
            return None
        return _entered_says(day, self.days_off, self.make_up_days)


def _entered_says(
    day: datetime.date, days_off: frozenset[datetime.date], make_up_days: frozenset[datetime.date]
) -> bool:
    return day in make_up_days or (day.weekday() < 5 and day not in days_off)


@functools.lru_cache(maxsize=32)
def _entered_years(rows: tuple[HolidayEntryRow, ...]) -> EnteredYears:
    """The entered years from the rows of ``holiday_entry_rows``, cached by those rows (they
    change only when an administrator saves a year). Each entry's days are listed, within its
    year: at most a few dozen days a year, never a caller's span."""
    years: set[int] = set()
    days_off: set[datetime.date] = set()
    make_up_days: set[datetime.date] = set()
    for year, kind, first, last in rows:
        years.add(year)
        if kind is None:
            continue
        year_first, year_last = _year_bounds(year)
        first, last = max(first, year_first), min(last, year_last)
        days = (first + ONE_DAY * offset for offset in range((last - first).days + 1))
        (make_up_days if kind == HolidayEntry.Kind.MAKE_UP_DAY else days_off).update(days)
    days_off_set, make_up_set = frozenset(days_off), frozenset(make_up_days)

    package_days = _package_differences()[0]
    candidates = days_off | make_up_days
    for year in years:
        year_first, year_last = _year_bounds(year)
        low, high = (
            bisect.bisect_left(package_days, year_first),
            bisect.bisect_right(package_days, year_last),
        )
        candidates.update(package_days[low:high])
    changing = sorted(
        (day, step)
        for day in candidates
        if (step := _entered_says(day, days_off_set, make_up_set) - _package_or_weekday(day))
    )
    return EnteredYears(
        years=frozenset(years),
        days_off=days_off_set,
        make_up_days=make_up_set,
        differences=(
            [day for day, _step in changing],
            [0, *itertools.accumulate(step for _day, step in changing)],
        ),
    )


def read_entered_years() -> EnteredYears:
    """The entered years as they are now (one query, once per read-only request)."""
    return _entered_years(holiday_entry_rows())


def years_counted_monday_to_friday(start: datetime.date, end: datetime.date) -> list[int]:
    """The years of ``start``..``end`` that nobody entered and the package does not know: their
    working days are Monday to Friday (under the overrides), and a page counting working days
    in them says so."""
    known_first, known_last = _package_years()
    entered = read_entered_years().years
    unknown = [
        *range(start.year, min(end.year, known_first - 1) + 1),
        *range(max(start.year, known_last + 1), end.year + 1),
    ]
    return [year for year in unknown if year not in entered]


# Pages about what is due (the inbox, the tracking table, one's reminders) look a month ahead.
LOOKED_AHEAD = datetime.timedelta(days=31)


def years_counted_monday_to_friday_over(days: Iterable[datetime.date | None]) -> list[int]:
    """``years_counted_monday_to_friday`` from the earliest to the latest of ``days`` (a page's
    dates; None left out); none for no date."""
    known = [day for day in days if day is not None]
    return years_counted_monday_to_friday(min(known), max(known)) if known else []


def _warn_unknown_years(first: int, last: int, entered: frozenset[int]) -> None:
    """Warn once about each year of ``first``..``last`` the package does not know and nobody
    entered; a long stretch of such years (a far date's) gets one warning for all of it, once
    per side of the package."""
    known_first, known_last = _package_years()
    stretches = [
        ("before", first, min(last, known_first - 1)),
        ("after", max(first, known_last + 1), last),
    ]
    for side, low, high in stretches:
        if low > high:
            continue
        if high - low < UNKNOWN_YEARS_WARNED_ONE_BY_ONE:
            unwarned = [
                year
                for year in range(low, high + 1)
                if year not in _warned_years and year not in entered
            ]
            for year in unwarned:
                _warn(str(year))
            _warned_years.update(unwarned)
        elif side not in _warned_years:
            _warned_years.add(side)
            _warn(f"{low}–{high}")


def _warn(years: str) -> None:
    logger.warning(
        "chinese-calendar %s has no holidays for %s and nobody entered them: counting Monday to "
        "Friday plus the working-day overrides; enter that year's holiday arrangement in the "
        "admin (holiday arrangements) or upgrade the package",
        chinese_calendar.__version__,
        years,
    )


def _shifted(day: datetime.date, delta: datetime.timedelta) -> datetime.date:
    """``day + delta``, stopping at the first or last date a date can hold."""
    try:
        return day + delta
    except OverflowError:
        return datetime.date.max if delta > datetime.timedelta(0) else datetime.date.min


def _as_date(day: datetime.date) -> datetime.date:
    # A datetime would miss every override (a datetime never equals a date): refuse it.
    if isinstance(day, datetime.datetime) or not isinstance(day, datetime.date):
        raise TypeError(f"expected a datetime.date, got {type(day).__name__}")
    return day


class WorkdayCalendar:
    """Answers working-day questions for ``start``..``end`` (inclusive) after one query: the
    overrides of the range together with every entered year (a few rows a year).

    A question outside that range still gets a right answer: the calendar reads the overrides
    of the missing stretch (at least a month of it) in one more query.
    """

    def __init__(self, start: datetime.date, end: datetime.date):
        start, end = _as_date(start), _as_date(end)
        if end < start:
            raise ValueError(f"the range ends ({end}) before it starts ({start})")
        self._start, self._end = start, end
        self._overrides, self._entered = self._read_overrides_and_entered_years(start, end)
        self._override_differences: tuple[list[datetime.date], list[int]] | None = None

    @staticmethod
    def _read_overrides_and_entered_years(
        start: datetime.date, end: datetime.date
    ) -> tuple[dict[datetime.date, bool], EnteredYears]:
        """One UNION ALL: a calendar is built for most pages and every sweep, and the entered
        years are a few rows. An override's row has no year; an entry's row has its year."""
        overrides = (
            WorkdayOverride.objects.filter(date__range=(start, end))
            .order_by()
            .values_list(
                "date",
                "date",
                Value(None, output_field=PositiveSmallIntegerField()),
                Case(
                    When(is_workday=True, then=Value(_OVERRIDE_WORKDAY)),
                    default=Value(_OVERRIDE_DAY_OFF),
                    output_field=CharField(),
                ),
            )
        )
        entries = HolidayYear.objects.order_by().values_list(
            "entries__first_day", "entries__last_day", "year", "entries__kind"
        )
        found: dict[datetime.date, bool] = {}
        rows: list[HolidayEntryRow] = []
        for first, last, year, kind in overrides.union(entries, all=True):
            if year is None:
                found[first] = kind == _OVERRIDE_WORKDAY
            else:
                rows.append((year, kind, first, last))
        rows.sort(key=lambda row: (row[0], row[2] or datetime.date.min, row[1] or ""))
        return found, _entered_years(tuple(rows))

    @staticmethod
    def _read_overrides(start: datetime.date, end: datetime.date) -> dict[datetime.date, bool]:
        return dict(
            WorkdayOverride.objects.filter(date__range=(start, end)).values_list(
                "date", "is_workday"
            )
        )

    def _cover(self, day: datetime.date) -> None:
        """Read the overrides up to ``day`` when it lies outside the range read so far."""
        if day < self._start:
            start = min(day, _shifted(self._start, -MIN_EXTENSION))
            self._overrides |= self._read_overrides(start, self._start - ONE_DAY)
            self._start = start
        elif day > self._end:
            end = max(day, _shifted(self._end, MIN_EXTENSION))
            self._overrides |= self._read_overrides(self._end + ONE_DAY, end)
            self._end = end
        else:
            return
        self._override_differences = None

    def _year_says(self, day: datetime.date) -> bool:
        """The answer below the overrides: the entered year's, the package's, or Monday to
        Friday."""
        entered = self._entered.says(day)
        return _package_or_weekday(day) if entered is None else entered

    def _differences_of_overrides(self) -> tuple[list[datetime.date], list[int]]:
        """The overrides that change the calendar's answer (+1 a working day, -1 a day off), in
        order, with their running sums."""
        if self._override_differences is None:
            changing = sorted(
                (day, is_workday - self._year_says(day))
                for day, is_workday in self._overrides.items()
                if is_workday != self._year_says(day)
            )
            self._override_differences = (
                [day for day, _step in changing],
                [0, *itertools.accumulate(step for _day, step in changing)],
            )
        return self._override_differences

    def is_workday(self, day: datetime.date) -> bool:
        day = _as_date(day)
        self._cover(day)
        override = self._overrides.get(day)
        if override is not None:
            return override
        if _package_says(day) is None:
            _warn_unknown_years(day.year, day.year, self._entered.years)
        return self._year_says(day)

    def workdays_between(self, start: datetime.date, end: datetime.date) -> int:
        """How many working days ``start``..``end`` holds, both included; 0 if end < start."""
        start, end = _as_date(start), _as_date(end)
        if end < start:
            return 0
        self._cover(start)
        self._cover(end)
        _warn_unknown_years(start.year, end.year, self._entered.years)
        return (
            _mondays_to_fridays(start, end)
            + _difference_within(*_package_differences(), start, end)
            + _difference_within(*self._entered.differences, start, end)
            + _difference_within(*self._differences_of_overrides(), start, end)
        )

    def workdays_after(self, start: datetime.date, end: datetime.date) -> int:
        """The working days after ``start`` up to and including ``end`` — how long a step from
        ``start`` to ``end`` took — negative when ``end`` comes first, 0 on the same day."""
        if end < start:
            return -self.workdays_after(end, start)
        return self.workdays_between(start, end) - self.is_workday(start)

    def add_workdays(self, day: datetime.date, n: int) -> datetime.date:
        """The ``n``-th working day after ``day`` (before it when ``n`` is negative).

        ``day`` itself never counts as one of the ``n``; with ``n == 0`` the answer is ``day``
        when it is a working day, else the next working day.
        """
        day = _as_date(day)
        if abs(n) > MAX_WORKDAYS_STEP:
            raise ValueError(f"{n} working days is more than add_workdays counts")
        if n == 0:
            return day if self.is_workday(day) else self.next_workday(day)
        return self._nth_workday_from(day, abs(n), forward=n > 0)

    def _nth_workday_from(self, day: datetime.date, n: int, *, forward: bool) -> datetime.date:
        """The ``n``-th working day after (or before) ``day``, found by counting: the reach that
        holds ``n`` working days is doubled until it does, then halved down to the first day
        that does (always a working day)."""
        step = ONE_DAY if forward else -ONE_DAY

        def held(reach: int) -> int:  # the working days of the ``reach`` days beyond ``day``
            other = _shifted(day, step * reach)
            return self.workdays_between(*sorted((_shifted(day, step), other)))

        # n working days lie within n runs of days off, each at most MAX_DAYS_OFF_IN_A_ROW long
        longest = n * (MAX_DAYS_OFF_IN_A_ROW + 1)
        short, long = 0, n * 7 // 5 + _HOLIDAY_MARGIN.days
        while held(long) < n:
            if long >= longest or _shifted(day, step * long) in (
                datetime.date.min,
                datetime.date.max,
            ):
                raise ValueError(f"no working day in the year around {day}: check overrides")
            short, long = long, min(long * 2, longest)
        while long - short > 1:
            middle = (short + long) // 2
            short, long = (short, middle) if held(middle) >= n else (middle, long)
        return _shifted(day, step * long)

    def next_workday(self, day: datetime.date) -> datetime.date:
        """The first working day after ``day`` (``day`` itself is never the answer)."""
        return self.add_workdays(day, 1)


# A margin that covers the longest holiday (Spring Festival, 9 days) around a short question.
_HOLIDAY_MARGIN = datetime.timedelta(days=14)


def _calendar_for_steps(day: datetime.date, n: int) -> WorkdayCalendar:
    span = datetime.timedelta(days=abs(n) * 7 // 5) + _HOLIDAY_MARGIN
    return WorkdayCalendar(day, day + span) if n >= 0 else WorkdayCalendar(day - span, day)


def is_workday(day: datetime.date) -> bool:
    return WorkdayCalendar(day, day).is_workday(day)


def workdays_between(start: datetime.date, end: datetime.date) -> int:
    """How many working days ``start``..``end`` holds, both included; 0 if end < start."""
    if _as_date(end) < _as_date(start):
        return 0
    return WorkdayCalendar(start, end).workdays_between(start, end)


def add_workdays(day: datetime.date, n: int) -> datetime.date:
    """See ``WorkdayCalendar.add_workdays``."""
    return _calendar_for_steps(day, n).add_workdays(day, n)


def next_workday(day: datetime.date) -> datetime.date:
    """The first working day after ``day`` (``day`` itself is never the answer)."""
    return _calendar_for_steps(day, 1).next_workday(day)


# The State Council publishes a year's arrangement in the autumn before it: from this day of the
# year (month, day) administrators are asked for the next year's.
NEXT_YEAR_ASKED_FROM = (10, 1)


def holiday_years_missing(today: datetime.date) -> list[int]:
    """The years whose arrangement administrators should enter now: this year when nobody
    entered it and the package does not know it, and from 1 October the next year too."""
    last = today.year + ((today.month, today.day) >= NEXT_YEAR_ASKED_FROM)
    return years_counted_monday_to_friday(
        datetime.date(today.year, 1, 1), datetime.date(last, 12, 31)
    )
