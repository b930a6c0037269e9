"""The archive bundle is built once, by the worker, never by a request.

Archiving a case writes its ``ArchiveBundle`` row in the same transaction (the outbox) and
queues ``build_archive_bundle`` once that commits; the task claims the row with a conditional
UPDATE, builds the ZIP into storage (``bundle.archive_bundle_store``), telling the row how far
it got as it goes, and marks it ready. When the broker was down at that moment, or a worker died
while building, the periodic sweep (``build_waiting_archive_bundles``, every minute) builds what
waits, and gives a row to an archived case that has none. Two builders never build the same
bundle at once: a claim older than ``STALE_CLAIM`` belongs to a worker that died and is taken
over. A build that fails is tried again by the sweep, at most ``MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import datetime
import logging
import time

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from acceptance_app.bundle import archive_bundle_store
from acceptance_app.models import ArchiveBundle
from cases.models import Case
from collab_portal.lib.broker import send_task_quietly

logger = logging.getLogger(__name__)

State = ArchiveBundle.State
# A large case's bundle takes minutes; a claim this old belongs to a worker that died.
STALE_CLAIM = datetime.timedelta(minutes=30)
MAX_ATTEMPTS = 5
SWEEP_LIMIT = 5  # bundles one sweep builds, so it never holds a worker for long
PROGRESS_SECONDS = 0.5  # how often the row hears how far the build got


def archive_bundle_queue(*, request: Case) -> ArchiveBundle:
    """Inside the transaction that archives ``request``: write its outbox row and queue the
    build once the transaction commits (the sweep builds it if the broker is down then)."""
    bundle, _created = ArchiveBundle.objects.get_or_create(request=request)
    transaction.on_commit(lambda: _send(request.pk))
    return bundle


def _send(request_id: int) -> None:
    from acceptance_app.tasks import build_archive_bundle

    send_task_quietly(build_archive_bundle, args=[request_id])


def _claimable(now: datetime.datetime) -> Q:
    return Q(state=State.WAITING) | Q(state=State.BUILDING, claimed_at__lt=now - STALE_CLAIM)


def archive_bundle_build(*, request_id: int) -> ArchiveBundle | None:
    """Build the bundle of the archived case ``request_id`` if it waits and nobody else is
    building it; the row as it ended, or None when there was nothing to build."""
    now = timezone.now()
    claimed = ArchiveBundle.objects.filter(_claimable(now), request_id=request_id).update(
        state=State.BUILDING,
        claimed_at=now,
        attempts=F("attempts") + 1,
        files_done=0,
        files_total=0,
    )
    if not claimed:
        return None
    bundle = ArchiveBundle.objects.select_related("request").get(request_id=request_id)
    rows = ArchiveBundle.objects.filter(pk=bundle.pk)
    told = [0.0]

    def progress(done: int, total: int) -> None:
        if done == total or time.monotonic() - told[0] >= PROGRESS_SECONDS:
            rows.update(files_done=done, files_total=total)
            told[0] = time.monotonic()

    try:
        name = archive_bundle_store(request=bundle.request, on_progress=progress)
        size = default_storage.size(name)
    except Exception as error:  # a form that fails to render, a storage that refuses the file
        gives_up = bundle.attempts >= MAX_ATTEMPTS
        logger.log(
            logging.ERROR if gives_up else logging.WARNING,
            "archive bundle of %s failed (attempt %s)%s",
            bundle.request.code,
            bundle.attempts,
            ", given up" if gives_up else ", the sweep tries again",
            exc_info=True,
        )
        rows.update(
            state=State.FAILED if gives_up else State.WAITING,
            claimed_at=None,
            error=f"{type(error).__name__}: {error}"[:500],
        )
    else:
        rows.update(
            state=State.READY, stored_name=name, size=size, built_at=timezone.now(), error=""
        )
    bundle.refresh_from_db()
    return bundle


def archive_bundles_sweep(*, limit: int = SWEEP_LIMIT) -> int:
    """Build the bundles left waiting (oldest first, at most ``limit``); an archived case
    without a row (archived before bundles were kept so, restored from a backup) gets one.
    Returns how many were built."""
    missing = Case.objects.filter(
        stage=Case.Stage.ARCHIVED, archive_bundle__isnull=True
    ).values_list("pk", flat=True)
    ArchiveBundle.objects.bulk_create(
        [ArchiveBundle(request_id=pk) for pk in missing], ignore_conflicts=True
    )
    waiting = ArchiveBundle.objects.filter(_claimable(timezone.now())).order_by("queued_at", "pk")
    built = 0
    for request_id in list(waiting.values_list("request_id", flat=True)[:limit]):
        bundle = archive_bundle_build(request_id=request_id)
        built += bundle is not None and bundle.state == State.READY
    return built


def archive_bundle_retry(*, bundle: ArchiveBundle) -> None:
    """An administrator has a bundle prepared again: one that could not be, or whose stored
    file was lost or damaged (the file kept is removed, so the build makes a new one)."""
    ArchiveBundle.objects.filter(pk=bundle.pk).update(
        state=State.WAITING, attempts=0, error="", claimed_at=None, stored_name="", size=None
    )
    if bundle.stored_name:
        transaction.on_commit(lambda: default_storage.delete(bundle.stored_name))
    transaction.on_commit(lambda: _send(bundle.request_id))
