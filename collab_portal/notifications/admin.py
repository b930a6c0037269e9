from django.contrib import admin, messages
from django.utils.translation import ngettext

from collab_portal.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "recipient",
        "created_at",
        "read_at",
        "email_state",
        "email_attempts",
        "email_error",
    ]
    list_filter = ["email_state", "created_at"]
    show_facets = admin.ShowFacets.ALWAYS  # the filter shows how many e-mails failed
    search_fields = ["title", "recipient__display_name", "recipient__username"]
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def changelist_view(self, request, extra_context=None):
        failed = Notification.objects.filter(email_state=Notification.EmailState.FAILED).count()
        if failed and request.method == "GET":
            self.message_user(
                request,
                ngettext(
                    "%(count)d e-mail could not be sent: filter by “Failed” to see why.",
                    "%(count)d e-mails could not be sent: filter by “Failed” to see why.",
                    failed,
                )
                % {"count": failed},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)
