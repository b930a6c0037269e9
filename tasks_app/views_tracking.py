"""《任务分配与跟踪表》 (page, Excel, PDF) and the Gantt view of a case's WBS.

Whoever may see the case may see these; anyone else gets 404 (``case_for``)."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cases.selectors import case_for
from collab_portal.documents.rendering import pdf_response
from collab_portal.lib.workdays import LOOKED_AHEAD, years_counted_monday_to_friday_over
from tasks_app import exports
from tasks_app.models import Task
from tasks_app.selectors import TrackingFilters
from tasks_app.tracking_selectors import (
    TrackingTable,
    gantt_items,
    link_lines,
    tracking_table,
)

PAGE_SIZE = 200
TITLE = exports.TITLE


class TrackingFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    owner = forms.TypedChoiceField(
        label=gettext_lazy("Owner"), required=False, coerce=int, empty_value=None
    )
    department = forms.TypedChoiceField(
        label=gettext_lazy("Department"), required=False, coerce=int, empty_value=None
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(self, data, *, table: TrackingTable):
        super().__init__(data)
        everything = [("", _("All"))]
        self.fields["status"].choices = everything + list(Task.Status.choices)
        self.fields["owner"].choices = everything + [(u.pk, u.name) for u in table.owners]
        self.fields["department"].choices = everything + [(d.pk, d.name) for d in table.departments]
        for name in ("status", "owner", "department"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.fields["overdue"].widget.attrs["class"] = "form-check-input"

    def filters(self) -> TrackingFilters:
        """The valid filters; a value that is not among the choices is ignored."""
        self.is_valid()
        value = self.cleaned_data.get
        return TrackingFilters(
            status=value("status") or "",
            owner=value("owner"),
            department=value("department"),
            overdue_only=bool(value("overdue")),
        )


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
