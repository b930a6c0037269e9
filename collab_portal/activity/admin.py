from django.contrib import admin

from collab_portal.activity.models import Activity


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_name", "verb", "from_state", "to_state", "subject_id"]
    list_filter = ["verb", "subject_type"]
    search_fields = ["actor_name", "comment", "subject_id"]
    readonly_fields = [field.name for field in Activity._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
