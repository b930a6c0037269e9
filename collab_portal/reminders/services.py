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
from django.utils.translation import gettext as _

from collab_portal.calendar.workdays import WorkdayCalendar, is_workday
from collab_portal.lib.broker import send_task_quietly
from collab_portal.lib.stored_text import Text, as_json
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
                title_text=as_json(due.title),
                body_text=as_json(due.body),
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


def latest_working_evening(now: datetime.datetime | None = None) -> datetime.datetime:
    """The end of today's working day, or of the last one before it: by then every rule has
    run. The demo plans its reminders as of this moment, so a newcomer sees them whatever the
    hour (the beat's own sweeps later find them planned and add nothing)."""
    today = timezone.localdate(now)
    calendar = WorkdayCalendar(today - datetime.timedelta(days=30), today)
    day = today if calendar.is_workday(today) else calendar.add_workdays(today, -1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(17, 30)))


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
            title=Text.from_json(reminder.title_text) if reminder.title_text else reminder.title,
            body=Text.from_json(reminder.body_text) if reminder.body_text else reminder.body,
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


# The platforms' documented limits per robot: DingTalk and WeCom 20 messages a minute, Feishu
# 100 a minute (and 5 a second, which one post at a time stays under).
POSTS_PER_MINUTE = {
    WebhookEndpoint.Platform.DINGTALK: 20,
    WebhookEndpoint.Platform.WECOM: 20,
    WebhookEndpoint.Platform.FEISHU: 100,
}
RATE_WINDOW = datetime.timedelta(minutes=1)


class RecentPosts:
    """How many messages each robot was sent in the last minute: read from the log once per
    robot per run (one query), then counted as this run posts."""

    def __init__(self):
        self._counts: dict[int, int] = {}

    def may_post(self, robot: WebhookEndpoint) -> bool:
        if robot.pk not in self._counts:
            self._counts[robot.pk] = Reminder.objects.filter(
                robot_state=State.SENT,
                robot_claimed_at__gte=timezone.now() - RATE_WINDOW,
                recipient__department_id=robot.department_id,
                recipient__remind_by_robot=True,
            ).count()
        if self._counts[robot.pk] >= POSTS_PER_MINUTE[robot.platform]:
            return False
        self._counts[robot.pk] += 1
        return True


def robots_deliver(*, limit: int = BATCH) -> int:
    """Post pending reminders to their department's group robot; a failure is retried up to
    MAX_ROBOT_ATTEMPTS times, then the row shows as failed with the reason.

    A row becomes sent only when the platform answered this worker's own post with its success
    answer while this worker still held the row's claim: a worker whose post hung past
    STALE_CLAIM, and whose row another worker took over, writes nothing — the row is the other
    worker's. A post is an outside call that no transaction can undo: a worker killed between
    the post and marking it sent leaves the row claimed, and it is posted again after
    STALE_CLAIM. The in-app reminder it accompanies is never repeated."""
    from collab_portal.reminders.webhooks import WebhookFailed, webhook_send

    claimable = _claimable("robot_state", "robot_claimed_at") & (
        models.Q(robot_next_at__isnull=True) | models.Q(robot_next_at__lte=timezone.now())
    )
    sent, posts = 0, RecentPosts()
    for reminder_id in list(
        Reminder.objects.filter(claimable).order_by("pk").values_list("pk", flat=True)[:limit]
    ):
        claimed_at = timezone.now()
        claimed = Reminder.objects.filter(claimable, pk=reminder_id).update(
            robot_state=State.SENDING, robot_claimed_at=claimed_at
        )
        if not claimed:
            continue
        # Every outcome is written only while the claim is still this worker's.
        ours = Reminder.objects.filter(
            pk=reminder_id, robot_state=State.SENDING, robot_claimed_at=claimed_at
        )
        reminder = Reminder.objects.select_related("recipient").get(pk=reminder_id)
        robot = _robot_for(reminder.recipient)
        if robot is None:
            ours.update(robot_state="")
            continue
        if not posts.may_post(robot):
            # The platform's limit for this minute is reached: wait, without using a try.
            ours.update(robot_state=State.PENDING, robot_next_at=timezone.now() + RATE_WINDOW)
            continue
        try:
            webhook_send(endpoint=robot, reminder=reminder)
        except WebhookFailed as failure:
            attempts = reminder.robot_attempts + 1
            ours.update(
                robot_state=State.FAILED if attempts >= MAX_ROBOT_ATTEMPTS else State.PENDING,
                robot_attempts=attempts,
                robot_error=str(failure)[:500],
                robot_next_at=timezone.now() + robot_retry_delay(attempts),
            )
            logger.warning("group robot for reminder %s failed: %s", reminder_id, failure)
            continue
        if not ours.update(
            robot_state=State.SENT, robot_attempts=reminder.robot_attempts + 1, robot_error=""
        ):
            logger.warning(
                "group robot for reminder %s: another worker took the row over during the post",
                reminder_id,
            )
            continue
        sent += 1
    return sent


def robot_test_send(*, robot: WebhookEndpoint, admin: User) -> str | None:
    """Post a test message to ``robot`` now, addressed to ``admin``, as an admin does after
    setting one up; returns None when the platform accepted it, else why it did not."""
    from collab_portal.reminders.webhooks import WebhookFailed, webhook_send

    sample = Reminder(
        rule="robot_test",
        recipient=admin,
        title=_("Test message from the collaboration portal"),
        body=_("If your group sees this, the portal's reminders for %(department)s arrive here.")
        % {"department": robot.department.name},
        url="/",
    )
    try:
        webhook_send(endpoint=robot, reminder=sample)
    except WebhookFailed as failure:
        return str(failure)
    return None


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
