"""WBS templates and Excel: the template list, and the toolbar actions of the WBS editor (save
as template, start from a template, export and import Excel). Every change is a POST that goes
back to the editor with a message."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.selectors import case_for
from collab_portal.lib.views import run_service
from tasks_app import services, wbs_io
from tasks_app.forms import ImportForm, TemplateApplyForm, TemplateSaveForm
from tasks_app.models import WbsTemplate
from tasks_app.pages.wbs import templates_page
from tasks_app.views import with_valid_form

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _to_editor(code):
    return lambda: redirect(reverse("tasks_app:wbs", args=[code]))


@require_GET
def wbs_templates(request):
    return render(request, "tasks_app/templates_list.html", templates_page(user=request.user))


@require_POST
def wbs_template_delete(request, pk):
    template = get_object_or_404(WbsTemplate, pk=pk)
    return run_service(
        request,
        lambda: services.wbs_template_delete(actor=request.user, template=template),
        success=_("The template “%(name)s” was deleted.") % {"name": template.name},
        then=lambda: redirect("tasks_app:wbs_templates"),
    )


@require_POST
def wbs_template_save(request, code):
    case = case_for(user=request.user, code=code)
    return run_service(
        request,
        with_valid_form(
            TemplateSaveForm(request.POST),
            lambda data: services.wbs_template_save(
                actor=request.user,
                request=case,
                name=data["name"],
                description=data["description"],
            ),
        ),
        success=lambda template: (
            _("The task breakdown is saved as the template “%(name)s”.") % {"name": template.name}
        ),
        then=_to_editor(case.code),
    )


@require_POST
def wbs_template_apply(request, code):
    case = case_for(user=request.user, code=code)
    return run_service(
        request,
        with_valid_form(
            TemplateApplyForm(request.POST),
            lambda data: services.wbs_template_apply(
                actor=request.user,
                request=case,
                template=data["template"],
                start_on=data["start_on"],
            ),
        ),
        success=lambda tasks: (
            _("Tasks created from the template: %(count)d.") % {"count": len(tasks)}
        ),
        then=_to_editor(case.code),
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
    return run_service(
        request,
        with_valid_form(
            ImportForm(request.POST, request.FILES),
            lambda data: services.wbs_import_upload(
                actor=request.user, request=case, uploaded_file=data["file"]
            ),
        ),
        success=lambda count: (
            _("The task breakdown was replaced with the tasks of the file: %(count)d.")
            % {"count": count}
        ),
        then=_to_editor(case.code),
    )


urlpatterns = [
    path("tasks/templates/", wbs_templates, name="wbs_templates"),
    path("tasks/templates/<int:pk>/delete/", wbs_template_delete, name="wbs_template_delete"),
    path("requests/<str:code>/wbs/save-template/", wbs_template_save, name="wbs_template_save"),
    path("requests/<str:code>/wbs/apply-template/", wbs_template_apply, name="wbs_template_apply"),
    path("requests/<str:code>/wbs/export.xlsx", wbs_export, name="wbs_export"),
    path("requests/<str:code>/wbs/import/", wbs_import, name="wbs_import"),
]
