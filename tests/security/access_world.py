"""One small company for the access matrix: two divisions, each with a department that starts
cases and one that receives them, and a case at every stage that has pages of its own.

The sales department (division 业务中心) starts the cases the matrix visits; the finance
department (division 运营中心) starts cases no one in the other division may see, so the lists
and exports can be checked for leaks both ways. Everything is built through the services, as
the stage tests' fixtures do."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from acceptance_app import services as acceptance_services
from acceptance_app.bundle_outbox import archive_bundle_build
from acceptance_app.services import ItemData
from cases.models import Case
from collab_portal.org.models import Delegation, Department, User
from requests_app import services as request_services
from requests_app.models import Attachment, CollabPlan, Receiver
from risks_app import services as risk_services
from risks_app.services import RiskData
from tasks_app import services as task_services
from tasks_app import weeks
from tasks_app.models import Task, WbsTemplate
from tasks_app.services import TaskData
from tests.acceptance_app.fixtures import WRITE_UP, all_pass, finish_all_tasks, pdf_file
from tests.factories import DepartmentFactory, ExternalContactFactory, UserFactory

TODAY = timezone.localdate()
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


@dataclass
class Team:
    """Who plays the parts of a case: the initiator's side and the receiving side."""

    initiator: User
    head: User
    receiver: Department
    receiver_head: User
    coordinator: User


@dataclass
class World:
    users: dict[str, User]  # by role name; "anonymous" is not a user
    departments: dict[str, Department]
    cases: dict[str, Case]  # the sales cases by state, and the finance ones ("fin_…")
    plan_token: str = ""  # the external contact's link to the planning case's plan
    acceptance_token: str = ""  # and to the accepting case's delivery
    template: WbsTemplate | None = None
    delegation: Delegation | None = None
    extra: dict = field(default_factory=dict)

    def case(self, state: str) -> Case:
        return self.cases[state]


def _token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _registration(team: Team, subject: str, *, contacts=()):
    return request_services.RegistrationData(
        subject=subject,
        goal=f"{subject}的目标",
        metric="客户数",
        target_value=10,
        unit="家",
        background="市场反馈",
        expected_deadline=day(40),
        initiator_role="project_liaison",
        internal_departments=[team.receiver],
        external_contacts=list(contacts),
    )


def _to_pending(team: Team, subject: str, *, contacts=()) -> Case:
    case = request_services.request_create(
        initiator=team.initiator, data=_registration(team, subject, contacts=contacts)
    )
    return request_services.request_submit(actor=team.initiator, request=case)


def _to_syncing(team: Team, subject: str, *, contacts=()) -> Case:
    case = _to_pending(team, subject, contacts=contacts)
    request_services.request_approve(
        actor=team.head,
        request=case,
        goal_quantifiable=True,
        receiver_clear=True,
        deadline_reasonable=True,
        comment="同意",
    )
    case.refresh_from_db()
    return case


def _to_proposed(team: Team, subject: str, *, contacts=()) -> Case:
    case = _to_syncing(team, subject, contacts=contacts)
    for receiver in case.receivers.all():
        record = request_services.sync_record_add(
            actor=team.initiator,
            request=case,
            receiver=receiver,
            channel="email",
            sent_at=timezone.now(),
            recipients=receiver.label,
        )
        if receiver.kind == Receiver.Kind.INTERNAL:
            request_services.sync_acknowledge(actor=team.receiver_head, record=record)
    if contacts:
        request_services.kickoff_record(
            actor=team.initiator,
            request=case,
            mode="online",
            held_at=timezone.now(),
            location="腾讯会议 123-456",
            invited=[team.receiver_head, team.head],
            attended=[team.receiver_head],
            minutes="讲解需求背景与目标",
        )
    request_services.request_finish_sync(actor=team.initiator, request=case)
    case.refresh_from_db()
    plan = request_services.plan_save(
        actor=team.coordinator,
        request=case,
        data=request_services.PlanData(
            content="15 个工作日完成",
            resource_needs="2 名开发",
            risk_points="接口文档可能延迟",
            coordinator=team.coordinator,
            milestones=[("需求确认", day(5))],
        ),
    )
    request_services.plan_propose(actor=team.coordinator, plan=plan)
    case.refresh_from_db()
    return case


