"""The retrospective's figures as answered and as filed: frozen dataclasses, and their JSON
(codes and numbers only, never a translated word), read back with
``RetrospectiveMetrics.from_json``."""

from __future__ import annotations

import dataclasses
import datetime
import types
import typing
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from acceptance_app.models import Delivery
from requests_app.models import Review
from requests_app.pages import STEPPER

JSON_FORMAT = 1
STAGE_LABELS = {number: label for number, label, _states in STEPPER}


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

    number: str  # "1" … "6", as in requests_app.pages.STEPPER
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


def _difference(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a - b


def _choice_label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


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
