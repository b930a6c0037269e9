"""Handing work to Celery without ever letting a broker outage reach the user."""

import contextlib
import contextvars
import logging

from celery import Task

logger = logging.getLogger(__name__)


_deferred = contextvars.ContextVar("broker_deferred", default=False)


@contextlib.contextmanager
def broker_deferred():
    """Within this block nothing is queued: bulk work (seeding the demo) leaves its outbox rows
    to the periodic sweeps instead of flooding the queue with one task per change."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def send_task_quietly(task: Task, *, args=(), kwargs=None) -> bool:
    """Queue ``task``; on any broker failure log it and return False.

    Callers keep the work in the database (an outbox row) so a periodic sweep finishes it once
    the broker is back; this call only makes the happy path fast.
    """
    if _deferred.get():
        return False
    try:
        task.apply_async(args=args, kwargs=kwargs or {}, retry=False)
    except Exception:  # the broker's many connection errors have no common base class
        logger.warning(
            "broker unavailable, %s left for the periodic sweep", task.name, exc_info=True
        )
        return False
    return True
