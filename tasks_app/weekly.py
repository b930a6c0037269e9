"""周报: the weekly summary of a case.

For each case and ISO week the coordinator gets a draft computed from the task data (done this
week, in progress, delayed with reasons, blocked, overdue, due next week, overall progress) and a
proposed red/amber/green status; they adjust the status, add comments and publish it to the
case's participants. The facts are stored as plain JSON, so a published summary keeps what was
true when it was published; refreshing from the data only ever touches a draft.

Services (writes): ``weekly_summary_draft``, ``weekly_summary_update``, ``weekly_summary_publish``,
``weekly_summary_generate``. Reads for the pages: ``weekly_summary_list``, ``weekly_summary_for``,
``weekly_summary_sections``, ``weekly_summary_pdf_context``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.archive_guard import refuse_if_archived
from cases.models import Case
from cases.selectors import case_for
from collab_portal.activity.services import activity_record
from collab_portal.lib.refusals import ActionRefused, refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.notifications.services import notify
from collab_portal.org.models import User
from collab_portal.org.selectors import company_name
from requests_app.models import Receiver
from tasks_app.models import Task, WeeklySummary, key_task_pks
from tasks_app.selectors import overall_progress, task_queryset, tree_rows
from tasks_app.weekly_facts import collect_weekly_facts, weekly_fact_sections

Stage = Case.Stage
Status = Task.Status
State = WeeklySummary.State
Rag = WeeklySummary.Rag

# A summary is drafted, edited and published while the work runs or is being accepted.
WEEKLY_STAGES = (Stage.EXECUTING, Stage.ACCEPTING)

# The task lists of a summary, in the order they are shown.
SECTION_KEYS = ("done", "in_progress", "delayed", "blocked", "overdue", "next_week")

COMMENTS_MAX_LENGTH = 10000


# ---------------------------------------------------------------------------------------------
# ISO weeks


def today() -> datetime.date:
    """Today in the portal's time zone (Asia/Shanghai), whoever is asking."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def iso_week_of(day: datetime.date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso.year, iso.week


def week_bounds(iso_year: int, iso_week: int) -> tuple[datetime.date, datetime.date]:
    """Monday and Sunday of the ISO week; ValueError for a week the year does not have."""
    return (
        datetime.date.fromisocalendar(iso_year, iso_week, 1),
        datetime.date.fromisocalendar(iso_year, iso_week, 7),
    )


def week_label_text(iso_year: int, iso_week: int) -> Text:
    """“2026年第48周 (11.23–11.29)”, kept as a message: shown in each reader's language."""
    start, end = week_bounds(iso_year, iso_week)
    return Text(
        gettext_lazy("%(year)s week %(week)s (%(start)s–%(end)s)"),
        year=iso_year,
        week=iso_week,
        start=f"{start:%m.%d}",
        end=f"{end:%m.%d}",
    )


def week_label(iso_year: int, iso_week: int) -> str:
    """“2026年第48周 (11.23–11.29)”: the same words as ``WeeklySummary.label``."""
    return str(week_label_text(iso_year, iso_week))


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


def weekly_summary_url(summary: WeeklySummary, name: str = "weekly_detail") -> str:
    return reverse(
        f"tasks_app:{name}",
        args=[summary.request.code, summary.iso_year, f"{summary.iso_week:02d}"],
    )


