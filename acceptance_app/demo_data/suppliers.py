"""CR-…-0012: archived, accepted by the initiator."""

from __future__ import annotations

from django.utils import timezone

from acceptance_app import services
from acceptance_app.demo_data.steps import (
    _deliver,
    _finish_opening,
    _open,
    _rate,
    _refreeze_metrics,
    _reseal_signatures,
    _reset_plan_dates,
    _Spec,
    _verdicts,
    _work,
)
from acceptance_app.demo_data.timeline import _Timeline
from acceptance_app.models import Retrospective
from acceptance_app.services import WriteUp
from cases.models import Case
from collab_portal.org.seeding import DEMO_PASSWORD
from risks_app import services as risk_services
from risks_app.models import Risk
from tasks_app import services as task_services
from tasks_app.models import Task

SUPPLIERS = _Spec(
    subject="年度供应商评审",
    initiator="caoyue",
    approver="kongbin",
    goal="完成 48 家在册供应商年度评审，形成下一年度合格供应商名录",
    departments=["QA", "FIN"],
    plan_author="lvqian",
    coordinator="shiyu",
    signers=["kongbin", "lvqian", "yanhong"],
    started=125,
    published=9,
    planned_days=52,
    wbs=[
        (
            "评审准备",
            "caoyue",
            "PUR",
            9,
            14,
            "",
            False,
            [
                (
                    "评审标准修订",
                    "caoyue",
                    "PUR",
                    9,
                    6,
                    "质量、交付、价格、服务四维度评分细则，经采购部经理审定",
                    True,
                ),
                (
                    "供应商资料收集",
                    "caoyue",
                    "PUR",
                    12,
                    10,
                    "48 家供应商资质与年度数据收集齐全",
                    False,
                ),
            ],
        ),
        (
            "数据评估",
            "lvqian",
            "QA",
            20,
            20,
            "",
            False,
            [
                (
                    "来料质量数据统计",
                    "zhangmin",
                    "QA",
                    20,
                    8,
                    "按供应商统计批次合格率与质量事故",
                    False,
                ),
                ("质量体系现场审核", "shiyu", "QA", 26, 12, "重点供应商 8 家现场审核报告", True),
                (
                    "付款与对账数据核查",
                    "huajian",
                    "FIN",
                    20,
                    8,
                    "对账差异逐项说明，账龄分析完整",
                    False,
                ),
                ("价格竞争力分析", "yanhong", "FIN", 26, 8, "主要物料价格与市场价对比分析", False),
            ],
        ),
        (
            "评审与发布",
            "kongbin",
            "PUR",
            38,
            14,
            "",
            False,
            [
                ("综合评分汇总", "caoyue", "PUR", 40, 4, "评分表经质量、财务双方复核签字", False),
                ("评审会议", "kongbin", "PUR", 44, 2, "评审结论与分级名单形成会议纪要", True),
                (
                    "合格供应商名录发布",
                    "caoyue",
                    "PUR",
                    46,
                    4,
                    "下一年度合格供应商名录经分管领导批准发布",
                    True,
                ),
                ("供应商结果通知", "caoyue", "PUR", 48, 3, "结果通知送达全部 48 家供应商", False),
            ],
        ),
    ],
    finish={
        "供应商资料收集": 2,
        "付款与对账数据核查": 1,
        "价格竞争力分析": -1,
        "质量体系现场审核": 2,
    },
)


