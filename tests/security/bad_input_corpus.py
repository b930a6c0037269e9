"""The bad-input corpus and the table of the portal's forms it is sent at.

Each ``FormSpec`` names the case stage it needs (a fixture of tests/*/fixtures.py), who posts,
the URL, a payload the form accepts, and the text fields the corpus replaces. The tests send one
POST per (form, corpus item) with every text field of the form set to that item."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

TODAY = timezone.localdate()
NEXT_WEEK = (TODAY + datetime.timedelta(days=7)).isoformat()
NEXT_MONTH = (TODAY + datetime.timedelta(days=30)).isoformat()
IN_TWO_WEEKS = (TODAY + datetime.timedelta(days=14)).isoformat()

# A payload that would run if it reached the page unescaped; the browser test looks for __xss.
SCRIPT = "<script>window.__xss=1;alert('xss')</script>"
IMG_ONERROR = '"><img src=x onerror="window.__xss=1;alert(1)">'
SVG_ONLOAD = "<svg/onload=window.__xss=1>"
TEMPLATE_VAR = "{{ request.user.password }}{{ settings.SECRET_KEY }}"
TEMPLATE_TAG = "{% debug %}{% load static %}{% csrf_token %}"

# One POST per item and form, so the kinds of trouble that do not exclude each other travel
# together.
CORPUS: dict[str, str] = {
    "oversized": "长" * 20_001,
    "markup": f"{SCRIPT}{IMG_ONERROR}{SVG_ONLOAD}<a href='javascript:window.__xss=1'>x</a>",
    "template_syntax": f"{TEMPLATE_VAR}{TEMPLATE_TAG}",
    "invisible_and_right_to_left": (
        "需\u200b求\u200c对\u200d接\ufeff \u202etxt.exe\u202c 报告\u200f"
    ),
    "nul": "需求\x00对接",
    "odd_but_storable": "a\x07b\x1bc\x7f '; DROP TABLE cases_case; -- 𠀀𝕏🧪",
    "only_spaces": "   \u3000 ",
}

# Values that are not dates, dates no calendar or database holds, or far outside what a form
# allows (issue 17: 0001-01-02 made every dashboard count two thousand years).
BAD_DATES = [
    "0000-00-00",
    "0001-01-02",
    "9999-12-31",
    "9999-99-99",
    "10000-01-01",
    "2026-02-30",
    "-1",
    "\x00",
    "x" * 500,
]

# Query-string garbage for the list and filter pages.
BAD_QUERY_VALUES = [
    "-99999999999999999999999999",
    "²",
    "\x00",
    "9999-99-99",
    "<script>alert(1)</script>" + "长" * 3000,
]


# A ``next`` (where a form sends the user back to) that must not be followed: not a path of
# this site, or one a redirect would take for a view's name. Each falls back to the page's own.
BAD_NEXT: dict[str, str] = {
    "bare_word": "abc",
    "dotted_host": "evil.example",
    "scheme_relative": "//evil.example",
    "absolute": "https://evil.example/",
    "javascript": "javascript:alert(1)",
    "backslashes": "/\\evil.example",
    "tab_in_scheme_relative": "/\t/evil.example",
    "header_injection": "/tasks/mine/\r\nSet-Cookie: stolen=1",
    "nul": "/\x00",
    "oversized": "/" + "a" * 20_000,
    "empty": "",
}
# Local paths a ``next`` may name: followed as they are.
GOOD_NEXT = ["/tasks/mine/", "/dashboard/list/tasks/?department=1&week=2026-W10"]

# What a hidden id field, or an id in a form's URL, may be tampered to.
BAD_IDS = ["abc", "²", "\x00", "99999999999999999999", "-1", "0", ""]


@dataclass
class FormSpec:
    """One form of the portal, posted by ``actor`` on a case at ``stage``."""

    name: str
    stage: str  # a fixture returning a case (or "company" for none)
    actor: str  # an attribute of the ``company`` fixture
    url: Callable  # (case, ctx) -> str
    payload: Callable  # (case, ctx) -> dict, accepted as is
    text_fields: tuple[str, ...]
    date_fields: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)


def case_of(stage_value):
    """The stage fixtures return a case, or a plan, a delivery or a retrospective of one."""
    return stage_value if hasattr(stage_value, "stage") else stage_value.request


def _leaf(case, name="客户访谈"):
    return case.tasks.get(name=name)


def _registration(case, ctx):
    company = ctx["company"]
    return {
        "subject": "客户需求对接",
        "goal": "收集 10 家客户的建议",
        "metric": "客户数",
        "target_value": "10",
        "unit": "家",
        "background": "市场反馈",
        "expected_deadline": NEXT_MONTH,
        "initiator_role": "project_liaison",
        "internal_departments": [company.tech.pk],
    }


def _review(case, ctx):
    return {
        "goal_quantifiable": "on",
        "receiver_clear": "on",
        "deadline_reasonable": "on",
        "comment": "同意",
        "decision": "approve",
    }


def _sync(case, ctx):
    return {
        "receiver": case.receivers.get().pk,
        "channel": "dingtalk",
        "sent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "recipients": "赵六",
        "materials": "登记表",
    }


def _kickoff(case, ctx):
    company = ctx["company"]
    return {
        "mode": "online",
        "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "location": "腾讯会议",
        "invited": [company.tech_head.pk],
        "attended": [company.tech_head.pk],
        "external_attendees": "无",
        "minutes": "讲解背景",
        "decisions": "按期推进",
    }


def _plan(case, ctx):
    return {
        "content": "技术部 15 个工作日完成",
        "resource_needs": "2 名开发",
        "risk_points": "接口延迟",
        "coordinator": ctx["company"].tech_staff.pk,
        "milestones-TOTAL_FORMS": "1",
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "30",
        "milestones-0-name": "需求确认",
        "milestones-0-due_on": NEXT_WEEK,
    }


def _task(case, ctx):
    company = ctx["company"]
    return {
        "name": "新任务",
        "owner": company.tech_staff.pk,
        "lead_department": company.tech.pk,
        "start_on": NEXT_WEEK,
        "due_on": NEXT_MONTH,
        "deliverable_standard": "交付物齐全",
        "description": "说明",
    }


def _task_url(view):
    def url(case, ctx):
        return reverse(f"tasks_app:{view}", args=[case_of(case).code, _leaf(case_of(case)).pk])

    return url


def _risk(case, ctx):
    return {
        "description": "客户接口延迟",
        "category": "other",
        "impact": "low",
        "likelihood": "low",
        "measures": "每日跟进",
        "deadline": NEXT_WEEK,
        "owner": ctx["company"].tech_staff.pk,
    }


def _item(case, ctx):
    return {
        "task": _leaf(case_of(case), "问卷设计").pk,
        "name": "调研问卷",
        "version": "v2",
        "quantity": "1",
    }


def _accept(delivery, ctx):
    data = {"comment": "通过"}
    for item in delivery.items.all():
        data[f"item_{item.pk}"] = "pass"
        data[f"comment_{item.pk}"] = "符合标准"
    return data


def _code_url(name):
    return lambda case, ctx: reverse(name, args=[case_of(case).code])


FORMS: list[FormSpec] = [
    FormSpec(
        "registration_create",
        "company",
        "sales_staff",
        lambda case, ctx: reverse("requests_app:create"),
        _registration,
        ("subject", "goal", "metric", "unit", "background"),
        ("expected_deadline",),
    ),
    FormSpec(
        "registration_edit",
        "draft",
        "sales_staff",
        _code_url("requests_app:edit"),
        _registration,
        ("subject", "goal", "metric", "unit", "background"),
        ("expected_deadline",),
    ),
    FormSpec(
        "review_approve",
        "pending",
        "sales_head",
        _code_url("requests_app:review"),
        _review,
        ("comment",),
    ),
    FormSpec(
        "review_return",
        "pending",
        "sales_head",
        _code_url("requests_app:review"),
        lambda case, ctx: {
            "reason_code": "information_missing",
            "comment": "目标不清",
            "decision": "return",
        },
        ("comment",),
    ),
    FormSpec(
        "cancel",
        "draft",
        "sales_staff",
        _code_url("requests_app:cancel"),
        lambda case, ctx: {"reason": "客户取消"},
        ("reason",),
    ),
    FormSpec(
        "sync_record",
        "syncing",
        "sales_staff",
        _code_url("requests_app:sync_add"),
        _sync,
        ("recipients", "materials"),
        ("sent_at",),
    ),
    FormSpec(
        "kickoff",
        "syncing",
        "sales_staff",
        _code_url("requests_app:kickoff"),
        _kickoff,
        ("location", "external_attendees", "minutes", "decisions"),
        ("held_at",),
    ),
    FormSpec(
        "plan_edit",
        "planning",
        "tech_staff",
        _code_url("requests_app:plan_edit"),
        _plan,
        ("content", "resource_needs", "risk_points", "milestones-0-name"),
        ("milestones-0-due_on",),
    ),
    FormSpec(
        "plan_sign",
        "proposed",
        "tech_head",
        _code_url("requests_app:plan_sign"),
        lambda case, ctx: {"comment": "同意", "decision": "confirm"},
        ("comment",),
    ),
    FormSpec(
        "wbs_task_add",
        "breakdown",
        "tech_staff",
        _code_url("tasks_app:wbs_add"),
        _task,
        ("name", "deliverable_standard", "description"),
        ("start_on", "due_on"),
    ),
    FormSpec(
        "wbs_template_save",
        "executing",
        "tech_staff",
        _code_url("tasks_app:wbs_template_save"),
        lambda case, ctx: {"name": "模板", "description": "说明"},
        ("name", "description"),
    ),
    FormSpec(
        "task_progress",
        "executing",
        "tech_staff",
        _task_url("task_progress"),
        lambda case, ctx: {"percent": "40", "note": "完成访谈 3 家"},
        ("note",),
    ),
    FormSpec(
        "task_delay",
        "executing",
        "tech_staff",
        _task_url("task_delay"),
        lambda case, ctx: {"reason": "客户改期", "new_date": IN_TWO_WEEKS},
        ("reason",),
        ("new_date",),
    ),
    FormSpec(
        "task_block",
        "executing",
        "tech_staff",
        _task_url("task_block"),
        lambda case, ctx: {"reason": "等待客户"},
        ("reason",),
    ),
    FormSpec(
        "task_due",
        "executing",
        "tech_staff",
        _task_url("task_due"),
        lambda case, ctx: {"new_due": IN_TWO_WEEKS, "reason": "客户改期"},
        ("reason",),
        ("new_due",),
    ),
    FormSpec(
        "risk_create",
        "executing",
        "tech_staff",
        _code_url("risks_app:risk_create"),
        _risk,
        ("description", "measures"),
        ("deadline",),
    ),
    FormSpec(
        "item_add",
        "delivered",
        "tech_staff",
        lambda delivery, ctx: reverse("acceptance_app:item_add", args=[delivery.request.code]),
        _item,
        ("name", "version", "notes"),
    ),
    FormSpec(
        "delivery_submit",
        "delivered",
        "tech_staff",
        lambda delivery, ctx: reverse(
            "acceptance_app:submit", args=[delivery.request.code, delivery.version]
        ),
        lambda delivery, ctx: {"summary": "请验收"},
        ("summary",),
    ),
    FormSpec(
        "delivery_accept",
        "submitted",
        "sales_staff",
        lambda delivery, ctx: reverse(
            "acceptance_app:accept", args=[delivery.request.code, delivery.version]
        ),
        _accept,
        ("comment",),
        extra={"item_comments": True},
    ),
    FormSpec(
        "retrospective_save",
        "in_retrospective",
        "tech_staff",
        lambda retro, ctx: reverse("acceptance_app:retrospective_save", args=[retro.request.code]),
        lambda retro, ctx: {
            "went_well": "按期",
            "problems": "排期紧",
            "lessons": "提前预约",
            "improvements": "模板化",
        },
        ("went_well", "problems", "lessons", "improvements"),
    ),
    FormSpec(
        "retrospective_rate",
        "in_retrospective",
        "tech_head",
        lambda retro, ctx: reverse(
            "acceptance_app:retrospective_rate",
            args=[retro.request.code, retro.request.receivers.get().pk],
        ),
        lambda retro, ctx: {"score": "4", "comment": "配合顺畅"},
        ("comment",),
    ),
    FormSpec(
        "delegation",
        "company",
        "sales_head",
        lambda case, ctx: reverse("org:my_delegations"),
        lambda case, ctx: {
            "delegate": ctx["company"].sales_staff.pk,
            "starts_on": TODAY.isoformat(),
            "ends_on": NEXT_WEEK,
            "reason": "出差",
        },
        ("reason",),
        ("starts_on", "ends_on"),
    ),
]

FORM_IDS = [spec.name for spec in FORMS]


# --- payloads stored on an executing case, for the pages that show them ------------------------

NAME_PAYLOAD = '<img src=x onerror="window.__xss=1">'  # a person's name (50 characters at most)


def store_payloads(company, case):
    """Put the markup and template payloads where the pages of ``case`` (executing) show them:
    the registration, a task's name and standard, a person's name, a risk, a progress note.
    Returns the raised risk."""
    from cases.models import Case
    from risks_app import services as risk_services
    from tasks_app import services as task_services
    from tasks_app.models import Task

    Case.objects.filter(pk=case.pk).update(
        subject=SCRIPT,
        goal=IMG_ONERROR,
        background=f"{TEMPLATE_VAR} {SVG_ONLOAD}",
        metric=SVG_ONLOAD,
    )
    company.tech_staff.display_name = NAME_PAYLOAD
    company.tech_staff.save(update_fields=["display_name"])
    interview = Task.objects.get(request=case, name="客户访谈")
    Task.objects.filter(pk=interview.pk).update(name=SCRIPT, deliverable_standard=IMG_ONERROR)
    interview.refresh_from_db()
    task_services.progress_save(
        actor=company.tech_staff, task=interview, percent=10, note=f"{SVG_ONLOAD}{TEMPLATE_TAG}"
    )
    return risk_services.risk_raise(
        actor=company.tech_staff,
        request=case,
        data=risk_services.RiskData(
            description=SCRIPT,
            category="other",
            impact="low",
            likelihood="low",
            measures=IMG_ONERROR,
            deadline=TODAY + datetime.timedelta(days=3),
            owner=company.tech_staff,
            task=interview,
        ),
    )


def pages_showing_payloads(case, risk, task_pk) -> list[str]:
    code = case.code
    return [
        reverse("dashboard:home"),
        reverse("requests_app:all"),
        case.get_absolute_url(),
        reverse("tasks_app:wbs", args=[code]),
        reverse("tasks_app:tracking", args=[code]),
        reverse("tasks_app:gantt", args=[code]),
        reverse("tasks_app:task", args=[code, task_pk]),
        reverse("tasks_app:my_tasks"),
        reverse("risks_app:register"),
        reverse("risks_app:case_register", args=[code]),
        risk.get_absolute_url(),
        reverse("acceptance_app:overview", args=[code]),
        reverse("insights:weekly"),
        reverse("notifications:list"),
    ]
