from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from collab_portal.calendar.workdays import LOOKED_AHEAD, years_counted_monday_to_friday_over
from collab_portal.dashboard import inbox
from collab_portal.dashboard.forms import InboxFilterForm
from collab_portal.notifications.selectors import latest_notifications
from collab_portal.org.selectors import roles_of


def _query(request, *drop: str) -> str:
    query = request.GET.copy()
    for name in drop:
        query.pop(name, None)
    return query.urlencode()


def _filter_form(request, data: inbox.Inbox, tab: inbox.TabSpec) -> InboxFilterForm:
    choices = inbox.with_carried_choices(data.choices(tab), request.GET)
    return InboxFilterForm(request.GET or None, initial={"tab": tab.key}, choices=choices)


@require_GET
def home(request):
    """工作台: the inbox's tabs with their filters, who I am here and what I was told. Only the
    tab shown and the waiting tab are built; the page then asks for the other counts."""
    tab = inbox.tab_for(request.GET.get("tab"))
    data = inbox.inbox_for(request.user, tabs={tab.key, inbox.WAITING})
    form = _filter_form(request, data, tab)
    page = data.page(tab=tab, filters=form.filters(), number=request.GET.get("page"))
    counts_query = request.GET.copy()
    counts_query["tab"] = tab.key
    today = timezone.localdate()
    return render(
        request,
        "dashboard/home.html",
        {
            "inbox": page,
            "counts_url": f"{reverse('dashboard:tab_counts')}?{counts_query.urlencode()}"
            if page.counts_pending
            else "",
            "filter_form": form,
            "filters_open": page.filtered or bool(form.errors),
            "tab_query": _query(request, "tab", "kind", "page"),
            "page_query": _query(request, "page"),
            "roles": roles_of(request.user),
            "latest_notifications": latest_notifications(user=request.user),
            "workdays_fallback_years": years_counted_monday_to_friday_over(
                [today, today + LOOKED_AHEAD]
            ),
        },
    )


@require_GET
def tab_counts(request):
    """The counts of the tabs the page did not build, under its filters, swapped into their
    badges once the page is up. With no filter but the type (which is the shown tab's own),
    the rows are only counted: their cases are not described."""
    tab = inbox.tab_for(request.GET.get("tab"))
    missing = [key for key in inbox.TAB_KEYS if key not in (tab.key, inbox.WAITING)]
    filtered = any(request.GET.get(name) for name in InboxFilterForm.CASE_FILTERS)
    data = inbox.inbox_for(request.user, tabs=missing, brief=not filtered)
    filters = _filter_form(request, data, tab).filters() if filtered else inbox.InboxFilters()
    summaries = data.summaries(tab=tab, filters=filters)
    return render(
        request,
        "dashboard/_tab_counts.html",
        {"tabs": [summary for summary in summaries if summary.count is not None]},
    )
