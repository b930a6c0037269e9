from django.shortcuts import render
from django.views.decorators.http import require_GET

from collab_portal.dashboard.inbox import waiting_for
from collab_portal.notifications.selectors import latest_notifications
from collab_portal.org.selectors import roles_of


@require_GET
def home(request):
    """工作台: who I am here, what waits for me, what I was told."""
    return render(
        request,
        "dashboard/home.html",
        {
            "roles": roles_of(request.user),
            "waiting_items": waiting_for(request.user),
            "latest_notifications": latest_notifications(user=request.user),
        },
    )
