"""A window's events, counted by date and by whatever else a KPI needs, and how the KPIs of a
period inside the window are summed from them."""

from __future__ import annotations

import datetime
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

# The retrospective's shape of a return reason's count, so a case's report and the KPIs show
# reasons alike.
from acceptance_app.metrics import ReasonCount
from insights_app.kpis.definitions import (
    CUSTOMER_SATISFACTION,
    CYCLE_TIME,
    FIRST_PASS_ACCEPTANCE_RATE,
    FIRST_PASS_REVIEW_RATE,
    ON_TIME_TASK_RATE,
    PLAN_SIGN_OFF_TIME,
    RESPONSIBILITY_COVERAGE,
    REVIEW_LEAD_TIME,
    RISKS_RESOLVED_ON_TIME_RATE,
    KpiValue,
)
from requests_app.models import Review

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
