"""Computing the retrospective's figures from the case's records (the package's docstring says
how the durations are counted)."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils import timezone

from acceptance_app.metrics.figures import (
    AcceptanceFigures,
    AcceptanceRound,
    DelayedTask,
    DelayReason,
    FailedItem,
    ReasonCount,
    RetrospectiveMetrics,
    ReviewFigures,
    RiskFigures,
    Schedule,
    Span,
    StageDuration,
    TaskFigures,
)
from acceptance_app.models import Delivery, ItemVerdict
from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.calendar.workdays import WorkdayCalendar
from requests_app.models import CollabPlan, Milestone, Review
from requests_app.pages import STEPPER
from risks_app.models import Risk
from tasks_app.models import Task, TaskDateChange

Stage = Case.Stage
Stage = Case.Stage

# States after which no stage's clock runs.
TERMINAL_STAGES = frozenset({Stage.ARCHIVED, Stage.CANCELLED})
CASE_STAGES = frozenset(Stage.values)
STAGE_NUMBER_OF = {state: number for number, _label, states in STEPPER for state in states}
EXECUTION_STAGE = STAGE_NUMBER_OF[Stage.EXECUTING]


# ---------------------------------------------------------------------------------------------
# Computing them


def retrospective_metrics(
    request: Case, *, today: datetime.date | None = None
) -> RetrospectiveMetrics:
    """The figures of the case ``request`` as of ``today`` (default: today), in a fixed number
    of queries."""
    today = today or timezone.localdate()
    transitions = _stage_transitions(request)
    tasks = list(
        Task.objects.filter(request=request).values(
            "id",
            "parent_id",
            "wbs_code",
            "name",
            "position",
            "planned_start_on",
            "planned_due_on",
            "due_on",
            "status",
            "completed_at",
        )
    )
    deliveries = list(
        Delivery.objects.filter(request=request)
        .exclude(state=Delivery.State.DRAFT)
        .annotate(item_count=Count("items"))
        .order_by("version")
        .values(
            "id",
            "version",
            "state",
            "submitted_at",
            "decided_at",
            "item_count",
            "review__external_contact_id",
            "review__reviewer_name",
            "review__satisfaction_score",
            "review__satisfaction_comment",
        )
    )

    approved_on = _approval_date(request, transitions)
    accepted_on = _acceptance_date(transitions, deliveries)
    cancelled_on = _last_date_into(transitions, Stage.CANCELLED)
    planned_end_on = _planned_end(request)
    execution_window = _planned_window(tasks)
    visits = _stage_visits(request, transitions)

    calendar = _calendar_for(
        [today, approved_on, accepted_on, cancelled_on, planned_end_on, *execution_window]
        + [day for visit in visits for day in visit[1:]]
    )
    return RetrospectiveMetrics(
        computed_on=today,
        schedule=_schedule(
            calendar,
            approved_on=approved_on,
            planned_end_on=planned_end_on,
            actual_end_on=accepted_on or cancelled_on or today,
            is_accepted=accepted_on is not None,
        ),
        stages=_stages(calendar, visits, execution_window=execution_window, today=today),
        reviews=_review_figures(request),
        tasks=_task_figures(tasks, today=today),
        delays=_delays(request, tasks, today=today),
        risks=_risk_figures(request, today=today),
        acceptance=_acceptance_figures(deliveries),
    )


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment is not None else None


def _stage_transitions(request: Case) -> list[tuple[str, str, datetime.datetime]]:
    """(from, to, when) of every change of the case's stage, oldest first. Other timeline rows
    (a task's or a risk's state) are told apart by both states being stages of the case."""
    return list(
        Activity.objects.filter(
            subject_type=ContentType.objects.get_for_model(Case),
            subject_id=str(request.pk),
            from_state__in=CASE_STAGES,
            to_state__in=CASE_STAGES,
        )
        .order_by("created_at", "pk")
        .values_list("from_state", "to_state", "created_at")
    )


def _last_date_into(transitions, stage: str) -> datetime.date | None:
    moments = [when for _from, to, when in transitions if to == stage]
    return _local_date(moments[-1]) if moments else None


def _approval_date(request: Case, transitions) -> datetime.date | None:
    if request.approved_at is not None:
        return _local_date(request.approved_at)
    return _last_date_into(transitions, Stage.SYNCING)


def _acceptance_date(transitions, deliveries: list[dict]) -> datetime.date | None:
    on_timeline = _last_date_into(transitions, Stage.RETROSPECTIVE)
    if on_timeline is not None:
        return on_timeline
    accepted = [d for d in deliveries if d["state"] == Delivery.State.ACCEPTED]
    return _local_date(accepted[-1]["decided_at"]) if accepted else None


def _planned_end(request: Case) -> datetime.date | None:
    """The later of the expected deadline and the confirmed plan's last milestone."""
    last_milestone = (
        Milestone.objects.filter(plan__request=request, plan__state=CollabPlan.State.CONFIRMED)
        .order_by("-due_on")
        .values_list("due_on", flat=True)
        .first()
    )
    dates = [d for d in (request.expected_deadline, last_milestone) if d is not None]
    return max(dates) if dates else None


