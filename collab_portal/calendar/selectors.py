"""Reads of the holiday years administrators entered, for the working-day calendar."""

from __future__ import annotations

import datetime

from collab_portal.org.models import HolidayYear
from collab_portal.org.selectors import remembered

HolidayEntryRow = tuple[int, str | None, datetime.date | None, datetime.date | None]


def holiday_entry_rows() -> tuple[HolidayEntryRow, ...]:
    """(year, kind, first day, last day) of every entry of every entered ``HolidayYear``, in
    order; a year without entries gives one row of Nones. One query (a few hundred rows at
    most), once per read-only request."""
    return tuple(
        remembered(
            ("holiday_entry_rows",),
            lambda: list(
                HolidayYear.objects.order_by("year", "entries__first_day").values_list(
                    "year", "entries__kind", "entries__first_day", "entries__last_day"
                )
            ),
        )
    )
