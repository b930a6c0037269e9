"""The process KPIs (流程指标) of issue 8: do cycles get shorter, returns fewer, and is every
step's owner clear (the manual's section 一(二))? And are the customers satisfied (issue 18)?

``kpis_for`` answers the nine KPIs of ``KPI_DEFINITIONS`` for a set of departments (None: the
whole company) and a period of dates; ``kpi_trend`` answers them per ISO week; ``kpi_compare``
sets a period against an earlier baseline (the "缩短30%协作周期" check). Each reads its window
once, in a fixed number of queries whatever the data size (at most 12 per window): the
department tree and the cases it counts; one query per kind of event (approvals, returns, plan
confirmations, finished tasks, the cases that may have been in execution, resolved risks,
acceptances, customers' scores); one for those cases' timelines (first submission, start of
execution, closing); one for the assignments of their tasks; and the working-day calendar. The
database counts what it can per date; the periods are then summed in Python, so a 12-week trend
costs the same queries as one week.

When something happened
-----------------------
Every moment is read as a date in the portal's time zone (``timezone.localdate``); a period
``start``..``end`` holds both ends. A KPI counts an event in the period its date falls in:

==============================  ====================================================
KPI                             the event that places it in a period
==============================  ====================================================
registration → approval          the approval (``Case.approved_at``)
first-pass review rate           the approval; return reasons: the return's decision
plan sign-off time               the last side's signature (``CollabPlan.confirmed_at``)
on-time task rate                the task's completion (``Task.completed_at``)
responsibility coverage          none: the case was in execution or later during the period
risks resolved by the deadline   the resolution (``Risk.resolved_at``)
first-pass acceptance rate       the acceptance (the accepted delivery's ``decided_at``)
end-to-end cycle time            the acceptance
customer satisfaction            the customer's decision through the link, with a score
==============================  ====================================================

Whose it is
-----------
A case-level KPI (and a risk) counts for the case's initiating department and for each
internal department receiving it, as the dashboard's figures count a case; a task-level KPI for
the task's lead department, else for its case's initiating department. A department includes
every department below it.

Durations are working days counted as in ``acceptance_app.metrics`` (the retrospective): the
working days after the first date up to and including the last, on the PRC calendar with its
make-up days and the admins' overrides, so a step started and finished the same day took 0
days and consecutive steps add up.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, Count, Exists, F, Min, OuterRef, Q, Subquery, Value, When
from django.db.models import Case as SqlCase
from django.db.models.functions import Coalesce, Length, Trim, TruncDate
from django.db.models.lookups import GreaterThan, Lookup
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The retrospective's shape of a return reason's count, so a case's report and the KPIs show
# reasons alike.
from acceptance_app.metrics import ReasonCount
from acceptance_app.models import AcceptanceReview, Delivery
from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.lib.queries import id_in
from collab_portal.lib.workdays import WorkdayCalendar
from collab_portal.org.selectors import department_children, with_departments_below
from insights_app.weekly import counted_in
from requests_app.models import CollabPlan, Receiver, Review
from risks_app.models import Risk
from tasks_app.models import Task

Stage = Case.Stage
ONE_DAY = datetime.timedelta(days=1)
CASE_STAGES = tuple(Stage.values)

Unit = Literal["percent", "working_days", "score"]
Better = Literal["higher", "lower"]
PERCENT: Unit = "percent"
WORKING_DAYS: Unit = "working_days"
SCORE: Unit = "score"  # 1 to 5
HIGHER: Better = "higher"
LOWER: Better = "lower"

REVIEW_LEAD_TIME = "review_lead_time"
FIRST_PASS_REVIEW_RATE = "first_pass_review_rate"
PLAN_SIGN_OFF_TIME = "plan_sign_off_time"
ON_TIME_TASK_RATE = "on_time_task_rate"
RESPONSIBILITY_COVERAGE = "responsibility_coverage"
RISKS_RESOLVED_ON_TIME_RATE = "risks_resolved_on_time_rate"
FIRST_PASS_ACCEPTANCE_RATE = "first_pass_acceptance_rate"
CYCLE_TIME = "cycle_time"
CUSTOMER_SATISFACTION = "customer_satisfaction"


# ---------------------------------------------------------------------------------------------
# What is measured


@dataclass(frozen=True)
class KpiDefinition:
    key: str
    label: Promise
    how_computed: Promise  # one or two sentences, for the tooltip
    unit: Unit
    better: Better


KPI_DEFINITIONS: tuple[KpiDefinition, ...] = (
    KpiDefinition(
        key=REVIEW_LEAD_TIME,
        label=_("Registration to approval"),
        how_computed=_(
            "Working days from the first submission of a request to its approval by the "
            "department head, averaged over the cases approved in the period (median beside)."
        ),
        unit=WORKING_DAYS,
        better=LOWER,
    ),
    KpiDefinition(
        key=FIRST_PASS_REVIEW_RATE,
        label=_("First-pass review rate"),
        how_computed=_(
            "Share of the cases approved in the period that were approved in the first review "
            "round. The return reasons count the returns decided in the period."
        ),
        unit=PERCENT,
        better=HIGHER,
    ),
    KpiDefinition(
        key=PLAN_SIGN_OFF_TIME,
        label=_("Plan sign-off time"),
        how_computed=_(
            "Working days from the first time a case's plan was sent for confirmation to the "
            "signature of the last side, revision rounds included, averaged over the plans "
            "confirmed in the period."
        ),
        unit=WORKING_DAYS,
        better=LOWER,
    ),
    KpiDefinition(
        key=ON_TIME_TASK_RATE,
        label=_("On-time task rate"),
        how_computed=_(
            "Share of the tasks finished in the period (leaf tasks of the breakdown) that were "
            "done on or before their planned due date as published."
        ),
        unit=PERCENT,
        better=HIGHER,
    ),
    KpiDefinition(
        key=RESPONSIBILITY_COVERAGE,
        label=_("Responsibility coverage"),
        how_computed=_(
            "Share of the leaf tasks of cases in execution or later during the period that "
            "have an owner, a start date, a due date and a deliverable standard."
        ),
        unit=PERCENT,
        better=HIGHER,
    ),
    KpiDefinition(
        key=RISKS_RESOLVED_ON_TIME_RATE,
        label=_("Risks resolved by their deadline"),
        how_computed=_(
            "Share of the risks resolved in the period that were resolved on or before their "
            "resolution deadline (as a leader's instruction may have extended it)."
        ),
        unit=PERCENT,
        better=HIGHER,
    ),
    KpiDefinition(
        key=FIRST_PASS_ACCEPTANCE_RATE,
        label=_("First-pass acceptance rate"),
        how_computed=_(
            "Share of the cases accepted in the period whose first submitted delivery was "
            "accepted, without a round of rework."
        ),
        unit=PERCENT,
        better=HIGHER,
    ),
    KpiDefinition(
        key=CYCLE_TIME,
        label=_("End-to-end cycle time"),
        how_computed=_(
            "Working days from the first submission of a request to the acceptance of its "
            "delivery, averaged over the cases accepted in the period (median beside)."
        ),
        unit=WORKING_DAYS,
        better=LOWER,
    ),
    KpiDefinition(
        key=CUSTOMER_SATISFACTION,
        label=_("Customer satisfaction"),
        how_computed=_(
            "Mean of the scores (1 to 5) customers gave with their decision on the acceptance "
            "link, over the decisions of the period that carry one (median beside). The "
            "receiving departments' ratings in the retrospective are not in it."
        ),
        unit=SCORE,
        better=HIGHER,
    ),
)
KPI_KEYS = tuple(definition.key for definition in KPI_DEFINITIONS)
DEFINITION_OF = {definition.key: definition for definition in KPI_DEFINITIONS}


@dataclass(frozen=True)
class KpiValue:
    """One KPI over one period.

    ``value``: a percentage (0–100) for a rate, the mean in working days for a duration; None
    when there was nothing to measure. ``sample_size``: the cases, tasks or risks measured (a
    rate's denominator). ``numerator``: for a rate, how many of them met it. ``median``: for a
    duration. ``return_reasons``: for the first-pass review rate only, the returns decided in
    the period by reason, most frequent first."""

    value: float | None
    sample_size: int
    numerator: int | None = None
    median: float | None = None
    return_reasons: tuple[ReasonCount, ...] = ()

    @property
    def denominator(self) -> int:
        return self.sample_size

    @property
    def return_count(self) -> int:
        return sum(reason.count for reason in self.return_reasons)


@dataclass(frozen=True)
class KpiComparison:
    """A period against a baseline period. ``relative_change`` is a fraction of the baseline
    (-0.3: 30% less); None when either period has nothing to measure or the baseline is 0.
    ``improved`` follows the KPI's ``better`` direction; None when either value is missing."""

    current: KpiValue
    baseline: KpiValue
    relative_change: float | None
    improved: bool | None


# ---------------------------------------------------------------------------------------------
# The public questions


def kpis_for(
    *, department_ids: set[int] | None, start: datetime.date, end: datetime.date
) -> dict[str, KpiValue]:
    """The nine KPIs of the departments ``department_ids`` (and the departments below them;
    None: the whole company) over ``start``..``end`` (both included), by key."""
    scope = _departments_in_scope(department_ids)
    return _facts(scope, _cases_in(scope), start=start, end=end).kpis(start=start, end=end)


def kpi_trend(
    *, department_ids: set[int] | None, last_week_end: datetime.date, weeks: int = 12
) -> dict[str, list[tuple[int, int, KpiValue]]]:
    """The KPIs per ISO week (Monday to Sunday), oldest first: the ``weeks`` weeks up to the
    one holding ``last_week_end``. Each entry is (ISO year, ISO week, value); the window is
    read once and sorted into its weeks here."""
    first_monday, last_sunday = _trend_window(last_week_end, weeks)
    scope = _departments_in_scope(department_ids)
    facts = _facts(scope, _cases_in(scope), start=first_monday, end=last_sunday)
    return _trend_from(facts, first_monday, weeks)


def kpi_compare(
    *,
    department_ids: set[int] | None,
    period: tuple[datetime.date, datetime.date],
    baseline: tuple[datetime.date, datetime.date],
) -> dict[str, KpiComparison]:
    """Each KPI over ``period`` against ``baseline`` (both (start, end), ends included)."""
    scope = _departments_in_scope(department_ids)
    cases = _cases_in(scope)
    current = _facts(scope, cases, start=period[0], end=period[1])
    before = _facts(scope, cases, start=baseline[0], end=baseline[1])
    return _compare_from(current, before, period=period, baseline=baseline)


# Read the trend's and the comparison's events at once when together they span at most this
# (the dashboard's default: the 12 weeks to now against the 12 before them); periods further
# apart are read each on its own rather than with everything between them.
SHARED_READ_LIMIT = datetime.timedelta(weeks=60)


def kpi_trend_and_compare(
    *,
    department_ids: set[int] | None,
    last_week_end: datetime.date,
    period: tuple[datetime.date, datetime.date],
    baseline: tuple[datetime.date, datetime.date],
    weeks: int = 12,
) -> tuple[dict[str, list[tuple[int, int, KpiValue]]], dict[str, KpiComparison]]:
    """``kpi_trend`` and ``kpi_compare`` together, as the dashboard asks for them, from one read
    of the events when their windows lie close together (the same answers: a window's events
    are summed by date, so a wider read holds each narrower one)."""
    first_monday, last_sunday = _trend_window(last_week_end, weeks)
    start = min(first_monday, period[0], baseline[0])
    end = max(last_sunday, period[1], baseline[1])
    if end < start or end - start > SHARED_READ_LIMIT or period[1] < period[0]:
        trend = kpi_trend(department_ids=department_ids, last_week_end=last_week_end, weeks=weeks)
        compared = kpi_compare(department_ids=department_ids, period=period, baseline=baseline)
        return trend, compared
    if baseline[1] < baseline[0]:
        raise ValueError(f"the period ends ({baseline[1]}) before it starts ({baseline[0]})")
    scope = _departments_in_scope(department_ids)
    facts = _facts(scope, _cases_in(scope), start=start, end=end)
    trend = _trend_from(facts, first_monday, weeks)
    return trend, _compare_from(facts, facts, period=period, baseline=baseline)


def _trend_window(last_week_end: datetime.date, weeks: int) -> tuple[datetime.date, datetime.date]:
    if weeks < 1:
        raise ValueError("a trend needs at least one week")
    last_monday = last_week_end - datetime.timedelta(days=last_week_end.weekday())
    return last_monday - datetime.timedelta(weeks=weeks - 1), last_monday + 6 * ONE_DAY


def _trend_from(
    facts: _Facts, first_monday: datetime.date, weeks: int
) -> dict[str, list[tuple[int, int, KpiValue]]]:
    trend: dict[str, list[tuple[int, int, KpiValue]]] = {key: [] for key in KPI_KEYS}
    for number in range(weeks):
        monday = first_monday + datetime.timedelta(weeks=number)
        iso_year, iso_week, _weekday = monday.isocalendar()
        for key, value in facts.kpis(start=monday, end=monday + 6 * ONE_DAY).items():
            trend[key].append((iso_year, iso_week, value))
    return trend


def _compare_from(current: _Facts, before: _Facts, *, period, baseline) -> dict[str, KpiComparison]:
    now = current.kpis(start=period[0], end=period[1])
    then = before.kpis(start=baseline[0], end=baseline[1])
    return {
        key: _comparison(now[key], then[key], better=DEFINITION_OF[key].better) for key in KPI_KEYS
    }


def _comparison(current: KpiValue, baseline: KpiValue, *, better: Better) -> KpiComparison:
    if current.value is None or baseline.value is None:
        return KpiComparison(current, baseline, relative_change=None, improved=None)
    change = None
    if baseline.value:
        change = (current.value - baseline.value) / baseline.value
    if better == HIGHER:
        improved = current.value > baseline.value
    else:
        improved = current.value < baseline.value
    return KpiComparison(current, baseline, relative_change=change, improved=improved)


# ---------------------------------------------------------------------------------------------
# Departments


def _departments_in_scope(department_ids: Iterable[int] | None) -> frozenset[int] | None:
    """The departments and every department below them (one query); None stays None."""
    if department_ids is None:
        return None
    wanted = set(department_ids)
    if not wanted:
        return frozenset()
    return frozenset(with_departments_below(wanted, department_children()))


def _initiated_in(scope: frozenset[int] | None, *, case: str = "") -> Q:
    """Records of cases initiated in ``scope``; ``case`` is the path to the case."""
    if scope is None:
        return Q()
    return Q(**{f"{case}initiator_department_id__in": scope})


def _cases_in(scope: frozenset[int] | None) -> list[int] | None:
    """The cases a case-level KPI counts for ``scope``: initiated in it or received by one of
    its departments, as the dashboard's figures count a case (``insights_app.weekly.cases_in``);
    None: every case. Read once (one query): each case-level query then filters by these ids,
    which PostgreSQL answers from an index, where an OR of the initiator's join and the
    receivers made it scan every resolved risk (5 ms instead of 0.6 for a department)."""
    if scope is None:
        return None
    received = Receiver.objects.filter(department_id__in=scope).values("request_id")
    return list(
        Case.objects.filter(_initiated_in(scope) | Q(pk__in=received))
        .order_by()
        .values_list("pk", flat=True)
    )


def _case_scope(cases: list[int] | None, *, path: str = "pk") -> Q | Lookup:
    """Records of the cases ``cases`` (``_cases_in``); ``path`` is the case's id."""
    return Q() if cases is None else id_in(path, cases)


def _task_scope(scope: frozenset[int] | None) -> Q:
    """Tasks counted for a department in ``scope``, as the dashboard counts them."""
    return Q() if scope is None else counted_in(scope)


def _cases_with_tasks_of(scope: frozenset[int] | None) -> Q:
    """Cases that may hold tasks counted for ``scope``: initiated in it (their tasks without a
    lead department count there), or with a task one of its departments leads."""
    if scope is None:
        return Q()
    return _initiated_in(scope) | Q(
        pk__in=Task.objects.filter(lead_department_id__in=scope).values("request_id")
    )


# ---------------------------------------------------------------------------------------------
# Reading a window's events


class _Approvals(NamedTuple):
    """``cases`` cases approved on ``on``, first submitted ``lead_working_days`` before."""

    on: datetime.date
    lead_working_days: int | None  # None: the first submission is not known
    first_round_approved: bool
    cases: int


class _Returns(NamedTuple):
    on: datetime.date
    reason_code: str
    returns: int


class _SignOffs(NamedTuple):
    on: datetime.date
    working_days: int
    plans: int


class _FinishedTasks(NamedTuple):
    on: datetime.date
    on_time: bool
    tasks: int


class _Breakdown(NamedTuple):
    """The leaf tasks (those counting for the scope) of one case that reached execution."""

    executing_from: datetime.date
    closed_on: datetime.date | None  # archived or cancelled
    leaves: int
    covered: int


class _ResolvedRisks(NamedTuple):
    on: datetime.date
    on_time: bool
    risks: int


class _Acceptances(NamedTuple):
    on: datetime.date
    first_pass: bool
    cycle_working_days: int | None  # None: the first submission is not known
    cases: int


class _CustomerScores(NamedTuple):
    on: datetime.date
    score: int
    decisions: int


@dataclass(frozen=True)
class _Facts:
    """A window's events, counted by date (and by whatever else a KPI needs); ``kpis`` sums
    those of a period inside the window."""

    approvals: tuple[_Approvals, ...]
    returns: tuple[_Returns, ...]
    sign_offs: tuple[_SignOffs, ...]
    finished_tasks: tuple[_FinishedTasks, ...]
    breakdowns: tuple[_Breakdown, ...]
    resolved_risks: tuple[_ResolvedRisks, ...]
    acceptances: tuple[_Acceptances, ...]
    customer_scores: tuple[_CustomerScores, ...]

    def kpis(self, *, start: datetime.date, end: datetime.date) -> dict[str, KpiValue]:
        def within(events):
            return [event for event in events if start <= event.on <= end]

        approvals = within(self.approvals)
        finished = within(self.finished_tasks)
        risks = within(self.resolved_risks)
        acceptances = within(self.acceptances)
        breakdowns = [
            b
            for b in self.breakdowns
            if b.executing_from <= end and (b.closed_on is None or b.closed_on >= start)
        ]
        reasons: Counter[str] = Counter()
        for line in within(self.returns):
            reasons[line.reason_code or Review.ReturnReason.OTHER] += line.returns
        return {
            REVIEW_LEAD_TIME: _duration((a.lead_working_days, a.cases) for a in approvals),
            FIRST_PASS_REVIEW_RATE: _rate(
                sum(a.cases for a in approvals if a.first_round_approved),
                sum(a.cases for a in approvals),
                return_reasons=_reason_counts(reasons),
            ),
            PLAN_SIGN_OFF_TIME: _duration(
                (s.working_days, s.plans) for s in within(self.sign_offs)
            ),
            ON_TIME_TASK_RATE: _rate(
                sum(t.tasks for t in finished if t.on_time), sum(t.tasks for t in finished)
            ),
            RESPONSIBILITY_COVERAGE: _rate(
                sum(b.covered for b in breakdowns), sum(b.leaves for b in breakdowns)
            ),
            RISKS_RESOLVED_ON_TIME_RATE: _rate(
                sum(r.risks for r in risks if r.on_time), sum(r.risks for r in risks)
            ),
            FIRST_PASS_ACCEPTANCE_RATE: _rate(
                sum(a.cases for a in acceptances if a.first_pass),
                sum(a.cases for a in acceptances),
            ),
            CYCLE_TIME: _duration((a.cycle_working_days, a.cases) for a in acceptances),
            # The mean and median of scores, as of durations.
            CUSTOMER_SATISFACTION: _duration(
                (s.score, s.decisions) for s in within(self.customer_scores)
            ),
        }


def _rate(met: int, out_of: int, *, return_reasons=()) -> KpiValue:
    return KpiValue(
        value=100 * met / out_of if out_of else None,
        sample_size=out_of,
        numerator=met,
        return_reasons=tuple(return_reasons),
    )


def _duration(counted: Iterable[tuple[int | None, int]]) -> KpiValue:
    """Mean and median of durations given as (working days, how many took that long)."""
    known = [days for days, times in counted if days is not None for _ in range(times)]
    if not known:
        return KpiValue(value=None, sample_size=0)
    return KpiValue(
        value=statistics.fmean(known),
        sample_size=len(known),
        median=float(statistics.median(known)),
    )


def _reason_counts(counts: Counter[str]) -> tuple[ReasonCount, ...]:
    """Most frequent first, ties in the order of the reasons' list (as the retrospective)."""
    order = {code: index for index, code in enumerate(Review.ReturnReason.values)}
    return tuple(
        ReasonCount(reason_code=code, count=count)
        for code, count in sorted(
            counts.items(), key=lambda item: (-item[1], order.get(item[0], len(order)))
        )
    )


# ---------------------------------------------------------------------------------------------
# The queries. The database turns moments into dates in the portal's time zone and counts the
# many-row events (returns, plans, tasks, risks) per date and outcome; approvals and
# acceptances come back one row per case, to be matched with the case's first submission.

# Stages a case reaches only through execution (or leaves from it, cancelled), and the stages
# that close it.
REACHED_EXECUTION = [
    Stage.EXECUTING,
    Stage.ACCEPTING,
    Stage.RETROSPECTIVE,
    Stage.ARCHIVED,
    Stage.CANCELLED,
]
CLOSED_STAGES = [Stage.ARCHIVED, Stage.CANCELLED]
# 100% 明确各环节责任人: an owner, both dates and a deliverable standard (not only blanks).
FULLY_ASSIGNED = (
    Q(owner__isnull=False, start_on__isnull=False, due_on__isnull=False),
    GreaterThan(Length(Trim("deliverable_standard")), 0),
)


def _moment(day: datetime.date) -> datetime.datetime:
    """The first moment of ``day`` in the portal's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _day(moment) -> TruncDate:
    """The date of a moment (a field name or an expression) in the portal's time zone, as
    ``timezone.localdate`` would give it, computed by the database."""
    return TruncDate(moment, tzinfo=timezone.get_current_timezone())


def _on_time_task() -> Case:
    """Done on or before the planned due date as published (the current one for a task added
    after publishing); a task without any due date is on time. The rule of the retrospective
    (``acceptance_app.metrics._is_done_on_time``), here in SQL so that thousands of tasks are
    counted by the database; a test holds the two to the same answers."""
    limit = Coalesce("planned_due_on", "due_on")
    return SqlCase(
        When(Q(planned_due_on__isnull=True, due_on__isnull=True), then=Value(True)),
        When(GreaterThan(_day("completed_at"), limit), then=Value(False)),
        default=Value(True),
        output_field=BooleanField(),
    )


class _Timeline(NamedTuple):
    """When a case first entered a stage, from its timeline (its own stage changes)."""

    first_submitted_on: datetime.date | None
    executing_on: datetime.date | None
    closed_on: datetime.date | None


def _timelines(case_ids: set[int]) -> dict[int, _Timeline]:
    """The first submission, the first day in execution and the closing of each case, in one
    query. The timeline keeps every submission; ``submitted_at`` keeps only the last one."""
    if not case_ids:
        return {}

    def first(*stages: str) -> Min:
        return Min(_day("created_at"), filter=Q(to_state__in=stages))

    lines = (
        Activity.objects.filter(
            subject_type=ContentType.objects.get_for_model(Case),
            subject_id__in=sorted(str(pk) for pk in case_ids),
            from_state__in=CASE_STAGES,
            to_state__in=[Stage.PENDING_REVIEW, Stage.EXECUTING, *CLOSED_STAGES],
        )
        .order_by()
        .values("subject_id")
        .annotate(
            submitted=first(Stage.PENDING_REVIEW),
            executing=first(Stage.EXECUTING),
            closed=first(*CLOSED_STAGES),
        )
        .values_list("subject_id", "submitted", "executing", "closed")
    )
    return {int(subject_id): _Timeline(*dates) for subject_id, *dates in lines}


def _facts(
    scope: frozenset[int] | None,
    cases: list[int] | None,
    *,
    start: datetime.date,
    end: datetime.date,
) -> _Facts:
    """Reads the events of ``start``..``end``. The timeline (a large table) is read once, by
    case id, for the cases the window needs; no correlated subquery runs over it, so the
    database's cost estimates stay low (PostgreSQL compiles costly plans with its JIT, which
    takes longer than these queries)."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    since, until = _moment(start), _moment(end + ONE_DAY)

    def during(field: str) -> Q:
        return Q(**{f"{field}__gte": since, f"{field}__lt": until})

    def counted(queryset, *fields: str) -> list[tuple]:
        """How many rows share each combination of ``fields``, in one grouped query."""
        return list(
            queryset.order_by()
            .values(*fields)
            .annotate(number=Count("pk"))
            .values_list(*fields, "number")
        )

    approval_rows = list(
        Case.objects.filter(_case_scope(cases), during("approved_at"))
        .annotate(
            approved_on=_day("approved_at"),
            last_submitted_on=_day("submitted_at"),
            first_round_approved=Exists(
                Review.objects.filter(
                    request=OuterRef("pk"), round=1, decision=Review.Decision.APPROVED
                )
            ),
        )
        .order_by()
        .values_list("pk", "approved_on", "last_submitted_on", "first_round_approved")
    )
    returns = counted(
        Review.objects.filter(
            _case_scope(cases, path="request_id"),
            during("decided_at"),
            decision=Review.Decision.RETURNED,
        ).annotate(returned_on=_day("decided_at")),
        "returned_on",
        "reason_code",
    )
    sign_offs = counted(
        CollabPlan.objects.filter(
            _case_scope(cases, path="request_id"),
            during("confirmed_at"),
            state=CollabPlan.State.CONFIRMED,
        ).annotate(
            confirmed_on=_day("confirmed_at"),
            first_proposed_on=_day(
                Subquery(
                    CollabPlan.objects.filter(
                        request=OuterRef("request"), proposed_at__isnull=False
                    )
                    .order_by("proposed_at")
                    .values("proposed_at")[:1]
                )
            ),
        ),
        "confirmed_on",
        "first_proposed_on",
    )
    finished_tasks = counted(
        Task.objects.leaves()
        .filter(_task_scope(scope), during("completed_at"), status=Task.Status.DONE)
        .annotate(completed_on=_day("completed_at"), on_time=_on_time_task()),
        "completed_on",
        "on_time",
    )
    # Cases that may have been in execution during the window: approved before its end, and
    # open, or closed no earlier than its start. Closing saves the case, so a case updated last
    # before the window was closed before it too: that cheap test keeps the years of archived
    # cases out of the timeline query. The timeline then says which of them really were. Only
    # cases with tasks the scope counts (``counted_in``) matter to the coverage asked of them.
    in_execution = set(
        Case.objects.filter(stage__in=REACHED_EXECUTION, approved_at__lt=until)
        .filter(~Q(stage__in=CLOSED_STAGES) | Q(updated_at__gte=since))
        .filter(_cases_with_tasks_of(scope))
        .order_by()
        .values_list("pk", flat=True)
    )
    resolved_risks = counted(
        Risk.objects.filter(
            _case_scope(cases, path="request_id"),
            during("resolved_at"),
            state__in=[Risk.State.RESOLVED, Risk.State.CLOSED],
        ).annotate(
            resolved_on=_day("resolved_at"),
            on_time=SqlCase(
                When(GreaterThan(_day("resolved_at"), F("deadline")), then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            ),
        ),
        "resolved_on",
        "on_time",
    )
    acceptance_rows = list(
        Delivery.objects.filter(
            _case_scope(cases, path="request_id"),
            during("decided_at"),
            state=Delivery.State.ACCEPTED,
        )
        .annotate(
            accepted_on=_day("decided_at"),
            last_submitted_on=_day("request__submitted_at"),
            first_pass=~Exists(
                Delivery.objects.filter(
                    request=OuterRef("request_id"), state=Delivery.State.REJECTED
                )
            ),
        )
        .order_by()
        .values_list("request_id", "accepted_on", "last_submitted_on", "first_pass")
    )
    customer_scores = counted(
        AcceptanceReview.objects.filter(
            _case_scope(cases, path="delivery__request_id"),
            during("decided_at"),
            satisfaction_score__isnull=False,
        ).annotate(scored_on=_day("decided_at")),
        "scored_on",
        "satisfaction_score",
    )
    timelines = _timelines(
        in_execution | {row[0] for row in approval_rows} | {row[0] for row in acceptance_rows}
    )
    unknown = _Timeline(None, None, None)

    def first_submitted_on(case_id: int, last_submitted_on: datetime.date | None):
        """From the timeline; a case without one (imported, say) has only its last."""
        return timelines.get(case_id, unknown).first_submitted_on or last_submitted_on

    executions = {
        case_id: timeline
        for case_id, timeline in timelines.items()
        if case_id in in_execution
        and timeline.executing_on is not None
        and timeline.executing_on <= end
        and (timeline.closed_on is None or timeline.closed_on >= start)
    }
    assignments = (
        Task.objects.leaves()
        .filter(_task_scope(scope), request_id__in=sorted(executions))
        .order_by()
        .values("request_id")
        .annotate(leaves=Count("pk"), covered=Count("pk", filter=Q(*FULLY_ASSIGNED)))
        .values_list("request_id", "leaves", "covered")
    )

    approvals = [
        (approved_on, first_submitted_on(case_id, last), first_round)
        for case_id, approved_on, last, first_round in approval_rows
    ]
    acceptances = [
        (accepted_on, first_submitted_on(case_id, last), first_pass)
        for case_id, accepted_on, last, first_pass in acceptance_rows
    ]
    days = _WorkingDays(
        [start, end]
        + [day for row in approvals for day in row[:2] if day is not None]
        + [day for row in sign_offs for day in row[:2] if day is not None]
        + [day for row in acceptances for day in row[:2] if day is not None]
    )
    return _Facts(
        approvals=tuple(
            _Approvals(
                on=approved_on,
                lead_working_days=days.after(submitted_on, up_to=approved_on),
                first_round_approved=first_round_approved,
                cases=1,
            )
            for approved_on, submitted_on, first_round_approved in approvals
        ),
        returns=tuple(_Returns(*row) for row in returns),
        sign_offs=tuple(
            _SignOffs(
                on=confirmed_on,
                working_days=days.after(proposed_on, up_to=confirmed_on),
                plans=number,
            )
            for confirmed_on, proposed_on, number in sign_offs
            if proposed_on is not None
        ),
        finished_tasks=tuple(_FinishedTasks(*row) for row in finished_tasks),
        breakdowns=tuple(
            _Breakdown(
                executing_from=executions[case_id].executing_on,
                closed_on=executions[case_id].closed_on,
                leaves=leaves,
                covered=covered,
            )
            for case_id, leaves, covered in assignments
        ),
        resolved_risks=tuple(_ResolvedRisks(*row) for row in resolved_risks),
        acceptances=tuple(
            _Acceptances(
                on=accepted_on,
                first_pass=first_pass,
                cycle_working_days=days.after(submitted_on, up_to=accepted_on),
                cases=1,
            )
            for accepted_on, submitted_on, first_pass in acceptances
        ),
        customer_scores=tuple(_CustomerScores(*row) for row in customer_scores),
    )


class _WorkingDays:
    """Working days between dates of a window: one ``WorkdayCalendar`` (one query), counted as
    the retrospective counts them (``WorkdayCalendar.workdays_after``): the working days after
    the first date up to and including the second (negative when the second comes first)."""

    def __init__(self, dates: list[datetime.date]):
        self._calendar = WorkdayCalendar(min(dates), max(dates))

    def after(self, start: datetime.date | None, *, up_to: datetime.date) -> int | None:
        if start is None:
            return None
        return self._calendar.workdays_after(start, up_to)
