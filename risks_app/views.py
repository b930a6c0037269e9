"""The risk register (per case and across cases), raising a risk, a risk's page and its
actions, and the 《风险应对记录表》 as PDF and Excel.

Whoever may see the case may see its risks; anyone else gets 404 (``case_for`` /
``risk_for``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.selectors import case_for
from collab_portal.documents.rendering import pdf_response
from collab_portal.lib.forms import apply_validation_error
from collab_portal.lib.refusals import ActionRefused
from collab_portal.lib.views import run_service
from collab_portal.org.selectors import acting_for
from risks_app import exports, pages, policies, services
from risks_app.forms import (
    EscalateForm,
    InstructForm,
    MajorForm,
    ReopenForm,
    ResolveForm,
    RiskForm,
)
from risks_app.printing import TITLE, risk_record_pdf
from risks_app.selectors import case_risks, risk_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
def case_register(request, code):
    case = case_for(user=request.user, code=code)
    register = pages.case_register(case=case, data=request.GET)
    context = {"case": case, "register": register, "can_raise": policies.may_raise(case)}
    return render(request, "risks_app/case_register.html", context)


@require_GET
def register(request):
    register = pages.cross_register(user=request.user, data=request.GET)
    return render(request, "risks_app/register.html", {"register": register})


def _export_rows(request, code):
    case = case_for(user=request.user, code=code)
    form, filters = pages.case_filters(case=case, data=request.GET)
    rows = pages.risk_rows(case_risks(request=case, filters=filters), instructions=True)
    return case, rows, pages.filters_description(form)


@require_GET
def case_register_xlsx(request, code):
    case, rows, _filters = _export_rows(request, code)
    response = HttpResponse(exports.risk_workbook(rows=rows, title=case.code), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{TITLE}-{case.code}.xlsx")
    add_never_cache_headers(response)  # people's names and open problems: no shared cache
    return response


@require_GET
def case_register_pdf(request, code):
    case, rows, filters = _export_rows(request, code)
    pdf = risk_record_pdf(case=case, rows=rows, filters=filters)
    return pdf_response(pdf=pdf, filename=f"{TITLE}-{case.code}.pdf")


@require_http_methods(["GET", "POST"])
def risk_create(request, code):
    case = case_for(user=request.user, code=code)
    refusal = policies.raise_refusal(case)
    if refusal:
        messages.error(request, refusal)
        return redirect("risks_app:case_register", code=case.code)
    initial = {"owner": request.user, **pages.prefill(case=case, task_pk=request.GET.get("task"))}
    form = RiskForm(request.POST or None, request=case, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            risk = services.risk_raise(actor=request.user, request=case, data=form.risk_data())
        except ActionRefused as refused:
            messages.error(request, refused.message)
            return redirect("risks_app:case_register", code=case.code)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _raised_message(risk))
            return redirect(risk)
    preview = pages.major_preview(case=case, form=form)
    context = {"case": case, "form": form, "preview": preview}
    return render(request, "risks_app/risk_form.html", context)


def _raised_message(risk) -> str:
    if risk.state == risk.State.ESCALATED:
        return _("Risk %(code)s is raised; it is major and was escalated to %(name)s.") % {
            "code": risk.code,
            "name": acting_for(risk.escalated_to).label,
        }
    return _("Risk %(code)s is raised.") % {"code": risk.code}


@require_GET
def risk_detail(request, code, number):
    risk = risk_for(user=request.user, code=code, number=number)
    page = pages.risk_page(user=request.user, risk=risk)
    context = {
        "case": risk.request,
        "risk": risk,
        "page": page,
        "escalate_form": EscalateForm(),
        "resolve_form": ResolveForm(),
        "reopen_form": ReopenForm(),
        "instruct_form": InstructForm(),
        "major_form": MajorForm(initial={"major": "no" if risk.is_major else "yes"}),
    }
    return render(request, "risks_app/risk_detail.html", context)


@require_POST
def risk_start(request, code, number):
    risk = risk_for(user=request.user, code=code, number=number)
    return run_service(
        request,
        lambda: services.risk_start_handling(actor=request.user, risk=risk),
        success=_("The risk is being handled."),
        then=lambda: redirect(risk),
    )


@require_POST
def risk_escalate(request, code, number):
    risk = risk_for(user=request.user, code=code, number=number)
    form = EscalateForm(request.POST)
    return run_service(
        request,
        lambda: services.risk_escalate(
            actor=request.user, risk=risk, comment=form.cleaned_data["comment"]
        ),
        success=_("The risk is escalated to the leader in charge."),
        then=lambda: redirect(risk),
        form=form,
    )


@require_POST
def risk_resolve(request, code, number):
    risk = risk_for(user=request.user, code=code, number=number)
    form = ResolveForm(request.POST)
    return run_service(
        request,
        lambda: services.risk_resolve(actor=request.user, risk=risk, **form.cleaned_data),
        success=_("The risk is resolved; the coordinator confirms and closes it."),
        then=lambda: redirect(risk),
        form=form,
    )


@require_POST
def risk_close(request, code, number):
    risk = risk_for(user=request.user, code=code, number=number)
    return run_service(
        request,
        lambda: services.risk_close(actor=request.user, risk=risk),
        success=_("The risk is closed."),
        then=lambda: redirect(risk),
    )


@require_POST
def risk_reopen(request, code, number):
    risk = risk_for(user=request.user, code=code, number=number)
    form = ReopenForm(request.POST)
    return run_service(
        request,
        lambda: services.risk_reopen(actor=request.user, risk=risk, **form.cleaned_data),
        success=_("The risk is reopened."),
        then=lambda: redirect(risk),
        form=form,
    )


@require_POST
def risk_instruct(request, code, number):
    risk = risk_for(user=request.user, code=code, number=number)
    form = InstructForm(request.POST)
    return run_service(
        request,
        lambda: services.risk_instruct(actor=request.user, risk=risk, **form.cleaned_data),
        success=_("Your instruction is recorded; the owner and the coordinator have been told."),
        then=lambda: redirect(risk),
        form=form,
    )


@require_POST
def risk_major(request, code, number):
    risk = risk_for(user=request.user, code=code, number=number)
    form = MajorForm(request.POST)
    return run_service(
        request,
        lambda: services.risk_override_major(actor=request.user, risk=risk, **form.cleaned_data),
        success=_("Whether the risk is major is recorded."),
        then=lambda: redirect(risk),
        form=form,
    )


@require_POST
def risk_urge(request, code, number):
    risk = risk_for(user=request.user, code=code, number=number)
    return run_service(
        request,
        lambda: services.risk_urge(actor=request.user, risk=risk),
        success=_("The leader in charge has been reminded."),
        then=lambda: redirect(risk),
    )


RISK = "requests/<str:code>/risks/<int:number>/"

urlpatterns = [
    path("risks/", register, name="register"),
    path("requests/<str:code>/risks/", case_register, name="case_register"),
    path("requests/<str:code>/risks.pdf", case_register_pdf, name="case_register_pdf"),
    path("requests/<str:code>/risks.xlsx", case_register_xlsx, name="case_register_xlsx"),
    path("requests/<str:code>/risks/new/", risk_create, name="risk_create"),
    path(RISK, risk_detail, name="risk"),
    path(f"{RISK}start/", risk_start, name="risk_start"),
    path(f"{RISK}escalate/", risk_escalate, name="risk_escalate"),
    path(f"{RISK}resolve/", risk_resolve, name="risk_resolve"),
    path(f"{RISK}close/", risk_close, name="risk_close"),
    path(f"{RISK}reopen/", risk_reopen, name="risk_reopen"),
    path(f"{RISK}instruct/", risk_instruct, name="risk_instruct"),
    path(f"{RISK}major/", risk_major, name="risk_major"),
    path(f"{RISK}urge/", risk_urge, name="risk_urge"),
]
