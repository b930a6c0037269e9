"""The manual's promises as targets on the KPIs (section 一(二): “三提升、一降低”).

Each promise is against the way work went before the standard, so a relative one is set from
the comparison's baseline period: 缩短30%的协作周期 makes the cycle time's target 70% of the
baseline's; 降低25%的沟通时间投入 makes the communication steps (registration to approval, plan
sign-off) 75% of theirs; 减少80%以上的信息偏差 leaves at most a fifth of the baseline's returns at
review and rework at acceptance (the first-pass rates' shortfall); 100%明确各环节责任人 is the
responsibility coverage's 100% whatever the baseline. A KPI the manual promises nothing about
has no target, and a relative target has none while its baseline has nothing measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.functional import Promise as LazyText
from django.utils.translation import gettext_lazy as _

from insights_app.kpis import (
    CYCLE_TIME,
    DEFINITION_OF,
    FIRST_PASS_ACCEPTANCE_RATE,
    FIRST_PASS_REVIEW_RATE,
    HIGHER,
    PLAN_SIGN_OFF_TIME,
    RESPONSIBILITY_COVERAGE,
    REVIEW_LEAD_TIME,
    KpiValue,
)

Kind = Literal["level", "shorter", "fewer_misses"]
LEVEL: Kind = "level"  # the value itself: ``figure`` of 100%
SHORTER: Kind = "shorter"  # the baseline's duration less ``figure`` of it
FEWER_MISSES: Kind = "fewer_misses"  # the baseline's shortfall from 100% less ``figure`` of it


@dataclass(frozen=True)
class ManualPromise:
    kind: Kind
    figure: float  # a fraction: 0.3 for 30%
    claim: LazyText  # with %(percent)s for the figure

    def said(self) -> str:
        return str(self.claim) % {"percent": f"{self.figure:.0%}"}


CYCLE = _("The manual: collaboration cycles %(percent)s shorter than before (the baseline)")
TIME = _("The manual: %(percent)s less time spent communicating than before (the baseline)")
DEVIATION = _(
    "The manual: at least %(percent)s fewer information deviations (returns, rework) than "
    "before (the baseline)"
)
OWNERS = _("The manual: every step's owner made clear (%(percent)s)")

PROMISES: dict[str, ManualPromise] = {
    REVIEW_LEAD_TIME: ManualPromise(SHORTER, 0.25, TIME),
    FIRST_PASS_REVIEW_RATE: ManualPromise(FEWER_MISSES, 0.80, DEVIATION),
    PLAN_SIGN_OFF_TIME: ManualPromise(SHORTER, 0.25, TIME),
    RESPONSIBILITY_COVERAGE: ManualPromise(LEVEL, 1.0, OWNERS),
    FIRST_PASS_ACCEPTANCE_RATE: ManualPromise(FEWER_MISSES, 0.80, DEVIATION),
    CYCLE_TIME: ManualPromise(SHORTER, 0.30, CYCLE),
}


@dataclass(frozen=True)
class Target:
    """Where a KPI should be by the manual: at least ``value`` for a KPI where higher is
    better, at most for one where lower is."""

    value: float
    at_least: bool
    claim: str

    @property
    def sign(self) -> str:
        return "≥" if self.at_least else "≤"

    def met_by(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.value if self.at_least else value <= self.value


def kpi_target(key: str, *, baseline: KpiValue) -> Target | None:
    """The target of KPI ``key`` set from the ``baseline`` period's value; None when the
    manual promises nothing about it or the baseline has nothing measured."""
    promise = PROMISES.get(key)
    if promise is None:
        return None
    if promise.kind == LEVEL:
        value = 100 * promise.figure
    elif baseline.value is None:
        return None
    elif promise.kind == SHORTER:
        value = baseline.value * (1 - promise.figure)
    else:
        value = 100 - (100 - baseline.value) * (1 - promise.figure)
    return Target(value=value, at_least=DEFINITION_OF[key].better == HIGHER, claim=promise.said())
