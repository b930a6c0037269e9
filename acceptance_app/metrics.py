"""The retrospective's figures (复盘指标), computed from the case's records, never typed.

``retrospective_metrics(case)`` reads the case's timeline, reviews, tasks, due-date changes,
delay reports, risks and deliveries with a fixed number of queries (about ten, whatever the
number of tasks or risks) and answers a frozen ``RetrospectiveMetrics``. Filing the
retrospective freezes it into ``Retrospective.metrics`` with ``as_json()``; the filed figures
come back with ``RetrospectiveMetrics.from_json()``. The JSON holds codes and numbers only, never
a translated word, so a filed report prints in whichever language the reader uses.

How the durations are counted
-----------------------------
Every duration runs from one date to another (dates in the portal's time zone):

- calendar days: ``end - start``;
- working days: the working days after ``start`` up to and including ``end`` (the PRC
  calendar with its make-up days and the admins' overrides, ``WorkdayCalendar``).

Both add up: the days of consecutive stages sum to the days of the whole, and a stage entered
and left on the same day took 0 days.

Planned duration of the case: from the approval (审核通过, the day the request left stage 1)
to the planned end, which is the later of the case's expected deadline and the last milestone
of its confirmed plan (the same window the task breakdown must fit in:
``tasks_app.services.plan_window_end``).
Actual duration: from the approval to the acceptance (the day the case left stage 5 accepted);
before that, to the day the case was cancelled, or to ``today``.

Per stage (the six stages of the manual, ``requests_app.selectors.STEPPER``): the time between
entering and leaving the stage's states on the timeline, summed over every visit (a delivery
sent back for rework returns the case to execution). Time spent archived or cancelled is not a
stage's time. Only execution has a plan: from the earliest planned start to the latest planned
due date of the published task breakdown. The other stages have no planned duration (None).
"""

from __future__ import annotations

import dataclasses
import datetime
import types
import typing
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acceptance_app.models import Delivery, ItemVerdict
from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.lib.workdays import WorkdayCalendar
from requests_app.models import CollabPlan, Milestone, Review
from requests_app.selectors import STEPPER
from risks_app.models import Risk
from tasks_app.models import Task, TaskDateChange

Stage = Case.Stage

JSON_FORMAT = 1
# States after which no stage's clock runs.
TERMINAL_STAGES = frozenset({Stage.ARCHIVED, Stage.CANCELLED})
CASE_STAGES = frozenset(Stage.values)
STAGE_NUMBER_OF = {state: number for number, _label, states in STEPPER for state in states}
STAGE_LABELS = {number: label for number, label, _states in STEPPER}
EXECUTION_STAGE = STAGE_NUMBER_OF[Stage.EXECUTING]


# ---------------------------------------------------------------------------------------------
# The figures


@dataclass(frozen=True)
class Span:
    """A stretch of time from ``start_on`` to ``end_on``; None where a date is unknown."""

    start_on: datetime.date | None
    end_on: datetime.date | None
    days: int | None
    working_days: int | None


@dataclass(frozen=True)
class Schedule:
    """The case as a whole: planned against actual, from the approval on."""

    planned: Span
    actual: Span
    is_accepted: bool  # False: the actual span runs to the cancellation or to ``computed_on``

    @property
    def variance_days(self) -> int | None:
        """Actual minus planned calendar days (positive: later than planned)."""
        return _difference(self.actual.days, self.planned.days)

    @property
    def variance_working_days(self) -> int | None:
        return _difference(self.actual.working_days, self.planned.working_days)


@dataclass(frozen=True)
class StageDuration:
    """One of the manual's six stages: the time the case actually spent in it (every visit)
    and, where a plan exists, the planned time."""

    number: str  # "1" … "6", as in requests_app.selectors.STEPPER
    entered_on: datetime.date | None  # first entry; None: never reached
    left_on: datetime.date | None  # last exit; None: never reached, or in it now
    visits: int
    actual_days: int | None
    actual_working_days: int | None
    planned_days: int | None
    planned_working_days: int | None

    @property
    def label(self) -> str:
        return str(STAGE_LABELS[self.number])

    @property
    def is_reached(self) -> bool:
        return self.visits > 0

    @property
    def variance_days(self) -> int | None:
        return _difference(self.actual_days, self.planned_days)


@dataclass(frozen=True)
class ReasonCount:
    reason_code: str  # requests_app.Review.ReturnReason
    count: int

    @property
    def label(self) -> str:
        return _choice_label(Review.ReturnReason, self.reason_code)


@dataclass(frozen=True)
class ReviewFigures:
    """需求初审: how many rounds it took and why the request came back."""

    rounds: int
    returns: int
    return_reasons: tuple[ReasonCount, ...]  # most frequent first


@dataclass(frozen=True)
class TaskFigures:
    """The work: leaf tasks of the breakdown (a parent task only sums up its subtasks).

    On time: done on or before the planned due date (as published). Overdue at finish: done
    after the due date in force when it was finished (late even against a moved date)."""

    leaves: int
    leaves_done: int
    done_on_time: int
    overdue_at_finish: int
    leaves_open: int
    leaves_open_overdue: int  # open and past the current due date on ``computed_on``

    @property
    def on_time_rate(self) -> float | None:
        """Done on time / done; None while nothing is done."""
        if not self.leaves_done:
            return None
        return self.done_on_time / self.leaves_done

    @property
    def on_time_percent(self) -> int | None:
        rate = self.on_time_rate
        return None if rate is None else round(rate * 100)


