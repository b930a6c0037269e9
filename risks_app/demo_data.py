"""Demo risks on the executing cases: open, escalated and answered, escalated and waiting,
resolved, closed. Built through the services; created once."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from cases.models import Case
from collab_portal.lib.demo_registry import register_demo_seeder
from risks_app import services
from risks_app.models import Risk
from risks_app.services import RiskData
from tasks_app.models import Task


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _raise(people, case, *, actor, owner, task=None, **fields):
    return services.risk_raise(
        actor=people[actor],
        request=case,
        data=RiskData(
            owner=people[owner],
            task=Task.objects.get(request=case, name=task) if task else None,
            **fields,
        ),
    )


@transaction.atomic
def seed_risks(*, people, stdout) -> None:
    membership = Case.objects.filter(subject="会员积分系统 V2 上线").first()
    if membership is not None and not membership.risks.exists():
        blocked = Task.objects.get(request=membership, name="测试用例编写")
        _raise(
            people,
            membership,
            actor="shiyu",
            owner="shiyu",
            task="测试用例编写",
            description=f"{blocked.status_reason}，测试用例编写无法推进",
            category="requirement_change",
            impact="medium",
            likelihood="high",
            measures="产品部本周内确认规则细节；测试部先编写已确认部分的用例",
            deadline=_days(3),
        )
        sms = _raise(
            people,
            membership,
            actor="jiangning",
            owner="jiangning",
            task="灰度发布",
            description="第三方短信平台接口限流，灰度期间积分到账通知可能延迟",
            category="external_delay",
            impact="high",
            likelihood="medium",
            measures="申请提高限流阈值，并准备备用短信通道",
            deadline=_days(12),
        )
        services.risk_instruct(
            actor=people["sunwei"],
            risk=sms,
            decision="add_resources",
            text="同意接入备用短信供应商，采购部协助加急签约",
            extra_resources="备用短信通道",
        )
        rules = _raise(
            people,
            membership,
            actor="hejun",
            owner="hejun",
            task="积分账户服务",
            description="营销部新增积分规则需求，账户服务接口需返工",
            category="requirement_change",
            impact="high",
            likelihood="high",
            measures="冻结本期规则范围，新增规则纳入二期",
            deadline=_days(4),
        )
        del rules  # waits for 孙伟's instruction: it shows in his 待我处理
        env = _raise(
            people,
            membership,
            actor="zhangmin",
            owner="zhangmin",
            description="性能测试环境服务器资源不足，无法模拟峰值流量",
            category="resources",
            impact="medium",
            likelihood="medium",
            measures="申请临时扩容 4 台压测机",
            deadline=_days(6),
        )
        services.risk_start_handling(actor=people["zhangmin"], risk=env)
        services.risk_resolve(
            actor=people["zhangmin"],
            risk=env,
            resolution="运维已临时扩容 4 台压测机",
            evidence="扩容工单 OPS-2026-1123",
        )
        services.risk_close(actor=people["qinhao"], risk=Risk.objects.get(pk=env.pk))
        stdout.write(f"Demo risks: {membership.risks.count()} on {membership.code}.")

    manual = Case.objects.filter(subject="客户需求对接（手册示例）").first()
    if manual is not None and not manual.risks.exists():
        risk = _raise(
            people,
            manual,
            actor="fenglei",
            owner="wangting",
            task="访谈对象预约",
            description="部分客户年底事务多，访谈时间难以协调",
            category="external_delay",
            impact="low",
            likelihood="medium",
            measures="提供线上访谈选项，必要时由客户经理上门",
            deadline=_days(5),
        )
        services.risk_start_handling(actor=people["wangting"], risk=risk)
        services.risk_resolve(
            actor=people["wangting"],
            risk=Risk.objects.get(pk=risk.pk),
            resolution="8 家客户改为线上访谈",
            evidence="访谈预约表 v3",
        )
        stdout.write(f"Demo risks: {manual.risks.count()} on {manual.code}.")


register_demo_seeder(seed_risks)
