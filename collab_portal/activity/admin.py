from django.contrib import admin

from collab_portal.activity.models import Activity
from collab_portal.lib.admin import ReadOnlyAdminMixin


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_name", "verb", "from_state", "to_state", "subject_id"]
    list_filter = ["verb", "subject_type"]
    search_fields = ["actor_name", "comment", "subject_id"]
    readonly_fields = [field.name for field in Activity._meta.fields]
