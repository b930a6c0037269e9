"""What the 周报 pages show: a case's list of weekly summaries, and one summary with its task
sections, the sections later stages add, and whether it may still be edited."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from cases.models import Case
from collab_portal.org.models import User
from tasks_app.models import Task, WeeklySummary
from tasks_app.policies import weekly_summary_may_draft, weekly_summary_may_edit
from tasks_app.selectors import weekly_summary_list
from tasks_app.weekly_facts import weekly_fact_sections
from tasks_app.weeks import iso_week_of, today, week_label

Status = Task.Status
Rag = WeeklySummary.Rag


def weekly_list_page(*, user: User, case: Case) -> dict:
    this_year, this_week = iso_week_of(today())
    return {
        "case": case,
        "summaries": weekly_summary_list(user=user, request=case),
        "can_draft": weekly_summary_may_draft(user, case),
        "this_week_label": week_label(this_year, this_week),
    }


@dataclass
class Section:
    key: str
    title: str
    tasks: list[dict]
    show_completed: bool = False
    show_progress: bool = False
    show_reason: bool = False
    show_expected: bool = False
    show_overdue_days: bool = False


SECTION_TITLES = {
    "done": gettext_lazy("Done this week"),
    "in_progress": gettext_lazy("In progress"),
    "delayed": gettext_lazy("Delayed"),
    "blocked": gettext_lazy("Blocked"),
    "overdue": gettext_lazy("Overdue"),
    "next_week": gettext_lazy("Due next week"),
}


def weekly_summary_sections(summary: WeeklySummary) -> list[Section]:
    """The stored facts as the page and the PDF show them."""
    facts = summary.facts or {}

    def tasks(key: str) -> list[dict]:
        rows = []
        for fact in facts.get(key, []):
            row = dict(fact)
            try:
                row["status_label"] = Status(fact.get("status")).label
            except ValueError:
                row["status_label"] = fact.get("status", "")
            rows.append(row)
        return rows

    return [
        Section("done", SECTION_TITLES["done"], tasks("done"), show_completed=True),
        Section(
            "in_progress", SECTION_TITLES["in_progress"], tasks("in_progress"), show_progress=True
        ),
        Section(
            "delayed",
            SECTION_TITLES["delayed"],
            tasks("delayed"),
            show_reason=True,
            show_expected=True,
        ),
        Section("blocked", SECTION_TITLES["blocked"], tasks("blocked"), show_reason=True),
        Section(
            "overdue",
            SECTION_TITLES["overdue"],
            tasks("overdue"),
            show_progress=True,
            show_overdue_days=True,
        ),
        Section("next_week", SECTION_TITLES["next_week"], tasks("next_week"), show_progress=True),
    ]


def weekly_summary_page(*, user: User, summary: WeeklySummary) -> dict:
    """What the summary page shows and which buttons it offers."""
    request = summary.request
    can_edit = weekly_summary_may_edit(user, summary)
    proposed = (summary.facts or {}).get("rag_proposed", "")
    return {
        "case": request,
        "summary": summary,
        "facts": summary.facts or {},
        "counts": (summary.facts or {}).get("counts", {}),
        "sections": weekly_summary_sections(summary),
        "fact_sections": weekly_fact_sections(summary),
        "can_edit": can_edit,
        "rag_choices": Rag.choices,
        "rag_proposed_label": Rag(proposed).label if proposed in Rag.values else "",
        "week_param": f"{summary.iso_week:02d}",
    }
