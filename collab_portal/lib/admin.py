"""Admin pieces shared by every app."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class ReadOnlyAdminMixin:
    """Records that change only through the portal's services (or never): admins look and
    search; nobody adds, edits or deletes here.

    A POST to django-simple-history's version page (``…/history/<version>/``) is refused too:
    that page saves a POST for anyone who may only view. ``save_model`` and ``delete_model``
    refuse as the last line."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        raise PermissionDenied

    def delete_model(self, request, obj):
        raise PermissionDenied

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
