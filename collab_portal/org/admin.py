from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from collab_portal.calendar.holiday_arrangement import MAX_TEXT_CHARS, ArrangementRefused
from collab_portal.calendar.pages import WEEKDAY_HEADERS, year_preview
from collab_portal.calendar.services import holiday_year_read, holiday_year_save
from collab_portal.lib.uploads import Kind, check_upload
from collab_portal.org.importing import ImportRefused, org_import, read_tables
from collab_portal.org.models import (
    Delegation,
    Department,
    ExternalContact,
    ExternalParty,
    HolidayEntry,
    HolidayYear,
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
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The password rule up front, as on every other password form, not only after a refusal.
        self.fields["initial_password"].help_text = format_html(
            "{}{}",
            _("Left empty, new people cannot sign in until an administrator sets one."),
            password_validators_help_text_html(),
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


MAX_ARRANGEMENT_FILE_BYTES = 1024 * 1024


class HolidayYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"))
    text = forms.CharField(
        label=_("Arrangement"),
        required=False,
        max_length=MAX_TEXT_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 100}),
        help_text=_(
            "Paste the State Council's notice as published (the lines naming the days; its "
            "title and other sentences are skipped), or one line per holiday or make-up "
            "working day: “2027-02-06..2027-02-12 春节”, “2027-02-20 上班”."
        ),
    )
    file = forms.FileField(
        label=_("Or a file"),
        required=False,
        help_text=_("A .txt or .csv file with the same lines; it is read instead of the text."),
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload:
            check_upload(
                upload,
                max_bytes=MAX_ARRANGEMENT_FILE_BYTES,
                allowed_kinds=frozenset({Kind.TEXT, Kind.CSV}),
            )
            cleaned["text"] = _decoded(upload.read())
        if not (cleaned.get("text") or "").strip() and not self.errors:
            raise ValidationError(_("Paste the arrangement or choose a file."))
        return cleaned


def _decoded(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("The file is neither UTF-8 nor GB18030 text."))


@admin.register(HolidayYear)
class HolidayYearAdmin(SimpleHistoryAdmin):
    """A year's arrangement is entered on one page: the text, a preview of the year, then save.
    Entries are never edited one by one, so what is saved is always what was previewed."""

    list_display = ["year", "holiday_count", "make_up_day_count", "updated_at", "updated_by"]
    list_select_related = ["updated_by"]
    change_form_template = "admin/org/holidayyear/arrangement.html"

    def get_queryset(self, request):
        kinds = HolidayEntry.Kind
        return (
            super()
            .get_queryset(request)
            .annotate(
                holidays=Count("entries", filter=Q(entries__kind=kinds.HOLIDAY)),
                make_up_days=Count("entries", filter=Q(entries__kind=kinds.MAKE_UP_DAY)),
            )
        )

    @admin.display(description=_("holidays"), ordering="holidays")
    def holiday_count(self, obj):
        return obj.holidays

    @admin.display(description=_("make-up working days"), ordering="make_up_days")
    def make_up_day_count(self, obj):
        return obj.make_up_days

    def add_view(self, request, form_url="", extra_context=None):
        return self.arrangement_view(request, None)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        holiday_year = self.get_object(request, object_id)
        if holiday_year is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return self.arrangement_view(request, holiday_year)

    def arrangement_view(self, request, holiday_year: HolidayYear | None):
        """Preview posts the text (or file) and shows the year; save posts the previewed text
        again, which is read again before anything is written."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        if holiday_year is not None:
            initial = {"year": holiday_year.year, "text": holiday_year.text}
        else:
            initial = {"year": timezone.localdate().year + 1}
        form = HolidayYearForm(request.POST or None, request.FILES or None, initial=initial)
        errors, preview = [], None
        if request.method == "POST" and form.is_valid():
            year, text = form.cleaned_data["year"], form.cleaned_data["text"]
            try:
                if request.POST.get("action") == "save":
                    holiday_year_save(actor=request.user, year=year, text=text)
                    messages.success(
                        request, _("The holiday arrangement of %(year)d is saved.") % {"year": year}
                    )
                    return redirect("admin:org_holidayyear_changelist")
                preview = year_preview(holiday_year_read(year=year, text=text), text=text)
                form = HolidayYearForm(initial={"year": year, "text": text})  # a file's text
            except ArrangementRefused as refused:
                errors = refused.errors
            except ValidationError as refused:
                form.add_error(None, refused)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Holiday arrangement of a year"),
            "holiday_year": holiday_year,
            "form": form,
            "errors": errors,
            "preview": preview,
            "weekday_headers": WEEKDAY_HEADERS,
        }
        return TemplateResponse(request, self.change_form_template, context)
