from django.views.decorators.http import require_GET

from cases.selectors import case_for
from collab_portal.documents.rendering import pdf_response, render_pdf
from requests_app import printing, selectors


def _render(template_name: str, context: dict):
    pdf = render_pdf(template_name=template_name, context=context)
    return pdf_response(pdf=pdf, filename=context["filename"])


@require_GET
def registration_pdf(request, code):
    case = case_for(user=request.user, code=code)
    return _render("requests_app/pdf/registration.html", printing.registration_context(case))


@require_GET
def sync_pdf(request, code):
    case = case_for(user=request.user, code=code)
    return _render("requests_app/pdf/sync.html", printing.sync_context(case))


@require_GET
def plan_pdf(request, code, version):
    plan = selectors.plan_for(user=request.user, code=code, version=version)
    return _render("requests_app/pdf/plan.html", printing.plan_context(plan))
