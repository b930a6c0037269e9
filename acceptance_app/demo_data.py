"""Demo cases for stages 5–6, so the acceptance and retrospective pages have history: one case
waiting for its initiator's acceptance, one sent back once and accepted on its second delivery
(its retrospective half written), and two archived with filed retrospectives, one of them
accepted by the customer through a one-time link.

Each case is built through the services, from registration to its last step, and found again
by its subject: re-running seed_demo changes nothing. The services run now; ``_Timeline`` then
moves what they wrote to the days the story happened (the way the earlier demo modules
back-date, with queryset updates), and the filed metrics are computed again from the
back-dated records."""

from __future__ import annotations

import bisect
import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from acceptance_app import services
from acceptance_app.metrics import retrospective_metrics
from acceptance_app.models import (
    AcceptanceReview,
    Delivery,
    DeliveryFile,
    DeliveryItem,
    Retrospective,
    SatisfactionRating,
)
from acceptance_app.services import ItemData, Verdict, WriteUp
from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.lib.demo_registry import register_demo_seeder
from collab_portal.notifications.models import Notification
from collab_portal.org.seeding import DEMO_PASSWORD
from collab_portal.signoffs.canonical import take_snapshot
from collab_portal.signoffs.integrity import resealed
from collab_portal.signoffs.models import ExternalLink, SignOff
from requests_app.models import CollabPlan, KickoffMeeting, Milestone, Receiver, Review, SyncRecord
from risks_app import services as risk_services
from risks_app.models import Instruction, Risk
from tasks_app import services as task_services
from tasks_app.demo_data import _add_tree, _case_to_breakdown, _move
from tasks_app.models import ProgressUpdate, Task, TaskDateChange

ONE_DAY = datetime.timedelta(days=1)
READ_AFTER = datetime.timedelta(days=7)  # older notifications were read long ago


# ---------------------------------------------------------------------------------------------
# Moving what the services wrote into the past

# The records the services write for a case (and their history): each of their timestamps
# moves by the shift of the moment it was written at; a link's expiry moves with its creation.
# Sign-offs move too (demo data only: the portal never changes a recorded sign-off), so the
# printed forms show when each decision was "made"; _reseal_signatures then seals them again.
STAMPED = [
    Activity,
    Notification,
    Case,
    Review,
    SyncRecord,
    KickoffMeeting,
    CollabPlan,
    Task,
    TaskDateChange,
    ProgressUpdate,
    Risk,
    Instruction,
    Delivery,
    DeliveryItem,
    DeliveryFile,
    AcceptanceReview,
    Retrospective,
    SatisfactionRating,
    ExternalLink,
    SignOff,
]
MOVES_WITH = {(ExternalLink, "expires_at"): "created_at"}

# When the steps of stages 1–2 happened, by timeline verb: (day after registration, hour,
# minute); None: right after the step before.
OPENING = {
    "create": (0, 9, 30),
    "submit": (0, 10, 5),
    "approve": (1, 14, 20),
    "sync_record": (2, 9, 40),
    "sync_ack": (2, 15, 10),
    "kickoff": (4, 14, 0),
    "sync_done": (4, 16, 30),
    "plan_draft": (6, 10, 0),
    "plan_propose": (7, 9, 30),
    "plan_sign": (8, 11, 0),
    "plan_link": (8, 14, 0),
    "plan_confirmed": None,
}


def _stamped_fields():
    """(model, [(timestamp, the timestamp that says when it was written)]) to move."""
    histories = [model.history.model for model in STAMPED if hasattr(model, "history")]
    for model in STAMPED + histories:
        yield (
            model,
            [
                (f.name, MOVES_WITH.get((model, f.name), f.name))
                for f in model._meta.concrete_fields
                if isinstance(f, models.DateTimeField)
            ],
        )


