"""One definition of 关键任务 (issue 18, point 6): a task is key when it is flagged or sits under
a flagged task. The 周报 starred the subtasks of a key parent while the tracking table, the Gantt
and the delivery gate did not; now every place asks ``key_task_filter`` (or its in-memory forms)
and they agree on a tree with a key parent and plain subtasks."""

import pytest
from django.utils import timezone

from acceptance_app import policies as acceptance_policies
from risks_app.models import Level, Risk
from risks_app.services import RiskData, risk_raise
from tasks_app import services
from tasks_app.models import Task, key_task_pks
from tasks_app.pages.tracking import gantt_items, tracking_table
from tasks_app.weekly_facts import SECTION_KEYS, weekly_summary_facts
from tasks_app.weeks import iso_week_of
from tests.fixtures.execution import day

KEY_LEAVES = {"问卷设计", "访谈执行", "评审"}
KEY_PARENTS = {"需求调研", "客户访谈"}
PLAIN = {"方案反馈"}


@pytest.fixture
def key_tree(company, breakdown, add_task):
    """1 需求调研 (flagged key): 1.1 问卷设计, 1.2 客户访谈 (1.2.1 访谈执行); 2 方案反馈;
    3 评审 (flagged key). Published, every leaf in progress."""
    research = add_task(breakdown, "需求调研", start_on=day(0), due_on=day(20), is_key=True)
    add_task(breakdown, "问卷设计", parent=research, start_on=day(0), due_on=day(4))
    interviews = add_task(breakdown, "客户访谈", parent=research, start_on=day(5), due_on=day(20))
    add_task(breakdown, "访谈执行", parent=interviews, start_on=day(5), due_on=day(15))
    add_task(breakdown, "方案反馈", start_on=day(21), due_on=day(25))
    add_task(breakdown, "评审", start_on=day(21), due_on=day(25), is_key=True)
    services.wbs_publish(actor=company.tech_staff, request=breakdown)
    for leaf in Task.objects.filter(request=breakdown, is_leaf=True):
        services.progress_save(actor=company.tech_staff, task=leaf, percent=10)
    breakdown.refresh_from_db()
    return breakdown


def test_the_weekly_summary_the_tracking_table_the_gantt_and_the_gate_agree(key_tree):
    year, week = iso_week_of(timezone.localdate())
    facts = weekly_summary_facts(request=key_tree, iso_year=year, iso_week=week)
    weekly = {fact["name"]: fact["key"] for key in SECTION_KEYS for fact in facts[key]}
    lines = tracking_table(request=key_tree).lines
    table = {line.name: line.is_key for line in lines}
    gantt = {item["name"].split(" ", 1)[1]: item["is_key"] for item in gantt_items(lines)}
    gate = {task.name for task in acceptance_policies.key_tasks_not_done(key_tree)}

    assert weekly == dict.fromkeys(KEY_LEAVES, True) | dict.fromkeys(PLAIN, False)
    assert (
        table
        == gantt
        == dict.fromkeys(KEY_LEAVES | KEY_PARENTS, True) | dict.fromkeys(PLAIN, False)
    )
    assert gate == KEY_LEAVES
    classes = {item["name"]: item["custom_class"].split() for item in gantt_items(lines)}
    assert "gantt-key" in classes["1.1 问卷设计"] and "gantt-key" not in classes["2 方案反馈"]


def test_sql_the_loaded_tree_and_a_single_task_say_the_same(key_tree):
    tasks = list(Task.objects.filter(request=key_tree).select_related("parent__parent__parent"))
    expected = KEY_LEAVES | KEY_PARENTS
    by_pk = {task.pk: task.name for task in tasks}
    assert {by_pk[pk] for pk in key_task_pks(tasks)} == expected
    assert {t.name for t in Task.objects.filter(request=key_tree).key()} == expected
    flagged = Task.objects.filter(request=key_tree).with_key_task().values_list("name", "key_task")
    assert {name for name, key in flagged if key} == expected
    assert {task.name for task in tasks if task.counts_as_key} == expected


def test_the_gate_waits_for_the_plain_subtasks_of_a_key_parent(company, key_tree):
    for task in Task.objects.filter(request=key_tree, is_leaf=True).exclude(name="访谈执行"):
        services.task_complete(actor=company.tech_staff, task=task)
    assert [t.name for t in acceptance_policies.key_tasks_not_done(key_tree)] == ["访谈执行"]
    services.task_complete(actor=company.tech_staff, task=Task.objects.get(name="访谈执行"))
    assert acceptance_policies.key_tasks_not_done(key_tree) == []


def test_a_high_impact_risk_on_a_subtask_of_a_key_task_is_major(company, key_tree):
    def raise_on(name):
        return risk_raise(
            actor=company.tech_staff,
            request=key_tree,
            data=RiskData(
                description=f"{name}可能延误",
                category=Risk.Category.OTHER,
                impact=Level.HIGH,
                likelihood=Level.MEDIUM,
                measures="加派人手",
                deadline=day(3),
                owner=company.tech_staff,
                task=Task.objects.get(name=name),
            ),
        )

    on_key_work, on_plain_work = raise_on("问卷设计"), raise_on("方案反馈")
    assert on_key_work.is_major and on_key_work.state == Risk.State.ESCALATED
    assert not on_plain_work.is_major and on_plain_work.state == Risk.State.OPEN
    assert set(Risk.objects.major()) == {on_key_work}
