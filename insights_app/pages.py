"""What the dashboard pages show, built from the figures: the charts' data (each point with the
address of the list behind it), the KPI table with its trend and comparison, and the
addresses of the lists behind the figures (``drill_lists``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import Case
from collab_portal.lib.caching import Counted, kept_or_counted
from insights_app import weekly
from insights_app.kpis import DEFINITION_OF, KPI_DEFINITIONS, KpiComparison, kpi_trend_and_compare
from insights_app.scope import Scope, Week
from insights_app.targets import Target, kpi_target
from risks_app.models import Level
from tasks_app.models import WeeklySummary

LEVEL_LABELS = {level.value: level.label for level in Level}  # lazy: read in the page's language


def drill_url(scope: Scope, week: Week, kind: str, **filters) -> str:
    query = {
        "department": scope.value,
        "week": week.value,
        **{k: v for k, v in filters.items() if v not in (None, "")},
    }
    return reverse("insights:drill", args=[kind]) + "?" + urlencode(query)


# --- the charts ---------------------------------------------------------------------------


def chart_data(board: weekly.WeeklyDashboard) -> dict:
    """Everything the page's charts draw, with the list behind each bar or cell (JSON)."""
    scope, week = board.scope, board.week
    return {
        "stages": {
            "labels": [label for _stage, label, _n in board.summary.cases_by_stage],
            "values": [n for _stage, _label, n in board.summary.cases_by_stage],
            "urls": [
                drill_url(scope, week, "cases", stage=stage)
                for stage, _l, _n in board.summary.cases_by_stage
            ],
        },
        "burn_up": {
            "labels": [label for label, _p, _a in board.burn_up],
            "planned": [planned for _l, planned, _a in board.burn_up],
            "actual": [actual for _l, _p, actual in board.burn_up],
            "names": [_("Planned (cumulative)"), _("Done (cumulative)")],
            "url": drill_url(scope, week, "tasks", status="done"),
        },
        "workload": {
            "labels": [load.label for load in board.workload],
            "names": [_("In progress"), _("Done this week"), _("Overdue")],
            "series": [
                [load.in_progress for load in board.workload],
                [load.done for load in board.workload],
                [load.overdue for load in board.workload],
            ],
            "urls": [
                [_workload_url(board, load, status) for load in board.workload]
                for status in ("in_progress", "done", "overdue")
            ],
        },
    }


def stage_links(board: weekly.WeeklyDashboard) -> list[tuple[str, int, str]]:
    return [
        (label, count, drill_url(board.scope, board.week, "cases", stage=stage))
        for stage, label, count in board.summary.cases_by_stage
    ]


@dataclass(frozen=True)
class UpcomingRow:
    due_on: datetime.date
    milestone: bool
    label: str
    url: str
    owner: str


def upcoming_rows(board: weekly.WeeklyDashboard) -> list[UpcomingRow]:
    """The milestones and tasks due in the next 7 working days, by date."""
    rows = [
        UpcomingRow(day, True, f"{code} · {name}", reverse("requests_app:detail", args=[code]), "")
        for day, code, name in board.milestones
    ] + [
        UpcomingRow(
            line.due_on,
            False,
            f"{line.case_code} · {line.label}",
            reverse("tasks_app:task", args=[line.case_code, line.pk]),
            line.owner,
        )
        for line in board.upcoming
    ]
    return sorted(rows, key=lambda row: (row.due_on, not row.milestone, row.label))


def _workload_url(board: weekly.WeeklyDashboard, load: weekly.Workload, status: str) -> str:
    return drill_url(
        board.scope,
        board.week,
        "tasks",
        status=status,
        part=load.department_id,
        owner=load.owner_id if board.by_person else None,
    )


# --- the cases under way and the 批示 waiting ----------------------------------------------

RAG_BADGES = {
    WeeklySummary.Rag.RED: "bg-red text-red-fg",
    WeeklySummary.Rag.AMBER: "bg-yellow text-yellow-fg",
    WeeklySummary.Rag.GREEN: "bg-green text-green-fg",
}


@dataclass(frozen=True)
class CaseRow:
    case: weekly.CaseStatus
    url: str
    stage_label: str
    rag_label: str
    rag_badge: str
    summary_url: str  # "" when no summary is published yet
    week_label: str


