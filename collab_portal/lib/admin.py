"""Admin pieces shared by every app."""


class ReadOnlyAdminMixin:
    """Records that change only through the portal's services (or never): admins look and
    search; nobody adds, edits or deletes here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
