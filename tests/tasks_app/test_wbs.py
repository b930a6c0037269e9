"""The WBS: codes that renumber, the tree rules, the publish gate."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.lib.refusals import ActionRefused
from collab_portal.notifications.models import Notification
from requests_app import services as request_services
from tasks_app import policies, services
from tasks_app.models import Task
from tasks_app.services import TaskData
from tests.fixtures.execution import day
from tests.fixtures.registration import registration


def codes(case):
    return list(
        Task.objects.filter(request=case).order_by("wbs_code").values_list("wbs_code", "name")
    )


def test_codes_follow_the_tree_and_renumber_when_tasks_move(company, breakdown, add_task):
    a = add_task(breakdown, "A")
    b = add_task(breakdown, "B")
    add_task(breakdown, "A1", parent=a, start_on=day(2), due_on=day(3))
    c = add_task(breakdown, "C")
    assert codes(breakdown) == [("1", "A"), ("1.1", "A1"), ("2", "B"), ("3", "C")]
    services.wbs_task_indent(actor=company.tech_staff, task=b)
    assert codes(breakdown) == [("1", "A"), ("1.1", "A1"), ("1.2", "B"), ("2", "C")]
    services.wbs_task_shift(actor=company.tech_staff, task=Task.objects.get(name="B"), offset=-1)
    assert codes(breakdown) == [("1", "A"), ("1.1", "B"), ("1.2", "A1"), ("2", "C")]
    services.wbs_task_outdent(actor=company.tech_staff, task=Task.objects.get(name="A1"))
    assert codes(breakdown) == [("1", "A"), ("1.1", "B"), ("2", "A1"), ("3", "C")]
    services.wbs_task_delete(actor=company.tech_staff, task=a)
    assert codes(breakdown) == [("1", "A1"), ("2", "C")]
    assert Task.objects.get(name="C").pk == c.pk


def leaf_flags(case):
    """Each task's stored leaf flag beside what the tree says."""
    parents = set(Task.objects.filter(request=case).values_list("parent_id", flat=True))
    return {
        task.name: (task.is_leaf, task.pk not in parents)
        for task in Task.objects.filter(request=case)
    }


def assert_leaf_flags_follow_the_tree(case):
    flags = leaf_flags(case)
    assert all(stored == actual for stored, actual in flags.values()), flags


def test_the_leaf_flag_follows_every_change_of_the_tree(company, breakdown, add_task):
    a = add_task(breakdown, "A")
    b = add_task(breakdown, "B")
    add_task(breakdown, "A1", parent=a, start_on=day(2), due_on=day(3))
    assert leaf_flags(breakdown) == {"A": (False, False), "B": (True, True), "A1": (True, True)}
    services.wbs_task_indent(actor=company.tech_staff, task=b)  # B under A
    assert_leaf_flags_follow_the_tree(breakdown)
    services.wbs_task_outdent(actor=company.tech_staff, task=Task.objects.get(name="A1"))
    services.wbs_task_outdent(actor=company.tech_staff, task=Task.objects.get(name="B"))
    assert leaf_flags(breakdown)["A"] == (True, True)
    c = add_task(breakdown, "C", parent=Task.objects.get(name="B"))
    assert leaf_flags(breakdown)["B"] == (False, False)
    services.wbs_task_delete(actor=company.tech_staff, task=c)
    assert leaf_flags(breakdown)["B"] == (True, True)
    assert Task.objects.leaves().filter(request=breakdown).count() == 3


def test_the_leaf_flag_follows_plain_saves_deletes_and_bulk_writes(company, breakdown):
    parent = Task.objects.create(request=breakdown, name="P")
    child = Task.objects.create(request=breakdown, name="K", parent=parent)
    assert leaf_flags(breakdown) == {"P": (False, False), "K": (True, True)}
    child.delete()
    assert leaf_flags(breakdown) == {"P": (True, True)}
    Task.objects.bulk_create([Task(request=breakdown, name="Q", parent=parent)])
    assert leaf_flags(breakdown)["P"] == (True, False)  # bulk_create goes around save()
    Task.objects.filter(request=breakdown).mark_leaves()
    assert_leaf_flags_follow_the_tree(breakdown)


def test_a_task_cannot_move_under_itself_or_its_subtasks(company, breakdown, add_task):
    a = add_task(breakdown, "A")
    a1 = add_task(breakdown, "A1", parent=a)
    with pytest.raises(ActionRefused, match="不能移到自己"):
        services.wbs_task_move(actor=company.tech_staff, task=a, parent=a1, index=0)
    with pytest.raises(ActionRefused, match="不能移到自己"):
        services.wbs_task_move(actor=company.tech_staff, task=a, parent=a, index=0)
    assert codes(breakdown) == [("1", "A"), ("1.1", "A1")]


