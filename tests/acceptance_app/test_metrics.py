"""The retrospective's figures, computed from a hand-built case whose every answer is known.

The case is built through the services (three returns before the approval, a published WBS,
delays, risks, a delivery sent back once); then every time on it is pinned to March–April 2025
so the durations are exact. The working days follow the PRC calendar: 2025-04-04 (Qingming) is
a day off."""

import datetime
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from acceptance_app import services as acceptance_services
from acceptance_app.metrics import (
    AcceptanceFigures,
    AcceptanceRound,
    DelayedTask,
    DelayReason,
    FailedItem,
    ReasonCount,
    RetrospectiveMetrics,
    ReviewFigures,
    RiskFigures,
    Schedule,
    Span,
    StageDuration,
    TaskFigures,
    retrospective_metrics,
)
from acceptance_app.services import ItemData, Verdict
from cases.models import Case
from collab_portal.activity.models import Activity
from requests_app import services as request_services
from requests_app.models import Milestone
from risks_app import services as risk_services
from risks_app.models import Risk
from risks_app.services import RiskData
from tasks_app import services as task_services
from tasks_app.models import Task, TaskDateChange
from tests.fixtures.execution import day

TODAY = datetime.date(2025, 4, 15)
RETURN_REASONS = ["goal_not_measurable", "goal_not_measurable", "information_missing"]


def on(month: int, day_of_month: int) -> datetime.date:
    return datetime.date(2025, month, day_of_month)


def at(month: int, day_of_month: int, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2025, month, day_of_month, hour))


# Every change of the case's stage, in order, and when it happened.
TIMELINE = [
    ("draft", "pending_review", at(3, 3)),
    ("pending_review", "returned", at(3, 4)),
    ("returned", "pending_review", at(3, 4, 15)),
    ("pending_review", "returned", at(3, 5)),
    ("returned", "pending_review", at(3, 5, 15)),
    ("pending_review", "returned", at(3, 6)),
    ("returned", "pending_review", at(3, 6, 15)),
    ("pending_review", "syncing", at(3, 7)),  # approved (round 4)
    ("syncing", "planning", at(3, 10)),
    ("planning", "breakdown", at(3, 12)),
    ("breakdown", "executing", at(3, 14)),
    ("executing", "accepting", at(3, 28)),  # v1
    ("accepting", "executing", at(4, 1)),  # v1 sent back
    ("executing", "accepting", at(4, 8)),  # v2
    ("accepting", "retrospective", at(4, 10)),  # v2 accepted
]


@pytest.fixture
def pending(company, draft):
    """Overrides the shared fixture: the head returns the request three times (the goal twice,
    missing information once); the shared ``syncing`` fixture then approves it in round 4."""
    for reason in RETURN_REASONS:
        request_services.request_submit(actor=company.sales_staff, request=draft)
        request_services.request_return(
            actor=company.sales_head, request=draft, reason_code=reason, comment="请修改后重新提交"
        )
    request_services.request_submit(actor=company.sales_staff, request=draft)
    draft.refresh_from_db()
    return draft


def _risk(company, description: str) -> RiskData:
    return RiskData(
        description=description,
        category="external_delay",
        impact="medium",
        likelihood="medium",
        measures="与客户方协商",
        deadline=day(7),
        owner=company.tech_staff,
    )


