"""The process KPIs on hand-built data whose every answer is worked out here.

The period is 2025-09-22 (Mon) .. 2025-10-12 (Sun), ISO weeks 39–41, around the 2025 National
Day holiday: 2025-10-01..10-08 are days off, Sunday 09-28 and Saturday 10-11 are make-up
working days (调休). Durations count the working days after the first date up to and including
the last. Scope "sales" means 销售部 and its sub-department 华东销售组; 技术部 is its sibling.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from acceptance_app import services as acceptance
from acceptance_app.metrics import ReasonCount, retrospective_metrics
from acceptance_app.metrics.compute import _is_done_on_time
from acceptance_app.services import ItemData
from cases.models import Case
from collab_portal.activity.models import Activity
from insights_app.kpis import (
    CUSTOMER_SATISFACTION,
    CYCLE_TIME,
    FIRST_PASS_ACCEPTANCE_RATE,
    FIRST_PASS_REVIEW_RATE,
    KPI_DEFINITIONS,
    KPI_KEYS,
    ON_TIME_TASK_RATE,
    PLAN_SIGN_OFF_TIME,
    RESPONSIBILITY_COVERAGE,
    REVIEW_LEAD_TIME,
    RISKS_RESOLVED_ON_TIME_RATE,
    KpiValue,
    kpi_compare,
    kpi_trend,
    kpi_trend_and_compare,
    kpis_for,
)
from requests_app import services as request_services
from requests_app.models import CollabPlan, Review
from risks_app import services as risks
from risks_app.models import Risk
from risks_app.services import RiskData
from tasks_app import services as tasks
from tasks_app.models import Task
from tests.factories import (
    DeliveryFactory,
    DepartmentFactory,
    PlanFactory,
    RiskFactory,
    TaskFactory,
    UserFactory,
    on,
)
from tests.fixtures.acceptance import all_pass, finish_all_tasks, first_fails, leaf
from tests.fixtures.execution import day
from tests.fixtures.kpi_history import at, case_of, stage_change

Stage = Case.Stage
START, END = on(9, 22), on(10, 12)
WEEK = datetime.timedelta(weeks=1)
BASELINE = (on(9, 8), on(9, 21))


def rate(numerator: int, denominator: int, **extra) -> KpiValue:
    return KpiValue(
        value=100 * numerator / denominator,
        sample_size=denominator,
        numerator=numerator,
        **extra,
    )


def duration(mean: float, median: float, count: int) -> KpiValue:
    return KpiValue(value=mean, sample_size=count, median=median)


NOTHING_TIMED = KpiValue(value=None, sample_size=0)
NOTHING_COUNTED = KpiValue(value=None, sample_size=0, numerator=0)


@dataclass
class Org:
    sales: object
    east: object
    tech: object
    empty: object
    sales_staff: object
    east_staff: object
    tech_staff: object


@pytest.fixture
def org(company) -> Org:
    east = DepartmentFactory(code="SALES-E", name="华东销售组", parent=company.sales)
    empty = DepartmentFactory(code="LEGAL", name="法务部", parent=company.division)
    return Org(
        sales=company.sales,
        east=east,
        tech=company.tech,
        empty=empty,
        sales_staff=company.sales_staff,
        east_staff=UserFactory(username="east_staff", display_name="华东专员", department=east),
        tech_staff=company.tech_staff,
    )


def executing_since(case, when):
    stage_change(case, Stage.BREAKDOWN, Stage.EXECUTING, when)
    return case


@pytest.fixture
def data(org):
    """Cases of every KPI, named as in the tests' comments. Unless said otherwise a case was
    submitted and approved on 2025-08-01, outside every period the tests ask about."""
    sales, east, tech = org.sales_staff, org.east_staff, org.tech_staff

    # --- stage 1: registration → approval, first pass, return reasons ------------------------
    # A: submitted Fri 09-26, returned that afternoon (goal), resubmitted 09-29, approved Thu
    # 10-09: 09-28 (make-up Sunday), 09-29, 09-30, 10-09 = 4 working days; not first pass.
    case_a = case_of(
        sales,
        stage=Stage.BREAKDOWN,
        submitted=at(9, 26, 10),
        returns=((at(9, 26, 15), "goal_not_measurable", at(9, 29, 9)),),
        approved=at(10, 9, 10),
    )
    # B (east, a sub-department): Fri 10-10 → approved Sun 10-12 23:30, the period's last day:
    # 10-11 is a make-up Saturday, 10-12 a Sunday off = 1 working day.
    case_of(east, stage=Stage.SYNCING, submitted=at(10, 10, 9), approved=at(10, 12, 23, 30))
    # C: approved Sun 09-21, the day before the period (baseline: Wed 09-17 → 2 days).
    case_of(sales, stage=Stage.SYNCING, submitted=at(9, 17), approved=at(9, 21))
    # C2 (baseline only): submitted Mon 09-08, returned 09-09 (other), approved 09-10: 2 days.
    case_of(
        sales,
        stage=Stage.SYNCING,
        submitted=at(9, 8),
        returns=((at(9, 9), "other", at(9, 9, 15)),),
        approved=at(9, 10),
    )
    # D: approved 10-13 00:30 in Shanghai, the day after the period (still 10-12 in UTC).
    case_of(sales, stage=Stage.SYNCING, submitted=at(10, 9), approved=at(10, 13, 0, 30))
    # E (tech, the sibling): 09-22 → 09-24 = 2 days, first pass.
    case_of(tech, stage=Stage.SYNCING, submitted=at(9, 22), approved=at(9, 24))
    # F: submitted Mon 09-15, approved Mon 09-22 09:00, the period's first day: 5 days.
    case_of(sales, stage=Stage.SYNCING, submitted=at(9, 15), approved=at(9, 22, 9))
    # G (east), never approved: returned 09-21 (deadline; before the period), resubmitted,
    # returned 10-01 (information missing; in it).
    case_of(
        east,
        stage=Stage.RETURNED,
        submitted=at(9, 19),
        returns=(
            (at(9, 21), "deadline_unreasonable", at(9, 29)),
            (at(10, 1), "information_missing", None),
        ),
        approved=None,
    )
    # H (tech), never approved: returned 09-25 (receiver unclear).
    case_of(
        tech,
        stage=Stage.RETURNED,
        submitted=at(9, 24),
        returns=((at(9, 25), "receiver_unclear", None),),
        approved=None,
    )

    # --- stage 2: plan sign-off, from the first sending for confirmation ----------------------
    # A: sent Thu 10-09, last signature Fri 10-10 = 1 day.
    PlanFactory(request=case_a, proposed_at=at(10, 9, 15), confirmed_at=at(10, 10, 11))
    # P1: v1 sent Thu 09-25 and sent back; v2 sent 09-29, confirmed Thu 10-09. From v1:
    # 09-26, 09-28 (make-up), 09-29, 09-30, 10-09 = 5 days (v2 alone would be 2).
    plan_case = case_of(sales, stage=Stage.BREAKDOWN)
    PlanFactory(
        request=plan_case,
        version=1,
        state=CollabPlan.State.REVISION_REQUESTED,
        proposed_at=at(9, 25),
    )
    PlanFactory(request=plan_case, version=2, proposed_at=at(9, 29), confirmed_at=at(10, 9, 16))
    # P2 (east): Tue 09-30 → Fri 10-10: 10-09, 10-10 = 2 days.
    PlanFactory(
        request=case_of(east, stage=Stage.BREAKDOWN),
        proposed_at=at(9, 30),
        confirmed_at=at(10, 10),
    )
    # P3: confirmed 10-13 00:30, after the period. P4: Fri 09-19 → Sun 09-21 22:00, before it
    # (0 working days: the weekend).
    PlanFactory(
        request=case_of(sales, stage=Stage.BREAKDOWN),
        proposed_at=at(10, 10),
        confirmed_at=at(10, 13, 0, 30),
    )
    PlanFactory(
        request=case_of(sales, stage=Stage.BREAKDOWN),
        proposed_at=at(9, 19),
        confirmed_at=at(9, 21, 22),
    )
    # P5 (tech): 09-22 → 09-23 = 1 day.
    PlanFactory(
        request=case_of(tech, stage=Stage.BREAKDOWN),
        proposed_at=at(9, 22),
        confirmed_at=at(9, 23),
    )

    # --- stages 3–4: tasks (attributed to their lead department) and risks --------------------
    # X (sales), executing since 09-15.
    case_x = executing_since(case_of(sales), at(9, 15))

    def done(case, *, planned_due, completed, parent=None, **fields):
        return TaskFactory(
            request=case,
            parent=parent,
            due_on=fields.pop("due_on", planned_due),
            planned_due_on=planned_due,
            status=Task.Status.DONE,
            completed_at=completed,
            **fields,
        )

    # t1 (sales): due 09-30, done 09-30 18:00: on time (on the day).
    done(case_x, planned_due=on(9, 30), completed=at(9, 30, 18), lead_department=org.sales)
    # t2 (led by tech): due 09-25, done 09-29: late, and tech's, not sales'.
    done(case_x, planned_due=on(9, 25), completed=at(9, 29), lead_department=org.tech)
    # t3 (no lead department: the case's, sales): planned 09-24, moved to 10-10, done 10-09:
    # late against the planned (published) date.
    done(
        case_x,
        planned_due=on(9, 24),
        due_on=on(10, 10),
        completed=at(10, 9),
        lead_department=None,
    )
    # t4 is a parent (done, late): never counted; t5, its child (east), done 10-13 00:30.
    t4 = done(case_x, planned_due=on(9, 1), completed=at(9, 25), lead_department=org.sales)
    done(
        case_x,
        parent=t4,
        planned_due=on(10, 12),
        completed=at(10, 13, 0, 30),
        lead_department=org.east,
    )
    # t6 (sales): done 09-21, the day before (late: due 09-20); its standard is only blanks.
    done(
        case_x,
        planned_due=on(9, 20),
        completed=at(9, 21),
        lead_department=org.sales,
        deliverable_standard="   ",
    )
    # t8 (sales): in progress, nobody owns it.
    TaskFactory(
        request=case_x, owner=None, lead_department=org.sales, status=Task.Status.IN_PROGRESS
    )
    # Y (tech), executing since 10-10: y1 led by east, done on its due date 10-11 (sales');
    # y2 without a lead department (tech's), on time, no start date.
    case_y = executing_since(case_of(tech), at(10, 10))
    done(case_y, planned_due=on(10, 11), completed=at(10, 11, 17), lead_department=org.east)
    done(
        case_y,
        planned_due=on(10, 10),
        completed=at(10, 9),
        lead_department=None,
        start_on=None,
        planned_start_on=None,
    )
    # Z (sales): executing 09-01, archived Sun 09-21, before the period; z1 done 09-10, on time.
    case_z = executing_since(case_of(sales, stage=Stage.ARCHIVED), at(9, 1))
    stage_change(case_z, Stage.RETROSPECTIVE, Stage.ARCHIVED, at(9, 21, 18))
    Case.objects.filter(pk=case_z.pk).update(updated_at=at(9, 21, 18))  # its last save
    done(case_z, planned_due=on(9, 12), completed=at(9, 10))
    # U (sales): executing 09-10, archived 09-22 09:00 (open on the period's first day);
    # u1 done Fri 09-19, a day late.
    case_u = executing_since(case_of(sales, stage=Stage.ARCHIVED), at(9, 10))
    stage_change(case_u, Stage.RETROSPECTIVE, Stage.ARCHIVED, at(9, 22, 9))
    Case.objects.filter(pk=case_u.pk).update(updated_at=at(9, 22, 9))
    done(case_u, planned_due=on(9, 18), completed=at(9, 19))
    # W (sales): still in breakdown, its task has no owner: not counted; nor is the task of
    # a case cancelled in breakdown on 09-25, before it ever executed.
    TaskFactory(request=case_of(sales, stage=Stage.BREAKDOWN), owner=None)
    cancelled = case_of(sales, stage=Stage.CANCELLED)
    stage_change(cancelled, Stage.BREAKDOWN, Stage.CANCELLED, at(9, 25))
    TaskFactory(request=cancelled, owner=None)
    # V (east): executing from 10-13 09:00, after the period; no standard: not counted.
    v = executing_since(case_of(east), at(10, 13, 9))
    TaskFactory(request=v, deliverable_standard="")

    # Risks, the case's initiating department's.
    def resolved(case, *, deadline, when, state="resolved"):
        return RiskFactory(request=case, deadline=deadline, resolved_at=when, state=state)

    resolved(case_x, deadline=on(9, 26), when=at(9, 26, 20))  # r1: on time
    # r2: resolved 09-27 07:00 in Shanghai (still 09-26 in UTC), deadline 09-26: late.
    resolved(case_x, deadline=on(9, 26), when=at(9, 27, 7), state="closed")
    resolved(case_x, deadline=on(9, 20), when=at(9, 21))  # r3: before the period
    RiskFactory(request=case_x, deadline=on(9, 25), state="mitigating")  # r4: still open
    resolved(case_y, deadline=on(10, 10), when=at(10, 9))  # r5: tech's
    resolved(case_x, deadline=on(10, 15), when=at(10, 13, 0, 30))  # r6: after the period
    case_q = executing_since(case_of(east), at(9, 1))
    resolved(case_q, deadline=on(10, 11), when=at(10, 10))  # r7 (east): on time

    # --- stage 5: acceptance ------------------------------------------------------------------
    # K1: first submitted Mon 09-01, returned, resubmitted 09-03 (submitted_at keeps 09-03),
    # approved 09-04; accepted first time Tue 09-30. From 09-01: Sep 2–5 (4), 8–12 (5),
    # 15–19 (5), 22–26 (5), Sun 28 (1), 29–30 (2) = 22 working days (20 from 09-03).
    k1 = case_of(
        sales,
        stage=Stage.RETROSPECTIVE,
        submitted=at(9, 1),
        returns=((at(9, 2), "other", at(9, 3)),),
        approved=at(9, 4),
    )
    DeliveryFactory(request=k1, decided_at=at(9, 30, 16))
    # K2 (east): submitted Mon 09-15 (approved that day, in the baseline); v1 sent back 09-29,
    # v2 accepted Fri 10-10: 16–19 (4), 22–26 (5), 28 (1), 29–30 (2), 10-09, 10-10 (2) = 14.
    k2 = case_of(east, stage=Stage.RETROSPECTIVE, submitted=at(9, 15), approved=at(9, 15, 16))
    DeliveryFactory(request=k2, version=1, state="rejected", decided_at=at(9, 29))
    DeliveryFactory(request=k2, version=2, decided_at=at(10, 10, 11))
    # K3: accepted 10-13 00:30, after the period.
    k3 = case_of(sales, stage=Stage.RETROSPECTIVE, submitted=at(9, 1), approved=at(9, 2))
    DeliveryFactory(request=k3, decided_at=at(10, 13, 0, 30))
    # K4 (baseline only): Mon 08-11 → accepted Sun 09-21: Aug 12–15 (4), 18–22 (5),
    # 25–29 (5), Sep 1–5 (5), 8–12 (5), 15–19 (5) = 29.
    k4 = case_of(sales, stage=Stage.ARCHIVED, submitted=at(8, 11), approved=at(8, 12))
    DeliveryFactory(request=k4, decided_at=at(9, 21, 15))
    # K5 (tech): submitted and approved Mon 09-22 (0 days), accepted Fri 09-26: 4 days.
    k5 = case_of(tech, stage=Stage.RETROSPECTIVE, submitted=at(9, 22), approved=at(9, 22, 16))
    DeliveryFactory(request=k5, decided_at=at(9, 26))
    return org


def test_the_definitions_come_in_order_with_a_unit_and_a_direction():
    assert (
        [d.key for d in KPI_DEFINITIONS]
        == list(KPI_KEYS)
        == [
            REVIEW_LEAD_TIME,
            FIRST_PASS_REVIEW_RATE,
            PLAN_SIGN_OFF_TIME,
            ON_TIME_TASK_RATE,
            RESPONSIBILITY_COVERAGE,
            RISKS_RESOLVED_ON_TIME_RATE,
            FIRST_PASS_ACCEPTANCE_RATE,
            CYCLE_TIME,
            CUSTOMER_SATISFACTION,
        ]
    )
    assert {(d.key, d.unit, d.better) for d in KPI_DEFINITIONS if d.unit == "working_days"} == {
        (REVIEW_LEAD_TIME, "working_days", "lower"),
        (PLAN_SIGN_OFF_TIME, "working_days", "lower"),
        (CYCLE_TIME, "working_days", "lower"),
    }
    assert all(d.better == "higher" for d in KPI_DEFINITIONS if d.unit == "percent")
    with translation.override("en"):
        assert all(str(d.label) and len(str(d.how_computed)) > 40 for d in KPI_DEFINITIONS)


def test_it_measures_a_department_with_its_sub_departments_and_without_its_sibling(data):
    kpis = kpis_for(department_ids={data.sales.pk}, start=START, end=END)

    # A 4 (returned once), B 1, F 5: mean 10/3, median 4; first pass: B and F.
    assert kpis[REVIEW_LEAD_TIME] == duration(10 / 3, 4.0, 3)
    # Returns decided in the period: A's (goal) and G's second (information missing); G's
    # first (09-21) and C2's (baseline) are outside, H's is tech's.
    assert kpis[FIRST_PASS_REVIEW_RATE] == rate(
        2,
        3,
        return_reasons=(
            ReasonCount("goal_not_measurable", 1),
            ReasonCount("information_missing", 1),
        ),
    )
    assert kpis[FIRST_PASS_REVIEW_RATE].return_count == 2
    # P1 5 (from v1's first sending), P2 2, A 1: mean 8/3, median 2.
    assert kpis[PLAN_SIGN_OFF_TIME] == duration(8 / 3, 2.0, 3)
    # t1 on time, t3 late (planned date), y1 on time (led by east in tech's case).
    assert kpis[ON_TIME_TASK_RATE] == rate(2, 3)
    # X: t1 ✓, t3 ✓, t5 ✓, t6 ✗ (blank standard), t8 ✗ (no owner); Y: y1 ✓; U: u1 ✓.
    # Z closed before the period, V started after it, W and the cancelled case never executed.
    assert kpis[RESPONSIBILITY_COVERAGE] == rate(5, 7)
    # r1 on time, r2 late (a day late in Shanghai), r7 on time.
    assert kpis[RISKS_RESOLVED_ON_TIME_RATE] == rate(2, 3)
    # K1 first time, K2 after a rework round.
    assert kpis[FIRST_PASS_ACCEPTANCE_RATE] == rate(1, 2)
    # K1 22 (from the first submission, not the overwritten submitted_at), K2 14.
    assert kpis[CYCLE_TIME] == duration(18.0, 18.0, 2)


def test_the_whole_company_counts_every_department(data):
    kpis = kpis_for(department_ids=None, start=START, end=END)

    # + E 2 and K5 0 (tech): 4, 1, 5, 2, 0: mean 12/5, median 2; first pass 4 of 5.
    assert kpis[REVIEW_LEAD_TIME] == duration(12 / 5, 2.0, 5)
    assert kpis[FIRST_PASS_REVIEW_RATE] == rate(
        4,
        5,
        return_reasons=(
            ReasonCount("goal_not_measurable", 1),
            ReasonCount("receiver_unclear", 1),
            ReasonCount("information_missing", 1),
        ),
    )
    # + P5 1: 5, 2, 1, 1: mean 9/4, median 1.5.
    assert kpis[PLAN_SIGN_OFF_TIME] == duration(9 / 4, 1.5, 4)
    # + t2 late, y2 on time: t1, y1, y2 of five.
    assert kpis[ON_TIME_TASK_RATE] == rate(3, 5)
    # + t2 ✓, y2 ✗ (no start date).
    assert kpis[RESPONSIBILITY_COVERAGE] == rate(6, 9)
    # + r5 on time.
    assert kpis[RISKS_RESOLVED_ON_TIME_RATE] == rate(3, 4)
    # + K5 first time: 22, 14, 4: mean 40/3, median 14.
    assert kpis[FIRST_PASS_ACCEPTANCE_RATE] == rate(2, 3)
    assert kpis[CYCLE_TIME] == duration(40 / 3, 14.0, 3)


def test_the_sibling_alone(data):
    kpis = kpis_for(department_ids={data.tech.pk}, start=START, end=END)

    assert kpis[REVIEW_LEAD_TIME] == duration(1.0, 1.0, 2)  # E 2, K5 0
    assert kpis[FIRST_PASS_REVIEW_RATE].return_reasons == (ReasonCount("receiver_unclear", 1),)
    assert kpis[ON_TIME_TASK_RATE] == rate(1, 2)  # t2 late, y2 on time
    assert kpis[RESPONSIBILITY_COVERAGE] == rate(1, 2)  # t2 ✓, y2 ✗
    assert kpis[CYCLE_TIME] == duration(4.0, 4.0, 1)  # K5


def test_nothing_to_measure_gives_no_value(data):
    empty = kpis_for(department_ids={data.empty.pk}, start=START, end=END)
    assert empty == {
        REVIEW_LEAD_TIME: NOTHING_TIMED,
        FIRST_PASS_REVIEW_RATE: NOTHING_COUNTED,
        PLAN_SIGN_OFF_TIME: NOTHING_TIMED,
        ON_TIME_TASK_RATE: NOTHING_COUNTED,
        RESPONSIBILITY_COVERAGE: NOTHING_COUNTED,
        RISKS_RESOLVED_ON_TIME_RATE: NOTHING_COUNTED,
        FIRST_PASS_ACCEPTANCE_RATE: NOTHING_COUNTED,
        CYCLE_TIME: NOTHING_TIMED,
        CUSTOMER_SATISFACTION: NOTHING_TIMED,
    }
    assert kpis_for(department_ids=set(), start=START, end=END) == empty
    long_ago = kpis_for(department_ids=None, start=on(1, 1, year=2024), end=on(1, 31, year=2024))
    assert long_ago == empty


def test_the_period_holds_both_of_its_days_and_nothing_beyond(data):
    # The last day alone: B (approved 10-12 23:30) is in, D (10-13 00:30) is not.
    last_day = kpis_for(department_ids={data.sales.pk}, start=END, end=END)
    assert last_day[REVIEW_LEAD_TIME] == duration(1.0, 1.0, 1)
    # The first day alone: F (approved 09-22 09:00); U, archived that morning, still counts
    # for coverage with X (X 3 of 5, u1 ✓).
    first_day = kpis_for(department_ids={data.sales.pk}, start=START, end=START)
    assert first_day[REVIEW_LEAD_TIME] == duration(5.0, 5.0, 1)
    assert first_day[RESPONSIBILITY_COVERAGE] == rate(4, 6)
    # The day before: C approved, t6 done late, r3 resolved late, K4 accepted, P4 signed, Z
    # archived that evening (z1 ✓ with X's 3 of 5 and U's u1 ✓).
    day_before = kpis_for(department_ids={data.sales.pk}, start=on(9, 21), end=on(9, 21))
    assert day_before[REVIEW_LEAD_TIME] == duration(2.0, 2.0, 1)
    assert day_before[ON_TIME_TASK_RATE] == rate(0, 1)
    assert day_before[RISKS_RESOLVED_ON_TIME_RATE] == rate(0, 1)
    assert day_before[CYCLE_TIME] == duration(29.0, 29.0, 1)
    assert day_before[PLAN_SIGN_OFF_TIME] == duration(0.0, 0.0, 1)
    assert day_before[RESPONSIBILITY_COVERAGE] == rate(5, 7)
    # The day after: D approved (Thu 10-09 → 10-13: 10-10, 10-11 make-up, 10-13 = 3 days),
    # t5 done a day late (due 10-12), r6 resolved on time, K3 accepted first time, V starts
    # executing (v1 has no standard): X 3 of 5, Y's y1 ✓, V's v1 ✗; U is archived.
    day_after = kpis_for(department_ids={data.sales.pk}, start=on(10, 13), end=on(10, 13))
    assert day_after[REVIEW_LEAD_TIME] == duration(3.0, 3.0, 1)
    assert day_after[ON_TIME_TASK_RATE] == rate(0, 1)
    assert day_after[RISKS_RESOLVED_ON_TIME_RATE] == rate(1, 1)
    assert day_after[FIRST_PASS_ACCEPTANCE_RATE] == rate(1, 1)
    assert day_after[RESPONSIBILITY_COVERAGE] == rate(4, 7)


def test_the_trend_counts_each_iso_week_like_the_week_on_its_own(data):
    trend = kpi_trend(department_ids={data.sales.pk}, last_week_end=END)

    assert list(trend) == list(KPI_KEYS)
    weeks = [(year, week) for year, week, _value in trend[REVIEW_LEAD_TIME]]
    assert weeks == [(2025, week) for week in range(30, 42)]
    for key, entries in trend.items():
        for year, week, value in entries:
            monday = datetime.date.fromisocalendar(year, week, 1)
            alone = kpis_for(
                department_ids={data.sales.pk},
                start=monday,
                end=monday + datetime.timedelta(days=6),
            )
            assert value == alone[key], (key, week)

    def week(key, number):
        return next(value for _y, w, value in trend[key] if w == number)

    # W39 (09-22..28): F 5 approved; A returned; r1 on time, r2 late; X 3/5 and U 1/1.
    assert week(REVIEW_LEAD_TIME, 39) == duration(5.0, 5.0, 1)
    assert week(RISKS_RESOLVED_ON_TIME_RATE, 39) == rate(1, 2)
    assert week(RESPONSIBILITY_COVERAGE, 39) == rate(4, 6)
    assert week(ON_TIME_TASK_RATE, 39).value is None
    # W40 (09-29..10-05, mostly holiday): t1 on time; K1 accepted after 22 days; X alone.
    assert week(ON_TIME_TASK_RATE, 40) == rate(1, 1)
    assert week(CYCLE_TIME, 40) == duration(22.0, 22.0, 1)
    assert week(RESPONSIBILITY_COVERAGE, 40) == rate(3, 5)
    assert week(REVIEW_LEAD_TIME, 40).value is None
    # W41 (10-06..12): A 4 and B 1; plans 5, 2, 1; t3 late, y1 on time; K2 after rework.
    assert week(REVIEW_LEAD_TIME, 41) == duration(2.5, 2.5, 2)
    assert week(PLAN_SIGN_OFF_TIME, 41) == duration(8 / 3, 2.0, 3)
    assert week(ON_TIME_TASK_RATE, 41) == rate(1, 2)
    assert week(FIRST_PASS_ACCEPTANCE_RATE, 41) == rate(0, 1)
    assert week(RESPONSIBILITY_COVERAGE, 41) == rate(4, 6)
    # W31: the cases registered on 2025-08-01, submitted 09:00 and approved 10:00 (0 days).
    assert week(REVIEW_LEAD_TIME, 31).value == 0.0
    assert week(REVIEW_LEAD_TIME, 31).sample_size == 11


def test_a_short_trend_ends_with_the_week_holding_its_last_day(data):
    trend = kpi_trend(department_ids={data.sales.pk}, last_week_end=on(10, 8), weeks=2)
    assert [(y, w) for y, w, _v in trend[CYCLE_TIME]] == [(2025, 40), (2025, 41)]
    with pytest.raises(ValueError):
        kpi_trend(department_ids=None, last_week_end=END, weeks=0)


def test_a_period_compares_with_its_baseline(data):
    comparison = kpi_compare(department_ids={data.sales.pk}, period=(START, END), baseline=BASELINE)

    # Cycle time: 18 against K4's 29: 11/29 = 37.9% shorter, past the manual's 30%.
    cycle = comparison[CYCLE_TIME]
    assert (cycle.current.value, cycle.baseline.value) == (18.0, 29.0)
    assert cycle.relative_change == pytest.approx(-11 / 29)
    assert cycle.improved is True
    # Lead time: 10/3 against C 2, C2 2 and K2 0 (4/3): 2.5 times as long, worse.
    lead = comparison[REVIEW_LEAD_TIME]
    assert lead.baseline == duration(4 / 3, 2.0, 3)
    assert lead.relative_change == pytest.approx(1.5)
    assert lead.improved is False
    # First pass: 2 of 3 both times (C2 was returned): no change is no improvement. The
    # baseline's returns: C2's (other) and G's first (deadline, 09-21).
    review = comparison[FIRST_PASS_REVIEW_RATE]
    assert review.baseline == rate(
        2,
        3,
        return_reasons=(
            ReasonCount("deadline_unreasonable", 1),
            ReasonCount("other", 1),
        ),
    )
    assert (review.relative_change, review.improved) == (0.0, False)
    # On time: 2 of 3 against 1 of 3 (z1 on time; u1 and t6 late): doubled.
    on_time = comparison[ON_TIME_TASK_RATE]
    assert on_time.baseline == rate(1, 3)
    assert on_time.relative_change == pytest.approx(1.0)
    assert on_time.improved is True
    # Plan sign-off: P4 took 0 days, so no relative change; 8/3 days is worse than 0.
    plan = comparison[PLAN_SIGN_OFF_TIME]
    assert (plan.baseline.value, plan.relative_change, plan.improved) == (0.0, None, False)
    # Acceptance: K4 first time (100%) against 50%.
    accepted = comparison[FIRST_PASS_ACCEPTANCE_RATE]
    assert (accepted.relative_change, accepted.improved) == (-0.5, False)
    # Risks: r3 late (0%) against 2 of 3: no relative change from 0, but better.
    risk_rate = comparison[RISKS_RESOLVED_ON_TIME_RATE]
    assert (risk_rate.baseline, risk_rate.relative_change, risk_rate.improved) == (
        rate(0, 1),
        None,
        True,
    )


@pytest.mark.parametrize(
    ("period", "baseline"),
    [
        ((START, END), BASELINE),
        ((START, END), (START - 70 * WEEK, START - 68 * WEEK)),
        ((END, END), (START, START)),
    ],
)
def test_the_dashboards_one_read_gives_what_the_separate_questions_give(data, period, baseline):
    """Trend and comparison from one read of the events (close windows) or three (a baseline
    far back) answer exactly as kpi_trend and kpi_compare do, in fewer queries."""
    asked = {"department_ids": {data.sales.pk}}
    with CaptureQueriesContext(connection) as apart:
        trend = kpi_trend(**asked, last_week_end=END)
        compared = kpi_compare(**asked, period=period, baseline=baseline)
    with CaptureQueriesContext(connection) as together:
        both = kpi_trend_and_compare(**asked, last_week_end=END, period=period, baseline=baseline)
    assert both == (trend, compared)
    far_apart = baseline[0] < START - 60 * WEEK
    assert (len(together) < len(apart)) is not far_apart


def test_a_comparison_with_nothing_in_one_period_says_nothing(data):
    comparison = kpi_compare(
        department_ids={data.sales.pk},
        period=(START, END),
        baseline=(on(1, 1, year=2024), on(1, 31, year=2024)),
    )
    assert all(c.relative_change is None and c.improved is None for c in comparison.values())
    assert comparison[CYCLE_TIME].current == duration(18.0, 18.0, 2)


# The retrospective's rule (acceptance_app.metrics), which the KPI counts in SQL: (planned
# due, current due, finished at, on time?).
ON_TIME_CASES = [
    (on(10, 10), on(10, 10), at(10, 10, 23, 30), True),  # late evening of the due day
    (on(10, 10), on(10, 10), at(10, 11, 0, 30), False),  # just after midnight in Shanghai
    (None, on(10, 10), at(10, 10), True),  # added after publishing: its current due date
    (None, on(10, 9), at(10, 10), False),
    (None, None, at(10, 10), True),  # no due date at all
    (on(10, 8), on(10, 12), at(10, 10), False),  # moved later: still late against the plan
    (on(10, 12), on(10, 8), at(10, 10), True),  # moved earlier: on time against the plan
]


def test_the_on_time_rule_is_the_retrospectives(org):
    case = executing_since(case_of(org.sales_staff), at(9, 1))
    for planned_due, due, finished, _on_time in ON_TIME_CASES:
        TaskFactory(
            request=case,
            planned_due_on=planned_due,
            due_on=due,
            status=Task.Status.DONE,
            completed_at=finished,
        )
    tasks = Task.objects.filter(request=case).values(
        "planned_due_on", "due_on", "status", "completed_at"
    )
    assert [_is_done_on_time(task) for task in tasks.order_by("pk")] == [
        on_time for *_dates, on_time in ON_TIME_CASES
    ]

    counted = kpis_for(department_ids=None, start=on(10, 6), end=on(10, 12))
    assert counted[ON_TIME_TASK_RATE] == rate(4, 7)


# ---------------------------------------------------------------------------------------------
# A constant number of queries


def _complete_case(org, number: int) -> None:
    """A case through every KPI, in the period: returned once, approved, plan signed, two
    tasks done, a risk resolved, a delivery sent back and the next accepted."""
    staff = org.sales_staff if number % 2 else org.east_staff
    case = case_of(
        staff,
        stage=Stage.RETROSPECTIVE,
        submitted=at(9, 22),
        returns=((at(9, 23), "other", at(9, 24)),),
        approved=at(9, 25),
    )
    PlanFactory(request=case, proposed_at=at(9, 26), confirmed_at=at(9, 29))
    executing_since(case, at(9, 30))
    parent = TaskFactory(request=case, status=Task.Status.DONE, completed_at=at(10, 9))
    for due in (on(10, 9), on(10, 10)):
        TaskFactory(
            request=case,
            parent=parent,
            planned_due_on=due,
            status=Task.Status.DONE,
            completed_at=at(10, 10),
        )
    RiskFactory(request=case, deadline=on(10, 9), resolved_at=at(10, 10), state="closed")
    DeliveryFactory(request=case, version=1, state="rejected", decided_at=at(10, 10))
    DeliveryFactory(request=case, version=2, decided_at=at(10, 11))


def _queries(function, **arguments) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        answer = function(**arguments)
    return len(queries), answer


@pytest.mark.parametrize("department", ["sales", None])
def test_the_queries_do_not_grow_with_the_data(org, department):
    scope = {org.sales.pk} if department else None
    calls = [
        (kpis_for, {"department_ids": scope, "start": START, "end": END}),
        (kpi_trend, {"department_ids": scope, "last_week_end": END}),
        (kpi_compare, {"department_ids": scope, "period": (START, END), "baseline": BASELINE}),
    ]
    for number in range(3):
        _complete_case(org, number)
    few = [_queries(function, **arguments) for function, arguments in calls]
    for number in range(3, 18):
        _complete_case(org, number)
    many = [_queries(function, **arguments) for function, arguments in calls]

    assert [count for count, _answer in few] == [count for count, _answer in many]
    # One query per kind of event (8: approvals, returns, plans, finished tasks, cases that
    # may be in execution, risks, acceptances, customers' scores), one for those cases'
    # timelines, one for the assignments of their tasks, the calendar, and the department tree
    # and its cases when scoped. The baseline holds no case at all: neither timelines nor tasks
    # to ask about.
    tree = 2 if scope else 0
    assert [count for count, _answer in many] == [11 + tree, 11 + tree, 20 + tree]
    kpis = many[0][1]
    assert kpis[FIRST_PASS_REVIEW_RATE] == rate(0, 18, return_reasons=(ReasonCount("other", 18),))
    # Mon 09-22 → Thu 09-25: 3 days; → accepted Sat 10-11 (make-up): 23–26 (4), 28 (1),
    # 29–30 (2), 10-09, 10-10, 10-11 (3) = 10.
    assert kpis[REVIEW_LEAD_TIME] == duration(3.0, 3.0, 18)
    assert kpis[CYCLE_TIME] == duration(10.0, 10.0, 18)
    assert kpis[ON_TIME_TASK_RATE] == rate(18, 36)
    assert kpis[RESPONSIBILITY_COVERAGE] == rate(36, 36)


# ---------------------------------------------------------------------------------------------
# What the services record


@pytest.fixture
def pending(company, draft):
    """Overrides the shared fixture: returned once (the goal), then resubmitted; the shared
    ``syncing`` fixture approves it in round 2."""
    request_services.request_submit(actor=company.sales_staff, request=draft)
    request_services.request_return(
        actor=company.sales_head,
        request=draft,
        reason_code="goal_not_measurable",
        comment="目标请量化",
    )
    request_services.request_submit(actor=company.sales_staff, request=draft)
    draft.refresh_from_db()
    return draft


# Every change of the case's stage, in order, and when it happened.
STORY = [
    ("draft", "pending_review", at(9, 26, 10)),
    ("pending_review", "returned", at(9, 26, 15)),
    ("returned", "pending_review", at(9, 29, 9)),
    ("pending_review", "syncing", at(10, 9, 10)),
    ("syncing", "planning", at(10, 9, 12)),
    ("planning", "breakdown", at(10, 10, 11)),
    ("breakdown", "executing", at(10, 10, 16)),
    ("executing", "accepting", at(10, 20)),  # v1
    ("accepting", "executing", at(10, 21)),  # v1 sent back
    ("executing", "accepting", at(10, 23)),  # v2
    ("accepting", "retrospective", at(10, 24)),  # v2 accepted
]


@pytest.fixture
def story_case(company, executing):
    """The shared case (sales asks tech) taken through the services to its acceptance, then
    every moment pinned to the story of STORY."""
    case, coordinator = executing, company.tech_staff
    risk = risks.risk_raise(
        actor=coordinator,
        request=case,
        data=RiskData(
            description="客户接口文档延迟",
            category="external_delay",
            impact="medium",
            likelihood="medium",
            measures="每日跟进",
            deadline=day(5),
            owner=coordinator,
        ),
    )
    risks.risk_resolve(actor=coordinator, risk=risk, resolution="已提供", evidence="邮件")
    finish_all_tasks(case)
    acceptance.delivery_item_add(
        actor=coordinator, request=case, data=ItemData(task=leaf(case, "问卷设计"), name="问卷")
    )
    first = case.deliveries.get(version=1)
    acceptance.delivery_submit(actor=coordinator, delivery=first)
    acceptance.acceptance_decide(
        actor=company.sales_staff, delivery=first, verdicts=first_fails(first)
    )
    tasks.task_complete(actor=company.tech_head, task=leaf(case, "问卷设计"))
    second = acceptance.delivery_new_version(actor=coordinator, request=case)
    acceptance.delivery_submit(actor=coordinator, delivery=second, changes="补齐题目")
    acceptance.acceptance_decide(
        actor=company.sales_staff, delivery=second, verdicts=all_pass(second)
    )

    stages = Case.Stage.values
    changes = Activity.objects.filter(
        subject_type=ContentType.objects.get_for_model(Case),
        subject_id=str(case.pk),
        from_state__in=stages,
        to_state__in=stages,
    ).order_by("pk")
    assert [(a.from_state, a.to_state) for a in changes] == [(f, t) for f, t, _ in STORY]
    for activity, (_from, _to, when) in zip(changes, STORY, strict=True):
        Activity.objects.filter(pk=activity.pk).update(created_at=when)
    Case.objects.filter(pk=case.pk).update(submitted_at=at(9, 29, 9), approved_at=at(10, 9, 10))
    Review.objects.filter(request=case, round=1).update(decided_at=at(9, 26, 15))
    Review.objects.filter(request=case, round=2).update(decided_at=at(10, 9, 10))
    CollabPlan.objects.filter(request=case).update(
        proposed_at=at(10, 9, 15), confirmed_at=at(10, 10, 11)
    )
    for name, planned_due, completed in (
        ("问卷设计", on(10, 13), at(10, 22)),  # late (reworked)
        ("客户访谈", on(10, 17), at(10, 16)),
        ("方案反馈", on(10, 20), at(10, 20, 17)),
    ):
        Task.objects.filter(request=case, name=name).update(
            planned_start_on=on(10, 10),
            start_on=on(10, 10),
            planned_due_on=planned_due,
            due_on=planned_due,
            completed_at=completed,
        )
    Risk.objects.filter(pk=risk.pk).update(deadline=on(10, 15), resolved_at=at(10, 14))
    case.deliveries.filter(version=1).update(submitted_at=at(10, 20), decided_at=at(10, 21))
    case.deliveries.filter(version=2).update(submitted_at=at(10, 23), decided_at=at(10, 24))
    return Case.objects.get(pk=case.pk)


def test_it_reads_what_the_services_record(company, story_case):
    period = {"start": on(9, 1), "end": on(10, 31)}
    sales = kpis_for(department_ids={company.sales.pk}, **period)
    # Fri 09-26 → Thu 10-09: 09-28 (make-up Sunday), 09-29, 09-30, 10-09 = 4 days.
    assert sales[REVIEW_LEAD_TIME] == duration(4.0, 4.0, 1)
    assert sales[FIRST_PASS_REVIEW_RATE] == rate(
        0, 1, return_reasons=(ReasonCount("goal_not_measurable", 1),)
    )
    assert sales[PLAN_SIGN_OFF_TIME] == duration(1.0, 1.0, 1)  # Thu 10-09 → Fri 10-10
    assert sales[RISKS_RESOLVED_ON_TIME_RATE] == rate(1, 1)
    assert sales[FIRST_PASS_ACCEPTANCE_RATE] == rate(0, 1)
    # → Fri 10-24: 28, 29, 30 (3), 10-09, 10, 11 make-up (3), 13–17 (5), 20–24 (5) = 16.
    assert sales[CYCLE_TIME] == duration(16.0, 16.0, 1)
    # The tasks are led by tech: none is sales'.
    assert sales[ON_TIME_TASK_RATE] == NOTHING_COUNTED
    assert sales[RESPONSIBILITY_COVERAGE] == NOTHING_COUNTED
    tech = kpis_for(department_ids={company.tech.pk}, **period)
    # 问卷设计 late after its rework; 客户访谈 and 方案反馈 on time; all three fully assigned.
    assert tech[ON_TIME_TASK_RATE] == rate(2, 3)
    assert tech[RESPONSIBILITY_COVERAGE] == rate(3, 3)

    # The cycle time is the registration lead time plus the retrospective's actual duration
    # (approval → acceptance): the same counting, the same end.
    metrics = retrospective_metrics(story_case, today=on(10, 31))
    assert metrics.schedule.actual.working_days == 12
    assert sales[CYCLE_TIME].value == sales[REVIEW_LEAD_TIME].value + 12
    assert metrics.tasks.done_on_time == tech[ON_TIME_TASK_RATE].numerator
