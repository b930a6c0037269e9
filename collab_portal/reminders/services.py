"""Writes of the reminder platform: plan reminders (once per rule, object, recipient and
period), run the sweeps, and deliver what is pending — in-app (with email for those who want
it) in one transaction with marking the row sent, then to the department's group robot."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from collab_portal.lib.broker import send_task_quietly
from collab_portal.lib.workdays import is_workday
from collab_portal.notifications.services import notify
from collab_portal.org.models import User
from collab_portal.reminders.models import Reminder, ReminderRule, WebhookEndpoint
from collab_portal.reminders.registry import Due, RuleSpec, rule_spec, rules

logger = logging.getLogger(__name__)

STALE_CLAIM = datetime.timedelta(minutes=10)
MAX_ROBOT_ATTEMPTS = 5
BATCH = 500
State = Reminder.State


def rule_settings(spec: RuleSpec) -> ReminderRule:
    """The admins' settings of ``spec``, created from its defaults the first time."""
    defaults = spec.defaults
    return ReminderRule.objects.get_or_create(
        key=spec.key,
        defaults={
            "lead_days": defaults.lead_days,
            "repeat_days": defaults.repeat_days,
            "escalate_after_days": defaults.escalate_after_days,
            "send_at": defaults.send_at,
            "on_rest_days": defaults.on_rest_days,
        },
    )[0]


def reminders_plan(*, rule: str, dues: Iterable[Due]) -> int:
    """Write the reminders not written yet (the unique key drops repeats); returns how many
    rows were offered. Call it in the change's transaction, or from a sweep."""
    content_types: dict[type, ContentType] = {}
    rows = []
    for due in dues:
        model = type(due.target)
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(model)
        rows.append(
            Reminder(
                rule=rule,
                target_type=content_types[model],
                target_id=str(due.target.pk),
                recipient_id=due.recipient_id,
                period=due.period,
                escalation=due.escalation,
                title=str(due.title)[:200],
                body=str(due.body),
                url=due.url[:500],
            )
        )
    if rows:
        Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
        transaction.on_commit(_queue_delivery)
    return len(rows)


def _queue_delivery() -> None:
    from collab_portal.reminders.tasks import deliver_reminders

    send_task_quietly(deliver_reminders)


def rule_is_due_now(rule: ReminderRule, now: datetime.datetime) -> bool:
    """Off, a rest day (unless the rule says so) or before its send time: nothing to do."""
    local = timezone.localtime(now)
    if not rule.enabled:
        return False
    if not rule.on_rest_days and not is_workday(local.date()):
        return False
    return rule.send_at is None or local.time() >= rule.send_at


def reminders_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Run every registered sweep that is due now; returns the rows offered per rule."""
    now = now or timezone.now()
    offered = {}
    for spec in rules():
        if spec.sweep is None:
            continue
        rule = rule_settings(spec)
        if not rule_is_due_now(rule, now):
            continue
        with transaction.atomic():
            offered[spec.key] = reminders_plan(rule=spec.key, dues=spec.sweep(rule=rule, now=now))
    return offered


# --- delivery -------------------------------------------------------------------------------


def _claimable(state_field: str, claimed_field: str) -> models.Q:
    return models.Q(**{state_field: State.PENDING}) | models.Q(
        **{
            state_field: State.SENDING,
            f"{claimed_field}__lt": timezone.now() - STALE_CLAIM,
        }
    )


def reminders_deliver(*, limit: int = BATCH) -> int:
    """Deliver pending reminders in-app (and by email to those who want it), then to group
    robots; returns how many were delivered in-app."""
    delivered = 0
    claimable = _claimable("state", "claimed_at")
    for reminder_id in list(
        Reminder.objects.filter(claimable).order_by("pk").values_list("pk", flat=True)[:limit]
    ):
        delivered += _deliver_one(reminder_id, claimable)
    robots_deliver(limit=limit)
    return delivered


def _deliver_one(reminder_id: int, claimable: models.Q) -> int:
    with transaction.atomic():
        claimed = Reminder.objects.filter(claimable, pk=reminder_id).update(
            state=State.SENDING, claimed_at=timezone.now()
        )
        if not claimed:
            return 0  # another worker has it
        reminder = Reminder.objects.select_related("recipient", "target_type").get(pk=reminder_id)
        recipient = reminder.recipient
        channels = ["in-app"]
        email = recipient.remind_by_email and bool(recipient.email)
        if email:
            channels.append("email")
        notify(
            recipients=[recipient],
            title=reminder.title,
            body=reminder.body,
            url=reminder.url,
            target=reminder.target,
            email=email,
        )
        robot = _robot_for(recipient)
        if robot is not None:
            channels.append(robot.platform)
        Reminder.objects.filter(pk=reminder_id).update(
            state=State.SENT,
            sent_at=timezone.now(),
            attempts=models.F("attempts") + 1,
            channels=", ".join(channels),
            robot_state=State.PENDING if robot is not None else "",
        )
    return 1


def _robot_for(user: User) -> WebhookEndpoint | None:
    """The department's group robot, when the person wants reminders there."""
    if not user.remind_by_robot or user.department_id is None:
        return None
    return (
        WebhookEndpoint.objects.filter(department_id=user.department_id, enabled=True)
        .order_by("pk")
        .first()
    )


