from celery import shared_task

from collab_portal.reminders.services import reminders_deliver, reminders_sweep


@shared_task
def sweep_reminders() -> dict:
    """Every few minutes: plan what the rules find due (a repeat plans nothing new)."""
    return reminders_sweep()


@shared_task
def deliver_reminders() -> int:
    return reminders_deliver()
