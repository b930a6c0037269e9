"""WBS templates and Excel: the template list, and the toolbar actions of the WBS editor (save
as template, start from a template, export and import Excel). Every change is a POST that goes
back to the editor with a message."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases.selectors import case_for
from collab_portal.lib.dates import SCHEDULE
from collab_portal.lib.forms import DateWindowField, TablerFormMixin
from collab_portal.lib.refusals import ActionRefused
from tasks_app import wbs_io
from tasks_app.models import WbsTemplate

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TemplateSaveForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Template name"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, max_length=2000, widget=forms.Textarea
    )


class TemplateApplyForm(TablerFormMixin, forms.Form):
    template = forms.ModelChoiceField(
        label=gettext_lazy("Template"), queryset=WbsTemplate.objects.all()
    )
    start_on = DateWindowField(label=gettext_lazy("Start date"), window=SCHEDULE)


class ImportForm(TablerFormMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))


def _form_errors(form: forms.Form) -> str:
    return " ".join(error for errors in form.errors.values() for error in errors)


def _perform(request, code, form, action, success):
    """Run ``action(form.cleaned_data)`` and go back to the WBS editor with its outcome."""
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            result = action(form.cleaned_data)
        except ActionRefused as refused:
            messages.error(request, refused.message)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success(result))
    return redirect(reverse("tasks_app:wbs", args=[code]))


@require_GET
def wbs_templates(request):
    return render(
        request,
        "tasks_app/templates_list.html",
        {"templates": wbs_io.wbs_template_list(), "can_delete": request.user.is_portal_admin},
    )


@require_POST
def wbs_template_delete(request, pk):
    template = get_object_or_404(WbsTemplate, pk=pk)
    try:
        wbs_io.wbs_template_delete(actor=request.user, template=template)
    except ActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request, _("The template “%(name)s” was deleted.") % {"name": template.name}
        )
    return redirect("tasks_app:wbs_templates")


@require_POST
def wbs_template_save(request, code):
    case = case_for(user=request.user, code=code)
    return _perform(
        request,
        case.code,
        TemplateSaveForm(request.POST),
        lambda data: wbs_io.wbs_template_save(
            actor=request.user,
            request=case,
            name=data["name"],
            description=data["description"],
        ),
        lambda template: (
            _("The task breakdown is saved as the template “%(name)s”.") % {"name": template.name}
        ),
    )


@require_POST
def wbs_template_apply(request, code):
    case = case_for(user=request.user, code=code)
    return _perform(
        request,
        case.code,
        TemplateApplyForm(request.POST),
        lambda data: wbs_io.wbs_template_apply(
            actor=request.user, request=case, template=data["template"], start_on=data["start_on"]
        ),
        lambda tasks: _("Tasks created from the template: %(count)d.") % {"count": len(tasks)},
    )


@require_GET
def wbs_export(request, code):
    case = case_for(user=request.user, code=code)
    content = wbs_io.wbs_export_xlsx(request=case)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, wbs_io.wbs_export_filename(case)
    )
    response["Content-Length"] = str(len(content))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def wbs_import(request, code):
    case = case_for(user=request.user, code=code)
    return _perform(
        request,
        case.code,
        ImportForm(request.POST, request.FILES),
        lambda data: wbs_io.wbs_import_upload(
            actor=request.user, request=case, uploaded_file=data["file"]
        ),
        lambda count: (
            _("The task breakdown was replaced with the tasks of the file: %(count)d.")
            % {"count": count}
        ),
    )


urlpatterns = [
    path("tasks/templates/", wbs_templates, name="wbs_templates"),
    path("tasks/templates/<int:pk>/delete/", wbs_template_delete, name="wbs_template_delete"),
    path("requests/<str:code>/wbs/save-template/", wbs_template_save, name="wbs_template_save"),
    path("requests/<str:code>/wbs/apply-template/", wbs_template_apply, name="wbs_template_apply"),
    path("requests/<str:code>/wbs/export.xlsx", wbs_export, name="wbs_export"),
    path("requests/<str:code>/wbs/import/", wbs_import, name="wbs_import"),
]
