from django.core.paginator import Page, Paginator
from django.shortcuts import get_object_or_404

from collab_portal.notifications.models import Notification

PAGE_SIZE = 20


def notification_page(*, user, page_number, unread_only: bool = False) -> Page:
    notifications = Notification.objects.for_user(user).select_related("actor")
    if unread_only:
        notifications = notifications.unread()
    return Paginator(notifications, PAGE_SIZE).get_page(page_number)


def unread_count(*, user) -> int:
    return Notification.objects.for_user(user).unread().count()


def latest_notifications(*, user, limit: int = 5) -> list[Notification]:
    return list(Notification.objects.for_user(user).select_related("actor")[:limit])


def notification_for(*, user, pk) -> Notification:
    """The user's own notification, or 404: nobody reads anyone else's."""
    return get_object_or_404(Notification, pk=pk, recipient=user)
