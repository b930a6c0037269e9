"""Handing work to Celery without ever letting a broker outage reach the user."""

import logging

from celery import Task

logger = logging.getLogger(__name__)


def send_task_quietly(task: Task, *, args=(), kwargs=None) -> bool:
    """Queue ``task``; on any broker failure log it and return False.

    Callers keep the work in the database (an outbox row) so a periodic sweep finishes it once
    the broker is back; this call only makes the happy path fast.
    """
    try:
        task.apply_async(args=args, kwargs=kwargs or {}, retry=False)
    except Exception:  # the broker's many connection errors have no common base class
        logger.warning(
            "broker unavailable, %s left for the periodic sweep", task.name, exc_info=True
        )
        return False
    return True