def _execute(company, case, tasks: dict[str, Task]) -> dict[str, Risk]:
    """Stage 4: tasks finished, one rescheduled, two reported delayed; three risks."""
    coordinator = company.tech_staff
    task_services.task_complete(actor=coordinator, task=tasks["survey"])
    task_services.task_change_due(
        actor=coordinator, task=tasks["interviews"], new_due=day(12), reason="客户临时出差"
    )
    task_services.task_complete(actor=coordinator, task=tasks["interviews"])
    task_services.task_complete(actor=coordinator, task=tasks["feedback"])
    task_services.task_report_delay(
        actor=coordinator, task=tasks["report"], reason="等待客户数据", new_date=day(27)
    )
    task_services.task_resume(actor=coordinator, task=tasks["report"])
    task_services.task_complete(actor=coordinator, task=tasks["report"])
    task_services.task_report_delay(
        actor=coordinator, task=tasks["follow_up"], reason="客户系统未就绪", new_date=day(28)
    )

    resolved = risk_services.risk_raise(
        actor=coordinator, request=case, data=_risk(company, "客户接口文档延迟提供")
    )
    risk_services.risk_resolve(
        actor=coordinator, risk=resolved, resolution="客户已提供", evidence="邮件"
    )
    risk_services.risk_close(actor=coordinator, risk=resolved)
    escalated = risk_services.risk_raise(
        actor=coordinator, request=case, data=_risk(company, "访谈人手不足")
    )
    risk_services.risk_escalate(actor=coordinator, risk=escalated, comment="需要协调人手")
    risk_services.risk_instruct(
        actor=company.leader, risk=escalated, decision="add_resources", text="借调 1 人"
    )
    risk_services.risk_resolve(
        actor=coordinator, risk=escalated, resolution="已借调", evidence="排班表"
    )
    still_open = risk_services.risk_raise(
        actor=coordinator, request=case, data=_risk(company, "上线环境未就绪")
    )
    return {"resolved": resolved, "escalated": escalated, "open": still_open}


def _accept_in_two_rounds(company, case, tasks: dict[str, Task]) -> None:
    """Stage 5: v1 (3 items) sent back with 2 items failed; v2 (4 items) accepted."""
    coordinator, initiator = company.tech_staff, company.sales_staff
    for task, name in (
        (tasks["survey"], "调研问卷"),
        (tasks["interviews"], "访谈纪要"),
        (tasks["feedback"], "方案反馈报告"),
    ):
        acceptance_services.delivery_item_add(
            actor=coordinator, request=case, data=ItemData(task=task, name=name)
        )
    first = case.deliveries.get(version=1)
    acceptance_services.delivery_submit(actor=coordinator, delivery=first, summary="请验收")
    survey_item, interviews_item, feedback_item = first.items.all()
    acceptance_services.acceptance_decide(
        actor=initiator,
        delivery=first,
        verdicts={
            survey_item.pk: Verdict(passed=True),
            interviews_item.pk: Verdict(passed=False, comment="缺少 3 家客户的访谈记录"),
            feedback_item.pk: Verdict(passed=False, comment="未按模板编写"),
        },
    )
    task_services.task_complete(actor=coordinator, task=tasks["interviews"])
    task_services.task_complete(actor=coordinator, task=tasks["feedback"])
    acceptance_services.delivery_item_add(
        actor=coordinator, request=case, data=ItemData(task=tasks["report"], name="调研报告")
    )
    second = case.deliveries.get(version=2)
    acceptance_services.delivery_submit(
        actor=coordinator, delivery=second, summary="已返工", changes="补充访谈记录，重写报告"
    )
    acceptance_services.acceptance_decide(
        actor=initiator,
        delivery=second,
        verdicts={item.pk: Verdict(passed=True) for item in second.items.all()},
    )


