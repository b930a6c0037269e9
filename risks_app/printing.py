"""The printed 《风险应对记录表》: the case's register (same filters as the page), landscape,
in the family of the other forms (documents/form_base.html)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from cases.models import Case
from collab_portal.documents.rendering import render_pdf
from collab_portal.org.selectors import company_name
from risks_app.exports import risk_columns
from risks_app.pages import RiskRow

TITLE = gettext_lazy("Risk Response Record")


def risk_record_pdf(*, case: Case, rows: list[RiskRow], filters: str) -> bytes:
    context = {
        "company_name": company_name(),
        "form_number": case.code,
        "is_draft": False,
        "signatures": [],
        "case": case,
        "columns": [column.label for column in risk_columns()],
        "rows": rows,
        "filters": filters,
        "overdue": sum(1 for row in rows if row.overdue),
        "major": sum(1 for row in rows if row.major),
    }
    return render_pdf(template_name="risks_app/pdf/register.html", context=context)