def _planned_window(tasks: list[dict]) -> tuple[datetime.date, datetime.date] | tuple[()]:
    """Earliest planned start to latest planned due of the published breakdown, if any."""
    starts = [t["planned_start_on"] for t in tasks if t["planned_start_on"]]
    dues = [t["planned_due_on"] for t in tasks if t["planned_due_on"]]
    if not starts or not dues:
        return ()
    return min(starts), max(dues)


def _stage_visits(
    request: Case, transitions
) -> list[tuple[str, datetime.date, datetime.date | None]]:
    """(stage number, entered on, left on or None while in it) of every visit to a stage; moves
    between the states of one stage (returned → pending review) stay one visit."""
    visits: list[tuple[str, datetime.date, datetime.date | None]] = []

    def stay(state: str, since: datetime.datetime, until: datetime.datetime | None) -> None:
        if state in TERMINAL_STAGES or since is None:
            return
        number, entered, left = STAGE_NUMBER_OF[state], _local_date(since), _local_date(until)
        if visits and visits[-1][0] == number:
            entered = visits.pop()[1]
        visits.append((number, entered, left))

    state, since = Stage.DRAFT, request.created_at
    for _from, to, when in transitions:
        stay(state, since, when)
        state, since = to, when
    stay(state, since, None)
    return visits


def _calendar_for(days: list[datetime.date | None]) -> WorkdayCalendar | None:
    known = [day for day in days if day is not None]
    if not known:
        return None
    return WorkdayCalendar(min(known), max(known))


def _span(
    calendar: WorkdayCalendar | None, start: datetime.date | None, end: datetime.date | None
) -> Span:
    if start is None or end is None or calendar is None:
        return Span(start_on=start, end_on=end, days=None, working_days=None)
    return Span(
        start_on=start,
        end_on=end,
        days=(end - start).days,
        working_days=calendar.workdays_after(start, end),
    )


def _schedule(
    calendar,
    *,
    approved_on: datetime.date | None,
    planned_end_on: datetime.date | None,
    actual_end_on: datetime.date,
    is_accepted: bool,
) -> Schedule:
    return Schedule(
        planned=_span(calendar, approved_on, planned_end_on),
        actual=_span(calendar, approved_on, actual_end_on if approved_on else None),
        is_accepted=is_accepted,
    )