@dataclass(frozen=True)
class DelayReason:
    """Why a task moved: a delay its owner reported, or a due date the coordinator changed."""

    class Kind:
        REPORTED = "reported"
        RESCHEDULED = "rescheduled"

    KIND_LABELS: typing.ClassVar[dict] = {
        Kind.REPORTED: _("Delay reported"),
        Kind.RESCHEDULED: _("Due date changed"),
    }

    kind: str
    on: datetime.date
    reason: str
    new_due_on: datetime.date | None

    @property
    def kind_label(self) -> str:
        return str(self.KIND_LABELS.get(self.kind, self.kind))


@dataclass(frozen=True)
class DelayedTask:
    """A task that was reported delayed or rescheduled, or a leaf that finished (or is still
    open) after its planned due date."""

    wbs_code: str
    name: str
    planned_due_on: datetime.date | None
    final_due_on: datetime.date | None
    finished_on: datetime.date | None  # None: not done
    days_late: int  # finish (or ``computed_on`` while open) minus planned due; never negative
    reasons: tuple[DelayReason, ...]  # oldest first; empty: late without a recorded reason


@dataclass(frozen=True)
class RiskFigures:
    """Risks: resolved counts risks resolved or closed; on time means resolved on or before
    the resolution deadline in force (a leader's instruction may have extended it)."""

    raised: int
    escalated: int  # ever escalated to the leader in charge
    resolved: int
    resolved_on_time: int
    still_open: int
    open_overdue: int  # open and past their deadline on ``computed_on``


@dataclass(frozen=True)
class FailedItem:
    name: str
    comment: str


@dataclass(frozen=True)
class AcceptanceRound:
    """One submitted delivery version and what the acceptor decided."""

    version: int
    submitted_on: datetime.date | None
    decided_on: datetime.date | None
    outcome: str  # Delivery.State: submitted (waiting), accepted, rejected
    items: int
    failed_items: tuple[FailedItem, ...]
    # Decided by the customer through the link: who (as they signed), and their satisfaction
    # (1–5 and a comment) when they gave it. Figures filed before read as "".
    customer_name: str = ""
    customer_score: int | None = None
    customer_comment: str = ""

    @property
    def outcome_label(self) -> str:
        return _choice_label(Delivery.State, self.outcome)

    @property
    def failed_count(self) -> int:
        return len(self.failed_items)


@dataclass(frozen=True)
class AcceptanceFigures:
    """验收: every submitted version. First pass: the first submitted version was accepted
    (True), sent back (False), or is still waiting for a decision (None)."""

    rounds: tuple[AcceptanceRound, ...]
    first_pass: bool | None

    @property
    def round_count(self) -> int:
        return len(self.rounds)

    @property
    def by_customer(self) -> bool:
        """Whether a customer decided through the link (and so was asked for a score)."""
        return any(round_.customer_name for round_ in self.rounds)

    @property
    def customer_round(self) -> AcceptanceRound | None:
        """The last round the customer gave a score with: the score that counts."""
        scored = [round_ for round_ in self.rounds if round_.customer_score is not None]
        return scored[-1] if scored else None

    @property
    def customer_score(self) -> int | None:
        found = self.customer_round
        return found.customer_score if found else None


@dataclass(frozen=True)
class RetrospectiveMetrics:
    computed_on: datetime.date
    schedule: Schedule
    stages: tuple[StageDuration, ...]
    reviews: ReviewFigures
    tasks: TaskFigures
    delays: tuple[DelayedTask, ...]
    risks: RiskFigures
    acceptance: AcceptanceFigures

    def as_json(self) -> dict:
        """Plain JSON types only (dates as ISO strings), for ``Retrospective.metrics``."""
        return {"format": JSON_FORMAT, **_to_json(self)}

    @classmethod
    def from_json(cls, data: dict) -> RetrospectiveMetrics:
        data = dict(data)
        found = data.pop("format", JSON_FORMAT)
        if found != JSON_FORMAT:
            raise ValueError(f"metrics in format {found!r}, this code reads {JSON_FORMAT}")
        return _from_json(cls, data)


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


def _difference(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a - b


def _choice_label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


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


# ---------------------------------------------------------------------------------------------
# JSON: nested dataclasses, tuples, dates and plain values, driven by the type hints


def _to_json(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_to_json(item) for item in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _from_json(kind, data):
    if data is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (types.UnionType, typing.Union):
        (inner,) = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _from_json(inner, data)
    if origin is tuple:
        item_kind = typing.get_args(kind)[0]
        return tuple(_from_json(item_kind, item) for item in data)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        # A field added since the figures were filed (it has a default) reads as its default.
        return kind(
            **{
                f.name: _from_json(hints[f.name], data[f.name])
                for f in dataclasses.fields(kind)
                if f.name in data or f.default is dataclasses.MISSING
            }
        )
    if kind is datetime.date:
        return datetime.date.fromisoformat(data)
    return data
