"""Demo cases for stages 3–4: two executing with realistic trees (the confirmed case of the
requests demo stays in task breakdown with an empty WBS, to start from the manual's template),
some tasks done, delayed, blocked or overdue, two weeks of progress updates and a published
weekly summary. Built through the services; created once, found again by subject."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from cases.models import Case
from collab_portal.lib.demo_registry import register_demo_seeder
from collab_portal.org.models import Department, ExternalContact
from requests_app import services as request_services
from requests_app.models import Receiver
from requests_app.policies import side_decider, sides_to_sign_for
from tasks_app import services
from tasks_app.models import ProgressUpdate, Task, WbsTemplate, WbsTemplateItem
from tasks_app.services import TaskData
from tasks_app.standard_templates import add_manual_template

ALL_CHECKS = {"goal_quantifiable": True, "receiver_clear": True, "deadline_reasonable": True}
TODAY = timezone.localdate

# (name, owner, lead dept, start offset, duration days, deliverable, key, children)
SUPPLIER_WBS = [
    (
        "接口方案",
        "qinhao",
        "TECH",
        3,
        10,
        "",
        False,
        [
            ("接口需求确认", "qinhao", "TECH", 3, 3, "与供应商确认订单、库存、发货三类接口", True),
            ("接口规范编写", "youjia", "TECH", 6, 4, "规范含字段定义、错误码与重试策略", False),
            ("安全方案评审", None, "TECH", 10, 3, "", False),
            (
                "供应商账号开通",
                "jiangning",
                "TECH",
                8,
                2,
                "测试与生产账号各一套，权限最小化",
                False,
            ),
        ],
    ),
    (
        "系统对接",
        "zhuming",
        "TECH",
        13,
        20,
        "",
        False,
        [
            ("订单接口开发", "youjia", "TECH", 13, 8, "订单同步延迟 ≤ 5 分钟", True),
            ("库存接口开发", "hejun", "TECH", 13, 8, "库存数据每小时同步一次", False),
            ("发货通知接口", "hejun", "TECH", 21, 5, "发货通知送达率 ≥ 99.9%", False),
            ("异常告警配置", "jiangning", "TECH", 26, 4, "", False),
            ("联调测试", None, "TECH", 28, 5, "三类接口联调用例全部通过", True),
            ("接口文档发布", "youjia", "TECH", 30, 3, "", False),
        ],
    ),
    (
        "采购流程切换",
        "kongbin",
        "PUR",
        20,
        20,
        "",
        False,
        [
            ("采购流程梳理", "caoyue", "PUR", 20, 4, "新旧流程对照表经采购部确认", False),
            ("供应商培训", "caoyue", "PUR", 26, 3, "供应商完成操作培训并签字确认", False),
            ("试运行", "caoyue", "PUR", 30, 6, "试运行两周订单零差错", True),
            ("正式切换", "kongbin", "PUR", 36, 2, "旧流程停用通知已发出", True),
        ],
    ),
    (
        "验收与总结",
        "kongbin",
        "PUR",
        38,
        5,
        "",
        False,
        [
            ("财务对账验证", "huajian", "FIN", 38, 3, "对账差异为零", False),
            ("项目总结", "kongbin", "PUR", 41, 2, "总结报告含经验与改进项", False),
        ],
    ),
]


MEMBERSHIP_WBS = [
    (
        "需求与设计",
        "shenli",
        "PRD",
        -21,
        12,
        "",
        False,
        [
            (
                "需求规格说明书",
                "hanxue",
                "PRD",
                -21,
                5,
                "覆盖积分获取、消耗、过期全部场景，经产品评审通过",
                False,
            ),
            ("交互设计稿", "yangfan", "PRD", -18, 6, "高保真原型，含移动端与后台", False),
            ("技术方案评审", "qinhao", "TECH", -12, 3, "方案文档与评审纪要，评审结论为通过", True),
        ],
    ),
    (
        "开发实现",
        "zhuming",
        "TECH",
        -9,
        24,
        "",
        False,
        [
            ("积分账户服务", "youjia", "TECH", -9, 10, "接口文档齐全，单元测试覆盖率 ≥ 80%", True),
            (
                "积分规则引擎",
                "hejun",
                "TECH",
                -7,
                12,
                "支持 10 种规则配置，规则变更无需发版",
                False,
            ),
            ("兑换商城接口", "youjia", "TECH", 1, 8, "与商城联调通过，接口响应 ≤ 200ms", False),
            ("后台管理页面", "xuliang", "TECH", -3, 10, "运营可自助配置活动与规则", False),
            ("历史数据迁移脚本", "jiangning", "TECH", 3, 6, "迁移演练两次零差错", False),
            (
                "接口文档与联调",
                "hejun",
                "TECH",
                6,
                5,
                "接口文档发布到内部文档平台，联调记录齐全",
                False,
            ),
            ("安全评审整改", "qinhao", "TECH", 9, 4, "安全评审高危问题全部整改", True),
        ],
    ),
    (
        "测试验证",
        "lvqian",
        "QA",
        -5,
        26,
        "",
        False,
        [
            ("测试用例编写", "shiyu", "QA", -5, 6, "用例覆盖全部需求点并经评审", False),
            ("功能测试", "shiyu", "QA", 8, 7, "缺陷全部关闭或有处理结论", False),
            ("性能测试", "zhangmin", "QA", 12, 5, "峰值 2000 TPS 下 P95 ≤ 300ms", True),
            ("回归测试", "shiyu", "QA", 17, 4, "回归通过率 100%", False),
            ("用户验收测试", "shenli", "PRD", 18, 3, "业务方签署验收测试报告", True),
        ],
    ),
    (
        "上线发布",
        "qinhao",
        "TECH",
        21,
        6,
        "",
        False,
        [
            ("灰度发布", "jiangning", "TECH", 21, 3, "10% 用户灰度 48 小时无严重问题", True),
            ("全量发布", "jiangning", "TECH", 24, 2, "全量上线并完成监控告警配置", False),
            ("上线总结", "qinhao", "TECH", 25, 2, "上线报告含问题清单与改进项", False),
            ("运营培训", "hanxue", "PRD", 22, 3, "运营与客服完成培训并通过考核", False),
        ],
    ),
]

MANUAL_WBS = [
    (
        "客户需求对接",
        "fenglei",
        "MKT",
        -14,
        40,
        "",
        True,
        [
            (
                "需求调研问卷设计",
                "zhengkai",
                "MKT",
                -14,
                5,
                "问卷覆盖功能、体验、价格三个维度，经客户确认",
                False,
            ),
            (
                "客户访谈",
                "fenglei",
                "MKT",
                -8,
                18,
                "",
                False,
                [
                    ("访谈提纲制定", "zhengkai", "MKT", -8, 3, "提纲经产品部审阅", False),
                    (
                        "访谈对象预约",
                        "wangting",
                        "MKT",
                        -5,
                        4,
                        "预约 10 家重点客户并确认时间",
                        False,
                    ),
                    ("访谈执行", "fenglei", "MKT", -1, 8, "完成 10 家客户访谈并留存录音", True),
                    (
                        "访谈纪要整理",
                        "zhengkai",
                        "MKT",
                        6,
                        4,
                        "访谈纪要需包含客户核心诉求、优先级及建议",
                        False,
                    ),
                    (
                        "访谈录音归档",
                        "wangting",
                        "MKT",
                        8,
                        2,
                        "录音与纪要按客户归档到共享盘",
                        False,
                    ),
                ],
            ),
            (
                "需求整理",
                "hanxue",
                "PRD",
                10,
                6,
                "",
                False,
                [
                    (
                        "需求分类与去重",
                        "hanxue",
                        "PRD",
                        10,
                        2,
                        "需求按模块分类，重复需求合并",
                        False,
                    ),
                    ("优先级排序", "shenli", "PRD", 12, 2, "按客户价值与实现成本排序", False),
                    (
                        "需求清单编写",
                        "hanxue",
                        "PRD",
                        14,
                        2,
                        "需求清单按优先级排序并标注来源客户",
                        False,
                    ),
                ],
            ),
            (
                "需求评审",
                "jiangtao",
                "PRD",
                16,
                3,
                "",
                True,
                [
                    ("评审材料准备", "hanxue", "PRD", 16, 1, "评审材料含需求清单与影响分析", False),
                    ("评审会议", "jiangtao", "PRD", 17, 1, "产品、技术、市场三方参会", True),
                    ("评审纪要", "hanxue", "PRD", 18, 1, "评审纪要与结论经与会人确认", False),
                ],
            ),
            (
                "方案反馈",
                "fenglei",
                "MKT",
                19,
                5,
                "",
                False,
                [
                    ("反馈方案撰写", "fenglei", "MKT", 19, 2, "方案覆盖全部高优先级需求", False),
                    ("内部评审", "wufang", "MKT", 21, 1, "评审意见已落实", False),
                    ("客户确认", "fenglei", "MKT", 22, 2, "方案反馈函经客户签收", True),
                ],
            ),
        ],
    ),
]


def _days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


def _case_to_breakdown(
    people,
    *,
    subject,
    initiator,
    approver,
    goal,
    departments,
    contacts=(),
    plan_author,
    coordinator,
    signers,
    deadline_days=60,
):
    case = request_services.request_create(
        initiator=people[initiator],
        data=request_services.RegistrationData(
            subject=subject,
            goal=goal,
            expected_deadline=_days(deadline_days),
            initiator_role=Case.InitiatorRole.PROJECT_LIAISON,
            internal_departments=[Department.objects.get(code=code) for code in departments],
            external_contacts=[ExternalContact.objects.get(name=name) for name in contacts],
        ),
    )
    request_services.request_submit(actor=people[initiator], request=case)
    request_services.request_approve(actor=people[approver], request=case, **ALL_CHECKS)
    for receiver in case.receivers.all():
        record = request_services.sync_record_add(
            actor=people[initiator],
            request=case,
            receiver=receiver,
            channel="dingtalk" if receiver.is_internal else "email",
            sent_at=timezone.now() - datetime.timedelta(days=1),
            recipients=receiver.label,
            materials="《沟通需求登记表》、需求背景材料",
        )
        if receiver.is_internal:
            decider = side_decider(case, receiver.department)
            request_services.sync_acknowledge(actor=decider.person, record=record)
    if case.receivers.count() > 1:
        request_services.kickoff_record(
            actor=people[initiator],
            request=case,
            mode="offline",
            held_at=timezone.now() - datetime.timedelta(hours=20),
            location="总部 3 楼大会议室",
            invited=[people[name] for name in signers],
            attended=[people[name] for name in signers],
            minutes="发起人讲解需求背景、目标及核心诉求，各方确认分工与接口人。",
        )
    request_services.request_finish_sync(actor=people[initiator], request=case)
    plan = request_services.plan_save(
        actor=people[plan_author],
        request=case,
        data=request_services.PlanData(
            content="按 WBS 分阶段推进，每周五提交周报。",
            resource_needs="各部门按任务分工投入",
            risk_points="外部依赖与人员冲突",
            coordinator=people[coordinator],
            milestones=[("阶段评审", _days(20)), ("完成交付", _days(deadline_days - 5))],
        ),
    )
    request_services.plan_propose(actor=people[plan_author], plan=plan)
    for signer in signers:
        if sides_to_sign_for(people[signer], plan):
            request_services.plan_sign(actor=people[signer], plan=plan)
    for receiver in case.receivers.filter(kind=Receiver.Kind.EXTERNAL):
        path = request_services.plan_external_link_create(
            actor=people[initiator], plan=plan, receiver=receiver
        )
        request_services.plan_external_decide(
            token=path.rstrip("/").rsplit("/", 1)[-1],
            typed_name=receiver.contact.name,
            ip="127.0.0.1",
            agree=True,
        )
    case.refresh_from_db()
    return case


def _add_tree(people, case, coordinator, items, parent=None, draft=False):
    """Add the tree; a ``draft`` tree keeps the gaps publishing will list."""
    for item in items:
        name, owner, department, start, duration, deliverable, key, *rest = item
        task = services.wbs_task_add(
            actor=people[coordinator],
            request=case,
            parent=parent,
            data=TaskData(
                name=name,
                owner=people[owner] if owner else None,
                lead_department=Department.objects.get(code=department),
                start_on=_days(start),
                due_on=_days(start + duration - 1),
                deliverable_standard=deliverable or ("" if rest or draft else "阶段成果汇总"),
                is_key=key,
            ),
        )
        if rest:
            _add_tree(people, case, coordinator, rest[0], parent=task, draft=draft)


def _history(task: Task, *, days: int, final: int, note: str) -> None:
    """Past daily updates (the service only writes today's), rising to ``final``%."""
    updates = []
    for index in range(days, 0, -1):
        day = TODAY() - datetime.timedelta(days=index)
        if day.weekday() >= 5:
            continue
        percent = max(5, round(final * (days - index + 1) / days))
        updates.append(
            ProgressUpdate(task=task, author=task.owner, day=day, percent=percent, note=note)
        )
    ProgressUpdate.objects.bulk_create(updates, ignore_conflicts=True)
    if updates:
        Task.objects.filter(pk=task.pk).update(
            progress=updates[-1].percent, last_update_on=updates[-1].day
        )


def _move(people, name, case, action, **kwargs):
    task = Task.objects.get(request=case, name=name)
    actor = task.owner
    getattr(services, action)(actor=actor, task=task, **kwargs)
    return Task.objects.get(pk=task.pk)


def _ensure_manual_template() -> None:
    """The manual's template ships in a data migration; put it back if it is gone (a database
    flushed by tests, or an admin who deleted it), so the demo can start a WBS from it."""
    add_manual_template(WbsTemplate, WbsTemplateItem)


@transaction.atomic
def seed_tasks(*, people, stdout) -> None:
    _ensure_manual_template()
    existing = set(Case.objects.values_list("subject", flat=True))

    subject = "会员积分系统 V2 上线"
    if subject not in existing:
        case = _case_to_breakdown(
            people,
            subject=subject,
            initiator="hanxue",
            approver="jiangtao",
            goal="积分系统 V2 按期上线，活跃会员积分使用率提升到 35%",
            departments=["TECH", "QA"],
            plan_author="qinhao",
            coordinator="qinhao",
            signers=["jiangtao", "qinhao", "lvqian"],
        )
        _add_tree(people, case, "qinhao", MEMBERSHIP_WBS)
        services.wbs_publish(actor=people["qinhao"], request=case)
        for name in ("需求规格说明书", "交互设计稿", "技术方案评审"):
            _history(Task.objects.get(request=case, name=name), days=6, final=90, note="按计划推进")
            _move(people, name, case, "task_complete")
        for name in ("积分账户服务", "积分规则引擎", "后台管理页面", "测试用例编写"):
            task = _move(people, name, case, "task_start")
            _history(task, days=14, final=60, note="开发联调中")
        _move(
            people,
            "积分规则引擎",
            case,
            "task_report_delay",
            reason="产品新增 3 种规则类型，开发时间增加 2 天",
            new_date=_days(5),
        )
        _move(
            people,
            "测试用例编写",
            case,
            "task_report_block",
            reason="等待需求规格说明书 V1.2 的规则细节确认",
        )
        stdout.write(f"Demo tasks: {case.code} executing with {case.tasks.count()} tasks.")

    subject = "客户需求对接（手册示例）"
    if subject not in existing:
        case = _case_to_breakdown(
            people,
            subject=subject,
            initiator="fenglei",
            approver="wufang",
            goal="收集 10 家重点客户对功能模块的修改建议",
            departments=["PRD"],
            contacts=["高建华"],
            plan_author="hanxue",
            coordinator="fenglei",
            signers=["wufang", "jiangtao"],
        )
        _add_tree(people, case, "fenglei", MANUAL_WBS)
        services.wbs_publish(actor=people["fenglei"], request=case)
        _move(
            people,
            "需求调研问卷设计",
            case,
            "task_report_delay",
            reason="客户方反馈问卷需增加 3 个字段，导致设计时间增加 2 天",
            new_date=_days(1),
        )
        for name in ("访谈提纲制定", "访谈对象预约"):
            task = _move(people, name, case, "task_start")
            _history(task, days=5, final=70, note="持续推进")
        # The case has been running for three weeks: its history starts then.
        Case.objects.filter(pk=case.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=21)
        )
        last_week = TODAY() - datetime.timedelta(days=7)
        iso = last_week.isocalendar()
        summary = services.weekly_summary_draft(request=case, iso_year=iso[0], iso_week=iso[1])
        services.weekly_summary_update(
            actor=people["fenglei"],
            summary=summary,
            rag="amber",
            comments="问卷设计因客户新增字段延期 2 天，访谈预约同步推进，整体可控。",
        )
        services.weekly_summary_publish(actor=people["fenglei"], summary=summary)
        stdout.write(f"Demo tasks: {case.code} executing with {case.tasks.count()} tasks.")

    subject = "博达电子供应商门户对接"
    if subject not in existing:
        case = _case_to_breakdown(
            people,
            subject=subject,
            initiator="caoyue",
            approver="kongbin",
            goal="关键元器件订单、库存、发货与供应商系统直连，采购周期缩短 3 天",
            departments=["TECH"],
            contacts=["马骏"],
            plan_author="qinhao",
            coordinator="qinhao",
            signers=["kongbin", "qinhao"],
        )
        _add_tree(people, case, "qinhao", SUPPLIER_WBS, draft=True)
        stdout.write(f"Demo tasks: {case.code} in task breakdown with {case.tasks.count()} tasks.")


register_demo_seeder(seed_tasks)
