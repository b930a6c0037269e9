"""《任务分配与跟踪表》 (page, Excel, PDF) and the Gantt view of a case's WBS.

Whoever may see the case may see these; anyone else gets 404 (``case_for``)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from cases.selectors import case_for
from collab_portal.calendar.workdays import LOOKED_AHEAD, years_counted_monday_to_friday_over
from collab_portal.documents.rendering import pdf_response
from tasks_app import exports
from tasks_app.forms import TrackingFilterForm
from tasks_app.models import Task
from tasks_app.pages.tracking import gantt_items, link_lines, tracking_table

PAGE_SIZE = 200
TITLE = exports.TITLE


def _table(request, code):
    case = case_for(user=request.user, code=code)
    table = tracking_table(request=case)
    form = TrackingFilterForm(request.GET, table=table)
    filters = form.filters()
    return case, table, form, filters, table.filtered(filters)


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
def tracking(request, code):
    case, table, form, filters, lines = _table(request, code)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    link_lines(page.object_list, code=case.code)
    today = timezone.localdate()
    dates = [day for line in table.lines for day in (line.start_on, line.due_on)]
    context = {
        "case": case,
        "table": table,
        "form": form,
        "filters": filters,
        "page": page,
        "workdays_fallback_years": years_counted_monday_to_friday_over(
            [today, today + LOOKED_AHEAD, *dates]
        ),
    }
    return render(request, "tasks_app/tracking.html", context | {"query": _query(request)})


@require_GET
def tracking_xlsx(request, code):
    case, _all, _form, _filters, lines = _table(request, code)
    response = HttpResponse(
        exports.tracking_workbook(lines=lines, title=case.code),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{TITLE}-{case.code}.xlsx")
    add_never_cache_headers(response)  # names and dates of people's work: no shared cache
    return response


@require_GET
def tracking_pdf(request, code):
    case, table, _form, filters, _lines = _table(request, code)
    pdf = exports.tracking_pdf(table=table, filters=filters)
    return pdf_response(pdf=pdf, filename=f"{TITLE}-{case.code}.pdf")


@require_GET
def gantt(request, code):
    case = case_for(user=request.user, code=code)
    labels = dict(Task.Status.choices)
    return render(request, "tasks_app/gantt.html", {"case": case, "labels": labels})


@require_GET
def gantt_json(request, code):
    case = case_for(user=request.user, code=code)
    return JsonResponse(gantt_items(tracking_table(request=case).lines), safe=False)


urlpatterns = [
    path("requests/<str:code>/tracking/", tracking, name="tracking"),
    path("requests/<str:code>/tracking.xlsx", tracking_xlsx, name="tracking_xlsx"),
    path("requests/<str:code>/tracking.pdf", tracking_pdf, name="tracking_pdf"),
    path("requests/<str:code>/gantt/", gantt, name="gantt"),
    path("requests/<str:code>/gantt.json", gantt_json, name="gantt_data"),
]