def test_the_tree_is_at_most_four_levels_deep(company, breakdown, add_task):
    parent = add_task(breakdown, "L1")
    for level in (2, 3, 4):
        parent = add_task(breakdown, f"L{level}", parent=parent)
    with pytest.raises(ActionRefused, match="最多 4 级"):
        add_task(breakdown, "L5", parent=parent)
    top = add_task(breakdown, "另一个")
    child = add_task(breakdown, "子任务", parent=top)
    with pytest.raises(ActionRefused, match="最多 4 级"):
        services.wbs_task_move(
            actor=company.tech_staff, task=top, parent=Task.objects.get(name="L3"), index=0
        )
    assert child.depth == 2


def test_a_task_cannot_move_to_another_case(company, breakdown, add_task, proposed):
    other = request_services.request_create(
        initiator=company.sales_staff, data=registration(internal_departments=[company.tech])
    )
    stranger = Task.objects.create(request=other, name="别的需求的任务")
    task = add_task(breakdown, "A")
    with pytest.raises(ActionRefused, match="不能移到其他需求"):
        services.wbs_task_move(actor=company.tech_staff, task=task, parent=stranger, index=0)
    assert Task.objects.get(pk=task.pk).parent is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start_on": day(5), "due_on": day(4)}, "截止日期早于开始日期"),
        ({"start_on": day(0), "due_on": day(12)}, "不能晚于上级任务"),
        ({"start_on": day(-1), "due_on": day(3)}, "不能早于上级任务"),
    ],
)
def test_dates_stay_inside_the_parent(company, breakdown, add_task, fields, message):
    parent = add_task(breakdown, "上级", start_on=day(0), due_on=day(10))
    with pytest.raises(ValidationError, match=message):
        add_task(breakdown, "子任务", parent=parent, **fields)
    assert Task.objects.filter(request=breakdown).count() == 1


def test_dates_stay_inside_the_plan(company, breakdown, add_task):
    with pytest.raises(ValidationError, match="须在方案期限内结束"):
        add_task(
            breakdown,
            "太晚",
            due_on=breakdown.expected_deadline + __import__("datetime").timedelta(days=1),
        )


def test_a_parent_cannot_shrink_around_its_subtasks(company, breakdown, add_task):
    parent = add_task(breakdown, "上级", start_on=day(0), due_on=day(10))
    add_task(breakdown, "子任务", parent=parent, start_on=day(2), due_on=day(9))
    with pytest.raises(ValidationError, match="子任务将超出"):
        services.wbs_task_update(
            actor=company.tech_staff,
            task=parent,
            data=TaskData(name="上级", start_on=day(0), due_on=day(5)),
        )


def test_only_the_coordinator_or_an_admin_edits_the_wbs(company, breakdown, add_task):
    data = TaskData(name="越权")
    for outsider in (company.tech_head, company.sales_head, company.sales_staff):
        with pytest.raises(ActionRefused, match="只有协调人"):
            services.wbs_task_add(actor=outsider, request=breakdown, data=data)
    services.wbs_task_add(actor=company.admin, request=breakdown, data=data)
    assert Task.objects.filter(request=breakdown).count() == 1


def test_the_wbs_is_edited_only_in_breakdown(company, executing):
    with pytest.raises(ActionRefused, match="发布前"):
        services.wbs_task_add(
            actor=company.tech_staff, request=executing, data=TaskData(name="迟到的任务")
        )


def test_publishing_lists_every_leaf_that_is_not_fully_assigned(company, breakdown, add_task):
    parent = add_task(breakdown, "调研", owner=None, lead_department=None)
    add_task(breakdown, "问卷", parent=parent, owner=None, deliverable_standard="")
    add_task(breakdown, "访谈", parent=parent)
    with pytest.raises(ActionRefused) as refused:
        services.wbs_publish(actor=company.tech_staff, request=breakdown)
    assert "1.1 问卷：缺少负责人、交付物标准" in refused.value.message
    assert "1 调研" not in refused.value.message
    breakdown.refresh_from_db()
    assert breakdown.stage == "breakdown"


def test_what_a_leaf_lacks_is_listed_in_the_readers_language(company, breakdown, add_task):
    add_task(breakdown, "问卷", owner=None, deliverable_standard="")
    with translation.override("en"):
        missing = policies.publish_missing(breakdown)
    assert missing == ["1 问卷: no owner, deliverable standard"]


def test_publishing_freezes_the_baseline_starts_execution_and_tells_everyone(company, executing):
    assert executing.stage == Case.Stage.EXECUTING
    task = Task.objects.get(name="客户访谈")
    assert (task.planned_start_on, task.planned_due_on) == (task.start_on, task.due_on)
    notified = set(
        Notification.objects.filter(title__contains="已启动").values_list(
            "recipient__username", flat=True
        )
    )
    assert notified == {
        "tech_head",
        "sales_staff",
    }  # the coordinator published; helpers are told too
    assert Activity.objects.filter(verb="wbs_publish", to_state="executing").exists()


def test_publishing_is_refused_to_others_and_twice(company, breakdown, add_task):
    add_task(breakdown, "唯一任务")
    with pytest.raises(ActionRefused):
        services.wbs_publish(actor=company.tech_head, request=breakdown)
    services.wbs_publish(actor=company.tech_staff, request=breakdown)
    with pytest.raises(ActionRefused):
        services.wbs_publish(actor=company.tech_staff, request=breakdown)
