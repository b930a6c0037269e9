"""Helpers of the reminder rule tests: a moment in Shanghai, a rule's settings, a sweep run on
its own (directly, or through ``reminders_sweep`` with only that rule registered), and
copies of a waiting case to count queries with."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from collab_portal.reminders import services as reminder_services
from collab_portal.reminders.models import Reminder
from collab_portal.reminders.registry import Due, RuleSpec
from collab_portal.reminders.sweeps import in_their_language
from requests_app.models import Receiver

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, time: str = "10:00") -> datetime.datetime:
    """``at("2025-10-09", "09:30")``: that moment in the portal's time zone."""
    return datetime.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


def settings_of(spec: RuleSpec, **changes):
    """The rule's settings (created from its defaults), changed as an admin would."""
    rule = reminder_services.rule_settings(spec)
    for name, value in changes.items():
        setattr(rule, name, value)
    rule.save()
    return rule


def sweep(spec: RuleSpec, now: datetime.datetime, **changes) -> list[Due]:
    """What the rule finds due, titles and bodies as each recipient reads them (their
    language); ``sweep_as_stored`` keeps the messages as the sweep built them."""
    return in_their_language(sweep_as_stored(spec, now, **changes), keep_text=False)


def sweep_as_stored(spec: RuleSpec, now: datetime.datetime, **changes) -> list[Due]:
    return list(spec.sweep(rule=settings_of(spec, **changes), now=now))


def plan(spec: RuleSpec, now: datetime.datetime) -> int:
    """Sweep and write what is due, as the beat task does for this one rule."""
    return reminder_services.reminders_plan(rule=spec.key, dues=sweep_as_stored(spec, now))


def sent(spec: RuleSpec, **filters) -> list[tuple[int, str, bool]]:
    """(recipient id, period, escalation) of the rule's reminders, oldest first."""
    return list(
        Reminder.objects.filter(rule=spec.key, **filters)
        .order_by("pk")
        .values_list("recipient_id", "period", "escalation")
    )


def queries_of(spec: RuleSpec, now: datetime.datetime) -> tuple[int, int]:
    """(queries, reminders) of one sweep, once the settings row and content types are read."""
    sweep(spec, now)
    rule = settings_of(spec)
    with CaptureQueriesContext(connection) as queries:
        dues = list(spec.sweep(rule=rule, now=now))
    return len(queries), len(dues)


def recipients(dues: list[Due]) -> list[tuple[int, bool]]:
    return sorted((due.recipient_id, due.escalation) for due in dues)


def only(monkeypatch, spec: RuleSpec) -> None:
    """From now on ``reminders_sweep`` runs ``spec`` and no other rule."""
    monkeypatch.setattr(reminder_services, "rules", lambda: [spec])


def copies_of(case: Case, count: int, *, tag: str, **fields) -> list[Case]:
    """``count`` copies of ``case`` with its receivers (written in bulk: no history, no
    timeline), numbered ``<code>-<tag><n>``, ``fields`` overriding the case's own."""
    values = {
        name: getattr(case, name)
        for name in (
            "subject",
            "goal",
            "expected_deadline",
            "initiator_id",
            "initiator_department_id",
            "initiator_role",
            "stage",
            "reviewer_id",
            "coordinator_id",
            "submitted_at",
        )
    }
    values.update(fields)
    copies = Case.objects.bulk_create(
        [Case(code=f"{case.code}-{tag}{n:03d}", **values) for n in range(count)]
    )
    receivers = list(case.receivers.all())
    Receiver.objects.bulk_create(
        [
            Receiver(
                request=copy,
                kind=r.kind,
                department_id=r.department_id,
                party_id=r.party_id,
                contact_id=r.contact_id,
                position=r.position,
            )
            for copy in copies
            for r in receivers
        ]
    )
    return copies
