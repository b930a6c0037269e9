"""Demo cases for stages 1–2, built through the services so their history is real.

Each case is created once (found again by its subject); re-running seed_demo changes nothing."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.lib.demo_registry import register_demo_seeder
from collab_portal.org.models import Department, ExternalContact
from requests_app import services
from requests_app.models import Receiver
from requests_app.policies import side_decider

ALL_CHECKS = {"goal_quantifiable": True, "receiver_clear": True, "deadline_reasonable": True}


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _register(people, *, initiator, subject, goal, departments=(), contacts=(), **extra):
    data = services.RegistrationData(
        subject=subject,
        goal=goal,
        expected_deadline=extra.pop("deadline", _days(45)),
        initiator_role=extra.pop("role", Case.InitiatorRole.PROJECT_LIAISON),
        internal_departments=[Department.objects.get(code=code) for code in departments],
        external_contacts=[ExternalContact.objects.get(name=name) for name in contacts],
        **extra,
    )
    return services.request_create(initiator=people[initiator], data=data)


def _backdate(case: Case, days: int) -> None:
    """Spread the demo history over the past weeks, keeping its order."""
    shift = datetime.timedelta(days=days)
    case = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(created_at=case.created_at - shift)
    if case.submitted_at:
        Case.objects.filter(pk=case.pk).update(submitted_at=case.submitted_at - shift / 2)
    activities = Activity.objects.filter(
        subject_type=ContentType.objects.get_for_model(Case), subject_id=str(case.pk)
    ).order_by("created_at")
    count = activities.count()
    for index, activity in enumerate(activities):
        moment = activity.created_at - shift + datetime.timedelta(days=days * index / max(count, 1))
        Activity.objects.filter(pk=activity.pk).update(created_at=moment)


def _sync_all(people, case, *, acknowledge=True):
    initiator = case.initiator
    for receiver in case.receivers.all():
        record = services.sync_record_add(
            actor=initiator,
            request=case,
            receiver=receiver,
            channel="dingtalk" if receiver.is_internal else "email",
            sent_at=timezone.now() - datetime.timedelta(hours=3),
            recipients=receiver.label,
            materials="《沟通需求登记表》、需求背景说明",
        )
        if acknowledge and receiver.is_internal:
            decider = side_decider(case, receiver.department)
            services.sync_acknowledge(actor=decider.person, record=record)


def _plan(people, case, *, author, coordinator, content, milestones):
    return services.plan_save(
        actor=people[author],
        request=case,
        data=services.PlanData(
            content=content,
            resource_needs="按方案投入，必要时申请外部支持",
            risk_points="客户方资料提供可能延迟",
            coordinator=people[coordinator],
            milestones=[(name, _days(offset)) for name, offset in milestones],
        ),
    )


@transaction.atomic
def seed_requests(*, people, stdout) -> None:
    existing = set(Case.objects.values_list("subject", flat=True))

    def wanted(subject: str) -> bool:
        return subject not in existing

    subject = "2027 年春季市场活动物料需求对接"
    if wanted(subject):
        _register(
            people,
            initiator="zhengkai",
            subject=subject,
            goal="与产品部确认 3 款新品的卖点文案与演示素材",
            departments=["PRD"],
            metric="素材套数",
            target_value=3,
            unit="套",
            background="春季展会 3 月初开展，需提前准备",
        )

    subject = "官网改版技术支持"
    if wanted(subject):
        case = _register(
            people,
            initiator="zhengkai",
            subject=subject,
            goal="官网首页与产品页改版上线，页面打开时间不超过 2 秒",
            departments=["TECH", "QA"],
            metric="首页加载时间",
            target_value=2,
            unit="秒",
            background="现官网为 2019 年版本，移动端体验差，市场部收到大量客户反馈",
        )
        services.request_submit(actor=people["zhengkai"], request=case)
        services.request_urge(actor=people["zhengkai"], request=case)
        _backdate(case, 2)

    subject = "竞品分析报告协作"
    if wanted(subject):
        case = _register(
            people,
            initiator="taoran",
            subject=subject,
            goal="完成主要竞品的功能对比",
            departments=["PRD"],
            background="销售团队需要应对竞品报价",
        )
        services.request_submit(actor=people["taoran"], request=case)
        services.request_return(
            actor=people["wufang"],
            request=case,
            reason_code="goal_not_measurable",
            comment="请明确对比哪几家竞品、输出哪些维度，目标需可量化。",
            receiver_clear=True,
            deadline_reasonable=True,
        )
        _backdate(case, 4)

    subject = "远航物流 TMS 接口对接需求"
    if wanted(subject):
        case = _register(
            people,
            initiator="fenglei",
            subject=subject,
            goal="完成与远航物流 TMS 系统的运单接口对接，日处理运单 5 万单",
            departments=["TECH"],
            contacts=["高建华"],
            metric="日处理运单",
            target_value=50000,
            unit="单",
            role=Case.InitiatorRole.ACCOUNT_MANAGER,
            background="远航物流为年度重点客户，合同约定 Q1 完成对接",
        )
        services.request_submit(actor=people["fenglei"], request=case)
        services.request_approve(
            actor=people["wufang"], request=case, comment="重点客户，请尽快推进", **ALL_CHECKS
        )
        tech = case.receivers.get(department__code="TECH")
        services.sync_record_add(
            actor=people["fenglei"],
            request=case,
            receiver=tech,
            channel="dingtalk",
            sent_at=timezone.now() - datetime.timedelta(hours=5),
            recipients="朱明、秦浩",
            materials="《沟通需求登记表》、远航 TMS 接口文档 v2.3",
        )
        _backdate(case, 6)

    subject = "客服工单系统优化"
    if wanted(subject):
        case = _register(
            people,
            initiator="chuyang",
            subject=subject,
            goal="工单平均响应时间从 4 小时缩短到 2 小时",
            departments=["PRD"],
            metric="平均响应时间",
            target_value=2,
            unit="小时",
            background="客户满意度调查显示响应慢是主要投诉点",
        )
        services.request_submit(actor=people["chuyang"], request=case)
        services.request_approve(actor=people["chenjing"], request=case, **ALL_CHECKS)
        _sync_all(people, case)
        services.request_finish_sync(actor=people["chuyang"], request=case)
        plan = _plan(
            people,
            case,
            author="shenli",
            coordinator="hanxue",
            content="产品部梳理工单流转规则并设计自动分派；客服部提供近 3 个月工单数据。",
            milestones=[("需求调研完成", 10), ("方案评审", 20), ("上线试运行", 35)],
        )
        services.plan_propose(actor=people["shenli"], plan=plan)
        services.plan_sign(actor=people["jiangtao"], plan=plan, comment="产品部确认")
        _backdate(case, 10)

    subject = "瑞丰零售门店数字化需求调研"
    if wanted(subject):
        case = _register(
            people,
            initiator="weilin",
            subject=subject,
            goal="收集 10 家重点门店对收银与会员模块的修改建议",
            departments=["PRD", "TECH"],
            contacts=["林晓梅"],
            metric="调研门店数",
            target_value=10,
            unit="家",
            role=Case.InitiatorRole.ACCOUNT_MANAGER,
            background="因市场反馈原功能不满足门店场景需求",
        )
        services.request_submit(actor=people["weilin"], request=case)
        services.request_approve(actor=people["chenjing"], request=case, **ALL_CHECKS)
        _sync_all(people, case)
        services.kickoff_record(
            actor=people["weilin"],
            request=case,
            mode="online",
            held_at=timezone.now() - datetime.timedelta(hours=2),
            location="腾讯会议 583-201-774",
            invited=[people["jiangtao"], people["zhuming"], people["qinhao"], people["chenjing"]],
            attended=[people["jiangtao"], people["qinhao"], people["chenjing"]],
            external_attendees="林晓梅（瑞丰零售）",
            minutes="客户经理讲解需求背景、目标与核心诉求；各方确认调研范围与接口人。",
            decisions="产品部一周内提交协作方案；客户方提供 3 名门店店长参与访谈。",
        )
        services.request_finish_sync(actor=people["weilin"], request=case)
        plan = _plan(
            people,
            case,
            author="shenli",
            coordinator="shenli",
            content=(
                "产品部牵头门店访谈与需求整理；"
                "技术部评估改造工作量（约 15 个工作日，需测试部配合）。"
            ),
            milestones=[("访谈提纲确定", 7), ("门店访谈完成", 21), ("需求评审", 30)],
        )
        services.plan_propose(actor=people["shenli"], plan=plan)
        for signer in ("chenjing", "jiangtao", "qinhao"):
            services.plan_sign(actor=people[signer], plan=plan)
        receiver = case.receivers.get(kind=Receiver.Kind.EXTERNAL)
        path = services.plan_external_link_create(
            actor=people["weilin"], plan=plan, receiver=receiver
        )
        services.plan_external_decide(
            token=path.rstrip("/").rsplit("/", 1)[-1],
            typed_name="林晓梅",
            ip="127.0.0.1",
            agree=True,
            comment="同意，请按里程碑推进",
        )
        _backdate(case, 14)

    stdout.write(f"Demo requests: {Case.objects.count()} in all.")


register_demo_seeder(seed_requests)
