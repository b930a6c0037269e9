"""The 周报 as a printed form (PDF)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from collab_portal.org.selectors import company_name
from tasks_app.models import WeeklySummary
from tasks_app.pages.weekly import weekly_summary_sections
from tasks_app.weekly_facts import weekly_fact_sections

State = WeeklySummary.State


def weekly_summary_pdf_context(summary: WeeklySummary) -> dict:
    request = summary.request
    return {
        "company_name": company_name(),
        "form_number": f"{request.code}-{summary.iso_year}-W{summary.iso_week:02d}",
        "case": request,
        "summary": summary,
        "facts": summary.facts or {},
        "counts": (summary.facts or {}).get("counts", {}),
        "sections": weekly_summary_sections(summary),
        "fact_sections": weekly_fact_sections(summary),
        "is_draft": summary.state == State.DRAFT,
        "signatures": [],
        "filename": _("Weekly summary")
        + f"-{request.code}-{summary.iso_year}-W{summary.iso_week:02d}.pdf",
    }
