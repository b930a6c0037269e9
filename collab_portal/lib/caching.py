"""Figures kept in the cache, which may be down.

The cache only keeps what the portal can count again (the dashboard's figures, the KPIs), so a
cache that does not answer — Redis stopped, unreachable, out of memory — is a cache miss: the
figures are counted, not kept, and the page says so. Without that, every dashboard answered 500
while Redis was down (issue 17, finding 6).

The first failure of an outage is logged as a warning, then at most one a minute. After a failure
the cache is left alone for a few seconds: a Redis that accepts connections but does not answer
costs one request the socket timeout (``CACHES`` in settings), not every request.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Refused, reset or timed out (redis-py wraps most of them in RedisError), out of memory.
CACHE_DOWN = (OSError, RedisError)
# How long the cache is left alone after it failed.
RETRY_AFTER_SECONDS = 10
# How often an outage that goes on is logged again.
WARN_EVERY_SECONDS = 60

_MISSING = object()


@dataclass(frozen=True)
class Counted(Generic[T]):
    value: T
    kept: bool  # False: counted just now, and the cache could not keep it


class _Outage:
    """When this process last found the cache down, and last said so."""

    def __init__(self):
        self.failed_at = -math.inf
        self.warned_at = -math.inf

    def resting(self) -> bool:
        return time.monotonic() - self.failed_at < RETRY_AFTER_SECONDS

    def failed(self, error: Exception) -> None:
        self.failed_at = now = time.monotonic()
        if now - self.warned_at >= WARN_EVERY_SECONDS:
            self.warned_at = now
            logger.warning(
                "The cache is down (%s: %s): figures are counted for each request and not kept "
                "until it answers again",
                type(error).__name__,
                error,
            )


_outage = _Outage()


def kept_or_counted(key: str, count: Callable[[], T], seconds: int) -> Counted[T]:
    """The value kept under ``key``; else ``count()``, kept for ``seconds``. With the cache down,
    ``count()`` every time, marked as not kept."""
    if _outage.resting():
        return Counted(count(), kept=False)
    try:
        value = cache.get(key, _MISSING)
    except CACHE_DOWN as error:
        _outage.failed(error)
        return Counted(count(), kept=False)
    if value is not _MISSING:
        return Counted(value, kept=True)
    value = count()
    try:
        cache.set(key, value, seconds)
    except CACHE_DOWN as error:
        _outage.failed(error)
        return Counted(value, kept=False)
    return Counted(value, kept=True)
