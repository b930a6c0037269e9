"""The admin keeps an archived case read-only too: the mixins every ModelAdmin and inline of a
record hanging off a case puts first among its bases (``cases.archive_guard`` is the same rule
for the portal's services)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.utils.translation import ngettext

from cases.models import Case


def _follow(obj, path: str):
    """The object at the end of ``path`` ("request", "task__request"; "" is ``obj``)."""
    for name in filter(None, path.split("__")):
        if obj is None:
            return None
        obj = getattr(obj, name, None)
    return obj


class _ArchivedCase:
    """How to tell, from an object, that its case is archived (shared by the two mixins)."""

    case_path = "request"

    def case_of(self, obj):
        """The case ``obj`` belongs to (None when there is none); override for other paths."""
        return _follow(obj, self.case_path)

    def is_archived_case_record(self, obj) -> bool:
        if obj is None:
            return False
        case = self.case_of(obj)
        return case is not None and case.is_archived

    def archived_lookup(self) -> dict:
        """The queryset filter that finds the records of archived cases."""
        return {"__".join(filter(None, [self.case_path, "stage"])): Case.Stage.ARCHIVED}


class ArchivedCaseAdminMixin(_ArchivedCase):
    """An archived case is read-only everywhere, the admin included: for any record hanging off a
    case (and for the case itself), once the case is archived nobody changes or deletes the
    record here, superusers included. Reading, searching and the history stay open.

    Put it first among the bases of the ModelAdmin and say how an object reaches its case:

    - ``case_path``: the relations from the object to its case, ``__``-separated as in a
      queryset filter — ``"request"`` (the default), ``"task__request"``,
      ``"delivery__request"``; ``""`` when the object is the case itself. It is used on
      objects (``getattr`` along the path) and in querysets (``<case_path>__stage``),
      so both must work. Override ``case_of(obj)`` for anything more unusual (and
      ``archived_lookup()`` to match).

    For an object whose case is archived:

    - ``has_change_permission`` and ``has_delete_permission`` are False: the change form is
      read-only, a POST to it and the delete page answer 403 (PermissionDenied);
    - the bulk action “delete selected” is refused as a whole (Django checks each object's
      delete permission); ``delete_queryset`` also leaves such objects out, with a warning,
      for any other action that deletes through it;
    - a POST to django-simple-history's version page (``…/history/<version>/``) answers 403;
    - ``save_model`` and ``delete_model`` raise PermissionDenied as the last line (list_editable,
      custom views), also when a change would move a record onto an archived case.

    Objects of cases not archived keep whatever the other bases allow. The inlines of the
    admin take ``ArchivedCaseInlineMixin``.

    Example (acceptance_app)::

        class DeliveryItemInline(ArchivedCaseInlineMixin, admin.TabularInline):
            model = DeliveryItem
            case_path = "request"  # from the parent object, the Delivery

        @admin.register(Delivery)
        class DeliveryAdmin(ArchivedCaseAdminMixin, SimpleHistoryAdmin):
            case_path = "request"
            inlines = [DeliveryItemInline]
    """

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self.is_archived_case_record(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self.is_archived_case_record(obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """django-simple-history's version page saves a POST for anyone who may view it."""
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if self.is_archived_case_record(obj) or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _stored_in_archived_case(self, obj) -> bool:
        if obj.pk is None:
            return False
        return self.model._default_manager.filter(pk=obj.pk, **self.archived_lookup()).exists()

    def save_model(self, request, obj, form, change):
        if self.is_archived_case_record(obj) or (change and self._stored_in_archived_case(obj)):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        if self.is_archived_case_record(obj) or self._stored_in_archived_case(obj):
            raise PermissionDenied
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        archived = queryset.filter(**self.archived_lookup())
        kept = archived.count()
        if kept:
            self.message_user(
                request,
                ngettext(
                    "%(count)d record of an archived request was not deleted.",
                    "%(count)d records of archived requests were not deleted.",
                    kept,
                )
                % {"count": kept},
                messages.WARNING,
            )
        super().delete_queryset(request, queryset.exclude(pk__in=archived.values("pk")))


class ArchivedCaseInlineMixin(_ArchivedCase):
    """The inline side of ``ArchivedCaseAdminMixin``: under a parent whose case is archived,
    rows cannot be added, changed or deleted. Django passes the *parent* object to an inline's
    permission methods, so ``case_path`` leads from the parent to the case (``""`` when the
    parent is the case)."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not self.is_archived_case_record(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self.is_archived_case_record(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self.is_archived_case_record(obj)
