from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from collab_portal.calendar.workdays import holiday_years_missing
from collab_portal.dashboard.navigation import nav_links
from collab_portal.notifications.selectors import unread_count


def shell(request):
    """What the base layout needs on every signed-in page: navigation, the bell's count, and
    for administrators the years whose holiday arrangement is missing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {
        "nav_links": nav_links(user=user, current_path=request.path),
        # counted only when the template shows it: htmx fragments do not
        "unread_notification_count": SimpleLazyObject(lambda: unread_count(user=user)),
    }
    if user.is_staff and user.has_perm("org.add_holidayyear"):
        context["holiday_years_missing"] = SimpleLazyObject(
            lambda: holiday_years_missing(timezone.localdate())
        )
    return context
