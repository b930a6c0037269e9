"""Entering a year's holiday arrangement: what an administrator may enter, and saving it."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab_portal.calendar.holiday_arrangement import Arrangement, read_arrangement
from collab_portal.org.models import HolidayEntry, HolidayYear, User

# A year's arrangement is published in the autumn before it: the next year is the furthest one
# can enter (nothing is guessed further ahead); a few past years may still be corrected.
HOLIDAY_YEARS_BACK = 5


def holiday_years_open(today: datetime.date | None = None) -> range:
    """The years whose arrangement may be entered now."""
    today = today or timezone.localdate()
    return range(today.year - HOLIDAY_YEARS_BACK, today.year + 2)


def holiday_year_read(*, year: int, text: str) -> Arrangement:
    """The arrangement ``text`` gives ``year``, as the preview shows it; raises
    ``ArrangementRefused`` (every wrong line named) or ValidationError (a year not open)."""
    years = holiday_years_open()
    if year not in years:
        raise ValidationError(
            {
                "year": _("Enter a year from %(first)d to %(last)d.")
                % {"first": years[0], "last": years[-1]}
            }
        )
    return read_arrangement(year=year, text=text)


@transaction.atomic
def holiday_year_save(*, actor: User, year: int, text: str) -> HolidayYear:
    """Enter ``year``'s holidays and make-up working days as the State Council published them,
    replacing what was entered for that year before. The text is read whole first: a wrong
    line refuses all of it and nothing is saved."""
    if not (actor.has_perm("org.add_holidayyear") and actor.has_perm("org.change_holidayyear")):
        raise PermissionDenied(_("Only an administrator enters the holiday arrangement."))
    arrangement = holiday_year_read(year=year, text=text)
    holiday_year, _created = HolidayYear.objects.select_for_update().update_or_create(
        year=year, defaults={"text": text.strip(), "updated_by": actor}
    )
    holiday_year.entries.all().delete()
    HolidayEntry.objects.bulk_create(
        HolidayEntry(
            holiday_year=holiday_year,
            kind=entry.kind,
            first_day=entry.first_day,
            last_day=entry.last_day,
            name=entry.name,
        )
        for entry in arrangement.entries
    )
    return holiday_year