def _stages(calendar, visits, *, execution_window, today) -> tuple[StageDuration, ...]:
    by_stage = defaultdict(list)
    for number, entered, left in visits:
        by_stage[number].append((entered, left))
    stages = []
    for number, _label, _states in STEPPER:
        stage_visits = by_stage.get(number, [])
        planned = (
            _span(calendar, *execution_window)
            if number == EXECUTION_STAGE and execution_window
            else _span(calendar, None, None)
        )
        actual_days = actual_working_days = None
        if stage_visits:
            spans = [_span(calendar, entered, left or today) for entered, left in stage_visits]
            actual_days = sum(span.days for span in spans)
            actual_working_days = sum(span.working_days for span in spans)
        still_in = any(left is None for _entered, left in stage_visits)
        stages.append(
            StageDuration(
                number=number,
                entered_on=stage_visits[0][0] if stage_visits else None,
                left_on=None if still_in or not stage_visits else stage_visits[-1][1],
                visits=len(stage_visits),
                actual_days=actual_days,
                actual_working_days=actual_working_days,
                planned_days=planned.days,
                planned_working_days=planned.working_days,
            )
        )
    return tuple(stages)


def _review_figures(request: Case) -> ReviewFigures:
    reviews = list(Review.objects.filter(request=request).values_list("decision", "reason_code"))
    returned = [code for decision, code in reviews if decision == Review.Decision.RETURNED]
    order = {code: index for index, code in enumerate(Review.ReturnReason.values)}
    counts = Counter(code or Review.ReturnReason.OTHER for code in returned)
    return ReviewFigures(
        rounds=len(reviews),
        returns=len(returned),
        return_reasons=tuple(
            ReasonCount(reason_code=code, count=count)
            for code, count in sorted(
                counts.items(), key=lambda item: (-item[1], order.get(item[0], len(order)))
            )
        ),
    )


def _leaves(tasks: list[dict]) -> list[dict]:
    parents = {task["parent_id"] for task in tasks}
    return [task for task in tasks if task["id"] not in parents]


def _planned_due(task: dict) -> datetime.date | None:
    """The due date as published; a task added after publishing has only its current one."""
    return task["planned_due_on"] or task["due_on"]


def _finished_on(task: dict) -> datetime.date | None:
    if task["status"] != Task.Status.DONE:
        return None
    return _local_date(task["completed_at"])


def _days_late(task: dict, *, today: datetime.date) -> int:
    planned_due = _planned_due(task)
    if planned_due is None:
        return 0
    end = _finished_on(task) or today
    return max(0, (end - planned_due).days)


def _is_done_on_time(task: dict) -> bool:
    planned_due, finished = _planned_due(task), _finished_on(task)
    return planned_due is None or finished is None or finished <= planned_due


def _task_figures(tasks: list[dict], *, today: datetime.date) -> TaskFigures:
    leaves = _leaves(tasks)
    done = [task for task in leaves if task["status"] == Task.Status.DONE]
    still_open = [task for task in leaves if task["status"] != Task.Status.DONE]
    return TaskFigures(
        leaves=len(leaves),
        leaves_done=len(done),
        done_on_time=sum(1 for task in done if _is_done_on_time(task)),
        overdue_at_finish=sum(
            1
            for task in done
            if task["due_on"] and _finished_on(task) and _finished_on(task) > task["due_on"]
        ),
        leaves_open=len(still_open),
        leaves_open_overdue=sum(
            1 for task in still_open if task["due_on"] and task["due_on"] < today
        ),
    )


def _wbs_sort_key(task: dict) -> tuple:
    parts = task["wbs_code"].split(".") if task["wbs_code"] else []
    return (tuple(int(p) if p.isdigit() else 0 for p in parts), task["position"], task["id"])


