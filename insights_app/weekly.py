"""The managers' weekly dashboard (看板): one department (and everything below it) or the whole
company, for one ISO week, counted as of the week's Sunday — or today, for this week.

What counts for a department:
- cases: those it initiated or receives (one of its departments is a receiving side);
- tasks: leaf tasks its departments lead, or without a lead department in a case it initiated
  (the KPIs count them the same way); tasks of cancelled cases never count;
- risks: those of its cases;
- deliveries: those of its cases;
- the cases under way (executing or in acceptance) with the latest 周报 published up to the
  week, red first, and the escalations of its cases waiting now for a leader's 批示.

(The filters that say so are ``insights_app.counting``'s.)

A task was overdue on a day when it was due before that day and not done by then (its
completion time is kept), so last week's figures do not change when a task is finished today.
Every figure is read in a fixed number of queries whatever the data: aggregates with
conditional counts, and the first rows of each list."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Avg,
    BooleanField,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.functions import Cast, Coalesce, Substr
from django.db.models.lookups import Lookup
from django.utils import timezone

from acceptance_app.models import Delivery
from cases.models import OPEN_STAGES, Case
from collab_portal.activity.models import Activity
from collab_portal.calendar.workdays import WorkdayCalendar
from collab_portal.lib.queries import id_in
from collab_portal.org.models import User
from insights_app.counting import (
    MAJOR_RISK,
    OPEN_CASE_STAGES,
    UPCOMING_WORKDAYS,
    _completed_by,
    _start_of,
    cases_in,
    decided_within,
    done_within,
    in_progress_on,
    open_risk_on,
    overdue_on,
    tasks_in,
    upcoming_tasks,
)
from insights_app.scope import Scope, Week
from requests_app.models import CollabPlan, Milestone, Review
from risks_app.models import Level, Risk
from tasks_app.models import Task, WeeklySummary
from tasks_app.policies import WEEKLY_STAGES

Stage = Case.Stage
Status = Task.Status
ONE_DAY = datetime.timedelta(days=1)
LIST_ROWS = 20
BURN_UP_WEEKS = 12
LEVELS = [Level.HIGH, Level.MEDIUM, Level.LOW]
OPEN_RISK_STATES = [Risk.State.OPEN, Risk.State.MITIGATING, Risk.State.ESCALATED]


# --- the figures ----------------------------------------------------------------------------


@dataclass
class Summary:
    open_cases: int
    cases_by_stage: list[tuple[str, str, int]]  # (stage, label, count)
    waiting_for_review: int
    tasks_done: int
    tasks_overdue: int
    tasks_in_progress: int
    open_risks: int
    major_risks: int
    average_review_wait_hours: float | None
    reviews_decided: int


@dataclass
class TaskLine:
    pk: int
    label: str
    case_code: str
    owner: str
    owner_id: int | None
    due_on: datetime.date | None
    days_late: int = 0
    key: bool = False


@dataclass
class Workload:
    label: str
    department_id: int | None
    owner_id: int | None
    in_progress: int
    done: int
    overdue: int


@dataclass
class Acceptance:
    waiting: int
    accepted: int
    rejected: int
    cases_accepting: int
    cases_in_retrospective: int


@dataclass
class CaseStatus:
    """A case under way with its latest published 周报 up to the week (``rag`` "" when none)."""

    pk: int
    code: str
    subject: str
    stage: str
    coordinator: str
    rag: str
    iso_year: int | None
    iso_week: int | None
    progress: int | None
    summary_line: str  # the first line of the coordinator's comments


@dataclass
class Escalation:
    """A risk escalated to a leader in charge, waiting for their 批示."""

    pk: int
    number: int
    case_code: str
    description: str
    leader: str
    escalated_on: datetime.date
    waiting_days: int  # working days after the escalation, up to today
    major: bool


@dataclass
class WeeklyDashboard:
    scope: Scope
    week: Week
    as_of: datetime.date
    summary: Summary
    burn_up: list[tuple[str, int, int]]  # (week label, planned, actual) cumulative
    overdue: list[TaskLine]
    matrix: dict[tuple[str, str], int]  # (impact, likelihood) → open risks
    workload: list[Workload]
    upcoming: list[TaskLine]
    upcoming_total: int
    milestones: list[tuple[datetime.date, str, str]]  # (date, case code, name)
    acceptance: Acceptance
    cases: list[CaseStatus] = field(default_factory=list)
    cases_total: int = 0
    escalations: list[Escalation] = field(default_factory=list)
    escalations_total: int = 0
    by_person: bool = False
    counted_at: datetime.datetime = field(default_factory=timezone.now)


@dataclass(frozen=True)
class CasesInScope:
    """The scope's cases read once (id and stage): the stage counts come from it, and the
    risks, deliveries and milestones are filtered by its ids (None: the whole company)."""

    ids: list[int] | None
    stage_counts: dict[str, int]

    def of(self, path: str = "request_id") -> Q | Lookup:
        return Q() if self.ids is None else id_in(path, self.ids)


def cases_read(scope: Scope) -> CasesInScope:
    rows = list(cases_in(scope).values_list("pk", "stage"))
    counts: dict[str, int] = defaultdict(int)
    for _pk, stage in rows:
        counts[stage] += 1
    ids = None if scope.department_ids is None else [pk for pk, _stage in rows]
    return CasesInScope(ids=ids, stage_counts=dict(counts))


def weekly_dashboard(
    *, scope: Scope, week: Week, today: datetime.date | None = None
) -> WeeklyDashboard:
    """Every figure of the dashboard for ``scope`` and ``week`` (15 queries; 16 per person)."""
    today = today or timezone.localdate()
    as_of = week.as_of(today)
    calendar = WorkdayCalendar(
        week.monday - datetime.timedelta(days=400), today + datetime.timedelta(days=30)
    )
    cases = cases_read(scope)
    tasks = tasks_in(scope)
    figures = _task_figures(tasks, scope=scope, week=week, as_of=as_of)
    workload, by_person, task_totals = _workload(figures, scope=scope)
    upcoming, upcoming_total = _upcoming(tasks, as_of=as_of, calendar=calendar)
    risk_counts, matrix = _risks(cases, as_of=as_of)
    escalations = _escalations(cases, today=today, calendar=calendar)
    return WeeklyDashboard(
        scope=scope,
        week=week,
        as_of=as_of,
        summary=_summary(scope, cases, week=week, task_totals=task_totals, risks=risk_counts),
        burn_up=_burn_up(figures, week=week),
        overdue=_overdue(tasks, as_of=as_of, calendar=calendar),
        matrix=matrix,
        workload=workload,
        by_person=by_person,
        upcoming=upcoming,
        upcoming_total=upcoming_total,
        milestones=_milestones(cases, as_of=as_of, calendar=calendar),
        acceptance=_acceptance(cases, week=week),
        cases=_cases_under_way(cases, week=week),
        cases_total=sum(cases.stage_counts.get(stage, 0) for stage in WEEKLY_STAGES),
        escalations=escalations[0],
        escalations_total=escalations[1],
    )


def _summary(
    scope: Scope, cases: CasesInScope, *, week: Week, task_totals: dict, risks: dict
) -> Summary:
    counts = cases.stage_counts
    by_stage = [
        (stage, str(Stage(stage).label), counts.get(stage, 0)) for stage in OPEN_CASE_STAGES
    ]
    review_wait = _review_wait(scope, week=week)
    return Summary(
        open_cases=sum(count for _stage, _label, count in by_stage),
        cases_by_stage=by_stage,
        waiting_for_review=counts.get(Stage.PENDING_REVIEW, 0),
        tasks_done=task_totals["done"],
        tasks_overdue=task_totals["overdue"],
        tasks_in_progress=task_totals["in_progress"],
        open_risks=risks["open"],
        major_risks=risks["major"],
        average_review_wait_hours=review_wait[0],
        reviews_decided=review_wait[1],
    )


def _review_wait(scope: Scope, *, week: Week) -> tuple[float | None, int]:
    """Average hours from a request's (re)submission to its review decided this week, and how
    many were decided (one query: the submission is the case's latest before the decision)."""
    submitted = (
        Activity.objects.filter(
            subject_type=ContentType.objects.get_for_model(Case),
            subject_id=Cast(OuterRef("request_id"), CharField()),
            verb__in=["submit", "resubmit"],
            created_at__lte=OuterRef("decided_at"),
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    reviews = Review.objects.filter(
        decided_at__gte=_start_of(week.monday),
        decided_at__lt=_start_of(week.sunday + ONE_DAY),
    )
    if scope.department_ids is not None:
        reviews = reviews.filter(request__in=cases_in(scope).values("pk"))
    result = reviews.annotate(submitted_at=Subquery(submitted)).aggregate(
        wait=Avg(F("decided_at") - F("submitted_at")), count=Count("pk")
    )
    wait = result["wait"]
    return (None if wait is None else round(wait.total_seconds() / 3600, 1), result["count"])


def _burn_up_weeks(week: Week) -> list[Week]:
    return [week.shifted(-n) for n in reversed(range(BURN_UP_WEEKS))]


def _burn_up(figures: list[dict], *, week: Week) -> list[tuple[str, int, int]]:
    """Cumulative tasks planned to be done (by their planned due date, else their due date) and
    done, at the end of each of the 12 weeks up to ``week``, summed up from the tasks counted
    by the first week by whose end they were planned and done (``_task_figures``)."""
    weeks = _burn_up_weeks(week)
    planned, done = [0] * (len(weeks) + 1), [0] * (len(weeks) + 1)
    for row in figures:
        planned[row["planned_week"]] += row["tasks"]
        done[row["done_week"]] += row["tasks"]
    return [
        (f"W{w.iso_week:02d}", sum(planned[: n + 1]), sum(done[: n + 1]))
        for n, w in enumerate(weeks)
    ]


TASK_LINE_FIELDS = (
    "pk",
    "wbs_code",
    "name",
    "due_on",
    "key_task",  # with_key_task(): flagged, or under a flagged task
    "owner_id",
    "owner__display_name",
    "owner__username",
    "request__code",
)


def _line(row: dict, *, days_late: int = 0) -> TaskLine:
    return TaskLine(
        pk=row["pk"],
        label=f"{row['wbs_code']} {row['name']}".strip(),
        case_code=row["request__code"],
        owner=row["owner__display_name"] or row["owner__username"] or "—",
        owner_id=row["owner_id"],
        due_on=row["due_on"],
        days_late=days_late,
        key=row["key_task"],
    )


def _overdue(
    tasks: QuerySet[Task], *, as_of: datetime.date, calendar: WorkdayCalendar
) -> list[TaskLine]:
    """The first overdue tasks (their number is the workload's total)."""
    rows = list(
        tasks.filter(overdue_on(as_of))
        .with_key_task()
        .order_by("due_on", "request__code", "pk")
        .values(*TASK_LINE_FIELDS)[:LIST_ROWS]
    )
    return [
        _line(row, days_late=calendar.workdays_between(row["due_on"] + ONE_DAY, as_of))
        for row in rows
    ]


TASK_FIGURES = ("in_progress", "done", "overdue")


def _task_figures(tasks: QuerySet[Task], *, scope: Scope, week: Week, as_of: datetime.date):
    """The one pass over the scope's tasks that the workload and the burn-up share: tasks in
    progress, done this week and overdue, counted per direct sub-department of the scope — or
    per person when it has none — and per pair of burn-up weeks: the first by whose end the
    task was planned to be done, and the first by whose end it was done (12: neither)."""
    weeks = _burn_up_weeks(week)
    span = len(weeks) + 1

    def first_week(reached, low: int = 0, high: int = len(weeks)):
        """The first of ``weeks[low:high]`` by whose end ``reached`` holds, else ``high``: a
        binary search, so each task is compared with 4 Sundays instead of up to 12."""
        if low == high:
            return Value(low)
        middle = (low + high) // 2
        return SqlCase(
            When(reached(weeks[middle]), then=first_week(reached, low, middle)),
            default=first_week(reached, middle + 1, high),
            output_field=IntegerField(),
        )

    group = (
        Coalesce("lead_department_id", "request__initiator_department_id", Value(0))
        if scope.children
        else Coalesce("owner_id", Value(0))
    )
    # One key, not three columns: PostgreSQL then expects few groups and counts them in a hash
    # table instead of sorting every task (ten times slower on a company's 100,000 tasks).
    keyed = tasks.annotate(planned_due=Coalesce("planned_due_on", "due_on")).annotate(
        key=ExpressionWrapper(
            group * span * span
            + first_week(lambda w: Q(planned_due__lte=w.sunday)) * span
            + SqlCase(
                When(
                    status=Status.DONE,
                    then=first_week(lambda w: _completed_by(w.sunday)),
                ),
                default=Value(len(weeks)),
            ),
            output_field=IntegerField(),
        )
    )
    rows = (
        keyed.order_by()
        .values("key")
        .annotate(
            tasks=Count("pk"),
            in_progress=Count("pk", filter=in_progress_on(as_of)),
            done=Count("pk", filter=done_within(week)),
            overdue=Count("pk", filter=overdue_on(as_of)),
        )
    )
    figures = []
    for row in rows:
        group_id, weeks_key = divmod(row.pop("key"), span * span)
        row["planned_week"], row["done_week"] = divmod(weeks_key, span)
        row["group"] = group_id or None
        figures.append(row)
    return figures


def _workload(figures: list[dict], *, scope: Scope) -> tuple[list[Workload], bool, dict[str, int]]:
    """In progress, done this week and overdue, per direct sub-department of the scope — or
    per person when it has none, most overdue first (1 query for their names) — and the
    scope's totals."""
    if not scope.children:
        people: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TASK_FIGURES, 0))
        for row in figures:
            if row["group"] is not None:
                for key in TASK_FIGURES:
                    people[row["group"]][key] += row[key]
        busy = {pk: counts for pk, counts in people.items() if any(counts.values())}
        names = {
            pk: (display_name, display_name or username)
            for pk, display_name, username in User.objects.filter(pk__in=busy).values_list(
                "pk", "display_name", "username"
            )
        }
        ordered = sorted(
            busy,
            key=lambda pk: (-busy[pk]["overdue"], names[pk][0] is None, names[pk][0] or "", pk),
        )
        loads = [
            Workload(
                label=names[pk][1],
                department_id=None,
                owner_id=pk,
                in_progress=busy[pk]["in_progress"],
                done=busy[pk]["done"],
                overdue=busy[pk]["overdue"],
            )
            for pk in ordered
        ]
        return loads, True, _totals(figures)
    per_department: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TASK_FIGURES, 0))
    for row in figures:
        for key in TASK_FIGURES:
            per_department[row["group"]][key] += row[key]
    loads = []
    for pk, name, subtree in scope.children:
        total = {
            key: sum(per_department[member][key] for member in subtree if member in per_department)
            for key in TASK_FIGURES
        }
        loads.append(
            Workload(name, pk, None, total["in_progress"], total["done"], total["overdue"])
        )
    return loads, False, _totals(figures)


