"""周报 pages: the case's weekly summaries, one summary, its PDF; the coordinator drafts,
edits and publishes through the services in tasks_app.weekly."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases.selectors import case_for
from collab_portal.documents.rendering import pdf_response, render_pdf
from collab_portal.lib.refusals import ActionRefused
from tasks_app import weekly
from tasks_app.models import WeeklySummary


class WeeklySummaryForm(forms.Form):
    rag = forms.ChoiceField(label=gettext_lazy("Status"), choices=WeeklySummary.Rag.choices)
    comments = forms.CharField(
        label=gettext_lazy("Coordinator's comments"),
        required=False,
        max_length=weekly.COMMENTS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def _back(request, summary):
    """To the summary if this person may see it, else to the case's list of summaries."""
    if weekly.weekly_summary_may_view(request.user, summary):
        return redirect(weekly.weekly_summary_url(summary))
    return redirect("tasks_app:weekly_list", code=summary.request.code)


def _perform(request, summary, action, success_message):
    try:
        action()
    except ActionRefused as refused:
        messages.error(request, refused.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success_message)
    return _back(request, summary)


@require_GET
def weekly_list(request, code):
    case = case_for(user=request.user, code=code)
    this_year, this_week = weekly.iso_week_of(weekly.today())
    context = {
        "case": case,
        "summaries": weekly.weekly_summary_list(user=request.user, request=case),
        "can_draft": weekly.weekly_summary_may_draft(request.user, case),
        "this_week_label": weekly.week_label(this_year, this_week),
    }
    return render(request, "tasks_app/weekly_list.html", context)


@require_POST
def weekly_draft(request, code):
    """Draft (or refresh) this week's summary, or the week named by ``year`` and ``week``."""
    case = case_for(user=request.user, code=code)
    year, week = weekly.iso_week_of(weekly.today())
    try:
        year = int(request.POST.get("year") or year)
        week = int(request.POST.get("week") or week)
        summary = weekly.weekly_summary_draft(
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
        return redirect(weekly.weekly_summary_url(summary))
    return redirect("tasks_app:weekly_list", code=case.code)


@require_GET
def weekly_detail(request, code, year, week):
    summary = weekly.weekly_summary_for(user=request.user, code=code, iso_year=year, iso_week=week)
    context = weekly.weekly_summary_page(user=request.user, summary=summary)
    context["form"] = WeeklySummaryForm(initial={"rag": summary.rag, "comments": summary.comments})
    return render(request, "tasks_app/weekly_detail.html", context)


@require_POST
def weekly_update(request, code, year, week):
    summary = weekly.weekly_summary_for(
        user=request.user, code=code, iso_year=year, iso_week=week, drafts=True
    )
    form = WeeklySummaryForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _back(request, summary)
    return _perform(
        request,
        summary,
        lambda: weekly.weekly_summary_update(
            actor=request.user,
            summary=summary,
            rag=form.cleaned_data["rag"],
            comments=form.cleaned_data["comments"],
        ),
        _("The weekly summary is saved."),
    )


@require_POST
def weekly_publish(request, code, year, week):
    summary = weekly.weekly_summary_for(
        user=request.user, code=code, iso_year=year, iso_week=week, drafts=True
    )
    return _perform(
        request,
        summary,
        lambda: weekly.weekly_summary_publish(actor=request.user, summary=summary),
        _("The weekly summary is published to the participants."),
    )


@require_GET
def weekly_pdf(request, code, year, week):
    summary = weekly.weekly_summary_for(user=request.user, code=code, iso_year=year, iso_week=week)
    context = weekly.weekly_summary_pdf_context(summary)
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
