"""Facts later stages add to a 周报 (the risks of stage 4), registered at start-up so this app
never imports them. Each is collected into the summary's JSON with the task facts, so a
published summary keeps what was true when it was published, and shown by its own partial
templates on the page and in the PDF."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class WeeklyFacts:
    key: str  # where the facts are kept in ``WeeklySummary.facts``
    # (*, request, week_start, cutoff, as_of) -> plain JSON: the week as seen at ``cutoff``
    collect: Callable[..., object]
    # (the kept facts, the case) -> the partials' context, in the reader's language
    section: Callable[[object, object], dict]
    template: str  # the page's partial
    pdf_template: str


@dataclass(frozen=True)
class FactSection:
    template: str
    pdf_template: str
    context: dict


_registered: list[WeeklyFacts] = []


def register_weekly_facts(facts: WeeklyFacts) -> None:
    if all(known.key != facts.key for known in _registered):
        _registered.append(facts)


def collect_weekly_facts(
    *, request, week_start: datetime.date, cutoff: datetime.datetime, as_of: datetime.date
) -> dict:
    return {
        facts.key: facts.collect(request=request, week_start=week_start, cutoff=cutoff, as_of=as_of)
        for facts in _registered
    }


def weekly_fact_sections(summary) -> list[FactSection]:
    """The sections of a summary's kept facts; none for facts it was drafted without."""
    kept = summary.facts or {}
    return [
        FactSection(
            facts.template, facts.pdf_template, facts.section(kept[facts.key], summary.request)
        )
        for facts in _registered
        if facts.key in kept
    ]
