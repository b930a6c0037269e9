"""A case in execution whose small WBS holds every status, an overdue task and a moved due date;
and ``grow_tree`` to bring a case to thousands of tasks quickly (bulk_create + renumber).

Import the fixtures into a test module to use them; they build on the stage 1–2 fixtures
(tests/requests_app/fixtures.py, a plugin of tests/conftest.py)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from requests_app import services as request_services
from tasks_app import services
from tasks_app.models import Task
from tasks_app.services import TaskData
from tests.factories import DepartmentFactory, UserFactory

__all__ = ["day", "grow_tree", "outsider", "tracking_case"]


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


@pytest.fixture
def tracking_case(company, proposed):
    """CR executing, coordinator 王五 (tech_staff):

    1   需求调研 (key)            王五 · 技术部   day -10..20   rolled up: in progress
    1.1   问卷设计                赵六 · 技术部   day -10..-3   done
    1.2   客户访谈                张三 · 销售部   day -6..-1    in progress 50 %, overdue
    1.3   访谈纪要整理            王五 · 技术部   day 0..10     not started, due moved to day 12
    2   方案反馈 (key)            张三 · 销售部   day 10..25    blocked
    3   需求评审                  赵六 · 销售部   day 2..8      delayed to day 9
    """
    request_services.plan_sign(actor=company.tech_head, plan=proposed)
    request_services.plan_sign(actor=company.sales_head, plan=proposed)
    case = proposed.request
    case.refresh_from_db()
    coordinator = case.coordinator
    assert case.stage == "breakdown" and coordinator == company.tech_staff

    def add(name, start, due, *, owner, department, parent=None, **extra):
        data = TaskData(
            name=name,
            owner=owner,
            lead_department=department,
            start_on=day(start),
            due_on=day(due),
            deliverable_standard=f"{name}成果经负责人确认",
            **extra,
        )
        return services.wbs_task_add(actor=coordinator, request=case, parent=parent, data=data)

    research = add(
        "需求调研", -10, 20, owner=company.tech_staff, department=company.tech, is_key=True
    )
    questionnaire = add(
        "问卷设计", -10, -3, owner=company.tech_head, department=company.tech, parent=research
    )
    interview = add(
        "客户访谈",
        -6,
        -1,
        owner=company.sales_staff,
        department=company.sales,
        parent=research,
        collaborators=[company.tech_staff, company.tech_head],
    )
    minutes = add(
        "访谈纪要整理", 0, 10, owner=company.tech_staff, department=company.tech, parent=research
    )
    feedback = add(
        "方案反馈", 10, 25, owner=company.sales_staff, department=company.sales, is_key=True
    )
    review = add("需求评审", 2, 8, owner=company.tech_head, department=company.sales)
    services.wbs_publish(actor=coordinator, request=case)

    services.task_complete(actor=coordinator, task=questionnaire)
    services.progress_save(actor=coordinator, task=interview, percent=50, note="已访谈 5 家")
    services.task_report_block(actor=coordinator, task=feedback, reason="等待客户提供资料")
    services.task_report_delay(
        actor=coordinator, task=review, reason="评审专家出差", new_date=day(9)
    )
    services.task_change_due(actor=coordinator, task=minutes, new_due=day(12), reason="客户改期")
    case.refresh_from_db()
    assert case.stage == "executing"
    return case


@pytest.fixture
def outsider(company):
    """Staff of a department that has nothing to do with the case."""
    finance = DepartmentFactory(code="FIN", name="财务部", parent=company.division)
    return UserFactory(username="fin_staff", display_name="孙七", department=finance)


def grow_tree(case, *, total: int, people, departments) -> None:
    """Add top-level tasks, each with subtasks and sub-subtasks, until the case has ``total``
    tasks; statuses spread through the transitions, collaborators on every third task."""
    existing = Task.objects.filter(request=case).count()
    start = Task.objects.filter(request=case, parent=None).count()
    owners = itertools.cycle(people)
    lead = itertools.cycle(departments)
    made = existing
    index = start
    while made < total:
        parent = _new_task(case, None, index, f"工作包 {index + 1}", owners, lead, 0)
        Task.objects.bulk_create([parent])
        made += 1
        children = []
        for child_index in range(min(9, total - made)):
            children.append(
                _new_task(case, parent, child_index, f"子任务 {child_index + 1}", owners, lead, 1)
            )
        Task.objects.bulk_create(children)
        made += len(children)
        grandchildren = []
        for child in children[:3]:
            for leaf_index in range(min(4, total - made - len(grandchildren))):
                grandchildren.append(
                    _new_task(case, child, leaf_index, f"细项 {leaf_index + 1}", owners, lead, 2)
                )
        Task.objects.bulk_create(grandchildren)
        made += len(grandchildren)
        index += 1
    helpers = Task.collaborators.through
    helper_people = itertools.cycle(people)
    tasks = Task.objects.filter(request=case).values_list("pk", flat=True)
    helpers.objects.bulk_create(
        [
            helpers(task_id=pk, user_id=next(helper_people).pk)
            for position, pk in enumerate(tasks)
            if position % 3 == 0
        ],
        ignore_conflicts=True,
    )
    services.renumber(case)


def _new_task(case, parent, position, name, owners, lead, level) -> Task:
    offset = (position * 3) % 20
    task = Task(
        request=case,
        parent=parent,
        position=position,
        name=name,
        owner=next(owners),
        lead_department=next(lead),
        start_on=day(-10 + offset),
        due_on=day(-5 + offset + 5 * (2 - level)),
        deliverable_standard="按标准交付",
        is_key=position == 0,
    )
    task.planned_start_on, task.planned_due_on = task.start_on, task.due_on
    if position % 4 == 1:
        task.start()
        task.progress = 40
    elif position % 4 == 2:
        task.complete()
        task.progress = 100
    return task