class _Timeline:
    """One case's story in the past. ``at(day, …)`` says that what the services write from now
    on happened at that moment; ``apply()`` moves every row written since the first mark to its
    moment, keeping the order (and the milliseconds) in which it was written."""

    def __init__(self, start: datetime.date):
        self.start = start
        self._anchors: list[tuple[datetime.datetime, datetime.datetime]] = []  # (real, demo)
        self._last: datetime.datetime | None = None

    def day(self, offset: int) -> datetime.date:
        return self.start + datetime.timedelta(days=offset)

    def moment(self, day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
        """A moment on a working day (a weekend counts as the Friday before), after the last
        one."""
        while day.weekday() >= 5:
            day -= ONE_DAY
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
        if self._last is not None and moment <= self._last:
            moment = self._last + datetime.timedelta(minutes=7)
        if moment >= timezone.now() - datetime.timedelta(hours=1):
            raise ValueError(f"demo moment {moment} is not in the past")
        self._last = moment
        return moment

    def at(self, offset: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
        return self.mark(self.day(offset), hour, minute)

    def mark(self, day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
        moment = self.moment(day, hour, minute)
        self._anchors.append((timezone.now(), moment))
        return moment

    def anchor(self, real: datetime.datetime, moment: datetime.datetime) -> None:
        """What was written from ``real`` on happened at ``moment`` (``real`` is later than
        every mark so far)."""
        self._anchors.append((real, moment))

    def spread_opening(self, case: Case) -> None:
        """Stages 1–2 ran in one call; spread them over the days after registration."""
        activities = Activity.objects.filter(
            subject_type=ContentType.objects.get_for_model(Case), subject_id=str(case.pk)
        ).order_by("pk")
        for activity in activities:
            when = OPENING.get(activity.verb)
            if when is None:
                moment = self.moment(self._last.date(), self._last.hour, self._last.minute)
            else:
                day, hour, minute = when
                moment = self.moment(self.day(day), hour, minute)
            self.anchor(activity.created_at, moment)

    def apply(self) -> None:
        end = timezone.now() + datetime.timedelta(seconds=1)
        anchors = sorted(self._anchors)
        starts = [real for real, _demo in anchors]
        first = starts[0]

        def moved(value: datetime.datetime) -> datetime.datetime:
            real, demo = anchors[bisect.bisect_right(starts, value) - 1]
            return value - (real - demo)

        def written(value) -> bool:
            return value is not None and first <= value < end

        mine = list(
            Notification.objects.filter(created_at__gte=first, created_at__lt=end).values_list(
                "pk", flat=True
            )
        )
        for model, fields in _stamped_fields():
            names = list(dict.fromkeys(name for pair in fields for name in pair))
            when = Q()
            for _name, anchor in fields:
                when |= Q(**{f"{anchor}__gte": first, f"{anchor}__lt": end})
            for row in model.objects.filter(when).values("pk", *names):
                changes = {
                    name: row[name] - (row[anchor] - moved(row[anchor]))
                    for name, anchor in fields
                    if written(row[anchor]) and row[name] is not None
                }
                model.objects.filter(pk=row["pk"]).update(**changes)
        Notification.objects.filter(
            pk__in=mine, read_at=None, created_at__lt=timezone.now() - READ_AFTER
        ).update(read_at=F("created_at") + datetime.timedelta(hours=2))


# ---------------------------------------------------------------------------------------------
# The cases


@dataclass
class _Spec:
    subject: str
    initiator: str
    approver: str
    goal: str
    departments: list[str]
    plan_author: str
    coordinator: str
    signers: list[str]
    started: int  # registered this many days ago
    published: int  # the WBS published this many days after registration
    wbs: list
    planned_days: int  # the expected deadline, days after registration
    contacts: list[str] = field(default_factory=list)
    finish: dict[str, int] = field(default_factory=dict)  # task → days after its due date


def _rebased(items, shift: int) -> list:
    """The WBS with its start offsets moved from "days after registration" to "days from
    today", as ``tasks_app.demo_data._add_tree`` reads them."""
    rebased = []
    for name, owner, department, start, duration, deliverable, key, *rest in items:
        children = [_rebased(rest[0], shift)] if rest else []
        rebased.append(
            (name, owner, department, start + shift, duration, deliverable, key, *children)
        )
    return rebased


def _open(people, spec: _Spec) -> tuple[Case, _Timeline]:
    """Registered ``spec.started`` days ago, approved, synchronised, planned, signed by every
    side and its task breakdown published."""
    timeline = _Timeline(timezone.localdate() - datetime.timedelta(days=spec.started))
    timeline.at(0, 9, 25)
    case = _case_to_breakdown(
        people,
        subject=spec.subject,
        initiator=spec.initiator,
        approver=spec.approver,
        goal=spec.goal,
        departments=spec.departments,
        contacts=spec.contacts,
        plan_author=spec.plan_author,
        coordinator=spec.coordinator,
        signers=spec.signers,
        deadline_days=21,  # the least the plan accepts; _reset_plan_dates sets the real one
    )
    timeline.spread_opening(case)
    timeline.at(spec.published - 2, 15, 0)
    _add_tree(people, case, spec.coordinator, _rebased(spec.wbs, -spec.started))
    timeline.at(spec.published, 10, 0)
    task_services.wbs_publish(actor=people[spec.coordinator], request=case)
    return case, timeline


def _work(people, case, timeline: _Timeline, spec: _Spec, extra=()) -> None:
    """Every leaf task started on its start date and finished on its due date (or as
    ``spec.finish`` says); ``extra`` adds (day offset, hour, callable) steps in between."""
    events = []
    leaves = Task.objects.filter(request=case, children__isnull=True).order_by("start_on", "pk")
    for index, task in enumerate(leaves):
        events.append(
            (task.start_on, 9, index, lambda t=task: _move(people, t.name, case, "task_start"))
        )
        late = spec.finish.get(task.name, 0)
        finished = task.due_on + datetime.timedelta(days=late)
        while late > 0 and finished.weekday() >= 5:  # late stays late: the Monday after
            finished += ONE_DAY
        events.append(
            (finished, 17, index, lambda t=task: _move(people, t.name, case, "task_complete"))
        )
    for offset, hour, step in extra:
        events.append((timeline.day(offset), hour, -1, step))
    for day, hour, index, step in sorted(events, key=lambda e: (e[0], e[1], e[2])):
        timeline.mark(day, hour, max(index, 0) % 50)
        step()


def _deliver(people, case, coordinator: str, items) -> Delivery:
    for task_name, name, version, quantity, notes in items:
        services.delivery_item_add(
            actor=people[coordinator],
            request=case,
            data=ItemData(
                task=Task.objects.get(request=case, name=task_name),
                name=name,
                version=version,
                quantity=quantity,
                notes=notes,
            ),
        )
    return services.latest_delivery(case)


def _verdicts(delivery: Delivery, failed=None, comments=None) -> dict[int, Verdict]:
    failed, comments = failed or {}, comments or {}
    return {
        item.pk: Verdict(passed=False, comment=failed[item.name])
        if item.name in failed
        else Verdict(passed=True, comment=comments.get(item.name, ""))
        for item in delivery.items.all()
    }


def _rate(people, case, ratings) -> None:
    retrospective = Retrospective.objects.get(request=case)
    for code, head, score, comment in ratings:
        services.rating_save(
            actor=people[head],
            retrospective=retrospective,
            receiver=Receiver.objects.get(request=case, department__code=code),
            score=score,
            comment=comment,
        )


def _reset_plan_dates(case, timeline: _Timeline, spec: _Spec) -> None:
    """The plan's dates as they were agreed then (the services only accept future dates)."""
    deadline = timeline.day(spec.planned_days)
    Case.objects.filter(pk=case.pk).update(expected_deadline=deadline)
    for milestone in Milestone.objects.filter(plan__request=case):
        due = timeline.day(spec.published + 12) if milestone.position == 0 else deadline
        Milestone.objects.filter(pk=milestone.pk).update(due_on=due)


def _reseal_signatures(case) -> None:
    """Demo data only: the story moved the sign-offs' times and the plan's dates after they
    were signed, so each signature of the case is taken again over its record as it now reads
    and sealed with its moved time — as if signed then (the portal never changes a sign-off)."""
    case = Case.objects.get(pk=case.pk)  # as the story left it
    for record in [case, *case.plans.all(), *case.deliveries.all()]:
        for signoff in SignOff.objects.filter(
            target_type=ContentType.objects.get_for_model(record), target_id=str(record.pk)
        ).select_related("target_type"):
            signoff.snapshot = take_snapshot(record)
            resealed(SignOff.objects, signoff)


def _finish_opening(case) -> None:
    """Materials went out shortly before they were recorded; the kickoff was held before its
    minutes were typed."""
    SyncRecord.objects.filter(request=case).update(
        sent_at=F("recorded_at") - datetime.timedelta(minutes=40)
    )
    KickoffMeeting.objects.filter(request=case).update(
        held_at=F("recorded_at") - datetime.timedelta(hours=2)
    )
    for meeting in KickoffMeeting.objects.filter(request=case):
        Activity.objects.filter(
            verb="kickoff",
            target_type=ContentType.objects.get_for_model(KickoffMeeting),
            target_id=str(meeting.pk),
        ).update(
            comment=f"{timezone.localtime(meeting.held_at):%Y-%m-%d %H:%M} · {meeting.location}"
        )


def _refreeze_metrics(case, filed_on: datetime.date) -> None:
    """Filing froze the figures before the back-dating; freeze them again as of the filing."""
    case = Case.objects.get(pk=case.pk)
    Retrospective.objects.filter(request=case).update(
        metrics=retrospective_metrics(case, today=filed_on).as_json()
    )


# --- CR-…-0010: waiting for the initiator's acceptance ----------------------------------------

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


# --- CR-…-0011: sent back once, accepted on version 2, retrospective half written ---------------

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
        delivery=services.latest_delivery(case),
        summary="按验收意见完成整改，请复验。",
        changes="修复弱网下照片上传失败；离线填写的记录在网络恢复后自动补传；补充整改说明与弱网实测记录。",
    )
    timeline.at(65, 14, 45)
    v2 = services.latest_delivery(case)
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


# --- CR-…-0012: archived, accepted by the initiator ---------------------------------------------

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


# --- CR-…-0013: archived, accepted by the customer through the link ---------------------------

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


@transaction.atomic
def seed_acceptance(*, people, stdout) -> None:
    existing = set(Case.objects.values_list("subject", flat=True))
    if LAUNCH.subject not in existing:
        case = _seed_launch(people)
        stdout.write(f"Demo acceptance: {case.code} accepting, v1 waits for zhengkai.")
    if INSPECTION.subject not in existing:
        case = _seed_inspection(people)
        stdout.write(
            f"Demo acceptance: {case.code} accepted on v2 after a rework; retrospective half "
            "written, qinhao (for zhuming) still to rate."
        )
    if SUPPLIERS.subject not in existing:
        case = _seed_suppliers(people)
        stdout.write(f"Demo acceptance: {case.code} archived with its retrospective.")
    if TRAINING.subject not in existing:
        case = _seed_training(people)
        stdout.write(f"Demo acceptance: {case.code} accepted by 高建华 through the link, archived.")


register_demo_seeder(seed_acceptance)