def _task(team: Team, case: Case, name: str, parent=None, **fields) -> Task:
    values = {
        "owner": team.coordinator,
        "lead_department": team.receiver,
        "start_on": day(0),
        "due_on": day(10),
        "deliverable_standard": "交付物齐全",
    }
    values.update(fields)
    return task_services.wbs_task_add(
        actor=team.coordinator, request=case, parent=parent, data=TaskData(name=name, **values)
    )


def _to_breakdown(team: Team, subject: str) -> Case:
    case = _to_proposed(team, subject)
    plan = case.plans.get()
    request_services.plan_sign(actor=team.receiver_head, plan=plan)
    request_services.plan_sign(actor=team.head, plan=plan)
    case.refresh_from_db()
    assert case.stage == Case.Stage.BREAKDOWN, case.stage
    return case


def _to_executing(team: Team, subject: str, *, risk=True) -> Case:
    case = _to_breakdown(team, subject)
    research = _task(team, case, "需求调研", start_on=day(0), due_on=day(20))
    _task(team, case, "问卷设计", parent=research, due_on=day(4), owner=team.receiver_head)
    _task(team, case, "客户访谈", parent=research, start_on=day(5), due_on=day(20))
    _task(team, case, "方案反馈", start_on=day(21), due_on=day(25), is_key=True)
    task_services.wbs_publish(actor=team.coordinator, request=case)
    if risk:
        risk_services.risk_raise(
            actor=team.coordinator,
            request=case,
            data=RiskData(
                description=f"{case.subject}的风险",
                category="external_delay",
                impact="medium",
                likelihood="medium",
                measures="协商延期",
                deadline=day(7),
                owner=team.coordinator,
            ),
        )
    case.refresh_from_db()
    return case


def _to_accepting(team: Team, subject: str) -> Case:
    case = _to_executing(team, subject)
    finish_all_tasks(case)
    acceptance_services.delivery_item_add(
        actor=team.coordinator,
        request=case,
        data=ItemData(task=Task.objects.get(request=case, name="问卷设计"), name="调研问卷"),
        files=[pdf_file("问卷.pdf")],
    )
    acceptance_services.delivery_item_add(
        actor=team.coordinator,
        request=case,
        data=ItemData(task=Task.objects.get(request=case, name="方案反馈"), name="反馈报告"),
    )
    delivery = case.deliveries.get(version=1)
    acceptance_services.delivery_submit(actor=team.coordinator, delivery=delivery, summary="请验收")
    case.refresh_from_db()
    return case


def _to_retrospective(team: Team, subject: str) -> Case:
    case = _to_accepting(team, subject)
    delivery = case.deliveries.get(version=1)
    acceptance_services.acceptance_decide(
        actor=team.initiator, delivery=delivery, verdicts=all_pass(delivery)
    )
    case.refresh_from_db()
    assert case.stage == Case.Stage.RETROSPECTIVE, case.stage
    return case


def _to_archived(team: Team, subject: str) -> Case:
    case = _to_retrospective(team, subject)
    retrospective = case.retrospective
    acceptance_services.retrospective_save(
        actor=team.coordinator, retrospective=retrospective, data=WRITE_UP
    )
    acceptance_services.rating_save(
        actor=team.receiver_head,
        retrospective=retrospective,
        receiver=case.receivers.get(department=team.receiver),
        score=4,
        comment="配合顺畅",
    )
    acceptance_services.retrospective_file(actor=team.coordinator, retrospective=retrospective)
    case.refresh_from_db()
    assert case.stage == Case.Stage.ARCHIVED, case.stage
    archive_bundle_build(request_id=case.pk)  # as the worker does once the archiving commits
    return case


def _publish_this_weeks_summary(team: Team, case: Case) -> None:
    iso_year, iso_week = weeks.iso_week_of(TODAY)
    summary = task_services.weekly_summary_draft(
        request=case, iso_year=iso_year, iso_week=iso_week, actor=team.coordinator
    )
    task_services.weekly_summary_publish(actor=team.coordinator, summary=summary)


def _department(code, name, parent, kind=Department.Kind.DEPARTMENT) -> Department:
    return DepartmentFactory(code=code, name=name, kind=kind, parent=parent)


