"""Access to a case: the one helper every case page fetches its case through."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404

from cases.models import Case
from collab_portal.org.models import User

# What the stage apps read with every case they fetch (stage 1: its receivers), registered at
# start-up: a function that makes a fresh Prefetch each time.
_prefetches: list[Callable[[], Prefetch]] = []


def register_case_prefetch(make_prefetch: Callable[[], Prefetch]) -> None:
    if make_prefetch not in _prefetches:
        _prefetches.append(make_prefetch)


def case_for(*, user: User, code: str) -> Case:
    """The case with ``code`` if ``user`` may see it, else 404 (no hint that it exists)."""
    if "\x00" in code:  # from the URL; PostgreSQL refuses NUL in a query
        raise Http404
    return get_object_or_404(
        Case.objects.visible_to(user)
        .select_related("initiator", "initiator_department", "reviewer", "coordinator")
        .prefetch_related(*(make() for make in _prefetches)),
        code=code,
    )
