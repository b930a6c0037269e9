"""The queries that read a window's events for the departments in scope, in a fixed number
whatever the data size (see the package's docstring)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, Count, Exists, F, Min, OuterRef, Q, Subquery, Value, When
from django.db.models import Case as SqlCase
from django.db.models.functions import Coalesce, Length, Trim, TruncDate
from django.db.models.lookups import GreaterThan, Lookup
from django.utils import timezone

from acceptance_app.models import AcceptanceReview, Delivery
from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.calendar.workdays import WorkdayCalendar
from collab_portal.lib.queries import id_in
from collab_portal.org.selectors import department_children, with_departments_below
from insights_app.counting import counted_in
from insights_app.kpis.facts import (
    _Acceptances,
    _Approvals,
    _Breakdown,
    _CustomerScores,
    _Facts,
    _FinishedTasks,
    _ResolvedRisks,
    _Returns,
    _SignOffs,
)
from requests_app.models import CollabPlan, Receiver, Review
from risks_app.models import Risk
from tasks_app.models import Task

Stage = Case.Stage
ONE_DAY = datetime.timedelta(days=1)
CASE_STAGES = tuple(Stage.values)


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
    its departments, as the dashboard's figures count a case (``insights_app.counting.cases_in``);
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
    (``acceptance_app.metrics.compute._is_done_on_time``), here in SQL so that thousands of
    tasks are counted by the database; a test holds the two to the same answers."""
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
