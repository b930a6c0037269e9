"""Risk rules (docs/process.md): a risk's deadline near or passed (a sweep), and a risk escalated
to the leader in charge — a major one at once on creation — which has no sweep: the service that
escalates writes the reminder in its own transaction (``risks_app.services``).

The sweep reads the open risks (open, being handled, escalated) of cases in execution or
acceptance — where risks are recorded — in one query, and the working-day calendar in one."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy

from collab_portal.calendar.workdays import WorkdayCalendar
from collab_portal.lib.stored_text import Text
from collab_portal.reminders.models import ReminderRule
from collab_portal.reminders.registry import Due, RuleDefaults, RuleSpec
from collab_portal.reminders.sweeps import (
    HOLIDAY_MARGIN,
    MORNING,
    Pending,
    RecordUrl,
    last_workday_on_or_before,
    repeats_today,
    today_of,
    unplanned,
    workdays_after,
)
from risks_app.models import Risk
from risks_app.policies import RISK_STAGES
from risks_app.services import ESCALATION_RULE

DEADLINE = "risk_deadline"


RISK_FIELDS = (
    "pk",
    "number",
    "description",
    "deadline",
    "owner_id",
    "owner__is_active",
    "owner__language",
    "request__code",
    "request__coordinator_id",
    "request__coordinator__is_active",
    "request__coordinator__language",
)


def deadline_sweep(*, rule: ReminderRule, now: datetime.datetime) -> list[Due]:
    """To the risk's owner and the case's coordinator: once when the deadline is ``lead_days``
    working days away (or on the last working day before it; period ``deadline-near:<date>``),
    then after it every ``repeat_days`` working days (1: every day the sweep runs; period
    today's date; 0: once, period ``deadline-passed:<date>``)."""
    today, lead = today_of(now), rule.lead_days
    upper = today + datetime.timedelta(days=lead * 7 // 5) + HOLIDAY_MARGIN
    rows = list(
        Risk.objects.open()
        .filter(request__stage__in=RISK_STAGES, deadline__lte=upper)
        .values(*RISK_FIELDS)
    )
    if not rows:
        return []
    since = min(row["deadline"] for row in rows)
    calendar = WorkdayCalendar(min(since, today - HOLIDAY_MARGIN), upper + HOLIDAY_MARGIN)
    passed = {row["deadline"] for row in rows if row["deadline"] < today}
    behind = workdays_after(calendar, passed, today)
    workday = calendar.is_workday(today)
    url = RecordUrl("risks_app:risk")
    pending = []
    for row in rows:
        deadline = row["deadline"]
        if deadline >= today:
            near = last_workday_on_or_before(calendar, deadline) <= today or (
                lead and calendar.add_workdays(deadline, -lead) <= today
            )
            if not near:
                continue
            period, title = f"deadline-near:{deadline}", _near_title
        else:
            repeat, days = rule.repeat_days, behind[deadline]
            if repeat == 0:
                period = f"deadline-passed:{deadline}"
            elif repeat == 1 or repeats_today(
                behind=days, first=1, repeat_days=repeat, workday=workday
            ):
                period = today.isoformat()
            else:
                continue
            title = _passed_title
        pending += _pending_for(row, period=period, title=title, url=url)
    return unplanned(rule, pending, now=now)


def _pending_for(row: dict, *, period: str, title, url: RecordUrl) -> list[Pending]:
    """The reminders to the owner and to the coordinator (once when they are the same)."""
    recipients = {}
    if row["owner__is_active"]:
        recipients[row["owner_id"]] = row["owner__language"]
    if row["request__coordinator_id"] and row["request__coordinator__is_active"]:
        recipients.setdefault(row["request__coordinator_id"], row["request__coordinator__language"])
    return [
        Pending(
            Risk,
            row["pk"],
            recipient,
            period,
            lambda recipient=recipient, language=language: Due(
                target=Risk(pk=row["pk"]),
                recipient_id=recipient,
                period=period,
                title=title(row),
                body=row["description"][:200],
                url=url(row["request__code"], row["number"]),
            ),
        )
        for recipient, language in recipients.items()
    ]


def _values(row: dict) -> dict:
    return {
        "code": f"R{row['number']:02d}",
        "case": row["request__code"],
        "date": row["deadline"],
    }


def _near_title(row: dict) -> Text:
    return Text(
        gettext_lazy("Risk %(code)s of %(case)s is to be resolved by %(date)s"), **_values(row)
    )


def _passed_title(row: dict) -> Text:
    return Text(
        gettext_lazy("Risk %(code)s of %(case)s is past its resolution deadline (%(date)s)"),
        **_values(row),
    )


RULES = (
    RuleSpec(
        key=DEADLINE,
        label=gettext_lazy("Risk deadline near or passed"),
        recipients=gettext_lazy("The risk's owner; the case's coordinator"),
        defaults=RuleDefaults(lead_days=1, repeat_days=1, send_at=MORNING),
        sweep=deadline_sweep,
    ),
    RuleSpec(
        key=ESCALATION_RULE,
        label=gettext_lazy("Risk escalated (a major risk at once when raised)"),
        recipients=gettext_lazy("The leader in charge (or their delegate)"),
        defaults=RuleDefaults(repeat_days=0),
        sweep=None,  # written by the escalation itself, in its transaction
    ),
)
