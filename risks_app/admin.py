from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cases.admin import ArchivedCaseAdminMixin, ArchivedCaseInlineMixin
from collab_portal.lib.admin import ReadOnlyAdminMixin
from risks_app.models import Instruction, Risk


class InstructionInline(ArchivedCaseInlineMixin, admin.TabularInline):
    model = Instruction
    case_path = "request"  # from the parent risk
    extra = 0
    can_delete = False
    fields = ["created_at", "leader", "on_behalf_of", "decision", "text", "new_deadline"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Risk)
class RiskAdmin(ArchivedCaseAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Risks change only through the portal's services; the admin looks and searches. The
    risks of an archived case stay read-only whatever the other bases allow."""

    case_path = "request"

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
