"""The case (沟通协作需求) and its stage machine: what every stage's records hang off."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from cases.visibility import visibility_rules
from collab_portal.org.models import Department
from collab_portal.signoffs.canonical import signed_ref

OPEN_STAGES = [
    "draft",
    "pending_review",
    "returned",
    "syncing",
    "planning",
    "breakdown",
    "executing",
    "accepting",
    "retrospective",
]


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> CaseQuerySet:
        """Cases ``user`` may see: initiator, coordinator, reviewer, the heads and leaders in
        charge of the initiating department (and their delegates today), and whoever a stage
        app's rule lets see it (``cases.visibility``: receivers' members and heads, people copied
        in, external parties' internal owners, the owners and collaborators of its tasks and
        risks …); admins all. A draft only its initiator (and admins)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_portal_admin:
            return self
        from collab_portal.org.selectors import departments_overseen_by

        overseen = departments_overseen_by(user)
        visible = (
            Q(initiator=user)
            | Q(coordinator=user)
            | Q(initiator_department__in=overseen)
            | Q(reviewer=user)
        )
        for rule in visibility_rules():
            visible |= rule(user, overseen)
        # A draft is its initiator's own until it is submitted (or after it is withdrawn).
        return self.filter(visible).filter(~Q(stage=self.model.Stage.DRAFT) | Q(initiator=user))

    def open(self) -> CaseQuerySet:
        return self.filter(stage__in=OPEN_STAGES)


class Case(ConcurrentTransitionMixin, models.Model):
    """沟通协作需求: the case every other record hangs off."""

    class Stage(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_REVIEW = "pending_review", _("Pending review")
        RETURNED = "returned", _("Returned")
        SYNCING = "syncing", _("Information sync")
        PLANNING = "planning", _("Plan confirmation")
        BREAKDOWN = "breakdown", _("Task breakdown")
        EXECUTING = "executing", _("Executing")
        ACCEPTING = "accepting", _("Acceptance")
        RETROSPECTIVE = "retrospective", _("Retrospective")
        ARCHIVED = "archived", _("Archived")
        CANCELLED = "cancelled", _("Cancelled")

    class InitiatorRole(models.TextChoices):
        DEPARTMENT_HEAD = "department_head", _("Department head")
        PROJECT_LIAISON = "project_liaison", _("Project liaison")
        ACCOUNT_MANAGER = "account_manager", _("Account manager")

    EDITABLE_STAGES = (Stage.DRAFT, Stage.RETURNED)

    code = models.CharField(_("number"), max_length=20, unique=True)
    subject = models.CharField(_("subject"), max_length=120)
    goal = models.TextField(_("goal"), max_length=2000)
    metric = models.CharField(_("metric"), max_length=60, blank=True)
    target_value = models.DecimalField(
        _("target value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    background = models.TextField(_("background"), max_length=5000, blank=True)
    expected_deadline = models.DateField(_("expected deadline"))
    initiator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("initiator"),
        on_delete=models.PROTECT,
        related_name="initiated_requests",
    )
    initiator_department = models.ForeignKey(
        Department,
        verbose_name=_("initiating department"),
        on_delete=models.PROTECT,
        related_name="initiated_requests",
    )
    initiator_role = models.CharField(
        _("initiator's role"), max_length=20, choices=InitiatorRole.choices
    )
    stage = FSMField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.DRAFT, protected=True
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests_to_review",
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coordinated_requests",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("collaboration request")
        verbose_name_plural = _("collaboration requests")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["stage", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.code} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("requests_app:detail", args=[self.code])

    # Transitions: the guard and the field change only; services do everything else.
    @transition(field=stage, source=[Stage.DRAFT, Stage.RETURNED], target=Stage.PENDING_REVIEW)
    def submit(self):
        pass

    @transition(field=stage, source=Stage.PENDING_REVIEW, target=Stage.DRAFT)
    def withdraw(self):
        pass

    @transition(field=stage, source=Stage.PENDING_REVIEW, target=Stage.SYNCING)
    def approve(self):
        pass

    @transition(field=stage, source=Stage.PENDING_REVIEW, target=Stage.RETURNED)
    def return_for_changes(self):
        pass

    @transition(field=stage, source=Stage.SYNCING, target=Stage.PLANNING)
    def finish_sync(self):
        pass

    @transition(field=stage, source=Stage.PLANNING, target=Stage.BREAKDOWN)
    def confirm_plan(self):
        pass

    @transition(field=stage, source=Stage.BREAKDOWN, target=Stage.EXECUTING)
    def start_execution(self):
        pass

    @transition(field=stage, source=Stage.EXECUTING, target=Stage.ACCEPTING)
    def request_acceptance(self):
        pass

    @transition(field=stage, source=Stage.ACCEPTING, target=Stage.RETROSPECTIVE)
    def accept_delivery(self):
        pass

    @transition(field=stage, source=Stage.ACCEPTING, target=Stage.EXECUTING)
    def reject_delivery(self):
        pass

    @transition(field=stage, source=Stage.ACCEPTING, target=Stage.EXECUTING)
    def withdraw_acceptance(self):
        pass

    @transition(field=stage, source=Stage.RETROSPECTIVE, target=Stage.ARCHIVED)
    def archive(self):
        pass

    @transition(field=stage, source=OPEN_STAGES, target=Stage.CANCELLED)
    def cancel(self):
        pass

    @property
    def is_archived(self) -> bool:
        return self.stage == self.Stage.ARCHIVED

    @property
    def is_editable(self) -> bool:
        return self.stage in self.EDITABLE_STAGES

    # The receivers and attachments are stage 1's records, read through their related names:
    # the registration form is signed on the case itself.
    @property
    def is_multi_party(self) -> bool:
        return len(self.receivers.all()) > 1

    @property
    def target_display(self) -> str:
        if self.target_value is None:
            return ""
        value = self.target_value.normalize()
        return f"{self.metric} {value:f} {self.unit}".strip()

    def signing_snapshot(self) -> dict:
        """What the department head signs on the registration form (《沟通需求登记表》)."""
        return {
            "form": "registration",
            "code": self.code,
            "subject": self.subject,
            "goal": self.goal,
            "metric": self.metric,
            "target_value": self.target_value,
            "unit": self.unit,
            "background": self.background,
            "expected_deadline": self.expected_deadline,
            "initiator": signed_ref(self.initiator, self.initiator.name),
            "initiator_department": signed_ref(
                self.initiator_department, self.initiator_department.name
            ),
            "initiator_role": self.initiator_role,
            "receivers": [
                signed_ref(receiver, receiver.label) for receiver in self.receivers.all()
            ],
            "attachments": [
                {"name": a.name, "sha256": a.sha256} for a in self._registration_attachments()
            ],
        }

    def _registration_attachments(self) -> list:
        return [a for a in self.attachments.all() if a.sync_record_id is None]

    def signing_files(self) -> list[tuple]:
        return [(a.name, a.file, a.sha256) for a in self._registration_attachments()]

    def signing_title(self) -> str:
        return _("Registration form %(code)s") % {"code": self.code}

    def is_visible_to(self, user) -> bool:
        return Case.objects.visible_to(user).filter(pk=self.pk).exists()
