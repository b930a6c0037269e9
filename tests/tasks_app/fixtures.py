"""Cases in task breakdown and in execution, reached through the services."""

import datetime

import pytest
from django.utils import timezone

from requests_app import services as request_services
from tasks_app import services
from tasks_app.services import TaskData

TODAY = timezone.localdate()


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


@pytest.fixture
def breakdown(company, proposed):
    """A case whose plan every side signed; its coordinator is company.tech_staff."""
    request_services.plan_sign(actor=company.tech_head, plan=proposed)
    request_services.plan_sign(actor=company.sales_head, plan=proposed)
    case = proposed.request
    case.refresh_from_db()
    assert case.stage == "breakdown" and case.coordinator == company.tech_staff
    return case


@pytest.fixture
def add_task(company):
    """add_task(case, "name", parent=None, **fields) as the coordinator, fully assigned."""

    def add(case, name, parent=None, **fields):
        values = {
            "owner": company.tech_staff,
            "lead_department": company.tech,
            "start_on": day(1),
            "due_on": day(10),
            "deliverable_standard": "交付物齐全",
        }
        values.update(fields)
        return services.wbs_task_add(
            actor=company.tech_staff,
            request=case,
            parent=parent,
            data=TaskData(name=name, **values),
        )

    return add


@pytest.fixture
def executing(company, breakdown, add_task):
    """Published: 1 调研 (1.1 问卷设计, 1.2 客户访谈), 2 方案反馈 (key)."""
    research = add_task(breakdown, "需求调研", start_on=day(0), due_on=day(20))
    add_task(
        breakdown,
        "问卷设计",
        parent=research,
        start_on=day(0),
        due_on=day(4),
        owner=company.tech_head,
    )
    add_task(
        breakdown,
        "客户访谈",
        parent=research,
        start_on=day(5),
        due_on=day(20),
        collaborators=[company.sales_staff],
    )
    add_task(breakdown, "方案反馈", start_on=day(21), due_on=day(25), is_key=True)
    services.wbs_publish(actor=company.tech_staff, request=breakdown)
    breakdown.refresh_from_db()
    return breakdown
