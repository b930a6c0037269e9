"""The list of cases in stages 5–6 across cases: awaiting acceptance, in their
retrospective, archived.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from acceptance_app import pages, selectors


@require_GET
def acceptance_list(request):
    tab = request.GET.get("tab", "accepting")
    if tab not in selectors.LIST_TABS:
        tab = "accepting"
    query = request.GET.get("q", "")[:100].replace("\x00", "")  # PostgreSQL refuses NUL
    cases = selectors.acceptance_list(user=request.user, tab=tab, query=query)
    context = {
        "tab": tab,
        "query": query,
        "rows": pages.acceptance_rows(cases[:200]),
        "counts": selectors.acceptance_counts(user=request.user),
    }
    return render(request, "acceptance_app/list.html", context)
