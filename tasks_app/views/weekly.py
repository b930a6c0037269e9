"""周报 pages: the case's weekly summaries, one summary, its PDF; the coordinator drafts,
edits and publishes through the services in tasks_app.services.weekly."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.selectors import case_for
from collab_portal.documents.rendering import pdf_response, render_pdf
from collab_portal.lib.refusals import ActionRefused
from collab_portal.lib.views import run_service
from tasks_app import services
from tasks_app.forms import WeeklySummaryForm
from tasks_app.pages.weekly import weekly_list_page, weekly_summary_page
from tasks_app.policies import weekly_summary_may_view
from tasks_app.printing import weekly_summary_pdf_context
from tasks_app.selectors import weekly_summary_for, weekly_summary_url
from tasks_app.views import with_valid_form
from tasks_app.weeks import iso_week_of, today


def _back(request, summary):
    """To the summary if this person may see it, else to the case's list of summaries."""
    if weekly_summary_may_view(request.user, summary):
        return redirect(weekly_summary_url(summary))
    return redirect("tasks_app:weekly_list", code=summary.request.code)


@require_GET
def weekly_list(request, code):
    case = case_for(user=request.user, code=code)
    return render(
        request, "tasks_app/weekly_list.html", weekly_list_page(user=request.user, case=case)
    )


@require_POST
def weekly_draft(request, code):
    """Draft (or refresh) this week's summary, or the week named by ``year`` and ``week``."""
    case = case_for(user=request.user, code=code)
    year, week = iso_week_of(today())
    try:
        year = int(request.POST.get("year") or year)
        week = int(request.POST.get("week") or week)
        summary = services.weekly_summary_draft(
            request=case, iso_year=year, iso_week=week, actor=request.user
        )
    except ValueError:
        messages.error(request, _("Choose a valid week."))
    except ActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("The summary of %(week)s is drafted from the current data.")
            % {"week": summary.label},
        )
        return redirect(weekly_summary_url(summary))
    return redirect("tasks_app:weekly_list", code=case.code)


@require_GET
def weekly_detail(request, code, year, week):
    summary = weekly_summary_for(user=request.user, code=code, iso_year=year, iso_week=week)
    context = weekly_summary_page(user=request.user, summary=summary)
    context["form"] = WeeklySummaryForm(initial={"rag": summary.rag, "comments": summary.comments})
    return render(request, "tasks_app/weekly_detail.html", context)


@require_POST
def weekly_update(request, code, year, week):
    summary = weekly_summary_for(
        user=request.user, code=code, iso_year=year, iso_week=week, drafts=True
    )
    return run_service(
        request,
        with_valid_form(
            WeeklySummaryForm(request.POST),
            lambda data: services.weekly_summary_update(
                actor=request.user, summary=summary, rag=data["rag"], comments=data["comments"]
            ),
        ),
        success=_("The weekly summary is saved."),
        then=lambda: _back(request, summary),
    )


@require_POST
def weekly_publish(request, code, year, week):
    summary = weekly_summary_for(
        user=request.user, code=code, iso_year=year, iso_week=week, drafts=True
    )
    return run_service(
        request,
        lambda: services.weekly_summary_publish(actor=request.user, summary=summary),
        success=_("The weekly summary is published to the participants."),
        then=lambda: _back(request, summary),
    )


@require_GET
def weekly_pdf(request, code, year, week):
    summary = weekly_summary_for(user=request.user, code=code, iso_year=year, iso_week=week)
    context = weekly_summary_pdf_context(summary)
    pdf = render_pdf(template_name="tasks_app/pdf/weekly.html", context=context)
    return pdf_response(pdf=pdf, filename=context["filename"])


_WEEK = "requests/<str:code>/weekly/<int:year>-W<int:week>/"

urlpatterns = [
    path("requests/<str:code>/weekly/", weekly_list, name="weekly_list"),
    path("requests/<str:code>/weekly/draft/", weekly_draft, name="weekly_draft"),
    path(_WEEK, weekly_detail, name="weekly_detail"),
    path(_WEEK + "update/", weekly_update, name="weekly_update"),
    path(_WEEK + "publish/", weekly_publish, name="weekly_publish"),
    path(_WEEK + "pdf/", weekly_pdf, name="weekly_pdf"),
]
