"""CR-…-0010: waiting for the initiator's acceptance."""

from __future__ import annotations

from acceptance_app import services
from acceptance_app.demo_data.steps import (
    _deliver,
    _finish_opening,
    _open,
    _reseal_signatures,
    _reset_plan_dates,
    _Spec,
    _work,
)
from cases.models import Case

LAUNCH = _Spec(
    subject="新品发布会筹备",
    initiator="zhengkai",
    approver="wufang",
    goal="新品发布会如期举办，到场嘉宾不少于 200 人，直播观看不少于 5 万人次",
    departments=["PRD", "PUR"],
    plan_author="shenli",
    coordinator="wangting",
    signers=["wufang", "jiangtao", "kongbin"],
    started=48,
    published=11,
    planned_days=58,
    wbs=[
        (
            "活动策划",
            "wangting",
            "MKT",
            12,
            14,
            "",
            False,
            [
                (
                    "发布会执行方案",
                    "wangting",
                    "MKT",
                    12,
                    6,
                    "含流程、分工、预算与应急预案，经市场部经理审定",
                    True,
                ),
                (
                    "预算编制与审批",
                    "wangting",
                    "MKT",
                    16,
                    5,
                    "预算明细经财务审核，总额不超过 30 万元",
                    False,
                ),
                (
                    "嘉宾邀请名单",
                    "zhengkai",
                    "MKT",
                    18,
                    8,
                    "确认出席嘉宾不少于 200 人，含媒体 30 家",
                    False,
                ),
            ],
        ),
        (
            "产品内容准备",
            "jiangtao",
            "PRD",
            14,
            26,
            "",
            False,
            [
                (
                    "新品卖点提炼",
                    "shenli",
                    "PRD",
                    14,
                    5,
                    "3 款新品各提炼 5 条核心卖点，经产品总监确认",
                    False,
                ),
                (
                    "产品演示脚本",
                    "hanxue",
                    "PRD",
                    19,
                    7,
                    "演示时长 15 分钟，覆盖全部核心功能",
                    True,
                ),
                (
                    "产品演示视频",
                    "yangfan",
                    "PRD",
                    26,
                    10,
                    "1080P 成片 3 条，每条不超过 3 分钟",
                    False,
                ),
                ("产品参数手册", "hanxue", "PRD", 30, 6, "参数经研发确认无误，中英文各一版", False),
            ],
        ),
        (
            "场地与物料",
            "kongbin",
            "PUR",
            14,
            30,
            "",
            False,
            [
                ("场地比选与签约", "caoyue", "PUR", 14, 8, "比选不少于 3 家，合同已签署", True),
                ("舞台搭建与设备租赁", "caoyue", "PUR", 24, 10, "供应商合同与进场计划齐全", False),
                (
                    "宣传物料制作",
                    "caoyue",
                    "PUR",
                    28,
                    12,
                    "海报、易拉宝、伴手礼按清单到货，数量核对无误",
                    False,
                ),
            ],
        ),
        ("全流程彩排", "wangting", "MKT", 41, 3, "彩排记录与问题整改清单", True),
    ],
    finish={"新品卖点提炼": -1, "产品参数手册": -1, "舞台搭建与设备租赁": -2},
)


def _seed_launch(people) -> Case:
    spec = LAUNCH
    case, timeline = _open(people, spec)
    _work(people, case, timeline, spec)
    timeline.at(45, 16, 20)
    delivery = _deliver(
        people,
        case,
        spec.coordinator,
        [
            ("发布会执行方案", "发布会执行方案", "v3.0", 1, "含现场分工表与应急预案"),
            ("嘉宾邀请名单", "嘉宾确认名单", "", 1, "已确认出席 216 人，其中媒体 32 家"),
            ("产品演示视频", "产品演示视频", "v1.0", 3, "演示脚本同步附后"),
            ("产品参数手册", "产品参数手册（中英文）", "v1.1", 2, ""),
            ("场地比选与签约", "场地租赁合同及布置方案", "", 1, "国际会展中心 3 号厅"),
            ("宣传物料制作", "宣传物料验收清单", "", 1, "海报 40 张、易拉宝 12 个、伴手礼 250 份"),
            ("全流程彩排", "彩排记录与整改清单", "", 1, "彩排发现 6 个问题，已全部整改"),
        ],
    )
    timeline.at(46, 9, 40)
    services.delivery_submit(
        actor=people[spec.coordinator],
        delivery=delivery,
        summary="发布会筹备工作已全部完成，请按清单逐项验收。",
    )
    timeline.apply()
    _finish_opening(case)
    _reset_plan_dates(case, timeline, spec)
    _reseal_signatures(case)
    return case