def case_rows(board: weekly.WeeklyDashboard) -> list[CaseRow]:
    rows = []
    for case in board.cases:
        has_summary = case.rag in RAG_BADGES
        rows.append(
            CaseRow(
                case=case,
                url=reverse("requests_app:detail", args=[case.code]),
                stage_label=str(Case.Stage(case.stage).label),
                rag_label=str(WeeklySummary.Rag(case.rag).label) if has_summary else "",
                rag_badge=RAG_BADGES.get(case.rag, ""),
                summary_url=reverse(
                    "tasks_app:weekly_detail",
                    args=[case.code, case.iso_year, f"{case.iso_week:02d}"],
                )
                if has_summary
                else "",
                week_label=f"W{case.iso_week:02d}" if has_summary else "",
            )
        )
    return rows


@dataclass(frozen=True)
class EscalationRow:
    escalation: weekly.Escalation
    code: str
    url: str


def escalation_rows(board: weekly.WeeklyDashboard) -> list[EscalationRow]:
    return [
        EscalationRow(
            escalation=line,
            code=f"R{line.number:02d}",
            url=reverse("risks_app:risk", args=[line.case_code, line.number]),
        )
        for line in board.escalations
    ]


@dataclass(frozen=True)
class MatrixCell:
    count: int
    url: str
    tone: str


@dataclass(frozen=True)
class MatrixRow:
    impact: str
    cells: list[MatrixCell]


# The register's colours: 红 high×high, 橙, 黄, 蓝 low×low.
TONES = {6: "bg-red-lt", 5: "bg-orange-lt", 4: "bg-orange-lt", 3: "bg-yellow-lt", 2: "bg-azure-lt"}
WEIGHT = {Level.HIGH: 3, Level.MEDIUM: 2, Level.LOW: 1}


def level_labels() -> list[str]:
    return [LEVEL_LABELS[level] for level in weekly.LEVELS]


def matrix_rows(board: weekly.WeeklyDashboard) -> list[MatrixRow]:
    return [
        MatrixRow(
            impact=LEVEL_LABELS[impact],
            cells=[
                MatrixCell(
                    count=board.matrix[(impact, likelihood)],
                    url=drill_url(
                        board.scope, board.week, "risks", impact=impact, likelihood=likelihood
                    ),
                    tone=TONES.get(WEIGHT[impact] + WEIGHT[likelihood], "bg-azure-lt"),
                )
                for likelihood in weekly.LEVELS
            ],
        )
        for impact in weekly.LEVELS
    ]


# --- the KPIs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiRow:
    key: str
    label: str
    how_computed: str
    unit: str
    this_week: object
    comparison: KpiComparison
    trend: list[float | None]
    target: Target | None = None  # the manual's promise, set from the baseline

    @property
    def target_met(self) -> bool | None:
        """Whether the period's value reaches the target (None: nothing to tell)."""
        return None if self.target is None else self.target.met_by(self.comparison.current.value)

    @property
    def change(self) -> float | None:
        """The change against the baseline as a fraction, rounded to the whole percent shown."""
        return rounded_change(self.comparison)

    @property
    def change_percent(self) -> str | None:
        change = self.change
        return None if change is None else f"{round(change * 100):+d}".replace("+0", "0")

    @property
    def change_class(self) -> str:
        return CHANGE_CLASSES[change_tone(self.comparison)]


BETTER, WORSE, SAME = "better", "worse", "same"
CHANGE_CLASSES = {BETTER: "text-green", WORSE: "text-red", SAME: "text-secondary"}


def rounded_change(comparison: KpiComparison) -> float | None:
    change = comparison.relative_change
    return None if change is None else round(change, 2) + 0.0  # + 0.0: no "-0"


def change_tone(comparison: KpiComparison) -> str:
    """How a change reads: better or worse by the KPI's direction; the same when it rounds
    to 0% (as shown), or when there is nothing to compare."""
    if not rounded_change(comparison):
        return SAME
    return BETTER if comparison.improved else WORSE


# The week's figures are recounted at most once a minute for one department and week: a whole
# company's 100,000 tasks take a few hundred milliseconds to count, and a dashboard is looked
# at, not edited. The page says when it was counted, and when the cache could not keep it.
BOARD_CACHE_SECONDS = 60


def _language() -> str:
    """Part of every kept figure's key: the figures carry their labels (stages, KPIs) in the
    language they were counted in."""
    return translation.get_language() or settings.LANGUAGE_CODE


