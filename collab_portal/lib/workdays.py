"""Working days: the PRC calendar with its make-up working days (调休), under admin overrides.

An administrator's ``WorkdayOverride`` for a date always wins. Otherwise the ``chinese-calendar``
package decides; for a year it does not know yet, Monday to Friday are working days (and a
warning is logged once per year, so someone enters that year's holidays as overrides).

Code that asks about many dates builds one ``WorkdayCalendar`` for the range it needs: the
overrides of that range are read in one query, and every answer after that is computed in memory.
The module-level functions are shortcuts that build a calendar for one question.

Counting never walks the days of a span: the Mondays to Fridays are counted in closed form, then
corrected by the few days that differ from them (the package's holidays and make-up days, the
overrides) found by bisection, so a span of 8,000 years costs what a week does.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import itertools
import logging

import chinese_calendar

from collab_portal.org.models import WorkdayOverride

logger = logging.getLogger(__name__)

ONE_DAY = datetime.timedelta(days=1)
# Reading more overrides than asked for is cheap; a second query is not.
MIN_EXTENSION = datetime.timedelta(days=31)
# Longer than any real run of days off: beyond it the overrides must be wrong.
MAX_DAYS_OFF_IN_A_ROW = 366
# add_workdays walks day by day: about four years of working days is more than any question the
# portal asks (reminder leads are a few days), and keeps a bad value from walking for minutes.
MAX_WORKDAYS_STEP = 1000
# A stretch of unknown years longer than this (only a far date reaches one) gets one warning for
# the whole stretch instead of one per year.
UNKNOWN_YEARS_WARNED_ONE_BY_ONE = 10

_warned_years: set[int | str] = set()


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


def _warn_unknown_years(first: int, last: int) -> None:
    """Warn once about each year of ``first``..``last`` the package does not know; a long stretch
    of such years (a far date's) gets one warning for all of it, once per side of the package."""
    known_first, known_last = _package_years()
    stretches = [
        ("before", first, min(last, known_first - 1)),
        ("after", max(first, known_last + 1), last),
    ]
    for side, low, high in stretches:
        if low > high:
            continue
        if high - low < UNKNOWN_YEARS_WARNED_ONE_BY_ONE:
            unwarned = [year for year in range(low, high + 1) if year not in _warned_years]
            for year in unwarned:
                _warn(str(year))
            _warned_years.update(unwarned)
        elif side not in _warned_years:
            _warned_years.add(side)
            _warn(f"{low}–{high}")


def _warn(years: str) -> None:
    logger.warning(
        "chinese-calendar %s has no holidays for %s: counting Monday to Friday plus the "
        "working-day overrides; enter that year's holidays as overrides or upgrade it",
        chinese_calendar.__version__,
        years,
    )


def _calendar_says(day: datetime.date) -> bool:
    """The PRC calendar's answer, or Monday to Friday for a year the package does not cover."""
    if _package_says(day) is None:
        _warn_unknown_years(day.year, day.year)
    return _package_or_weekday(day)


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
    """Answers working-day questions for ``start``..``end`` (inclusive) after one query.

    A question outside that range still gets a right answer: the calendar reads the overrides
    of the missing stretch (at least a month of it) in one more query.
    """

    def __init__(self, start: datetime.date, end: datetime.date):
        start, end = _as_date(start), _as_date(end)
        if end < start:
            raise ValueError(f"the range ends ({end}) before it starts ({start})")
        self._start, self._end = start, end
        self._overrides = self._read_overrides(start, end)
        self._override_differences: tuple[list[datetime.date], list[int]] | None = None

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

    def _differences_of_overrides(self) -> tuple[list[datetime.date], list[int]]:
        """The overrides that change the calendar's answer (+1 a working day, -1 a day off), in
        order, with their running sums."""
        if self._override_differences is None:
            changing = sorted(
                (day, is_workday - _package_or_weekday(day))
                for day, is_workday in self._overrides.items()
                if is_workday != _package_or_weekday(day)
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
        return _calendar_says(day) if override is None else override

    def workdays_between(self, start: datetime.date, end: datetime.date) -> int:
        """How many working days ``start``..``end`` holds, both included; 0 if end < start."""
        start, end = _as_date(start), _as_date(end)
        if end < start:
            return 0
        self._cover(start)
        self._cover(end)
        _warn_unknown_years(start.year, end.year)
        return (
            _mondays_to_fridays(start, end)
            + _difference_within(*_package_differences(), start, end)
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
        step = ONE_DAY if n > 0 else -ONE_DAY
        remaining, days_off = abs(n), 0
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
                days_off = 0
            else:
                days_off += 1
                if days_off > MAX_DAYS_OFF_IN_A_ROW:
                    raise ValueError(f"no working day in the year around {day}: check overrides")
        return day

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