def robot_retry_delay(attempts: int) -> datetime.timedelta:
    """Back off between tries (2, 4, 8, 16 minutes), so a robot down for half an hour or a
    platform's rate limit does not use up every attempt at once."""
    return datetime.timedelta(minutes=2**attempts)


def robots_deliver(*, limit: int = BATCH) -> int:
    """Post pending reminders to their department's group robot; a failure is retried up to
    MAX_ROBOT_ATTEMPTS times, then the row shows as failed with the reason.

    A post is an outside call that no transaction can undo: a worker killed between the post
    and marking it sent leaves the row claimed, and it is posted again after STALE_CLAIM. The
    in-app reminder it accompanies is never repeated."""
    from collab_portal.reminders.webhooks import WebhookFailed, webhook_send

    claimable = _claimable("robot_state", "robot_claimed_at") & (
        models.Q(robot_next_at__isnull=True) | models.Q(robot_next_at__lte=timezone.now())
    )
    sent = 0
    for reminder_id in list(
        Reminder.objects.filter(claimable).order_by("pk").values_list("pk", flat=True)[:limit]
    ):
        claimed = Reminder.objects.filter(claimable, pk=reminder_id).update(
            robot_state=State.SENDING, robot_claimed_at=timezone.now()
        )
        if not claimed:
            continue
        reminder = Reminder.objects.select_related("recipient").get(pk=reminder_id)
        robot = _robot_for(reminder.recipient)
        if robot is None:
            Reminder.objects.filter(pk=reminder_id).update(robot_state="")
            continue
        try:
            webhook_send(endpoint=robot, reminder=reminder)
        except WebhookFailed as failure:
            attempts = reminder.robot_attempts + 1
            Reminder.objects.filter(pk=reminder_id).update(
                robot_state=State.FAILED if attempts >= MAX_ROBOT_ATTEMPTS else State.PENDING,
                robot_attempts=attempts,
                robot_error=str(failure)[:500],
                robot_next_at=timezone.now() + robot_retry_delay(attempts),
            )
            logger.warning("group robot for reminder %s failed: %s", reminder_id, failure)
            continue
        Reminder.objects.filter(pk=reminder_id).update(
            robot_state=State.SENT, robot_attempts=reminder.robot_attempts + 1, robot_error=""
        )
        sent += 1
    return sent


def reminder_resend(*, reminder: Reminder) -> bool:
    """An admin sends a failed group-robot message again; False when it had not failed."""
    updated = Reminder.objects.filter(pk=reminder.pk, robot_state=State.FAILED).update(
        robot_state=State.PENDING, robot_attempts=0, robot_error="", robot_next_at=None
    )
    if updated:
        transaction.on_commit(_queue_delivery)
    return bool(updated)


def rule_label(key: str) -> str:
    try:
        return str(rule_spec(key).label)
    except KeyError:
        return key
