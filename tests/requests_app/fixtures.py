"""Cases at each stage, built through the services as a user would build them."""

import datetime

import pytest
from django.utils import timezone

from requests_app import services
from requests_app.models import CollabPlan, Receiver
from tests.factories import ExternalContactFactory

NEXT_MONTH = timezone.localdate() + datetime.timedelta(days=30)


def registration(**overrides):
    data = {
        "subject": "Q3 产品上线客户需求对接",
        "goal": "收集 10 家重点客户对功能模块的修改建议",
        "metric": "反馈客户数",
        "target_value": 10,
        "unit": "家",
        "background": "因市场反馈原功能不满足场景需求",
        "expected_deadline": NEXT_MONTH,
        "initiator_role": "project_liaison",
        "internal_departments": [],
        "external_contacts": [],
    }
    data.update(overrides)
    return services.RegistrationData(**data)


@pytest.fixture
def draft(company):
    return services.request_create(
        initiator=company.sales_staff, data=registration(internal_departments=[company.tech])
    )


@pytest.fixture
def pending(company, draft):
    return services.request_submit(actor=company.sales_staff, request=draft)


@pytest.fixture
def syncing(company, pending):
    services.request_approve(
        actor=company.sales_head,
        request=pending,
        goal_quantifiable=True,
        receiver_clear=True,
        deadline_reasonable=True,
        comment="同意",
    )
    pending.refresh_from_db()
    return pending


@pytest.fixture
def planning(company, syncing):
    receiver = syncing.receivers.get()
    record = services.sync_record_add(
        actor=company.sales_staff,
        request=syncing,
        receiver=receiver,
        channel="dingtalk",
        sent_at=timezone.now(),
        recipients="赵六",
        materials="登记表、客户需求文档",
    )
    services.sync_acknowledge(actor=company.tech_staff, record=record)
    services.request_finish_sync(actor=company.sales_staff, request=syncing)
    syncing.refresh_from_db()
    return syncing


def plan_data(company, **overrides):
    data = {
        "content": "技术部 15 个工作日完成开发，需测试部配合",
        "resource_needs": "2 名后端开发",
        "risk_points": "客户接口文档可能延迟",
        "coordinator": company.tech_staff,
        "milestones": [("需求确认", timezone.localdate() + datetime.timedelta(days=5))],
    }
    data.update(overrides)
    return services.PlanData(**data)


@pytest.fixture
def proposed(company, planning):
    plan = services.plan_save(actor=company.tech_staff, request=planning, data=plan_data(company))
    return services.plan_propose(actor=company.tech_staff, plan=plan)


@pytest.fixture
def external_contact(db):
    return ExternalContactFactory(name="高建华", party__name="远航物流集团")


@pytest.fixture
def external_planning(company, external_contact):
    """A multi-party case: the tech department and an external customer."""
    case = services.request_create(
        initiator=company.sales_staff,
        data=registration(
            internal_departments=[company.tech], external_contacts=[external_contact]
        ),
    )
    services.request_submit(actor=company.sales_staff, request=case)
    services.request_approve(
        actor=company.sales_head,
        request=case,
        goal_quantifiable=True,
        receiver_clear=True,
        deadline_reasonable=True,
    )
    for receiver in case.receivers.all():
        record = services.sync_record_add(
            actor=company.sales_staff,
            request=case,
            receiver=receiver,
            channel="email",
            sent_at=timezone.now(),
            recipients=receiver.label,
        )
        if receiver.kind == Receiver.Kind.INTERNAL:
            services.sync_acknowledge(actor=company.tech_head, record=record)
    services.kickoff_record(
        actor=company.sales_staff,
        request=case,
        mode="online",
        held_at=timezone.now(),
        location="腾讯会议 123-456",
        invited=[company.tech_head, company.sales_head],
        attended=[company.tech_head],
        minutes="讲解需求背景与目标",
    )
    services.request_finish_sync(actor=company.sales_staff, request=case)
    case.refresh_from_db()
    plan = services.plan_save(actor=company.tech_staff, request=case, data=plan_data(company))
    services.plan_propose(actor=company.tech_staff, plan=plan)
    plan.refresh_from_db()
    assert plan.state == CollabPlan.State.PROPOSED
    return case
