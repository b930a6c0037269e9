"""collab_portal.org.sign_in_limits: the address's own limit, counted from axes' failure log."""

import datetime

import pytest
from axes.models import AccessFailureLog
from django.utils import timezone

from collab_portal.org.sign_in_limits import address_locked_until

pytestmark = pytest.mark.django_db

ADDRESS = "192.0.2.44"


def _failures(count, *, minutes_ago, address=ADDRESS):
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    rows = AccessFailureLog.objects.bulk_create(
        AccessFailureLog(ip_address=address, username=f"u{n}", user_agent="t", path_info="/")
        for n in range(count)
    )
    AccessFailureLog.objects.filter(pk__in=[r.pk for r in rows]).update(attempt_time=at)
    return at


def test_an_address_under_its_limit_or_unknown_is_not_locked(settings):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 3
    _failures(2, minutes_ago=1)
    _failures(5, minutes_ago=61)  # out of the hour
    _failures(5, minutes_ago=1, address="192.0.2.45")  # another address
    assert address_locked_until(ADDRESS) is None
    assert address_locked_until(None) is None


def test_an_address_at_its_limit_is_locked_until_the_oldest_counted_failure_leaves_the_window(
    settings,
):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 3
    _failures(1, minutes_ago=50)
    second_oldest = _failures(1, minutes_ago=40)
    _failures(2, minutes_ago=5)
    assert address_locked_until(ADDRESS) == second_oldest + datetime.timedelta(hours=1)
