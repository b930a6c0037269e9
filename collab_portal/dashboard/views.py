from django.shortcuts import render
from django.views.decorators.http import require_GET

from collab_portal.dashboard import inbox
from collab_portal.dashboard.forms import InboxFilterForm
from collab_portal.notifications.selectors import latest_notifications
from collab_portal.org.selectors import roles_of


def _query(request, *drop: str) -> str:
    query = request.GET.copy()
    for name in drop:
        query.pop(name, None)
    return query.urlencode()


@require_GET
def home(request):
    """工作台: the inbox's tabs with their filters, who I am here and what I was told."""
    data = inbox.inbox_for(request.user)
    tab = inbox.tab_for(request.GET.get("tab"))
    form = InboxFilterForm(request.GET or None, initial={"tab": tab.key}, choices=data.choices(tab))
    page = data.page(tab=tab, filters=form.filters(), number=request.GET.get("page"))
    return render(
        request,
        "dashboard/home.html",
        {
            "inbox": page,
            "filter_form": form,
            "tab_query": _query(request, "tab", "kind", "page"),
            "page_query": _query(request, "page"),
            "roles": roles_of(request.user),
            "latest_notifications": latest_notifications(user=request.user),
        },
    )
