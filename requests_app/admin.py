from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cases.admin import ArchivedCaseAdminMixin, ArchivedCaseInlineMixin
from cases.models import Case
from collab_portal.lib.admin import ReadOnlyAdminMixin
from requests_app.models import CollabPlan, KickoffMeeting, Milestone, Receiver, Review, SyncRecord


class ReadOnlyInline(ArchivedCaseInlineMixin, admin.TabularInline):
    """Rows shown under their parent; ``case_path`` leads from the parent to the case."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyHistoryAdmin(ArchivedCaseAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Case records change only through the portal's services (transitions, sign-offs,
    timeline); the admin looks and searches. Should the read-only rule ever be relaxed, the
    records of an archived case still stay read-only (``case_path`` leads to the case)."""


class ReceiverInline(ReadOnlyInline):
    model = Receiver
    case_path = ""  # the parent is the case
    fields = ["kind", "department", "party", "contact"]


class ReviewInline(ReadOnlyInline):
    model = Review
    case_path = ""
    fields = [
        "round",
        "reviewer",
        "on_behalf_of",
        "decision",
        "reason_code",
        "comment",
        "decided_at",
    ]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(ReadOnlyHistoryAdmin):
    case_path = ""  # the case itself
    list_display = ["code", "subject", "stage", "initiator", "initiator_department", "created_at"]
    list_filter = ["stage", "initiator_department", "created_at"]
    search_fields = ["code", "subject", "initiator__display_name"]
    list_select_related = ["initiator", "initiator_department"]
    date_hierarchy = "created_at"
    inlines = [ReceiverInline, ReviewInline]


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    case_path = "request"  # from the parent plan
    fields = ["name", "due_on"]


@admin.register(CollabPlan)
class CollabPlanAdmin(ReadOnlyHistoryAdmin):
    list_display = ["request", "version", "state", "author", "coordinator", "proposed_at"]
    list_filter = ["state"]
    search_fields = ["request__code", "request__subject", "content"]
    list_select_related = ["request", "author", "coordinator"]
    inlines = [MilestoneInline]


@admin.register(SyncRecord)
class SyncRecordAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "request",
        "receiver",
        "channel",
        "sent_at",
        "acknowledged_by",
        "acknowledged_at",
    ]
    list_filter = ["channel"]
    search_fields = ["request__code", "recipients"]
    list_select_related = ["request", "receiver", "acknowledged_by"]


@admin.register(KickoffMeeting)
class KickoffMeetingAdmin(ReadOnlyHistoryAdmin):
    list_display = ["request", "mode", "held_at", "location"]
    search_fields = ["request__code", "minutes"]