def _pin_the_times(case, tasks: dict[str, Task], risks: dict[str, Risk]) -> None:
    """Every date and time on the case, set to the known story of March–April 2025."""
    Case.objects.filter(pk=case.pk).update(
        created_at=at(3, 3, 9), approved_at=at(3, 7), expected_deadline=on(4, 4)
    )
    Milestone.objects.filter(plan__request=case).update(due_on=on(4, 3))
    stages = Case.Stage.values
    changes = list(
        Activity.objects.filter(
            subject_type=ContentType.objects.get_for_model(Case),
            subject_id=str(case.pk),
            from_state__in=stages,
            to_state__in=stages,
        ).order_by("pk")
    )
    assert [(a.from_state, a.to_state) for a in changes] == [(f, t) for f, t, _ in TIMELINE]
    for activity, (_from, _to, when) in zip(changes, TIMELINE, strict=True):
        Activity.objects.filter(pk=activity.pk).update(created_at=when)

    dates = {
        # name: planned start, planned due, current due, finished at
        "research": (on(3, 14), on(3, 24), on(3, 26), None),
        "survey": (on(3, 14), on(3, 17), on(3, 17), at(3, 17, 17)),
        "interviews": (on(3, 18), on(3, 24), on(3, 26), at(3, 27, 17)),
        "feedback": (on(3, 25), on(3, 28), on(3, 28), at(3, 27, 17)),
        "report": (on(3, 20), on(3, 28), on(3, 28), at(3, 28, 17)),
        "follow_up": (on(3, 25), on(3, 28), on(3, 28), None),
    }
    for name, (start, planned_due, due, finished) in dates.items():
        Task.objects.filter(pk=tasks[name].pk).update(
            planned_start_on=start,
            planned_due_on=planned_due,
            start_on=start,
            due_on=due,
            completed_at=finished,
        )
    TaskDateChange.objects.filter(task=tasks["interviews"]).update(
        old_due_on=on(3, 24), new_due_on=on(3, 26), changed_at=at(3, 21)
    )
    Task.history.filter(id=tasks["report"].pk, status="delayed").update(
        history_date=at(3, 24), expected_done_on=on(3, 28)
    )
    Task.history.filter(id=tasks["follow_up"].pk, status="delayed").update(
        history_date=at(3, 27), expected_done_on=on(4, 18)
    )

    Risk.objects.filter(pk=risks["resolved"].pk).update(
        deadline=on(3, 21), resolved_at=at(3, 20, 16)
    )
    Risk.objects.filter(pk=risks["escalated"].pk).update(
        deadline=on(3, 25), escalated_at=at(3, 19), resolved_at=at(3, 27, 16)
    )
    Risk.objects.filter(pk=risks["open"].pk).update(deadline=on(4, 12))
    case.deliveries.filter(version=1).update(submitted_at=at(3, 28), decided_at=at(4, 1))
    case.deliveries.filter(version=2).update(submitted_at=at(4, 8), decided_at=at(4, 10))


@pytest.fixture
def retrospective_case(company, breakdown, add_task):
    """The hand-built case, accepted on 2025-04-10 and waiting for its retrospective.

    WBS: 1 需求调研 (1.1 问卷设计, 1.2 客户访谈), 2 方案反馈 (key), 3 报告撰写, 4 上线回访."""
    case = breakdown
    research = add_task(case, "需求调研", start_on=day(0), due_on=day(20))
    tasks = {
        "research": research,
        "survey": add_task(case, "问卷设计", parent=research, start_on=day(0), due_on=day(4)),
        "interviews": add_task(case, "客户访谈", parent=research, start_on=day(5), due_on=day(10)),
        "feedback": add_task(case, "方案反馈", start_on=day(11), due_on=day(25), is_key=True),
        "report": add_task(case, "报告撰写", start_on=day(11), due_on=day(25)),
        "follow_up": add_task(case, "上线回访", start_on=day(21), due_on=day(25)),
    }
    task_services.wbs_publish(actor=company.tech_staff, request=case)
    risks = _execute(company, case, tasks)
    _accept_in_two_rounds(company, case, tasks)
    _pin_the_times(case, tasks, risks)
    case.refresh_from_db()
    assert case.stage == "retrospective"
    return case


@pytest.fixture
def metrics(retrospective_case) -> RetrospectiveMetrics:
    return retrospective_metrics(retrospective_case, today=TODAY)


def test_it_measures_the_case_from_the_approval_to_the_acceptance_against_the_plan(metrics):
    # Planned: approval 03-07 → the expected deadline 04-04 (later than the last milestone,
    # 04-03). Actual: → accepted 04-10. Working days after the start, up to the end.
    assert metrics.computed_on == TODAY
    assert metrics.schedule == Schedule(
        planned=Span(start_on=on(3, 7), end_on=on(4, 4), days=28, working_days=19),
        actual=Span(start_on=on(3, 7), end_on=on(4, 10), days=34, working_days=23),
        is_accepted=True,
    )
    assert metrics.schedule.variance_days == 6
    assert metrics.schedule.variance_working_days == 4


