"""Working days: the PRC calendar with its make-up working days (调休), under admin overrides.

An administrator's ``WorkdayOverride`` for a date always wins. Otherwise the ``chinese-calendar``
package decides; for a year it does not know yet, Monday to Friday are working days (and a
warning is logged once per year, so someone enters that year's holidays as overrides).

Code that asks about many dates builds one ``WorkdayCalendar`` for the range it needs: the
overrides of that range are read in one query, and every answer after that is computed in memory.
The module-level functions are shortcuts that build a calendar for one question.
"""

from __future__ import annotations

import datetime
import functools
import logging

import chinese_calendar

from collab_portal.org.models import WorkdayOverride

logger = logging.getLogger(__name__)

ONE_DAY = datetime.timedelta(days=1)
# Reading more overrides than asked for is cheap; a second query is not.
MIN_EXTENSION = datetime.timedelta(days=31)
# Longer than any real run of days off: beyond it the overrides must be wrong.
MAX_DAYS_OFF_IN_A_ROW = 366

_warned_years: set[int] = set()


@functools.lru_cache(maxsize=8192)
def _package_says(day: datetime.date) -> bool | None:
    """The package's answer, None for a year it does not cover. Cached: each call of the package
    costs tens of microseconds, and sweeps ask about the same few hundred dates again and again."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def _calendar_says(day: datetime.date) -> bool:
    """The PRC calendar's answer, or Monday to Friday for a year the package does not cover."""
    answer = _package_says(day)
    if answer is not None:
        return answer
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        logger.warning(
            "chinese-calendar %s has no holidays for %s: counting Monday to Friday plus the "
            "working-day overrides; enter that year's holidays as overrides or upgrade it",
            chinese_calendar.__version__,
            day.year,
        )
    return day.weekday() < 5


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

    @staticmethod
    def _read_overrides(start: datetime.date, end: datetime.date) -> dict[datetime.date, bool]:
        return dict(
            WorkdayOverride.objects.filter(date__range=(start, end)).values_list(
                "date", "is_workday"
            )
        )

    def _cover(self, day: datetime.date) -> None:
        if day < self._start:
            start = min(day, self._start - MIN_EXTENSION)
            self._overrides |= self._read_overrides(start, self._start - ONE_DAY)
            self._start = start
        elif day > self._end:
            end = max(day, self._end + MIN_EXTENSION)
            self._overrides |= self._read_overrides(self._end + ONE_DAY, end)
            self._end = end

    def is_workday(self, day: datetime.date) -> bool:
        day = _as_date(day)
        if not self._start <= day <= self._end:
            self._cover(day)
        override = self._overrides.get(day)
        return _calendar_says(day) if override is None else override

    def workdays_between(self, start: datetime.date, end: datetime.date) -> int:
        """How many working days ``start``..``end`` holds, both included; 0 if end < start."""
        start, end = _as_date(start), _as_date(end)
        count, day = 0, start
        while day <= end:
            count += self.is_workday(day)
            day += ONE_DAY
        return count

    def add_workdays(self, day: datetime.date, n: int) -> datetime.date:
        """The ``n``-th working day after ``day`` (before it when ``n`` is negative).

        ``day`` itself never counts as one of the ``n``; with ``n == 0`` the answer is ``day``
        when it is a working day, else the next working day.
        """
        day = _as_date(day)
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
