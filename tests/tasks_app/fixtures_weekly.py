"""An executing case with a task in every state, placed around the current ISO week, built
through the services as people would build it (the weekly summary's fixture)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from cases.models import Case
from collab_portal.org.models import User
from requests_app import services as request_services
from tasks_app import services
from tasks_app.models import Task
from tasks_app.services import TaskData
from tests.factories import DepartmentFactory, UserFactory
from tests.requests_app.fixtures import plan_data, registration


def this_week() -> tuple[int, int, datetime.date, datetime.date]:
    today = timezone.localdate()
    iso = today.isocalendar()
    start = datetime.date.fromisocalendar(iso.year, iso.week, 1)
    return iso.year, iso.week, start, start + datetime.timedelta(days=6)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@dataclass
class WeeklyCase:
    """``tasks`` by WBS code:

    1 需求调研 (key)         1.1 问卷设计 done this week · 1.2 客户访谈 blocked (key by its parent)
    2 方案编写               2.1 方案初稿 in progress, due this Sunday · 2.2 方案评审 delayed
    3 上线准备 not started, due next Wednesday
    4 历史资料整理 done last Saturday
    5 数据迁移 in progress, due last Friday: overdue
    6 培训材料 not started, due in three weeks
    """

    case: Case
    tasks: dict[str, Task]
    member: User  # 孙七, tech staff: owns tasks and sees the case, is not the coordinator
    helper: User  # 周八, sales staff: collaborator on 1.2
    outsider: User  # 吴九, finance staff: nothing to do with the case
    iso_year: int
    iso_week: int
    week_start: datetime.date
    week_end: datetime.date

    def created_weeks_ago(self, weeks: int) -> None:
        """Pretend the case was registered ``weeks`` weeks before this one."""
        Case.objects.filter(pk=self.case.pk).update(
            created_at=at(self.week_start - datetime.timedelta(weeks=weeks))
        )


def _to_breakdown(company) -> Case:
    case = request_services.request_create(
        initiator=company.sales_staff, data=registration(internal_departments=[company.tech])
    )
    request_services.request_submit(actor=company.sales_staff, request=case)
    request_services.request_approve(
        actor=company.sales_head,
        request=case,
        goal_quantifiable=True,
        receiver_clear=True,
        deadline_reasonable=True,
    )
    record = request_services.sync_record_add(
        actor=company.sales_staff,
        request=case,
        receiver=case.receivers.get(),
        channel="dingtalk",
        sent_at=timezone.now(),
        recipients="赵六",
    )
    request_services.sync_acknowledge(actor=company.tech_staff, record=record)
    request_services.request_finish_sync(actor=company.sales_staff, request=case)
    plan = request_services.plan_save(
        actor=company.tech_staff, request=case, data=plan_data(company)
    )
    request_services.plan_propose(actor=company.tech_staff, plan=plan)
    request_services.plan_sign(actor=company.tech_head, plan=plan)
    request_services.plan_sign(actor=company.sales_head, plan=plan)
    case.refresh_from_db()
    assert case.stage == "breakdown" and case.coordinator == company.tech_staff
    return case


@pytest.fixture
def weekly_case(company) -> WeeklyCase:
    member = UserFactory(username="tech_member", display_name="孙七", department=company.tech)
    helper = UserFactory(username="sales_helper", display_name="周八", department=company.sales)
    finance = DepartmentFactory(code="FIN", name="财务部", parent=company.division)
    outsider = UserFactory(username="finance_staff", display_name="吴九", department=finance)
    case = _to_breakdown(company)
    coordinator = company.tech_staff
    today = timezone.localdate()

    def add(name, owner, parent=None, **fields):
        values = {
            "owner": owner,
            "lead_department": company.tech,
            "start_on": today,
            "due_on": today + datetime.timedelta(days=20),
            "deliverable_standard": "交付物齐全",
        }
        values.update(fields)
        return services.wbs_task_add(
            actor=coordinator, request=case, parent=parent, data=TaskData(name=name, **values)
        )

    research = add("需求调研", member, is_key=True)
    add("问卷设计", company.tech_head, parent=research)
    add("客户访谈", member, parent=research, collaborators=[helper])
    writing = add("方案编写", member)
    add("方案初稿", member, parent=writing)
    add("方案评审", coordinator, parent=writing)
    add("上线准备", member)
    add("历史资料整理", company.tech_head)
    add("数据迁移", member)
    add("培训材料", member)
    services.wbs_publish(actor=coordinator, request=case)
    tasks = {task.wbs_code: task for task in Task.objects.filter(request=case)}

    services.task_complete(actor=company.tech_head, task=tasks["1.1"])
    services.task_start(actor=member, task=tasks["1.2"])
    services.task_report_block(actor=member, task=tasks["1.2"], reason="客户尚未确认访谈时间")
    services.task_start(actor=member, task=tasks["2.1"])
    services.task_start(actor=coordinator, task=tasks["2.2"])
    services.task_report_delay(
        actor=coordinator,
        task=tasks["2.2"],
        reason="评审专家出差",
        new_date=today + datetime.timedelta(days=7),
    )
    services.task_complete(actor=company.tech_head, task=tasks["4"])
    services.task_start(actor=member, task=tasks["5"])

    iso_year, iso_week, week_start, week_end = this_week()
    Task.objects.filter(pk=tasks["2.1"].pk).update(due_on=week_end)
    Task.objects.filter(pk=tasks["3"].pk).update(due_on=week_end + datetime.timedelta(days=3))
    Task.objects.filter(pk=tasks["4"].pk).update(
        completed_at=at(week_start - datetime.timedelta(days=2))
    )
    Task.objects.filter(pk=tasks["5"].pk).update(
        start_on=week_start - datetime.timedelta(days=10),
        due_on=week_start - datetime.timedelta(days=3),
    )
    Task.objects.filter(pk=tasks["6"].pk).update(due_on=week_end + datetime.timedelta(days=21))
    case.refresh_from_db()
    assert case.stage == "executing"
    return WeeklyCase(
        case=case,
        tasks={task.wbs_code: task for task in Task.objects.filter(request=case)},
        member=member,
        helper=helper,
        outsider=outsider,
        iso_year=iso_year,
        iso_week=iso_week,
        week_start=week_start,
        week_end=week_end,
    )
