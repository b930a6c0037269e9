"""Reminders: the admins' settings of each rule, and the reminder outbox.

A ``Reminder`` row is unique by (rule, object, recipient, period): it is written once — in the
transaction of the change that makes it due, or by a sweep — and a relay delivers it and marks
it delivered in one transaction with the in-app notification it creates. Retries, two beat
processes or a restart therefore deliver nothing twice, and whatever was written while the
broker was down goes out when it is back.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from collab_portal.org.models import Department


class ReminderRule(models.Model):
    """An admin's settings for one rule of docs/process.md (defaults come from the rule's app)."""

    key = models.CharField(_("rule"), max_length=40, unique=True)
    enabled = models.BooleanField(_("on"), default=True)
    lead_days = models.PositiveSmallIntegerField(
        _("lead time (working days)"),
        default=0,
        help_text=_("How many working days before the date the first reminder goes out."),
    )
    repeat_days = models.PositiveSmallIntegerField(
        _("repeat every (working days)"),
        default=1,
        help_text=_("0 sends it once."),
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate after (working days)"),
        null=True,
        blank=True,
        help_text=_("Empty: never escalates to the leader in charge."),
    )
    send_at = models.TimeField(
        _("send at"), null=True, blank=True, help_text=_("Empty: as soon as it is due.")
    )
    on_rest_days = models.BooleanField(_("also on rest days"), default=False)

    class Meta:
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        ordering = ["pk"]

    def __str__(self) -> str:
        from collab_portal.reminders.registry import _rules

        spec = _rules.get(self.key)
        return str(spec.label) if spec else self.key


class Reminder(models.Model):
    """One reminder to one person about one record for one period (a day, a week …)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed to send")

    rule = models.CharField(_("rule"), max_length=40)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.CharField(_("record id"), max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    period = models.CharField(_("period"), max_length=32)
    escalation = models.BooleanField(_("escalation"), default=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    title_text = models.JSONField(null=True, blank=True, editable=False)  # lib.stored_text
    body_text = models.JSONField(null=True, blank=True, editable=False)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    channels = models.CharField(_("channels"), max_length=100, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    robot_state = models.CharField(
        _("group robot"), max_length=10, choices=State.choices, blank=True
    )
    robot_attempts = models.PositiveSmallIntegerField(_("group robot attempts"), default=0)
    robot_claimed_at = models.DateTimeField(null=True, blank=True)
    robot_next_at = models.DateTimeField(_("group robot retry at"), null=True, blank=True)
    robot_error = models.CharField(_("group robot error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminder log")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "target_type", "target_id", "recipient", "period"],
                name="reminders_once_per_rule_object_recipient_period",
            )
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="reminders_state_idx"),
            models.Index(fields=["robot_state"], name="reminders_robot_state_idx"),
            models.Index(fields=["rule", "period"], name="reminders_rule_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} → {self.recipient} ({self.period})"


class WebhookEndpoint(models.Model):
    """A department's group robot (DingTalk, WeCom or Feishu) that receives its reminders."""

    class Platform(models.TextChoices):
        DINGTALK = "dingtalk", _("DingTalk")
        WECOM = "wecom", _("WeCom")
        FEISHU = "feishu", _("Feishu")

    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="webhooks",
    )
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    url = models.URLField(_("robot address"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk and Feishu robots with signature verification need it."),
    )
    enabled = models.BooleanField(_("on"), default=True)

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["department", "platform"]

    def __str__(self) -> str:
        return f"{self.department} · {self.get_platform_display()}"
