"""The managers' dashboard (看板), the lists behind its figures, and its exports."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from collab_portal.calendar.workdays import LOOKED_AHEAD, years_counted_monday_to_friday_over
from collab_portal.documents.rendering import pdf_response, render_pdf
from collab_portal.org.selectors import company_name
from insights_app import drill_lists, exports, pages
from insights_app.forms import ComparisonForm, DashboardForm
from insights_app.scope import department_choices, scope_for, this_week

RECENT_WEEKS = 26


def _scope_and_week(request):
    """The department (404 when not theirs) and the week asked for; a bad week is said and
    this week shown instead. None when the person has no dashboard."""
    scope = scope_for(request.user, request.GET.get("department"))
    if scope is None:
        return None, None, None
    form = DashboardForm(
        request.GET or None,
        choices=department_choices(request.user),
        initial={"department": scope.value},
    )
    week = this_week()
    if form.is_bound:
        if form.is_valid():
            week = form.cleaned_data["week"]
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
    return scope, week, form


@require_GET
def weekly(request):
    scope, week, form = _scope_and_week(request)
    if scope is None:
        return render(request, "insights_app/no_dashboard.html")
    figures = pages.weekly_board(scope=scope, week=week)
    board = figures.value
    current = this_week()
    return render(
        request,
        "insights_app/weekly.html",
        {
            "board": board,
            "not_kept": not figures.kept,
            "form": form,
            "weeks": [current.shifted(-n) for n in range(RECENT_WEEKS)],
            "previous_week": week.shifted(-1),
            "next_week": week.shifted(1) if week != current else None,
            "matrix": pages.matrix_rows(board),
            "levels": pages.level_labels(),
            "charts": pages.chart_data(board),
            "links": pages.figure_links(board),
            "stage_links": pages.stage_links(board),
            "upcoming": pages.upcoming_rows(board),
            "case_rows": pages.case_rows(board),
            "escalation_rows": pages.escalation_rows(board),
            "kpis_url": pages.kpis_url(request.GET),
            "workdays_fallback_years": years_counted_monday_to_friday_over(
                [week.monday, week.sunday + LOOKED_AHEAD]
            ),
        },
    )


@require_GET
def kpis(request):
    """The process KPIs of the dashboard's department: the week, the 12-week trend and a
    period against a baseline. Loaded into the dashboard after it shows (htmx), or as a page
    of its own without JavaScript."""
    scope, week, _form = _scope_and_week(request)
    if scope is None:
        raise Http404
    comparison = ComparisonForm(request.GET)
    problems = []
    if not comparison.is_valid():
        problems = comparison.non_field_errors() or [_("Enter the dates as YYYY-MM-DD.")]
        comparison = ComparisonForm({})
        comparison.is_valid()
    period, baseline = comparison.cleaned_data["period"], comparison.cleaned_data["baseline"]
    figures = pages.kpi_rows(scope=scope, week=week, period=period, baseline=baseline)
    rows, labels = figures.value
    context = {
        "scope": scope,
        "week": week,
        "not_kept": not figures.kept,
        "kpis": rows,
        "kpi_charts": pages.kpi_chart_data(rows, labels),
        "period": period,
        "baseline": baseline,
        "problems": problems,
        "back": pages.dashboard_url(scope, week),
        # the 12-week trend, the period and its baseline
        "workdays_fallback_years": years_counted_monday_to_friday_over(
            [week.shifted(-11).monday, week.sunday, *period, *baseline]
        ),
    }
    template = "insights_app/_kpis.html" if request.htmx else "insights_app/kpis.html"
    return render(request, template, context)


@require_GET
def drill(request, kind):
    scope, week, _form = _scope_and_week(request)
    if scope is None:
        raise Http404
    try:
        listing = drill_lists.drill(
            scope=scope,
            week=week,
            kind=kind,
            query=request.GET,
            page_number=request.GET.get("page"),
            today=timezone.localdate(),
        )
    except drill_lists.BadDrill as bad:
        raise Http404 from bad
    return render(
        request,
        "insights_app/drill.html",
        {
            "scope": scope,
            "week": week,
            "listing": listing,
            "back": pages.dashboard_url(scope, week),
            "query": pages.query_without_page(request.GET),
            "urgeable": drill_lists.urgeable_tasks(request.user, listing),
        },
    )


def _export(request):
    """The week's figures and KPIs (this week against the one before) for a download."""
    scope, week, _form = _scope_and_week(request)
    if scope is None:
        raise Http404
    board = pages.weekly_board(scope=scope, week=week).value
    before = week.shifted(-1)
    kpis, _labels = pages.kpi_rows(
        scope=scope,
        week=week,
        period=(week.monday, week.sunday),
        baseline=(before.monday, before.sunday),
    ).value
    return board, kpis


@require_GET
def weekly_pdf(request):
    board, kpis = _export(request)
    pdf = render_pdf(
        template_name="insights_app/pdf/weekly.html",
        context={
            "board": board,
            "matrix": pages.matrix_rows(board),
            "levels": pages.level_labels(),
            "kpis": kpis,
            "case_rows": pages.case_rows(board),
            "escalation_rows": pages.escalation_rows(board),
            "company_name": company_name(),
        },
        request=request,
    )
    return pdf_response(pdf=pdf, filename=exports.filename(board, "pdf"))


@require_GET
def weekly_xlsx(request):
    board, kpis = _export(request)
    return exports.xlsx_response(board, kpis)