def _totals(rows: list[dict]) -> dict[str, int]:
    return {key: sum(row[key] for row in rows) for key in TASK_FIGURES}


def _upcoming(
    tasks: QuerySet[Task], *, as_of: datetime.date, calendar: WorkdayCalendar
) -> tuple[list[TaskLine], int]:
    upcoming = upcoming_tasks(tasks, as_of=as_of, calendar=calendar)
    rows = list(
        upcoming.with_key_task()
        .order_by("due_on", "request__code", "pk")
        .values(*TASK_LINE_FIELDS)[:LIST_ROWS]
    )
    return [_line(row) for row in rows], upcoming.count()


def _milestones(
    cases: CasesInScope, *, as_of: datetime.date, calendar: WorkdayCalendar
) -> list[tuple[datetime.date, str, str]]:
    until = calendar.add_workdays(as_of, UPCOMING_WORKDAYS)
    return list(
        Milestone.objects.filter(
            cases.of("plan__request_id"),
            plan__state=CollabPlan.State.CONFIRMED,
            due_on__gt=as_of,
            due_on__lte=until,
        )
        .exclude(plan__request__stage__in=[Stage.CANCELLED, Stage.ARCHIVED])
        .order_by("due_on", "plan__request__code")
        .values_list("due_on", "plan__request__code", "name")[:LIST_ROWS]
    )


