from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from collab_portal.lib.admin import ReadOnlyAdminMixin
from collab_portal.signoffs.models import ExternalLink, SigningPolicy, SignOff


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Records of what happened: admins look, nobody adds, edits or deletes."""


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ["signed_at", "signer_label", "role", "meaning", "title", "short_sha256"]
    list_filter = ["meaning", "typed_name_matches", "signed_at"]
    search_fields = [
        "signer_name",
        "on_behalf_of_name",
        "sha256",
        "content_sha256",
        "legacy_sha256",
        "title",
    ]
    list_select_related = ["target_type"]
    date_hierarchy = "signed_at"

    @admin.display(description=_("signer"), ordering="signer_name")
    def signer_label(self, obj):
        return obj.label

    @admin.display(description=_("SHA-256"))
    def short_sha256(self, obj):
        return obj.short_hash


@admin.register(ExternalLink)
class ExternalLinkAdmin(ReadOnlyAdmin):
    list_display = [
        "contact",
        "purpose",
        "target_type",
        "target_id",
        "created_by",
        "created_at",
        "expires_at",
        "state_label",
    ]
    list_filter = ["purpose", "created_at"]
    search_fields = ["contact__name", "contact__party__name", "typed_name"]
    list_select_related = ["contact__party", "created_by", "target_type"]
    exclude = ["token_hash"]

    @admin.display(description=_("state"))
    def state_label(self, obj):
        return obj.get_state_display()


@admin.register(SigningPolicy)
class SigningPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "require_password"]

    def has_add_permission(self, request):
        return not SigningPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
