"""CR-…-0013: archived, accepted by the customer through the link."""

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
from acceptance_app.models import Retrospective
from acceptance_app.services import WriteUp
from cases.models import Case

TRAINING = _Spec(
    subject="远航物流调度员系统操作培训",
    initiator="fenglei",
    approver="wufang",
    goal="为远航物流 120 名调度员完成系统操作培训，考核通过率不低于 95%",
    departments=["CS", "HR"],
    contacts=["高建华"],
    plan_author="chenjing",
    coordinator="weilin",
    signers=["wufang", "chenjing", "jinmei"],
    started=78,
    published=10,
    planned_days=52,
    wbs=[
        (
            "培训准备",
            "weilin",
            "CS",
            10,
            18,
            "",
            False,
            [
                (
                    "培训需求调研",
                    "weilin",
                    "CS",
                    10,
                    5,
                    "访谈远航物流 3 个调度中心，形成需求清单",
                    False,
                ),
                ("培训大纲", "weilin", "CS", 14, 4, "大纲经客户信息化部确认", True),
                (
                    "操作手册编写",
                    "chuyang",
                    "CS",
                    16,
                    10,
                    "覆盖派单、改单、异常处理全部操作，配截图",
                    True,
                ),
                ("培训视频录制", "chuyang", "CS", 20, 6, "8 节操作视频，每节不超过 10 分钟", False),
            ],
        ),
        (
            "培训实施",
            "jinmei",
            "HR",
            26,
            18,
            "",
            False,
            [
                (
                    "培训场次安排",
                    "weidong",
                    "HR",
                    26,
                    4,
                    "3 个调度中心各 2 场，场地与设备确认",
                    False,
                ),
                ("现场培训", "weilin", "CS", 30, 10, "6 场培训签到率 ≥ 95%", True),
                ("考核试题编制", "weidong", "HR", 30, 5, "题库 100 题，含实操题 20 道", False),
                ("考核组织与阅卷", "weidong", "HR", 39, 5, "考核成绩统计与补考安排", False),
            ],
        ),
        ("培训效果评估报告", "weilin", "CS", 44, 5, "含满意度调查与考核结果分析，经客户确认", True),
    ],
    finish={"操作手册编写": 2, "培训场次安排": -1, "考核试题编制": -1},
)


def _seed_training(people) -> Case:
    spec = TRAINING
    case, timeline = _open(people, spec)
    _work(people, case, timeline, spec)
    coordinator = people[spec.coordinator]
    timeline.at(50, 15, 0)
    delivery = _deliver(
        people,
        case,
        spec.coordinator,
        [
            ("操作手册编写", "调度系统操作手册", "v1.2", 1, "按客户系统 3.6 版截图"),
            ("培训视频录制", "操作培训视频", "", 8, ""),
            (
                "考核组织与阅卷",
                "培训签到与考核成绩表",
                "",
                1,
                "应训 120 人，实训 118 人，通过 114 人",
            ),
            ("培训效果评估报告", "培训效果评估报告", "", 1, ""),
        ],
    )
    timeline.at(51, 9, 30)
    services.delivery_submit(
        actor=coordinator, delivery=delivery, summary="培训已全部完成，请客户验收。"
    )
    timeline.at(51, 10, 5)
    path = services.acceptance_link_create(actor=people[spec.initiator], delivery=delivery)
    timeline.at(53, 14, 30)
    services.acceptance_external_decide(
        token=path.rstrip("/").rsplit("/", 1)[-1],
        typed_name="高建华",
        ip="127.0.0.1",
        verdicts=_verdicts(delivery, comments={"调度系统操作手册": "调度员反馈手册实用"}),
        comment="培训组织有序，考核通过率 96.6%，同意验收。",
        user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
    )
    retrospective = Retrospective.objects.get(request=case)
    timeline.at(57, 10, 0)
    services.retrospective_save(
        actor=coordinator,
        retrospective=retrospective,
        data=WriteUp(
            went_well="客户信息化部全程参与大纲和手册评审，一次验收通过；线上视频让夜班调度员也能补课。",
            problems="客户系统中途升级到 3.6 版，操作手册截图重做，晚交 2 天。",
            lessons="培训材料开始制作前先与客户确认系统版本冻结时间。",
            improvements="操作手册按模块拆分，系统升级时只更新受影响章节；培训场地提前两周锁定。",
        ),
    )
    timeline.at(58, 9, 50)
    _rate(people, case, [("CS", "chenjing", 5, "客户认可度高，后续可复用到其他物流客户。")])
    timeline.at(58, 16, 15)
    _rate(people, case, [("HR", "jinmei", 4, "考核安排时间较紧，建议提前锁定场地。")])
    timeline.at(59, 11, 0)
    services.retrospective_file(actor=coordinator, retrospective=retrospective)
    timeline.apply()
    _finish_opening(case)
    _reset_plan_dates(case, timeline, spec)
    _reseal_signatures(case)
    _refreeze_metrics(case, timezone.localdate(Retrospective.objects.get(request=case).filed_at))
    return case