def weekly_board(*, scope: Scope, week: Week) -> Counted[weekly.WeeklyDashboard]:
    today = timezone.localdate()
    key = ":".join(["insights:board", scope.value, week.value, str(today), _language()])
    return kept_or_counted(
        key,
        lambda: weekly.weekly_dashboard(scope=scope, week=week, today=today),
        BOARD_CACHE_SECONDS,
    )


# The KPIs are recounted at most this often for one question (department, week, periods):
# reading a company's timeline takes a few hundred milliseconds, and a head opens the page
# many times a day. Shared by the web processes when CACHE_URL names Redis (production),
# else each process keeps its own copy.
KPI_CACHE_SECONDS = 600


def kpi_rows(
    *, scope: Scope, week: Week, period, baseline
) -> Counted[tuple[list[KpiRow], list[str]]]:
    """Each KPI: its week, its 12-week trend, and the period against the baseline."""
    key = ":".join(
        ["insights:kpis", scope.value, week.value, *map(str, [*period, *baseline]), _language()]
    )
    return kept_or_counted(
        key,
        lambda: _kpi_rows(scope=scope, week=week, period=period, baseline=baseline),
        KPI_CACHE_SECONDS,
    )


def _kpi_rows(*, scope: Scope, week: Week, period, baseline) -> tuple[list[KpiRow], list[str]]:
    trend, compared = kpi_trend_and_compare(
        department_ids=_ids(scope), last_week_end=week.sunday, period=period, baseline=baseline
    )
    labels = [f"W{iso_week:02d}" for _y, iso_week, _v in trend[KPI_DEFINITIONS[0].key]]
    rows = [
        KpiRow(
            key=definition.key,
            label=str(definition.label),
            how_computed=str(definition.how_computed),
            unit=definition.unit,
            this_week=trend[definition.key][-1][2],
            comparison=compared[definition.key],
            trend=[value.value for _y, _w, value in trend[definition.key]],
            target=kpi_target(definition.key, baseline=compared[definition.key].baseline),
        )
        for definition in KPI_DEFINITIONS
    ]
    return rows, labels


def _ids(scope: Scope) -> set[int] | None:
    return None if scope.department_ids is None else set(scope.department_ids)


def kpi_chart_data(rows: list[KpiRow], labels: list[str]) -> dict:
    return {
        "labels": labels,
        "series": {row.key: row.trend for row in rows},
        "units": {row.key: DEFINITION_OF[row.key].unit for row in rows},
        "targets": {row.key: row.target.value if row.target else None for row in rows},
        "target_name": _("The manual's target"),
    }


def dashboard_url(scope: Scope, week: Week) -> str:
    return (
        reverse("insights:weekly")
        + "?"
        + urlencode({"department": scope.value, "week": week.value})
    )


def kpis_url(query) -> str:
    """The KPI section's address, with the dashboard's own question (department, week, periods)."""
    return reverse("insights:kpis") + ("?" + query.urlencode() if query else "")


def query_without_page(query) -> str:
    """The list's address without its page number, for the pagination links."""
    kept = query.copy()
    kept.pop("page", None)
    return kept.urlencode()


def figure_links(board: weekly.WeeklyDashboard) -> dict[str, str]:
    """The list behind each summary figure and panel."""
    scope, week = board.scope, board.week
    return {
        "waiting_for_review": drill_url(scope, week, "cases", stage=Case.Stage.PENDING_REVIEW),
        "tasks_done": drill_url(scope, week, "tasks", status="done"),
        "tasks_overdue": drill_url(scope, week, "tasks", status="overdue"),
        "tasks_in_progress": drill_url(scope, week, "tasks", status="in_progress"),
        "tasks_upcoming": drill_url(scope, week, "tasks", status="upcoming"),
        "open_risks": drill_url(scope, week, "risks"),
        "major_risks": drill_url(scope, week, "risks", major=1),
        "deliveries_waiting": drill_url(scope, week, "deliveries", state="waiting"),
        "deliveries_accepted": drill_url(scope, week, "deliveries", state="accepted"),
        "deliveries_rejected": drill_url(scope, week, "deliveries", state="rejected"),
        "pdf": reverse("insights:weekly_pdf")
        + "?"
        + urlencode({"department": scope.value, "week": week.value}),
        "xlsx": reverse("insights:weekly_xlsx")
        + "?"
        + urlencode({"department": scope.value, "week": week.value}),
    }
