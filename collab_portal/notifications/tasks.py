from celery import shared_task

from collab_portal.notifications.services import notification_emails_deliver


@shared_task
def deliver_notification_emails(notification_ids: list[int]) -> int:
    return notification_emails_deliver(notification_ids=notification_ids)


@shared_task
def deliver_pending_notification_emails() -> int:
    return notification_emails_deliver()
