"""Sign-in throttling, on django-axes: two limits.

- Per account and address (axes' own lockout): SIGN_IN_ACCOUNT_FAILURE_LIMIT wrong passwords for
  one username from one address lock that pair for AXES_COOLOFF_TIME.
- Per address: SIGN_IN_ADDRESS_FAILURE_LIMIT failures from one address within
  SIGN_IN_ADDRESS_WINDOW, whatever the usernames, lock the whole address until the oldest of them
  is older than the window. It stops spraying a few guesses across many accounts.

Axes takes one limit (AXES_FAILURE_LIMIT, here :func:`failure_limit`): the account's, or none
left while the address is locked. The address's failures are axes' failure log, one row per
failure with its time."""

import datetime

from axes.helpers import get_client_ip_address, get_cool_off
from axes.models import AccessFailureLog
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone


def address_locked_until(ip_address: str | None) -> datetime.datetime | None:
    """When ``ip_address`` may sign in again, while it has used up its failures; else None."""
    if not ip_address:
        return None
    window = settings.SIGN_IN_ADDRESS_WINDOW
    recent = AccessFailureLog.objects.filter(
        ip_address=ip_address, attempt_time__gte=timezone.now() - window
    ).order_by("-attempt_time")
    limit = settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
    oldest_that_counts = recent.values_list("attempt_time", flat=True)[limit - 1 : limit]
    return oldest_that_counts[0] + window if oldest_that_counts else None


def _ip_address(request) -> str | None:
    return getattr(request, "axes_ip_address", None) or get_client_ip_address(request)


def failure_limit(request, credentials=None) -> int:
    """AXES_FAILURE_LIMIT: the per-account limit, or 0 (locked) while the address is."""
    if address_locked_until(_ip_address(request)) is not None:
        return 0
    return settings.SIGN_IN_ACCOUNT_FAILURE_LIMIT


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page again (429), saying which limit was reached and
    when to try again."""
    cool_off = get_cool_off(request)
    context = {
        "address_locked_until": address_locked_until(_ip_address(request)),
        "account_minutes": int(cool_off.total_seconds() // 60),
    }
    return render(request, "registration/login_locked_out.html", context, status=429)