def _risks(
    cases: CasesInScope, *, as_of: datetime.date
) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Open and major risks on ``as_of``, and the open ones by impact × likelihood (one query)."""
    rows = list(
        Risk.objects.filter(cases.of(), open_risk_on(as_of))
        .values("impact", "likelihood")
        .annotate(open=Count("pk"), major=Count("pk", filter=MAJOR_RISK))
    )
    counted = {(row["impact"], row["likelihood"]): row["open"] for row in rows}
    matrix = {
        (impact, likelihood): counted.get((impact, likelihood), 0)
        for impact in LEVELS
        for likelihood in LEVELS
    }
    totals = {"open": sum(row["open"] for row in rows), "major": sum(row["major"] for row in rows)}
    return totals, matrix


def _acceptance(cases: CasesInScope, *, week: Week) -> Acceptance:
    decided = decided_within(week)
    counts = Delivery.objects.filter(cases.of()).aggregate(
        waiting=Count("pk", filter=Q(state=Delivery.State.SUBMITTED)),
        accepted=Count("pk", filter=decided & Q(state=Delivery.State.ACCEPTED)),
        rejected=Count("pk", filter=decided & Q(state=Delivery.State.REJECTED)),
    )
    return Acceptance(
        waiting=counts["waiting"],
        accepted=counts["accepted"],
        rejected=counts["rejected"],
        cases_accepting=cases.stage_counts.get(Stage.ACCEPTING, 0),
        cases_in_retrospective=cases.stage_counts.get(Stage.RETROSPECTIVE, 0),
    )


# Worst first; a case without a published summary after the green ones.
RAG_ORDER = [WeeklySummary.Rag.RED, WeeklySummary.Rag.AMBER, WeeklySummary.Rag.GREEN]
SUMMARY_LINE_CHARACTERS = 200


def _cases_under_way(cases: CasesInScope, *, week: Week) -> list[CaseStatus]:
    """The first cases under way by status, each with its latest 周报 published up to
    ``week`` (two queries: the cases with their summary's id and status, then those
    summaries' progress and the start of their comments)."""
    latest = (
        WeeklySummary.objects.filter(request=OuterRef("pk"), state=WeeklySummary.State.PUBLISHED)
        .filter(
            Q(iso_year__lt=week.iso_year) | Q(iso_year=week.iso_year, iso_week__lte=week.iso_week)
        )
        .order_by("-iso_year", "-iso_week")
    )
    rows = list(
        Case.objects.filter(cases.of("pk"), stage__in=WEEKLY_STAGES)
        .annotate(
            summary_id=Subquery(latest.values("pk")[:1]),
            rag=Subquery(latest.values("rag")[:1]),
        )
        .order_by(
            SqlCase(
                *[When(rag=rag, then=Value(rank)) for rank, rag in enumerate(RAG_ORDER)],
                default=Value(len(RAG_ORDER)),
                output_field=IntegerField(),
            ),
            "code",
        )
        .values(
            "pk",
            "code",
            "subject",
            "stage",
            "summary_id",
            "rag",
            "coordinator__display_name",
            "coordinator__username",
        )[:LIST_ROWS]
    )
    summaries = {
        summary["pk"]: summary
        for summary in WeeklySummary.objects.filter(
            pk__in=[row["summary_id"] for row in rows if row["summary_id"]]
        )
        .annotate(comments_start=Substr("comments", 1, SUMMARY_LINE_CHARACTERS))
        .values("pk", "iso_year", "iso_week", "comments_start", "facts__progress")
    }
    lines = []
    for row in rows:
        summary = summaries.get(row["summary_id"], {})
        progress = summary.get("facts__progress")
        lines.append(
            CaseStatus(
                pk=row["pk"],
                code=row["code"],
                subject=row["subject"],
                stage=row["stage"],
                coordinator=row["coordinator__display_name"] or row["coordinator__username"] or "",
                rag=row["rag"] or "",
                iso_year=summary.get("iso_year"),
                iso_week=summary.get("iso_week"),
                progress=int(progress) if isinstance(progress, int | float) else None,
                summary_line=_first_line(summary.get("comments_start") or ""),
            )
        )
    return lines


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _escalations(
    cases: CasesInScope, *, today: datetime.date, calendar: WorkdayCalendar
) -> tuple[list[Escalation], int]:
    """The first escalations of the scope's cases waiting now for a leader's instruction,
    longest waiting first, and how many wait (two queries). Those of a closed case wait for
    nobody (as ``risks_app.selectors.escalations_waiting`` says)."""
    waiting = Risk.objects.filter(
        cases.of(), state=Risk.State.ESCALATED, request__stage__in=OPEN_STAGES
    )
    rows = list(
        waiting.annotate(major=ExpressionWrapper(MAJOR_RISK, output_field=BooleanField()))
        .order_by("escalated_at", "pk")
        .values(
            "pk",
            "number",
            "request__code",
            "description",
            "escalated_to__display_name",
            "escalated_to__username",
            "escalated_at",
            "major",
        )[:LIST_ROWS]
    )
    lines = []
    for row in rows:
        escalated_on = timezone.localdate(row["escalated_at"]) if row["escalated_at"] else today
        lines.append(
            Escalation(
                pk=row["pk"],
                number=row["number"],
                case_code=row["request__code"],
                description=row["description"],
                leader=row["escalated_to__display_name"] or row["escalated_to__username"] or "",
                escalated_on=escalated_on,
                waiting_days=calendar.workdays_after(escalated_on, today),
                major=row["major"],
            )
        )
    return lines, waiting.count()
