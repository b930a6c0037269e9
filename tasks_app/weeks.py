"""ISO weeks, as the weekly summaries (周报) count them: in the portal's time zone
(Asia/Shanghai), Monday to Sunday."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy

from collab_portal.lib.stored_text import Text


def today() -> datetime.date:
    """Today in the portal's time zone (Asia/Shanghai), whoever is asking."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def iso_week_of(day: datetime.date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso.year, iso.week


def week_bounds(iso_year: int, iso_week: int) -> tuple[datetime.date, datetime.date]:
    """Monday and Sunday of the ISO week; ValueError for a week the year does not have."""
    return (
        datetime.date.fromisocalendar(iso_year, iso_week, 1),
        datetime.date.fromisocalendar(iso_year, iso_week, 7),
    )


def week_label_text(iso_year: int, iso_week: int) -> Text:
    """“2026年第48周 (11.23–11.29)”, kept as a message: shown in each reader's language."""
    start, end = week_bounds(iso_year, iso_week)
    return Text(
        gettext_lazy("%(year)s week %(week)s (%(start)s–%(end)s)"),
        year=iso_year,
        week=iso_week,
        start=f"{start:%m.%d}",
        end=f"{end:%m.%d}",
    )


def week_label(iso_year: int, iso_week: int) -> str:
    """“2026年第48周 (11.23–11.29)”: the same words as ``WeeklySummary.label``."""
    return str(week_label_text(iso_year, iso_week))


def start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )
