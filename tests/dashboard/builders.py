"""Cases at every stage, built through the services as people would build them — each call a
new case, so one test can hold many (the shared fixtures advance a single case)."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from acceptance_app import services as acceptance_services
from acceptance_app.services import ItemData
from cases.models import Case
from requests_app import services
from requests_app.models import CollabPlan
from risks_app import services as risk_services
from risks_app.models import Risk
from tasks_app import services as task_services
from tasks_app.models import Task
from tasks_app.services import TaskData, weekly_summary_draft
from tasks_app.weeks import iso_week_of
from tests.acceptance_app.fixtures import all_pass, finish_all_tasks
from tests.requests_app.fixtures import plan_data, registration
from tests.risks_app.conftest import risk_data

TODAY = timezone.localdate()


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def draft_case(company, subject="草稿需求", initiator=None, receivers=None) -> Case:
    return services.request_create(
        initiator=initiator or company.sales_staff,
        data=registration(subject=subject, internal_departments=receivers or [company.tech]),
    )


def pending_case(company, subject="待审需求", **kwargs) -> Case:
    case = draft_case(company, subject, **kwargs)
    return services.request_submit(actor=case.initiator, request=case)


def approve(company, case) -> Case:
    services.request_approve(
        actor=company.sales_head,
        request=case,
        goal_quantifiable=True,
        receiver_clear=True,
        deadline_reasonable=True,
        comment="同意",
    )
    case.refresh_from_db()
    return case


def planning_case(company, subject="方案中需求") -> Case:
    case = approve(company, pending_case(company, subject))
    receiver = case.receivers.get()
    record = services.sync_record_add(
        actor=company.sales_staff,
        request=case,
        receiver=receiver,
        channel="dingtalk",
        sent_at=timezone.now(),
        recipients="赵六",
        materials="登记表",
    )
    services.sync_acknowledge(actor=company.tech_staff, record=record)
    services.request_finish_sync(actor=company.sales_staff, request=case)
    case.refresh_from_db()
    return case


def draft_plan_case(company, subject="方案草稿需求") -> CollabPlan:
    case = planning_case(company, subject)
    return services.plan_save(actor=company.tech_staff, request=case, data=plan_data(company))


def proposed_case(company, subject="待确认方案需求") -> CollabPlan:
    plan = draft_plan_case(company, subject)
    return services.plan_propose(actor=company.tech_staff, plan=plan)


def breakdown_case(company, subject="拆解中需求") -> Case:
    plan = proposed_case(company, subject)
    services.plan_sign(actor=company.tech_head, plan=plan)
    services.plan_sign(actor=company.sales_head, plan=plan)
    case = plan.request
    case.refresh_from_db()
    return case


def _task(company, case, name, parent=None, **fields) -> Task:
    values = {
        "owner": company.tech_staff,
        "lead_department": company.tech,
        "start_on": day(1),
        "due_on": day(10),
        "deliverable_standard": "交付物齐全",
    }
    values.update(fields)
    return task_services.wbs_task_add(
        actor=company.tech_staff, request=case, parent=parent, data=TaskData(name=name, **values)
    )


def executing_case(company, subject="执行中需求") -> Case:
    """Tasks: 1 需求调研 (1.1 问卷设计 by tech_head, 1.2 客户访谈 with sales_staff helping),
    2 方案反馈 (key); tech_staff coordinates and owns the rest."""
    case = breakdown_case(company, subject)
    research = _task(company, case, "需求调研", start_on=day(0), due_on=day(20))
    _task(
        company,
        case,
        "问卷设计",
        parent=research,
        start_on=day(0),
        due_on=day(4),
        owner=company.tech_head,
    )
    _task(
        company,
        case,
        "客户访谈",
        parent=research,
        start_on=day(5),
        due_on=day(20),
        collaborators=[company.sales_staff],
    )
    _task(company, case, "方案反馈", start_on=day(21), due_on=day(25), is_key=True)
    task_services.wbs_publish(actor=company.tech_staff, request=case)
    case.refresh_from_db()
    return case


def escalated_risk(company, case, description="客户接口文档延迟提供") -> Risk:
    """A major risk (high impact on the key task): it escalates to the leader in charge."""
    key_task = Task.objects.get(request=case, name="方案反馈")
    risk = risk_services.risk_raise(
        actor=company.tech_staff,
        request=case,
        data=risk_data(company, description=description, impact="high", task=key_task),
    )
    assert risk.state == Risk.State.ESCALATED and risk.escalated_to == company.leader
    return risk


def add_delivery_item(company, case) -> None:
    """The coordinator starts the delivery list: a draft until submitted."""
    acceptance_services.delivery_item_add(
        actor=company.tech_staff,
        request=case,
        data=ItemData(task=Task.objects.get(request=case, name="方案反馈"), name="方案反馈报告"),
    )


def delivered_case(company, subject="交付中需求") -> Case:
    """Executing, every task done, the coordinator's delivery list still a draft."""
    case = executing_case(company, subject)
    finish_all_tasks(case)
    add_delivery_item(company, case)
    return case


def accepting_case(company, subject="验收中需求") -> Case:
    case = delivered_case(company, subject)
    acceptance_services.delivery_submit(
        actor=company.tech_staff, delivery=case.deliveries.get(), summary="请验收"
    )
    case.refresh_from_db()
    return case


def retrospective_case(company, subject="复盘中需求") -> Case:
    case = accepting_case(company, subject)
    delivery = case.deliveries.get()
    acceptance_services.acceptance_decide(
        actor=company.sales_staff, delivery=delivery, verdicts=all_pass(delivery)
    )
    case.refresh_from_db()
    return case


@dataclass
class Unit:
    """One case at every point the inbox shows, for sales_staff (initiator), sales_head
    (reviewer), tech_head (receiving head), tech_staff (coordinator), the leader in charge (a
    review is handed over to them) and a person copied in."""

    cases: dict[str, Case] = field(default_factory=dict)


def build_unit(company, copied_person, n: int = 0) -> Unit:
    unit = Unit()
    unit.cases["draft"] = draft_case(company, f"草稿{n}")
    pending = pending_case(company, f"待审{n}")
    services.request_copy_in(actor=company.sales_staff, request=pending, people=[copied_person])
    unit.cases["pending"] = pending
    handed = pending_case(company, f"转交{n}")
    services.request_hand_over(actor=company.sales_head, request=handed, to=company.leader)
    unit.cases["handed"] = handed
    returned = pending_case(company, f"退回{n}")
    services.request_return(
        actor=company.sales_head, request=returned, reason_code="other", comment="补充背景"
    )
    unit.cases["returned"] = returned
    unit.cases["draft_plan"] = draft_plan_case(company, f"方案草稿{n}").request
    unit.cases["proposed"] = proposed_case(company, f"待确认{n}").request
    executing = executing_case(company, f"执行{n}")
    add_delivery_item(company, executing)
    escalated_risk(company, executing, f"待批示风险{n}")
    answered = escalated_risk(company, executing, f"已批示风险{n}")
    risk_services.risk_instruct(
        actor=company.leader, risk=answered, decision="approve_measures", text="同意措施"
    )
    iso_year, iso_week = iso_week_of(TODAY)
    weekly_summary_draft(
        request=executing, iso_year=iso_year, iso_week=iso_week, actor=company.tech_staff
    )
    unit.cases["executing"] = executing
    unit.cases["accepting"] = accepting_case(company, f"验收{n}")
    unit.cases["retrospective"] = retrospective_case(company, f"复盘{n}")
    return unit