def test_it_times_each_stage_of_the_manual_from_the_timeline(metrics):
    def stage(number, entered, left, visits, days, working, planned=None, planned_working=None):
        return StageDuration(
            number=number,
            entered_on=entered,
            left_on=left,
            visits=visits,
            actual_days=days,
            actual_working_days=working,
            planned_days=planned,
            planned_working_days=planned_working,
        )

    assert metrics.stages == (
        stage("1", on(3, 3), on(3, 7), 1, 4, 4),  # three returns, one visit of the stage
        stage("2", on(3, 7), on(3, 12), 1, 5, 3),
        stage("3", on(3, 12), on(3, 14), 1, 2, 2),
        # 03-14 → 03-28 (14 days, 10 working) + 04-01 → 04-08 (7 days, 4 working: 04-04 is
        # Qingming); the plan: earliest planned start 03-14 → latest planned due 03-28.
        stage("4", on(3, 14), on(4, 8), 2, 21, 14, planned=14, planned_working=10),
        stage("5", on(3, 28), on(4, 10), 2, 6, 4),
        stage("6", on(4, 10), None, 1, 5, 3),  # still in it on 04-15
    )
    assert metrics.stages[3].variance_days == 7
    assert metrics.stages[4].variance_days is None


def test_it_counts_review_rounds_and_return_reasons_most_frequent_first(metrics):
    assert metrics.reviews == ReviewFigures(
        rounds=4,
        returns=3,
        return_reasons=(
            ReasonCount(reason_code="goal_not_measurable", count=2),
            ReasonCount(reason_code="information_missing", count=1),
        ),
    )


def test_it_labels_stages_and_reasons_in_the_readers_language(metrics):
    with translation.override("zh-hans"):
        assert metrics.stages[0].label == "需求发起与前置评估"
        assert metrics.reviews.return_reasons[0].label == "目标不可量化"
        assert metrics.acceptance.rounds[1].outcome_label == "验收通过"
    with translation.override("en"):
        assert metrics.stages[3].label == "Tracking and risk control"
        assert metrics.reviews.return_reasons[0].label == "The goal is not measurable"


def test_it_rates_leaf_tasks_on_time_against_their_planned_due_date(metrics):
    # Leaves: 1.1 on time, 1.2 late (finished 03-27, planned 03-24, moved to 03-26: overdue at
    # finish), 2 early, 3 on the day, 4 not done (due 03-28, overdue on 04-15).
    assert metrics.tasks == TaskFigures(
        leaves=5,
        leaves_done=4,
        done_on_time=3,
        overdue_at_finish=1,
        leaves_open=1,
        leaves_open_overdue=1,
    )
    assert metrics.tasks.on_time_rate == 0.75
    assert metrics.tasks.on_time_percent == 75


def test_it_lists_the_delayed_and_rescheduled_tasks_with_their_reasons(metrics):
    assert metrics.delays == (
        DelayedTask(
            wbs_code="1.2",
            name="客户访谈",
            planned_due_on=on(3, 24),
            final_due_on=on(3, 26),
            finished_on=on(3, 27),
            days_late=3,
            reasons=(
                DelayReason(
                    kind="rescheduled", on=on(3, 21), reason="客户临时出差", new_due_on=on(3, 26)
                ),
            ),
        ),
        DelayedTask(
            wbs_code="3",
            name="报告撰写",
            planned_due_on=on(3, 28),
            final_due_on=on(3, 28),
            finished_on=on(3, 28),
            days_late=0,
            reasons=(
                DelayReason(
                    kind="reported", on=on(3, 24), reason="等待客户数据", new_due_on=on(3, 28)
                ),
            ),
        ),
        DelayedTask(
            wbs_code="4",
            name="上线回访",
            planned_due_on=on(3, 28),
            final_due_on=on(3, 28),
            finished_on=None,
            days_late=18,
            reasons=(
                DelayReason(
                    kind="reported", on=on(3, 27), reason="客户系统未就绪", new_due_on=on(4, 18)
                ),
            ),
        ),
    )


def test_it_counts_risks_raised_escalated_and_resolved_by_their_deadline(metrics):
    assert metrics.risks == RiskFigures(
        raised=3, escalated=1, resolved=2, resolved_on_time=1, still_open=1, open_overdue=1
    )


def test_it_counts_acceptance_rounds_and_the_failed_items_of_each(metrics):
    assert metrics.acceptance == AcceptanceFigures(
        rounds=(
            AcceptanceRound(
                version=1,
                submitted_on=on(3, 28),
                decided_on=on(4, 1),
                outcome="rejected",
                items=3,
                failed_items=(
                    FailedItem(name="访谈纪要", comment="缺少 3 家客户的访谈记录"),
                    FailedItem(name="方案反馈报告", comment="未按模板编写"),
                ),
            ),
            AcceptanceRound(
                version=2,
                submitted_on=on(4, 8),
                decided_on=on(4, 10),
                outcome="accepted",
                items=4,
                failed_items=(),
            ),
        ),
        first_pass=False,
    )
    assert metrics.acceptance.round_count == 2
    assert [r.failed_count for r in metrics.acceptance.rounds] == [2, 0]


