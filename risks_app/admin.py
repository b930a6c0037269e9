from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from collab_portal.lib.admin import ReadOnlyAdminMixin
from risks_app.models import Instruction, Risk


class InstructionInline(admin.TabularInline):
    model = Instruction
    extra = 0
    can_delete = False
    fields = ["created_at", "leader", "on_behalf_of", "decision", "text", "new_deadline"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Risk)
class RiskAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Risks change only through the portal's services; the admin looks and searches."""

    list_display = [
        "request",
        "number",
        "category",
        "impact",
        "likelihood",
        "state",
        "owner",
        "deadline",
    ]
    list_filter = ["state", "category", "impact", "likelihood"]
    search_fields = ["request__code", "description", "owner__display_name"]
    list_select_related = ["request", "owner"]
    inlines = [InstructionInline]
