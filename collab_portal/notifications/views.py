from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from collab_portal.lib.urls import local_path
from collab_portal.notifications.selectors import notification_for, notification_page
from collab_portal.notifications.services import (
    notification_mark_read,
    notifications_mark_all_read,
)


@require_GET
def notification_list(request):
    unread_only = request.GET.get("filter") == "unread"
    page = notification_page(
        user=request.user, page_number=request.GET.get("page"), unread_only=unread_only
    )
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread_only": unread_only},
    )


@require_POST
def notification_open(request, pk):
    notification = notification_for(user=request.user, pk=pk)
    notification_mark_read(notification=notification)
    return redirect(local_path(notification.url, request=request) or "notifications:list")


@require_POST
def notification_read_all(request):
    notifications_mark_all_read(user=request.user)
    return redirect("notifications:list")