# ---------------------------------------------------------------------------------------------
# The facts


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
    stages add (``tasks_app.weekly_facts``: the risks, two)."""
    now = now or timezone.now()
    week_start, week_end = week_bounds(iso_year, iso_week)
    local_today = timezone.localtime(now, timezone.get_default_timezone()).date()
    cutoff = min(now, _start_of(week_end + datetime.timedelta(days=1)))
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
            if task.completed_at and _start_of(week_start) <= task.completed_at < cutoff:
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
# Who may do what


def weekly_summary_may_manage(user: User, request: Case) -> bool:
    """The coordinator (or an admin) drafts, edits and publishes; they alone see drafts."""
    return user.is_active and (
        user.pk == request.coordinator_id or getattr(user, "is_portal_admin", False)
    )


def weekly_summary_may_draft(user: User, request: Case) -> bool:
    return weekly_summary_may_manage(user, request) and request.stage in WEEKLY_STAGES


def weekly_summary_may_view(user: User, summary: WeeklySummary) -> bool:
    """For someone who may see the case: published summaries, and drafts if they manage them."""
    return summary.state == State.PUBLISHED or weekly_summary_may_manage(user, summary.request)


def _check_manager(actor: User, request: Case) -> None:
    refuse_unless(
        weekly_summary_may_manage(actor, request),
        _("Only the coordinator (%(name)s) writes the weekly summary.")
        % {"name": request.coordinator.name if request.coordinator else "—"},
    )
    refuse_unless(
        request.stage in WEEKLY_STAGES,
        _("Weekly summaries are written while the request is executing or in acceptance."),
    )


def _check_draft(summary: WeeklySummary) -> None:
    refuse_unless(
        summary.state == State.DRAFT,
        _("The summary of %(week)s is published; it stays as it was published.")
        % {"week": summary.label},
    )


def _lock_summary(summary: WeeklySummary) -> WeeklySummary:
    locked = WeeklySummary.objects.select_for_update().get(pk=summary.pk)
    locked.request = Case.objects.select_related(
        "coordinator", "initiator", "initiator_department__head"
    ).get(pk=locked.request_id)
    refuse_if_archived(locked.request)
    return locked


# ---------------------------------------------------------------------------------------------
# Services


def _draft(
    *, request: Case, iso_year: int, iso_week: int, actor: User | None
) -> tuple[WeeklySummary, bool]:
    """Create or refresh the draft; (summary, created). Runs inside a transaction."""
    request = (
        Case.objects.select_for_update(of=("self",))
        .select_related("coordinator")
        .get(pk=request.pk)
    )
    refuse_if_archived(request)
    if actor is not None:
        _check_manager(actor, request)
    else:
        refuse_unless(
            request.stage in WEEKLY_STAGES,
            _("Weekly summaries are written while the request is executing or in acceptance."),
        )
    try:
        week_start, week_end = week_bounds(iso_year, iso_week)
    except (TypeError, ValueError, OverflowError):
        raise ActionRefused(
            _("There is no week %(week)s in %(year)s.") % {"week": iso_week, "year": iso_year}
        ) from None
    refuse_unless(
        week_start <= today(),
        _("A weekly summary is drafted for this week or an earlier one."),
    )
    refuse_unless(
        week_end >= timezone.localtime(request.created_at, timezone.get_default_timezone()).date(),
        _("The request did not exist yet in that week."),
    )
    summary = (
        WeeklySummary.objects.select_for_update()
        .filter(request=request, iso_year=iso_year, iso_week=iso_week)
        .first()
    )
    if summary is not None:
        summary.request = request
        _check_draft(summary)
    facts = weekly_summary_facts(request=request, iso_year=iso_year, iso_week=iso_week)
    if summary is None:
        summary = WeeklySummary.objects.create(
            request=request,
            iso_year=iso_year,
            iso_week=iso_week,
            rag=facts["rag_proposed"],
            facts=facts,
        )
        return summary, True
    # The status follows the proposal unless the coordinator chose another one.
    if summary.rag == summary.facts.get("rag_proposed", summary.rag):
        summary.rag = facts["rag_proposed"]
    summary.facts = facts
    summary.save()
    return summary, False


@transaction.atomic
def weekly_summary_draft(
    *, request: Case, iso_year: int, iso_week: int, actor: User | None = None
) -> WeeklySummary:
    """Draft the summary of the case's ISO week from the data, or refresh its draft.

    ``actor`` None is the system (the weekly job); a person must be the coordinator or an admin.
    A published summary is never changed: refreshing it is refused."""
    summary, _created = _draft(request=request, iso_year=iso_year, iso_week=iso_week, actor=actor)
    return summary


@transaction.atomic
def weekly_summary_update(
    *, actor: User, summary: WeeklySummary, rag: str, comments: str
) -> WeeklySummary:
    """The coordinator sets the red/amber/green status and writes comments on a draft."""
    summary = _lock_summary(summary)
    _check_manager(actor, summary.request)
    _check_draft(summary)
    errors = {}
    if rag not in Rag.values:
        errors["rag"] = _("Choose green, amber or red.")
    comments = (comments or "").strip()
    if len(comments) > COMMENTS_MAX_LENGTH:
        errors["comments"] = _("Keep the comments under %(count)d characters.") % {
            "count": COMMENTS_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)
    summary.rag, summary.comments = rag, comments
    summary.save()
    return summary


def weekly_summary_recipients(request: Case) -> list[User]:
    """The case's participants: initiator, coordinator, owners and collaborators of its tasks,
    heads of the initiating and receiving departments; each once."""
    people = [
        request.initiator,
        request.coordinator,
        request.initiator_department.head if request.initiator_department_id else None,
    ]
    receivers = Receiver.objects.filter(request=request, department__isnull=False).select_related(
        "department__head"
    )
    people += [receiver.department.head for receiver in receivers]
    for task in (
        Task.objects.filter(request=request)
        .select_related("owner")
        .prefetch_related("collaborators")
    ):
        people += [task.owner, *task.collaborators.all()]
    unique: dict[int, User] = {}
    for person in people:
        if person is not None and person.is_active:
            unique.setdefault(person.pk, person)
    return list(unique.values())


@transaction.atomic
def weekly_summary_publish(*, actor: User, summary: WeeklySummary) -> WeeklySummary:
    """Publish a draft to the case's participants; it is kept as published from then on."""
    summary = _lock_summary(summary)
    request = summary.request
    _check_manager(actor, request)
    refuse_unless(
        summary.state == State.DRAFT,
        _("The summary of %(week)s is already published.") % {"week": summary.label},
    )
    summary.publish()
    summary.published_at = timezone.now()
    summary.author = actor
    summary.save()
    activity_record(
        subject=request,
        verb="weekly_publish",
        actor=actor,
        target=summary,
        comment=week_label_text(summary.iso_year, summary.iso_week),
    )
    body = Text(
        gettext_lazy("Status: {rag}; overall progress {progress}."),
        rag=Rag(summary.rag).label,
        progress=f"{summary.facts.get('progress', 0)}%",
    )
    if summary.comments:
        body = Text("{status}\n\n{comments}", status=body, comments=summary.comments)
    # notify() stores the in-app rows with this transaction; e-mails leave after commit.
    notify(
        recipients=[p for p in weekly_summary_recipients(request) if p.pk != actor.pk],
        actor=actor,
        title=Text(
            gettext_lazy("{code}: the weekly summary of {week} is published"),
            code=request.code,
            week=week_label_text(summary.iso_year, summary.iso_week),
        ),
        body=body,
        url=weekly_summary_url(summary),
    )
    return summary


