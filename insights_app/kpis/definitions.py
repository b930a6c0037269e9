"""What is measured: the nine KPIs, their units and which way is better, and the values and
comparisons the questions answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The retrospective's shape of a return reason's count, so a case's report and the KPIs show
# reasons alike.
from acceptance_app.metrics import ReasonCount

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