def _delay_reasons(request: Case) -> dict[int, list[DelayReason]]:
    """Every reported delay (from the tasks' history: each save while delayed keeps the
    reason and the new date) and every due-date change, by task, oldest first."""
    reasons: dict[int, list[tuple[datetime.datetime, DelayReason]]] = defaultdict(list)
    reported = (
        Task.history.filter(request_id=request.pk, status=Task.Status.DELAYED)
        .order_by("history_date", "history_id")
        .values_list("id", "status_reason", "expected_done_on", "history_date")
    )
    seen = set()
    for task_id, reason, new_date, when in reported:
        if (task_id, reason, new_date) in seen:
            continue  # the same report, saved again (a progress update while delayed)
        seen.add((task_id, reason, new_date))
        reasons[task_id].append(
            (
                when,
                DelayReason(
                    kind=DelayReason.Kind.REPORTED,
                    on=_local_date(when),
                    reason=reason,
                    new_due_on=new_date,
                ),
            )
        )
    changes = TaskDateChange.objects.filter(task__request=request).values_list(
        "task_id", "reason", "new_due_on", "changed_at"
    )
    for task_id, reason, new_due, when in changes:
        reasons[task_id].append(
            (
                when,
                DelayReason(
                    kind=DelayReason.Kind.RESCHEDULED,
                    on=_local_date(when),
                    reason=reason,
                    new_due_on=new_due,
                ),
            )
        )
    return {
        task_id: [reason for _when, reason in sorted(entries, key=lambda entry: entry[0])]
        for task_id, entries in reasons.items()
    }


def _delays(request: Case, tasks: list[dict], *, today: datetime.date):
    reasons = _delay_reasons(request)
    leaf_ids = {task["id"] for task in _leaves(tasks)}
    delayed = [
        task
        for task in tasks
        if task["id"] in reasons or (task["id"] in leaf_ids and _days_late(task, today=today))
    ]
    return tuple(
        DelayedTask(
            wbs_code=task["wbs_code"],
            name=task["name"],
            planned_due_on=_planned_due(task),
            final_due_on=task["due_on"],
            finished_on=_finished_on(task),
            days_late=_days_late(task, today=today),
            reasons=tuple(reasons.get(task["id"], ())),
        )
        for task in sorted(delayed, key=_wbs_sort_key)
    )


def _risk_figures(request: Case, *, today: datetime.date) -> RiskFigures:
    risks = list(
        Risk.objects.filter(request=request).values_list(
            "state", "deadline", "escalated_at", "resolved_at"
        )
    )
    closed_states = {Risk.State.RESOLVED, Risk.State.CLOSED}
    resolved = [risk for risk in risks if risk[0] in closed_states]
    still_open = [risk for risk in risks if risk[0] not in closed_states]
    return RiskFigures(
        raised=len(risks),
        escalated=sum(1 for risk in risks if risk[2] is not None),
        resolved=len(resolved),
        resolved_on_time=sum(
            1 for _state, deadline, _esc, at in resolved if at and _local_date(at) <= deadline
        ),
        still_open=len(still_open),
        open_overdue=sum(1 for _state, deadline, _esc, _at in still_open if deadline < today),
    )


def _acceptance_figures(deliveries: list[dict]) -> AcceptanceFigures:
    failed = defaultdict(list)
    if deliveries:
        verdicts = ItemVerdict.objects.filter(
            review__delivery_id__in=[d["id"] for d in deliveries], passed=False
        ).values_list("review__delivery_id", "item__name", "comment")
        for delivery_id, name, comment in verdicts:
            failed[delivery_id].append(FailedItem(name=name, comment=comment))
    rounds = tuple(
        AcceptanceRound(
            version=delivery["version"],
            submitted_on=_local_date(delivery["submitted_at"]),
            decided_on=_local_date(delivery["decided_at"]),
            outcome=delivery["state"],
            items=delivery["item_count"],
            failed_items=tuple(failed[delivery["id"]]),
            **_customer_side(delivery),
        )
        for delivery in deliveries
    )
    first_pass = None
    if rounds and rounds[0].outcome != Delivery.State.SUBMITTED:
        first_pass = rounds[0].outcome == Delivery.State.ACCEPTED
    return AcceptanceFigures(rounds=rounds, first_pass=first_pass)


def _customer_side(delivery: dict) -> dict:
    if delivery["review__external_contact_id"] is None:
        return {}
    return {
        "customer_name": delivery["review__reviewer_name"],
        "customer_score": delivery["review__satisfaction_score"],
        "customer_comment": delivery["review__satisfaction_comment"] or "",
    }