def build_world() -> World:
    root = _department("TESTCO", "测试公司", None, Department.Kind.COMPANY)
    division = _department("DIV", "业务中心", root, Department.Kind.DIVISION)
    ops = _department("OPS", "运营中心", root, Department.Kind.DIVISION)
    sales = _department("SALES", "销售部", division)
    tech = _department("TECH", "技术部", division)
    finance = _department("FIN", "财务部", ops)
    legal = _department("LEGAL", "法务部", ops)

    def user(username, name, department, **extra):
        return UserFactory(username=username, display_name=name, department=department, **extra)

    users = {
        "initiator": user("sales_staff", "张三", sales),
        "staff_same": user("sales_peer", "孙七", sales),
        "staff_receiver": user("tech_peer", "周八", tech),
        "staff_other": user("fin_staff", "华健", finance),
        "head_same": user("sales_head", "李四", sales),
        "head_other": user("fin_head", "严红", finance),
        "coordinator": user("tech_staff", "王五", tech),
        "leader": user("leader", "钱总", root),
        "admin": user("admin", "管理员", root, is_staff=True, is_superuser=True),
        "deactivated": user("tech_gone", "吴九", tech),
    }
    tech_head = user("tech_head", "赵六", tech)
    legal_head = user("legal_head", "郑十", legal)
    legal_staff = user("legal_staff", "冯十一", legal)
    ops_leader = user("ops_leader", "李艳", root)

    division.leader_in_charge = users["leader"]
    ops.leader_in_charge = ops_leader
    sales.head, tech.head = users["head_same"], tech_head
    finance.head, legal.head = users["head_other"], legal_head
    for department in (division, ops, sales, tech, finance, legal):
        department.save()

    ours = Team(users["initiator"], users["head_same"], tech, tech_head, users["coordinator"])
    theirs = Team(users["staff_other"], users["head_other"], legal, legal_head, legal_staff)
    contact = ExternalContactFactory(name="高建华", party__name="远航物流集团")

    cases = {
        "draft": request_services.request_create(
            initiator=ours.initiator, data=_registration(ours, "销售专案·草稿")
        ),
        "pending": _to_pending(ours, "销售专案·待审"),
        "syncing": _to_syncing(ours, "销售专案·同步"),
        "planning": _to_proposed(ours, "销售专案·方案", contacts=[contact]),
        "breakdown": _to_breakdown(ours, "销售专案·拆解"),
        "executing": _to_executing(ours, "销售专案·执行"),
        "accepting": _to_accepting(ours, "销售专案·验收"),
        "retrospective": _to_retrospective(ours, "销售专案·复盘"),
        "archived": _to_archived(ours, "销售专案·归档"),
        "fin_pending": _to_pending(theirs, "财务专案·待审"),
        "fin_executing": _to_executing(theirs, "财务专案·执行"),
        "fin_accepting": _to_accepting(theirs, "财务专案·验收"),
    }
    for state in ("syncing", "archived"):
        Attachment.objects.create(
            request=cases[state],
            file=SimpleUploadedFile("x.pdf", PDF_BYTES),
            name="需求说明.pdf",
            size=len(PDF_BYTES),
            content_type="application/pdf",
            sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
            uploaded_by=ours.initiator,
        )
    _task(ours, cases["breakdown"], "需求调研")
    request_services.sync_record_add(
        actor=ours.initiator,
        request=cases["syncing"],
        receiver=cases["syncing"].receivers.get(),
        channel="dingtalk",
        sent_at=timezone.now(),
        recipients="赵六",
    )
    _publish_this_weeks_summary(ours, cases["executing"])
    _publish_this_weeks_summary(theirs, cases["fin_executing"])

    planning = cases["planning"]
    plan = planning.plans.get(state=CollabPlan.State.PROPOSED)
    plan_path = request_services.plan_external_link_create(
        actor=ours.initiator, plan=plan, receiver=planning.receivers.get(kind="external")
    )
    accepting = cases["accepting"]
    Receiver.objects.create(
        request=accepting,
        kind=Receiver.Kind.EXTERNAL,
        party=contact.party,
        contact=contact,
        position=5,
    )
    acceptance_path = acceptance_services.acceptance_link_create(
        actor=ours.initiator, delivery=accepting.deliveries.get(version=1)
    )
    template = task_services.wbs_template_save(
        actor=ours.coordinator, request=cases["executing"], name="调研模板", description=""
    )
    delegation = Delegation.objects.create(
        principal=users["head_same"],
        delegate=tech_head,
        starts_on=day(30),
        ends_on=day(35),
        reason="出差",
    )
    return World(
        users=users,
        departments={"sales": sales, "tech": tech, "finance": finance, "legal": legal},
        cases=cases,
        plan_token=_token(plan_path),
        acceptance_token=_token(acceptance_path),
        template=template,
        delegation=delegation,
        extra={"tech_head": tech_head, "ops_leader": ops_leader},
    )
