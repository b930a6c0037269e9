"""A test-only admin site whose case records are writable, so that the tests see
``ArchivedCaseAdminMixin`` itself refuse the records of archived cases (the portal's own admins
are read-only anyway). Used with ``@pytest.mark.urls``; the portal's URLs stay mounted."""

from django.contrib import admin
from django.urls import path

from cases.admin import ArchivedCaseAdminMixin, ArchivedCaseInlineMixin
from cases.models import Case
from collab_portal.urls import urlpatterns as portal_urlpatterns
from requests_app.models import Receiver
from tasks_app.models import ProgressUpdate, Task

site = admin.AdminSite(name="archive_test_admin")


class ProgressInline(ArchivedCaseInlineMixin, admin.TabularInline):
    model = ProgressUpdate
    case_path = "request"  # from the parent task
    fields = ["day", "percent", "note", "author"]
    extra = 0


class TaskAdmin(ArchivedCaseAdminMixin, admin.ModelAdmin):
    case_path = "request"
    list_display = ["wbs_code", "name"]
    list_editable = ["name"]
    fields = ["name", "description"]
    inlines = [ProgressInline]


class ReceiverInline(ArchivedCaseInlineMixin, admin.TabularInline):
    model = Receiver
    case_path = ""  # the parent is the case
    fields = ["kind", "department", "position"]
    extra = 0


class CaseAdmin(ArchivedCaseAdminMixin, admin.ModelAdmin):
    case_path = ""  # the case itself
    fields = ["subject", "goal"]
    inlines = [ReceiverInline]


site.register(Task, TaskAdmin)
site.register(Case, CaseAdmin)

urlpatterns = [path("test-admin/", site.urls), *portal_urlpatterns]
