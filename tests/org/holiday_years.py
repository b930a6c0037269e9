"""Holiday arrangements for tests. The State Council has not published 2027's arrangement: the
text below is made up for the tests (weekdays right for 2027) and is never shipped."""

from collab_portal.calendar.services import holiday_year_save
from collab_portal.org.models import HolidayYear
from tests.factories import UserFactory

# New Year's Day on a Friday, a nine-day Spring Festival from Friday 5 February and one
# make-up Saturday.
MADE_UP_2027 = (
    "一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n"
    "二、春节：2月5日（周五）至13日（周六）放假调休，共9天。2月20日（周六）上班。\n"
)


def enter_year(year: int, text: str) -> HolidayYear:
    """Enter ``year``'s arrangement as an administrator would."""
    admin = UserFactory(is_staff=True, is_superuser=True)
    return holiday_year_save(actor=admin, year=year, text=text)
