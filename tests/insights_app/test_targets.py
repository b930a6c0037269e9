"""The manual's promises as the KPIs' targets (section 一(二)): set from the baseline period,
or a level whatever the baseline."""

import pytest

from insights_app.kpis import KPI_KEYS, KpiValue
from insights_app.targets import PROMISES, kpi_target

BASELINE = {
    "cycle_time": KpiValue(value=20.0, sample_size=4, median=18.0),
    "review_lead_time": KpiValue(value=4.0, sample_size=5, median=4.0),
    "plan_sign_off_time": KpiValue(value=8.0, sample_size=2, median=8.0),
    "first_pass_review_rate": KpiValue(value=60.0, sample_size=5, numerator=3),
    "first_pass_acceptance_rate": KpiValue(value=50.0, sample_size=2, numerator=1),
    "responsibility_coverage": KpiValue(value=70.0, sample_size=10, numerator=7),
}
NOTHING = KpiValue(value=None, sample_size=0)


@pytest.mark.parametrize(
    "key, value, at_least",
    [
        ("cycle_time", 14.0, False),  # 缩短30%的协作周期
        ("review_lead_time", 3.0, False),  # 降低25%的沟通时间投入
        ("plan_sign_off_time", 6.0, False),
        ("first_pass_review_rate", 92.0, True),  # 40% returned → at most 8%: 信息偏差减少80%
        ("first_pass_acceptance_rate", 90.0, True),
        ("responsibility_coverage", 100.0, True),  # 100%明确各环节责任人
    ],
)
def test_each_promise_sets_its_target_from_the_baseline(key, value, at_least):
    target = kpi_target(key, baseline=BASELINE[key])

    assert target.value == pytest.approx(value)
    assert target.at_least is at_least
    assert target.claim.startswith("手册")


def test_a_relative_target_needs_a_baseline_and_a_level_does_not():
    assert kpi_target("cycle_time", baseline=NOTHING) is None
    assert kpi_target("first_pass_review_rate", baseline=NOTHING) is None
    assert kpi_target("responsibility_coverage", baseline=NOTHING).value == 100.0


def test_kpis_the_manual_promises_nothing_about_have_no_target():
    assert set(KPI_KEYS) - set(PROMISES) == {
        "on_time_task_rate",
        "risks_resolved_on_time_rate",
        "customer_satisfaction",
    }
    assert kpi_target("on_time_task_rate", baseline=BASELINE["cycle_time"]) is None


def test_a_target_is_met_on_its_side_of_the_line():
    shorter = kpi_target("cycle_time", baseline=BASELINE["cycle_time"])
    assert shorter.met_by(14.0) and shorter.met_by(10.0) and not shorter.met_by(14.5)
    assert shorter.met_by(None) is None
    coverage = kpi_target("responsibility_coverage", baseline=NOTHING)
    assert coverage.met_by(100.0) and not coverage.met_by(99.9)