def test_the_json_form_round_trips_to_the_same_figures(metrics):
    data = metrics.as_json()
    stored = json.loads(json.dumps(data))  # what a JSONField gives back

    assert RetrospectiveMetrics.from_json(stored) == metrics
    assert stored["schedule"]["planned"]["start_on"] == "2025-03-07"
    assert stored["delays"][0]["reasons"][0]["kind"] == "rescheduled"
    assert stored["reviews"]["return_reasons"][0] == {
        "reason_code": "goal_not_measurable",
        "count": 2,
    }


def test_it_refuses_figures_stored_in_an_unknown_format(metrics):
    data = {**metrics.as_json(), "format": 99}
    with pytest.raises(ValueError, match="format 99"):
        RetrospectiveMetrics.from_json(data)


def test_a_case_still_in_review_has_figures_without_a_schedule(company, draft):
    request_services.request_submit(actor=company.sales_staff, request=draft)
    draft.refresh_from_db()
    today = timezone.localdate()

    metrics = retrospective_metrics(draft, today=today)

    assert metrics.schedule.planned.days is None
    assert metrics.schedule.actual.days is None
    assert metrics.schedule.is_accepted is False
    assert metrics.stages[0].entered_on == today
    assert metrics.stages[0].left_on is None
    assert metrics.stages[0].actual_days == 0
    assert [s.visits for s in metrics.stages[1:]] == [0, 0, 0, 0, 0]
    assert metrics.reviews == ReviewFigures(rounds=0, returns=0, return_reasons=())
    assert metrics.tasks.on_time_rate is None
    assert metrics.acceptance == AcceptanceFigures(rounds=(), first_pass=None)
    assert RetrospectiveMetrics.from_json(metrics.as_json()) == metrics


def _add_tasks_and_risks(company, case, count: int, start: int) -> None:
    tasks = Task.objects.bulk_create(
        Task(
            request=case,
            name=f"任务{n}",
            wbs_code=str(n),
            position=n,
            owner=company.tech_staff,
            planned_start_on=on(3, 14),
            planned_due_on=on(3, 20),
            start_on=on(3, 14),
            due_on=on(3, 20 + n % 3),
            status="done" if n % 2 else "delayed",
            status_reason="" if n % 2 else "等待资源",
            completed_at=at(3, 19 + n % 4) if n % 2 else None,
        )
        for n in range(start, start + count)
    )
    TaskDateChange.objects.bulk_create(
        TaskDateChange(
            task=task,
            old_due_on=on(3, 20),
            new_due_on=task.due_on,
            reason="顺延",
            changed_by=company.tech_staff,
        )
        for task in tasks
    )
    Risk.objects.bulk_create(
        Risk(
            request=case,
            number=n,
            description=f"风险{n}",
            category="other",
            impact="low",
            likelihood="low",
            measures="观察",
            deadline=on(3, 25),
            owner=company.tech_staff,
            raised_by=company.tech_staff,
            state="resolved" if n % 2 else "open",
            resolved_at=at(3, 24) if n % 2 else None,
        )
        for n in range(start, start + count)
    )


def test_the_number_of_queries_does_not_grow_with_tasks_and_risks(company, executing):
    retrospective_metrics(executing, today=TODAY)  # warm the content-type cache

    _add_tasks_and_risks(company, executing, count=5, start=100)
    with CaptureQueriesContext(connection) as few:
        small = retrospective_metrics(executing, today=TODAY)
    _add_tasks_and_risks(company, executing, count=45, start=200)
    with CaptureQueriesContext(connection) as many:
        large = retrospective_metrics(executing, today=TODAY)

    assert small.risks.raised == 5 and large.risks.raised == 50
    assert large.tasks.leaves == small.tasks.leaves + 45
    assert len(large.delays) == len(small.delays) + 45
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 12
