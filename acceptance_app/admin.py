from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from acceptance_app.bundle_outbox import archive_bundle_retry
from acceptance_app.models import (
    AcceptanceReview,
    ArchiveBundle,
    Delivery,
    DeliveryFile,
    DeliveryItem,
    ItemVerdict,
    Retrospective,
    SatisfactionRating,
)
from cases.admin import ArchivedCaseAdminMixin, ArchivedCaseInlineMixin
from collab_portal.lib.admin import ReadOnlyAdminMixin


class ReadOnlyInline(ArchivedCaseInlineMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    case_path = "request"  # from the parent delivery or retrospective

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DeliveryItemInline(ReadOnlyInline):
    model = DeliveryItem
    fields = ["position", "name", "version", "quantity", "task", "notes", "previous"]
    readonly_fields = fields


@admin.register(Delivery)
class DeliveryAdmin(ArchivedCaseAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Deliveries change only through the portal's services (they are signed); admins look and
    search. Those of an archived case stay read-only whatever the other bases allow."""

    case_path = "request"
    list_display = ["request", "version", "state", "prepared_by", "submitted_at", "decided_at"]
    list_filter = ["state"]
    search_fields = ["request__code", "request__subject", "items__name"]
    list_select_related = ["request", "prepared_by"]
    inlines = [DeliveryItemInline]


class DeliveryFileInline(ArchivedCaseInlineMixin, admin.TabularInline):
    model = DeliveryFile
    case_path = "delivery__request"  # from the parent item
    extra = 0
    can_delete = False
    fields = ["name", "size", "content_type", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DeliveryItem)
class DeliveryItemAdmin(ArchivedCaseAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    case_path = "delivery__request"
    list_display = ["name", "delivery", "task", "version", "quantity"]
    search_fields = ["name", "delivery__request__code"]
    list_select_related = ["delivery__request", "task"]
    inlines = [DeliveryFileInline]


class VerdictInline(ArchivedCaseInlineMixin, admin.TabularInline):
    model = ItemVerdict
    case_path = "delivery__request"  # from the parent review
    extra = 0
    can_delete = False
    fields = ["item", "passed", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AcceptanceReview)
class AcceptanceReviewAdmin(ArchivedCaseAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    case_path = "delivery__request"
    list_display = ["delivery", "decision", "reviewer_name", "decided_at"]
    list_filter = ["decision"]
    search_fields = ["delivery__request__code", "reviewer_name", "comment"]
    list_select_related = ["delivery__request"]
    inlines = [VerdictInline]


class RatingInline(ReadOnlyInline):
    model = SatisfactionRating
    fields = ["receiver", "score", "comment", "rated_by", "on_behalf_of", "rated_at"]
    readonly_fields = fields


@admin.register(Retrospective)
class RetrospectiveAdmin(ArchivedCaseAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Written and filed through the portal; once filed the case is archived and read-only."""

    case_path = "request"
    list_display = ["request", "author", "filed_by", "filed_at"]
    search_fields = ["request__code", "request__subject", "went_well", "lessons"]
    list_select_related = ["request", "author", "filed_by"]
    inlines = [RatingInline]


@admin.register(ArchiveBundle)
class ArchiveBundleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The worker builds each archived case's bundle once; admins see how far it is and why one
    could not be prepared, and have it prepared again (after a storage was repaired, say)."""

    list_display = ["request", "state", "files_done", "files_total", "size", "attempts", "built_at"]
    list_filter = ["state"]
    search_fields = ["request__code", "request__subject", "error"]
    list_select_related = ["request"]
    actions = ["prepare_again"]

    @admin.action(description=_("Prepare the selected archive bundles again"))
    def prepare_again(self, request, queryset):
        bundles = list(queryset)
        for bundle in bundles:
            archive_bundle_retry(bundle=bundle)
        self.message_user(
            request,
            ngettext(
                "%(count)d archive bundle will be prepared again.",
                "%(count)d archive bundles will be prepared again.",
                len(bundles),
            )
            % {"count": len(bundles)},
        )
