"""Cases in task breakdown for the template and Excel tests, reached through the services as
users reach them: registered, reviewed, synced, planned and signed by every side.

Import the fixtures into the test module (``from tests.tasks_app.fixtures_io import …``)."""

import datetime

import pytest
from django.utils import timezone

from cases.models import Case
from requests_app import services as request_services
from tasks_app import services
from tasks_app.services import TaskData
from tests.requests_app.fixtures import plan_data, registration

TODAY = timezone.localdate()


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def case_in_breakdown(company, *, deadline_in_days: int = 30, **registration_overrides):
    """A sales → tech case whose plan both heads signed; the coordinator is tech_staff and the
    plan ends ``deadline_in_days`` from today."""
    case = request_services.request_create(
        initiator=company.sales_staff,
        data=registration(
            internal_departments=[company.tech],
            expected_deadline=day(deadline_in_days),
            **registration_overrides,
        ),
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
    case.refresh_from_db()
    plan = request_services.plan_save(
        actor=company.tech_staff,
        request=case,
        data=plan_data(company, milestones=[("需求确认", day(5))]),
    )
    request_services.plan_propose(actor=company.tech_staff, plan=plan)
    request_services.plan_sign(actor=company.tech_head, plan=plan)
    request_services.plan_sign(actor=company.sales_head, plan=plan)
    case.refresh_from_db()
    assert case.stage == Case.Stage.BREAKDOWN
    assert case.coordinator == company.tech_staff
    return case


@pytest.fixture
def breakdown(company):
    """A case in task breakdown, coordinated by company.tech_staff, plan ending in 30 days."""
    return case_in_breakdown(company)


@pytest.fixture
def second_breakdown(company):
    """Another case in task breakdown by the same coordinator, plan ending in 60 days."""
    return case_in_breakdown(company, subject="Q4 供应商对接", deadline_in_days=60)


def build_wbs(company, case):
    """A fully assigned three-level tree (6 tasks):

    1 需求调研 (days 1–20, key)
      1.1 问卷设计 (1–4; owner tech_head, helpers sales_staff + tech_staff; supported by SALES)
      1.2 客户访谈 (5–20)
        1.2.1 访谈执行 (5–15)
        1.2.2 纪要整理 (16–20)
    2 方案反馈 (21–25)
    """

    def add(name, parent=None, **fields):
        values = {
            "owner": company.tech_staff,
            "lead_department": company.tech,
            "deliverable_standard": f"{name}的交付物",
        }
        values.update(fields)
        return services.wbs_task_add(
            actor=company.tech_staff,
            request=case,
            parent=parent,
            data=TaskData(name=name, **values),
        )

    research = add("需求调研", start_on=day(1), due_on=day(20), is_key=True, description="第一阶段")
    add(
        "问卷设计",
        parent=research,
        start_on=day(1),
        due_on=day(4),
        owner=company.tech_head,
        collaborators=[company.sales_staff, company.tech_staff],
        supporting_departments=[company.sales],
    )
    interviews = add("客户访谈", parent=research, start_on=day(5), due_on=day(20))
    add("访谈执行", parent=interviews, start_on=day(5), due_on=day(15))
    add("纪要整理", parent=interviews, start_on=day(16), due_on=day(20))
    add("方案反馈", start_on=day(21), due_on=day(25))
    return case