def _supplier_steps(people, case, timeline: _Timeline):
    coordinator = people[SUPPLIERS.coordinator]

    def raise_risk():
        risk = risk_services.risk_raise(
            actor=people["caoyue"],
            request=case,
            data=risk_services.RiskData(
                owner=people["caoyue"],
                task=Task.objects.get(request=case, name="供应商资料收集"),
                description="7 家供应商未按时提交年度资质与质量数据，资料收集可能延期",
                category="external_delay",
                impact="medium",
                likelihood="high",
                measures="电话逐家催办并约定最晚提交日；逾期未交按资料缺失扣分",
                deadline=timezone.localdate(),
            ),
        )
        risk_services.risk_start_handling(actor=people["caoyue"], risk=risk)

    def resolve_risk():
        risk = Risk.objects.get(request=case)
        risk_services.risk_resolve(
            actor=people["caoyue"],
            risk=risk,
            resolution="5 家补交资料，2 家按规则扣分处理",
            evidence="供应商资料收集台账 v4",
        )

    def close_risk():
        risk_services.risk_close(actor=coordinator, risk=Risk.objects.get(request=case))

    def reschedule():
        task_services.task_change_due(
            actor=coordinator,
            task=Task.objects.get(request=case, name="质量体系现场审核"),
            new_due=timeline.day(39),
            reason="两家重点供应商现场审核时间冲突，顺延 2 天",
        )

    return [
        (16, 11, raise_risk),
        (23, 15, resolve_risk),
        (24, 10, close_risk),
        (35, 16, reschedule),
    ]


def _seed_suppliers(people) -> Case:
    spec = SUPPLIERS
    case, timeline = _open(people, spec)
    _work(people, case, timeline, spec, extra=_supplier_steps(people, case, timeline))
    coordinator = people[spec.coordinator]
    timeline.at(52, 14, 0)
    delivery = _deliver(
        people,
        case,
        spec.coordinator,
        [
            ("评审标准修订", "供应商评审标准（修订版）", "v3.0", 1, ""),
            ("质量体系现场审核", "质量体系现场审核报告", "", 8, "8 家重点供应商各一份"),
            ("综合评分汇总", "供应商综合评分表", "", 1, "48 家供应商，经质量、财务复核"),
            ("评审会议", "评审会议纪要", "", 1, ""),
            (
                "合格供应商名录发布",
                "新年度合格供应商名录",
                "",
                1,
                "合格 41 家、限期整改 5 家、淘汰 2 家",
            ),
        ],
    )
    timeline.at(53, 9, 45)
    services.delivery_submit(
        actor=coordinator, delivery=delivery, summary="年度评审已完成，名录已发布，请验收。"
    )
    timeline.at(55, 16, 10)
    services.acceptance_decide(
        actor=people[spec.initiator],
        delivery=delivery,
        verdicts=_verdicts(delivery, comments={"新年度合格供应商名录": "分级结论清晰"}),
        comment="评审过程规范，资料齐全，同意验收。",
        password=DEMO_PASSWORD,
    )
    retrospective = Retrospective.objects.get(request=case)
    timeline.at(58, 10, 30)
    services.retrospective_save(
        actor=coordinator,
        retrospective=retrospective,
        data=WriteUp(
            went_well="评分标准在启动前由三方确认，评审会一次通过；质量、财务数据口径统一，评分表复核无差错。",
            problems=(
                "7 家供应商资料提交延迟，资料收集比计划晚 2 天；两家重点供应商现场审核时间冲突。"
            ),
            lessons="供应商资料应在评审启动前一个月发出通知，并明确逾期扣分规则。",
            improvements="建立供应商资料线上提交入口；现场审核排期提前与供应商锁定。",
        ),
    )
    timeline.at(59, 14, 0)
    _rate(people, case, [("QA", "lvqian", 5, "评审标准清晰，分工明确，现场审核安排合理。")])
    timeline.at(60, 11, 20)
    _rate(people, case, [("FIN", "yanhong", 4, "对账数据口径前期沟通不足，返工一次，其余顺利。")])
    timeline.at(61, 16, 40)
    services.retrospective_file(actor=coordinator, retrospective=retrospective)
    timeline.apply()
    _finish_opening(case)
    _reset_plan_dates(case, timeline, spec)
    _reseal_signatures(case)
    Risk.objects.filter(request=case).update(deadline=timeline.day(24))
    _refreeze_metrics(case, timezone.localdate(Retrospective.objects.get(request=case).filed_at))
    return case
