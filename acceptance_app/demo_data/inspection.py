"""CR-…-0011: sent back once, accepted on version 2, retrospective half written."""

from __future__ import annotations

from acceptance_app import services
from acceptance_app.demo_data.steps import (
    _deliver,
    _finish_opening,
    _open,
    _rate,
    _reseal_signatures,
    _reset_plan_dates,
    _Spec,
    _verdicts,
    _work,
)
from acceptance_app.models import DeliveryItem, Retrospective
from acceptance_app.selectors import latest_delivery
from acceptance_app.services import ItemData, WriteUp
from cases.models import Case
from collab_portal.org.seeding import DEMO_PASSWORD
from tasks_app import services as task_services
from tasks_app.models import Task

INSPECTION = _Spec(
    subject="门店巡检小程序开发",
    initiator="weilin",
    approver="chenjing",
    goal="试点 20 家门店用小程序完成日常巡检，巡检记录线上化率 100%",
    departments=["TECH", "QA"],
    plan_author="xuliang",
    coordinator="xuliang",
    signers=["chenjing", "qinhao", "lvqian"],
    started=75,
    published=10,
    planned_days=60,
    wbs=[
        (
            "需求与设计",
            "xuliang",
            "TECH",
            10,
            12,
            "",
            False,
            [
                (
                    "巡检项清单梳理",
                    "weilin",
                    "CS",
                    10,
                    5,
                    "覆盖卫生、陈列、安全、设备 4 类共 60 项，经客服部确认",
                    False,
                ),
                (
                    "交互原型",
                    "xuliang",
                    "TECH",
                    13,
                    6,
                    "高保真原型覆盖巡检、整改、统计三条主流程",
                    False,
                ),
                ("技术方案", "hejun", "TECH", 15, 5, "含离线缓存与图片压缩方案，评审通过", True),
            ],
        ),
        (
            "开发实现",
            "xuliang",
            "TECH",
            21,
            24,
            "",
            False,
            [
                (
                    "巡检小程序前端",
                    "xuliang",
                    "TECH",
                    21,
                    16,
                    "支持离线填写与拍照，弱网下可正常提交",
                    True,
                ),
                (
                    "巡检后台服务",
                    "hejun",
                    "TECH",
                    21,
                    14,
                    "接口文档齐全，单元测试覆盖率 ≥ 80%",
                    False,
                ),
                (
                    "管理端统计报表",
                    "youjia",
                    "TECH",
                    30,
                    10,
                    "按门店、区域、巡检项统计，支持导出 Excel",
                    False,
                ),
                (
                    "整改逾期提醒",
                    "youjia",
                    "TECH",
                    36,
                    6,
                    "整改逾期自动提醒门店店长与区域经理",
                    False,
                ),
            ],
        ),
        (
            "测试与试点",
            "lvqian",
            "QA",
            37,
            15,
            "",
            False,
            [
                ("功能测试", "shiyu", "QA", 37, 7, "用例执行率 100%，严重缺陷清零", True),
                (
                    "弱网与兼容性测试",
                    "zhangmin",
                    "QA",
                    40,
                    6,
                    "覆盖 iOS、安卓主流机型 12 款及弱网场景",
                    False,
                ),
                ("试点门店培训", "weilin", "CS", 46, 5, "20 家试点门店店长完成培训并签到", False),
            ],
        ),
    ],
    finish={"交互原型": -1, "巡检后台服务": -2, "管理端统计报表": 2},
)

INSPECTION_FAILED = (
    "门店弱网环境下拍照上传失败，离线填写的记录无法补传；请整改后重新交付，并附弱网测试结果。"
)


def _seed_inspection(people) -> Case:
    spec = INSPECTION
    case, timeline = _open(people, spec)
    _work(people, case, timeline, spec)
    coordinator = people[spec.coordinator]
    timeline.at(53, 11, 0)
    v1 = _deliver(
        people,
        case,
        spec.coordinator,
        [
            ("巡检项清单梳理", "门店巡检项清单", "v2.0", 1, "4 类 60 项，含评分标准"),
            ("巡检小程序前端", "巡检小程序（体验版）", "v1.0", 1, "体验版二维码见交付说明"),
            ("管理端统计报表", "巡检管理后台与统计报表", "v1.0", 1, ""),
            ("功能测试", "测试报告", "", 1, "功能测试与弱网、兼容性测试结果"),
            ("试点门店培训", "试点门店培训签到表", "", 20, "20 家门店店长全部签到"),
        ],
    )
    timeline.at(54, 9, 30)
    services.delivery_submit(
        actor=coordinator, delivery=v1, summary="试点版本开发、测试与培训已完成，请验收。"
    )
    timeline.at(56, 15, 10)
    services.acceptance_decide(
        actor=people[spec.initiator],
        delivery=v1,
        verdicts=_verdicts(v1, failed={"巡检小程序（体验版）": INSPECTION_FAILED}),
        comment="其余成果符合要求；小程序离线补传问题影响门店实际使用，退回整改。",
        password=DEMO_PASSWORD,
    )
    frontend = Task.objects.get(request=case, name="巡检小程序前端")
    timeline.at(61, 16, 0)
    services.delivery_item_add(
        actor=coordinator,
        request=case,
        data=ItemData(
            task=frontend,
            name="弱网补传整改说明",
            notes="问题原因、整改方案与 3 家门店弱网实测记录",
        ),
    )
    copied = DeliveryItem.objects.get(
        delivery__request=case, delivery__version=2, name="巡检小程序（体验版）"
    )
    services.delivery_item_update(
        actor=coordinator,
        item=copied,
        data=ItemData(
            task=frontend,
            name="巡检小程序（体验版）",
            version="v1.1",
            notes="离线记录本地缓存，网络恢复后自动补传；照片压缩到 500KB 以内",
        ),
    )
    timeline.at(62, 17, 30)
    task_services.task_complete(actor=people["xuliang"], task=frontend)
    timeline.at(63, 10, 15)
    services.delivery_submit(
        actor=coordinator,
        delivery=latest_delivery(case),
        summary="按验收意见完成整改，请复验。",
        changes="修复弱网下照片上传失败；离线填写的记录在网络恢复后自动补传；补充整改说明与弱网实测记录。",
    )
    timeline.at(65, 14, 45)
    v2 = latest_delivery(case)
    services.acceptance_decide(
        actor=people[spec.initiator],
        delivery=v2,
        verdicts=_verdicts(v2, comments={"巡检小程序（体验版）": "3 家门店弱网实测补传成功"}),
        comment="整改到位，同意验收。",
        password=DEMO_PASSWORD,
    )
    timeline.at(69, 11, 0)
    services.retrospective_save(
        actor=coordinator,
        retrospective=Retrospective.objects.get(request=case),
        data=WriteUp(
            went_well="需求阶段客服部带着巡检表逐项确认，开发过程中需求零变更；测试部提前一周介入，缺陷在试点前全部关闭。",
            problems=(
                "第一版没有考虑门店仓库、地下卖场的弱网环境，"
                "离线补传缺失导致验收被退回，返工 6 天。"
            ),
            lessons="",
            improvements="",
        ),
    )
    timeline.at(70, 15, 30)
    _rate(people, case, [("QA", "lvqian", 4, "需求清晰，测试介入早；弱网场景第一版考虑不足。")])
    timeline.apply()
    _finish_opening(case)
    _reset_plan_dates(case, timeline, spec)
    _reseal_signatures(case)
    return case
