"""What the holiday-year admin page shows: the year of an arrangement, month by month."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.utils.dates import MONTHS
from django.utils.translation import pgettext_lazy

from collab_portal.calendar.holiday_arrangement import Arrangement
from collab_portal.org.models import HolidayEntry

WEEKDAY_HEADERS = [
    pgettext_lazy("calendar column", "Mon"),
    pgettext_lazy("calendar column", "Tue"),
    pgettext_lazy("calendar column", "Wed"),
    pgettext_lazy("calendar column", "Thu"),
    pgettext_lazy("calendar column", "Fri"),
    pgettext_lazy("calendar column", "Sat"),
    pgettext_lazy("calendar column", "Sun"),
]


@dataclass(frozen=True)
class CalendarDay:
    day: datetime.date
    kind: str  # "work", "rest" (a weekend), "holiday" or "make-up"
    name: str  # the holiday's

    @property
    def is_workday(self) -> bool:
        return self.kind in ("work", "make-up")


@dataclass(frozen=True)
class CalendarMonth:
    label: str
    weeks: list[list[CalendarDay | None]]  # Monday first; None outside the month


@dataclass(frozen=True)
class YearPreview:
    year: int
    text: str  # what was read: saving posts it again
    months: list[CalendarMonth]
    workdays: int
    holidays_on_weekdays: int
    make_up_days: int
    skipped: list[tuple[int, str]]  # (line number, line): the lines that name no day


def year_preview(arrangement: Arrangement, *, text: str) -> YearPreview:
    """The twelve months of ``arrangement``'s year as it would count them: rest days, holidays,
    make-up working days (the admins' single-day overrides still apply on top)."""
    names: dict[datetime.date, str] = {}
    make_up: set[datetime.date] = set()
    for entry in arrangement.entries:
        for offset in range(entry.days):
            day = entry.first_day + datetime.timedelta(days=offset)
            if entry.kind == HolidayEntry.Kind.MAKE_UP_DAY:
                make_up.add(day)
            else:
                names[day] = entry.name

    def described(day: datetime.date) -> CalendarDay:
        if day in make_up:
            return CalendarDay(day, "make-up", "")
        if day in names:
            return CalendarDay(day, "holiday", names[day])
        return CalendarDay(day, "work" if day.weekday() < 5 else "rest", "")

    months = [
        CalendarMonth(
            label=str(MONTHS[month]),
            weeks=[
                [described(day) if day.month == month else None for day in week]
                for week in calendar.Calendar().monthdatescalendar(arrangement.year, month)
            ],
        )
        for month in range(1, 13)
    ]
    days = [day for month in months for week in month.weeks for day in week if day]
    return YearPreview(
        year=arrangement.year,
        text=text,
        months=months,
        workdays=sum(day.is_workday for day in days),
        holidays_on_weekdays=sum(day.kind == "holiday" and day.day.weekday() < 5 for day in days),
        make_up_days=len(make_up),
        skipped=arrangement.skipped,
    )
