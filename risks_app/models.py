"""《风险应对记录表》: risks met during execution, answered, and escalated when major."""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from cases.models import Case
from requests_app.models import Milestone
from tasks_app.models import Task, key_task_subquery


class Level(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


@functools.cache
def major_risk_condition() -> models.Q:
    """重大风险 in SQL, as Risk.is_major says it: the override, else high impact on a plan
    milestone or a key task (flagged, or under a flagged task: ``key_task_subquery``, a
    subquery rather than a join, which hashed every task of the company to count a few thousand
    risks: 41 ms instead of 10 on 100,000 tasks). Built at first use: the subquery walks up the
    task tree, which needs the models loaded."""
    return models.Q(major_override=True) | (
        models.Q(major_override__isnull=True, impact=Level.HIGH)
        & (models.Q(milestone__isnull=False) | key_task_subquery("task_id"))
    )


def __getattr__(name: str):
    """``MAJOR_RISK``, the name the dashboards import: ``major_risk_condition()``."""
    if name == "MAJOR_RISK":
        return major_risk_condition()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class RiskQuerySet(models.QuerySet):
    def major(self) -> RiskQuerySet:
        return self.filter(major_risk_condition())

    def open(self) -> RiskQuerySet:
        return self.exclude(state__in=[Risk.State.RESOLVED, Risk.State.CLOSED])

    def overdue(self, today=None) -> RiskQuerySet:
        return self.open().filter(deadline__lt=today or timezone.localdate())


class Risk(ConcurrentTransitionMixin, models.Model):
    class Category(models.TextChoices):
        RESOURCES = "resources", _("Insufficient resources")
        REQUIREMENT_CHANGE = "requirement_change", _("Requirement change")
        EXTERNAL_DELAY = "external_delay", _("External interface delay")
        QUALITY = "quality", _("Quality")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        MITIGATING = "mitigating", _("Being handled")
        ESCALATED = "escalated", _("Escalated")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    request = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risks")
    number = models.PositiveIntegerField(_("number"))
    description = models.TextField(_("risk description"), max_length=5000)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    impact = models.CharField(_("impact"), max_length=8, choices=Level.choices)
    likelihood = models.CharField(_("likelihood"), max_length=8, choices=Level.choices)
    measures = models.TextField(_("response measures"), max_length=5000)
    deadline = models.DateField(_("resolution deadline"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_risks",
    )
    task = models.ForeignKey(
        Task,
        verbose_name=_("threatened task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risks",
    )
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("threatened milestone"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risks",
    )
    state = FSMField(
        _("state"), max_length=12, choices=State.choices, default=State.OPEN, protected=True
    )
    major_override = models.BooleanField(_("major (set by the coordinator)"), null=True, blank=True)
    major_override_reason = models.TextField(
        _("reason for the override"), max_length=2000, blank=True
    )
    resolution = models.TextField(_("resolution"), max_length=5000, blank=True)
    evidence = models.TextField(_("evidence"), max_length=5000, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalated_risks",
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = RiskQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        ordering = ["request", "number"]
        constraints = [
            models.UniqueConstraint(fields=["request", "number"], name="risk_number_per_case")
        ]
        indexes = [models.Index(fields=["state", "deadline"], name="risk_state_deadline")]

    def __str__(self) -> str:
        return f"{self.code} {self.description[:30]}"

    def get_absolute_url(self) -> str:
        return reverse("risks_app:risk", args=[self.request.code, self.number])

    @property
    def code(self) -> str:
        return f"R{self.number:02d}"

    @property
    def computed_major(self) -> bool:
        """重大风险: high impact on a key task or on a plan milestone."""
        if self.impact != Level.HIGH:
            return False
        return self.milestone_id is not None or (self.task is not None and self.task.counts_as_key)

    @property
    def is_major(self) -> bool:
        return self.computed_major if self.major_override is None else self.major_override

    @property
    def is_open(self) -> bool:
        return self.state not in (self.State.RESOLVED, self.State.CLOSED)

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.deadline < timezone.localdate()

    @transition(field=state, source=State.OPEN, target=State.MITIGATING)
    def start_handling(self):
        pass

    @transition(field=state, source=[State.OPEN, State.MITIGATING], target=State.ESCALATED)
    def escalate(self):
        pass

    @transition(field=state, source=State.ESCALATED, target=State.MITIGATING)
    def receive_instruction(self):
        pass

    @transition(field=state, source=[State.OPEN, State.MITIGATING], target=State.RESOLVED)
    def resolve(self):
        pass

    @transition(field=state, source=State.RESOLVED, target=State.CLOSED)
    def close(self):
        pass

    @transition(field=state, source=[State.RESOLVED, State.CLOSED], target=State.OPEN)
    def reopen(self):
        pass


class Instruction(models.Model):
    """批示: the leader in charge's answer to an escalated risk."""

    class Decision(models.TextChoices):
        APPROVE_MEASURES = "approve_measures", _("Agree with the measures")
        ADJUST = "adjust", _("Adjust the measures")
        ADD_RESOURCES = "add_resources", _("Add resources")
        EXTEND_DEADLINE = "extend_deadline", _("Extend the deadline")

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="instructions")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    text = models.TextField(_("instruction"), max_length=5000)
    new_deadline = models.DateField(_("new deadline"), null=True, blank=True)
    extra_resources = models.CharField(_("extra resources"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("instruction")
        verbose_name_plural = _("instructions")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.risk.code} {self.get_decision_display()}"
