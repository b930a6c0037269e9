"""Dates people enter: each kind has a window around today, and a date outside it is refused.

A date far from today is a slip of the keyboard or an attack: a task due on 0001-01-02 once made
every manager's dashboard count two thousand years of working days. Forms take such dates through
``DateWindowField`` and ``DateTimeWindowField`` (``collab_portal.lib.forms``); the services check
the same window again with ``DateWindow.refusal``, because imports and other callers reach them
without a form. Dates the portal computes itself (a timestamp, a template's task dates counted
from a checked start) are not checked.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _


def years_from(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later (earlier when negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class DateWindow:
    """From ``years_back`` years before today to ``years_ahead`` years after it, both included."""

    years_back: int
    years_ahead: int

    def bounds(self, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
        today = today or timezone.localdate()
        return years_from(today, -self.years_back), years_from(today, self.years_ahead)

    def holds(self, value: datetime.date | datetime.datetime) -> bool:
        first, last = self.bounds()
        return first <= _day_of(value) <= last

    def refusal(self, value: datetime.date | datetime.datetime | None) -> str | None:
        """The message that refuses ``value`` when it lies outside the window, else None."""
        if value is None or self.holds(value):
            return None
        first, last = self.bounds()
        return _("Pick a date from %(first)s to %(last)s.") % {
            "first": first.isoformat(),
            "last": last.isoformat(),
        }

    def refusals(self, **values: datetime.date | datetime.datetime | None) -> dict[str, str]:
        """The refusal of each value outside the window, by the name it was given (a field's)."""
        return {name: refusal for name, value in values.items() if (refusal := self.refusal(value))}


def _day_of(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


# What is still to come, from today on: a request's expected deadline, a plan's milestones, a
# risk's resolution deadline (and a leader's new one), a delayed task's new expected date, the
# last day of a delegation. No collaboration is planned further ahead than five years.
DEADLINE = DateWindow(years_back=0, years_ahead=5)
# When work is planned to happen: a task's start and due dates (typed, imported, moved, or a
# template's first day), the first day of a delegation. A breakdown may be entered after the work
# began.
SCHEDULE = DateWindow(years_back=1, years_ahead=5)
# When something was done or arranged: information sent to a receiver, the kickoff meeting.
RECORDED = DateWindow(years_back=1, years_ahead=1)
# What a chart can draw (the Gantt): a task dated beyond it (an old row) stays in the table only.
CHARTED = DateWindow(years_back=10, years_ahead=10)