@dataclass
class GenerateResult:
    iso_year: int
    iso_week: int
    created: int = 0
    refreshed: int = 0
    kept: int = 0  # already published: left as they are


def weekly_summary_generate(*, day: datetime.date | None = None) -> GenerateResult:
    """The weekly job: draft (or refresh the draft of) the week containing ``day`` for every
    executing case. Idempotent; each case in its own transaction."""
    day = day or today()
    iso_year, iso_week = iso_week_of(day)
    result = GenerateResult(iso_year=iso_year, iso_week=iso_week)
    _week_start, week_end = week_bounds(iso_year, iso_week)
    cases = Case.objects.filter(
        stage=Stage.EXECUTING, created_at__lt=_start_of(week_end + datetime.timedelta(days=1))
    )
    for request in cases.order_by("pk"):
        try:
            with transaction.atomic():
                _summary, created = _draft(
                    request=request, iso_year=iso_year, iso_week=iso_week, actor=None
                )
        except ActionRefused:
            result.kept += 1
            continue
        if created:
            result.created += 1
        else:
            result.refreshed += 1
    return result


# ---------------------------------------------------------------------------------------------
# Reads


def weekly_summary_list(*, user: User, request: Case) -> list[WeeklySummary]:
    """The case's summaries, newest week first; drafts only for the coordinator and admins."""
    summaries = WeeklySummary.objects.filter(request=request).select_related("author")
    if not weekly_summary_may_manage(user, request):
        summaries = summaries.filter(state=State.PUBLISHED)
    found = list(summaries.order_by("-iso_year", "-iso_week"))
    for summary in found:
        summary.request = request
    return found


def weekly_summary_for(
    *, user: User, code: str, iso_year: int, iso_week: int, drafts: bool = False
) -> WeeklySummary:
    """The summary if ``user`` may see it, else 404: the case must be visible, a draft only to
    its coordinator and admins (``drafts=True`` finds drafts for anyone who sees the case, for
    the write views whose services refuse with a message)."""
    request = case_for(user=user, code=code)
    try:
        week_bounds(iso_year, iso_week)
    except (TypeError, ValueError, OverflowError):
        raise Http404 from None
    summaries = WeeklySummary.objects.filter(
        request=request, iso_year=iso_year, iso_week=iso_week
    ).select_related("author")
    if not drafts and not weekly_summary_may_manage(user, request):
        summaries = summaries.filter(state=State.PUBLISHED)
    summary = get_object_or_404(summaries)
    summary.request = request
    return summary


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
    can_edit = (
        summary.state == State.DRAFT
        and weekly_summary_may_manage(user, request)
        and request.stage in WEEKLY_STAGES
    )
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
