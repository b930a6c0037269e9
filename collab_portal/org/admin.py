from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from collab_portal.org.importing import ImportRefused, org_import, read_tables
from collab_portal.org.models import (
    Delegation,
    Department,
    ExternalContact,
    ExternalParty,
    User,
    WorkdayOverride,
)
from collab_portal.org.services import delegation_announce

admin.site.site_header = _("Collab Portal administration")
admin.site.site_title = _("Collab Portal")
admin.site.index_title = _("Configuration")


class OrgImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "An .xlsx workbook (a sheet of departments and/or a sheet of people) or a .csv file."
        ),
    )
    initial_password = forms.CharField(
        label=_("Initial password for new people"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Left empty, new people cannot sign in until an administrator sets one."),
    )


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "kind", "parent", "head", "leader_in_charge", "is_active"]
    list_filter = ["kind", "is_active", "parent"]
    search_fields = ["name", "code", "head__display_name", "leader_in_charge__display_name"]
    autocomplete_fields = ["parent", "head", "leader_in_charge"]
    list_select_related = ["parent", "head", "leader_in_charge"]
    change_list_template = "admin/org/department/change_list.html"

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="org_department_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request) or not request.user.has_perm("org.add_user"):
            return redirect("admin:index")
        form = OrgImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                tables = read_tables(name=upload.name, content=upload.read())
                report = org_import(
                    tables=tables, initial_password=form.cleaned_data["initial_password"] or None
                )
            except ImportRefused as refused:
                errors = refused.errors
            else:
                messages.success(request, report.summary())
                return redirect("admin:org_department_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import departments and people"),
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "admin/org/department/import.html", context)


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = [
        "username",
        "display_name",
        "employee_no",
        "department",
        "position",
        "email",
        "is_active",
        "is_superuser",
    ]
    list_filter = ["is_active", "is_superuser", "department"]
    search_fields = ["username", "display_name", "employee_no", "email", "phone"]
    list_select_related = ["department"]
    autocomplete_fields = ["department"]
    ordering = ["employee_no", "username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            _("Profile"),
            {
                "fields": [
                    "display_name",
                    "employee_no",
                    "department",
                    "position",
                    "phone",
                    "email",
                    "signature_image",
                    "language",
                ]
            },
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "display_name",
                    "employee_no",
                    "department",
                    "position",
                    "email",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]


@admin.register(Delegation)
class DelegationAdmin(SimpleHistoryAdmin):
    list_display = ["principal", "delegate", "starts_on", "ends_on", "reason", "is_active"]
    list_filter = ["is_active", "starts_on"]
    search_fields = ["principal__display_name", "delegate__display_name", "reason"]
    autocomplete_fields = ["principal", "delegate"]
    list_select_related = ["principal", "delegate"]
    date_hierarchy = "starts_on"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.is_active:
            delegation_announce(actor=request.user, delegation=obj)


class ExternalContactInline(admin.TabularInline):
    model = ExternalContact
    extra = 1


@admin.register(ExternalParty)
class ExternalPartyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "internal_owner", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "contacts__name", "internal_owner__display_name"]
    autocomplete_fields = ["internal_owner"]
    list_select_related = ["internal_owner"]
    inlines = [ExternalContactInline]


@admin.register(ExternalContact)
class ExternalContactAdmin(admin.ModelAdmin):
    list_display = ["name", "party", "title", "phone", "email", "is_primary"]
    list_filter = ["party__kind", "is_primary"]
    search_fields = ["name", "party__name", "email", "phone"]
    list_select_related = ["party"]
    autocomplete_fields = ["party"]


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(SimpleHistoryAdmin):
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["note"]
