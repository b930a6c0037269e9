from django.utils.functional import SimpleLazyObject

from collab_portal.dashboard.navigation import nav_links
from collab_portal.notifications.selectors import unread_count


def shell(request):
    """What the base layout needs on every signed-in page: navigation and the bell's count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_links": nav_links(user=user, current_path=request.path),
        # counted only when the template shows it: htmx fragments do not
        "unread_notification_count": SimpleLazyObject(lambda: unread_count(user=user)),
    }
