from django.contrib import admin

from collab_portal.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "created_at", "read_at", "email_state", "email_attempts"]
    list_filter = ["email_state", "created_at"]
    search_fields = ["title", "recipient__display_name", "recipient__username"]
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False
