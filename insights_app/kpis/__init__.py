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

The package: ``definitions`` (what is measured), ``questions`` (the three questions above),
``facts`` (a window's events and how a period is summed from them), ``queries`` (reading them).

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

from insights_app.kpis.definitions import (
    CUSTOMER_SATISFACTION,
    CYCLE_TIME,
    DEFINITION_OF,
    FIRST_PASS_ACCEPTANCE_RATE,
    FIRST_PASS_REVIEW_RATE,
    HIGHER,
    KPI_DEFINITIONS,
    KPI_KEYS,
    LOWER,
    ON_TIME_TASK_RATE,
    PERCENT,
    PLAN_SIGN_OFF_TIME,
    RESPONSIBILITY_COVERAGE,
    REVIEW_LEAD_TIME,
    RISKS_RESOLVED_ON_TIME_RATE,
    SCORE,
    WORKING_DAYS,
    Better,
    KpiComparison,
    KpiDefinition,
    KpiValue,
    Unit,
)
from insights_app.kpis.questions import kpi_compare, kpi_trend, kpi_trend_and_compare, kpis_for

__all__ = [
    "CUSTOMER_SATISFACTION",
    "CYCLE_TIME",
    "DEFINITION_OF",
    "FIRST_PASS_ACCEPTANCE_RATE",
    "FIRST_PASS_REVIEW_RATE",
    "HIGHER",
    "KPI_DEFINITIONS",
    "KPI_KEYS",
    "LOWER",
    "ON_TIME_TASK_RATE",
    "PERCENT",
    "PLAN_SIGN_OFF_TIME",
    "RESPONSIBILITY_COVERAGE",
    "REVIEW_LEAD_TIME",
    "RISKS_RESOLVED_ON_TIME_RATE",
    "SCORE",
    "WORKING_DAYS",
    "Better",
    "KpiComparison",
    "KpiDefinition",
    "KpiValue",
    "Unit",
    "kpi_compare",
    "kpi_trend",
    "kpi_trend_and_compare",
    "kpis_for",
]
