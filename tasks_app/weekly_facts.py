"""What a 周报 states: the task facts of the case's week, and the facts later stages add (the
risks of stage 4), registered at start-up so this app never imports them.

For each case and ISO week the summary's draft is computed from the task data (done this week,
in progress, delayed with reasons, blocked, overdue, due next week, overall progress) with a
proposed red/amber/green status. The facts are plain JSON, kept with the summary, so a published
summary keeps what was true when it was published. A later stage's facts are collected into the
same JSON and shown by its own partial templates on the page and in the PDF."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from cases.models import Case
from tasks_app.models import Task, WeeklySummary, key_task_pks
from tasks_app.selectors import overall_progress, task_queryset, tree_rows
from tasks_app.weeks import start_of_day, week_bounds

Status = Task.Status
Rag = WeeklySummary.Rag

# The task lists of a summary, in the order they are shown.
SECTION_KEYS = ("done", "in_progress", "delayed", "blocked", "overdue", "next_week")


def _state_then(task: Task, cutoff: datetime.datetime) -> str:
    """The task's status at ``cutoff``: a task finished (or started) later was still open
    (or not started) then. Delays and blockers are taken as they stand now."""
    if task.status == Status.DONE and task.completed_at and task.completed_at >= cutoff:
        started = task.started_at is not None and task.started_at < cutoff
        return Status.IN_PROGRESS if started else Status.NOT_STARTED
    if task.status == Status.IN_PROGRESS and task.started_at and task.started_at >= cutoff:
        return Status.NOT_STARTED
    return task.status


def _iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def weekly_summary_facts(
    *, request: Case, iso_year: int, iso_week: int, now: datetime.datetime | None = None
) -> dict:
    """What the summary of ``iso_year``-W``iso_week`` states, from the case's leaf tasks.

    The week is seen from its end, or from now while it is still running: “done this week” is
    completed inside the week; “overdue” is due before the end of the week (before today while
    the week runs) and not done by then; “due next week” is due in the following ISO week and
    not done. Key tasks as ``key_task_filter`` says. Five queries, and those of the facts later
    stages add (registered below: the risks, two)."""
    now = now or timezone.now()
    week_start, week_end = week_bounds(iso_year, iso_week)
    local_today = timezone.localtime(now, timezone.get_default_timezone()).date()
    cutoff = min(now, start_of_day(week_end + datetime.timedelta(days=1)))
    # Due before this day and not done = overdue.
    overdue_before = min(local_today, week_end + datetime.timedelta(days=1))
    as_of = min(local_today, week_end)
    next_start = week_end + datetime.timedelta(days=1)
    next_end = week_end + datetime.timedelta(days=7)

    tasks = list(task_queryset().filter(request=request))
    rows = tree_rows(tasks, today=overdue_before)
    parents = {task.parent_id for task in tasks if task.parent_id}
    key = key_task_pks(tasks)

    sections: dict[str, list[dict]] = {key: [] for key in SECTION_KEYS}
    counts = dict.fromkeys(("tasks", "done_total", "not_started", *SECTION_KEYS), 0)
    for row in rows:
        task = row.task
        if task.pk in parents:
            continue  # a parent follows its subtasks; the leaves are the work
        state = _state_then(task, cutoff)
        done = state == Status.DONE
        overdue = not done and task.due_on is not None and task.due_on < overdue_before
        completed_on = (
            timezone.localtime(task.completed_at, timezone.get_default_timezone()).date()
            if done and task.completed_at
            else None
        )
        fact = {
            "id": task.pk,
            "wbs_code": task.wbs_code,
            "name": task.name,
            "owner": task.owner.name if task.owner else "",
            "lead_department": task.lead_department.name if task.lead_department else "",
            "key": task.pk in key,
            "status": str(state),
            "progress": 100 if done else row.progress,
            "start_on": _iso(task.start_on),
            "due_on": _iso(task.due_on),
            "completed_on": _iso(completed_on),
            "reason": task.status_reason if state in (Status.DELAYED, Status.BLOCKED) else "",
            "expected_done_on": _iso(task.expected_done_on) if state == Status.DELAYED else "",
            "overdue_days": (overdue_before - task.due_on).days if overdue else 0,
        }
        counts["tasks"] += 1
        if done:
            counts["done_total"] += 1
            if task.completed_at and start_of_day(week_start) <= task.completed_at < cutoff:
                sections["done"].append(fact)
        elif state == Status.NOT_STARTED:
            counts["not_started"] += 1
        elif state in (Status.IN_PROGRESS, Status.DELAYED, Status.BLOCKED):
            sections[str(state)].append(fact)
        if overdue:
            sections["overdue"].append(fact)
        if not done and task.due_on and next_start <= task.due_on <= next_end:
            sections["next_week"].append(fact)
    for key in SECTION_KEYS:
        counts[key] = len(sections[key])
    facts = {
        "as_of": as_of.isoformat(),
        "generated_at": now.isoformat(),
        "week_start": week_start.isoformat(),
        "week_end": week_end.isoformat(),
        "progress": overall_progress(rows),
        "counts": counts,
        **sections,
        # what later stages add (the risks), seen at the same moment
        **collect_weekly_facts(request=request, week_start=week_start, cutoff=cutoff, as_of=as_of),
    }
    facts["rag_proposed"] = weekly_summary_propose_rag(facts)
    return facts


def weekly_summary_propose_rag(facts: dict) -> str:
    """Red when a key task is overdue or blocked; amber when anything is delayed, overdue or
    blocked; green otherwise. The coordinator may choose otherwise."""
    troubled = [*facts.get("overdue", []), *facts.get("blocked", [])]
    if any(task.get("key") for task in troubled):
        return Rag.RED
    if troubled or facts.get("delayed"):
        return Rag.AMBER
    return Rag.GREEN


# ---------------------------------------------------------------------------------------------
# What later stages add


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
