"""The lists of cases, the case page, copying people in and cancelling a case, and what the
other views of the case share."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.archive_guard import archived_message, is_archived
from cases.selectors import case_for
from collab_portal.lib.views import run_service
from requests_app import forms, pages, policies, selectors, services

PAGE_SIZE = 25


def _form_closed(request, case, message):
    """Back to the case with why this form is not open to the user; an archived case says that
    it is archived."""
    messages.error(request, archived_message() if is_archived(case) else message)
    return redirect(case)


def _case_action(service, success_message):
    """A POST that runs ``service(actor=…, request=case)`` and goes back to the case."""

    @require_POST
    def view(request, code):
        case = case_for(user=request.user, code=code)
        return run_service(
            request,
            lambda: service(actor=request.user, request=case),
            success=success_message,
            then=lambda: redirect(case),
        )

    return view


def _filters(request):
    form = forms.ListFilterForm(request.GET or None)
    filters = selectors.ListFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.ListFilters(
            stage=data["stage"],
            department=data["department"].pk if data["department"] else None,
            created_from=data["created_from"],
            created_to=data["created_to"],
            query=data["q"].strip(),
        )
    return form, filters


@require_GET
def request_list(request, tab="mine"):
    """我发起的 / 全部可见的 with filters; 待我处理 has its own view."""
    form, filters = _filters(request)
    requests = (
        selectors.my_requests(user=request.user, filters=filters)
        if tab == "mine"
        else selectors.visible_requests(user=request.user, filters=filters)
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "requests_app/list.html",
        {
            "tab": tab,
            "page": page,
            "filter_form": form,
            "filtered": filters.active,
            "filters_open": filters.active or bool(form.errors),
            "query_string": _query_without_page(request),
        },
    )


@require_GET
def waiting_list(request):
    rows = pages.waiting_rows(user=request.user)
    return render(request, "requests_app/waiting.html", {"tab": "waiting", "rows": rows})


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
def request_detail(request, code):
    case = case_for(user=request.user, code=code)
    page = pages.case_page(user=request.user, request=case)
    context = {"page": page, "case": case}
    if page.actions.review:
        context["review_form"] = forms.ReviewForm()
        context["hand_over_form"] = forms.HandOverForm(
            targets=selectors.qualified_hand_over_targets(request=case)
        )
    if page.actions.cancel:
        context["cancel_form"] = forms.CancelForm()
    if page.actions.sign_plan:
        context["sign_form"] = forms.PlanSignForm()
    return render(request, "requests_app/detail.html", context)


@require_http_methods(["GET", "POST"])
def request_copy_in(request, code):
    """The picker lists everyone in the company, so the case page asks for it (GET) only when
    the person opens 抄送, instead of rendering thousands of options on every visit."""
    case = case_for(user=request.user, code=code)
    if request.method == "GET":
        if not policies.may_copy_in(request.user, case):
            return redirect(case)
        template = "requests_app/_copy_in.html" if request.htmx else "requests_app/copy_in.html"
        return render(request, template, {"case": case, "copy_in_form": forms.CopyInForm()})
    form = forms.CopyInForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the people to copy in."))
        return redirect(case)
    return run_service(
        request,
        lambda: services.request_copy_in(
            actor=request.user, request=case, people=list(form.cleaned_data["people"])
        ),
        success=_("They are copied in."),
        then=lambda: redirect(case),
    )


@require_POST
def request_cancel(request, code):
    case = case_for(user=request.user, code=code)
    form = forms.CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the request is cancelled."))
        return redirect(case)
    return run_service(
        request,
        lambda: services.request_cancel(
            actor=request.user, request=case, reason=form.cleaned_data["reason"]
        ),
        success=_("The request was cancelled."),
        then=lambda: redirect(case),
    )
