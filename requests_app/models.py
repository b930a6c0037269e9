"""The case (沟通协作需求) and the records of stages 1 and 2."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from collab_portal.org.models import Department, ExternalContact, ExternalParty
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


class CodeSequence(models.Model):
    """The last number used for a code prefix in a year (CR-2026-0001, CR-2026-0002 …)."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="requests_code_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_number}"


class CollabRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> CollabRequestQuerySet:
        """Cases ``user`` may see: initiator, coordinator, receivers' members, heads and leaders
        in charge of the departments involved (and their delegates today), reviewers, people
        copied in, external parties' internal owners, the owners and collaborators of its tasks
        and risks (and the heads over a task's lead department), admins. A draft only its
        initiator (and admins)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_portal_admin:
            return self
        from collab_portal.org.selectors import departments_overseen_by

        # Later stages' models by name: this app is below them and never imports them.
        task_model = apps.get_model("tasks_app", "Task")
        risk_model = apps.get_model("risks_app", "Risk")
        overseen = departments_overseen_by(user)
        visible = (
            Q(initiator=user)
            | Q(coordinator=user)
            # one subquery per index: an OR inside one would scan every task
            | Q(pk__in=task_model.objects.filter(owner=user).values("request_id"))
            | Q(
                pk__in=task_model.collaborators.through.objects.filter(user=user).values(
                    "task__request_id"
                )
            )
            | Q(pk__in=task_model.objects.filter(lead_department__in=overseen).values("request_id"))
            | Q(pk__in=risk_model.objects.filter(owner=user).values("request_id"))
            | Q(initiator_department__in=overseen)
            | Q(reviewer=user)
            | Q(pk__in=Review.objects.filter(reviewer=user).values("request_id"))
            | Q(pk__in=CarbonCopy.objects.filter(user=user).values("request_id"))
            | Q(
                pk__in=Receiver.objects.filter(
                    Q(department__in=overseen) | Q(department_id=user.department_id)
                ).values("request_id")
            )
            | Q(pk__in=Receiver.objects.filter(party__internal_owner=user).values("request_id"))
        )
        # A draft is its initiator's own until it is submitted (or after it is withdrawn).
        return self.filter(visible).filter(~Q(stage=self.model.Stage.DRAFT) | Q(initiator=user))

    def open(self) -> CollabRequestQuerySet:
        return self.filter(stage__in=OPEN_STAGES)


class CollabRequest(ConcurrentTransitionMixin, models.Model):
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

    objects = CollabRequestQuerySet.as_manager()

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
        return CollabRequest.objects.visible_to(user).filter(pk=self.pk).exists()


class Receiver(models.Model):
    """A receiving side: an internal department or an external party (with its contact)."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("Internal department")
        EXTERNAL = "external", _("External party")

    request = models.ForeignKey(CollabRequest, on_delete=models.CASCADE, related_name="receivers")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="received_requests",
    )
    party = models.ForeignKey(
        ExternalParty,
        verbose_name=_("external party"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="received_requests",
    )
    contact = models.ForeignKey(
        ExternalContact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("receiver")
        verbose_name_plural = _("receivers")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="internal", department__isnull=False, party__isnull=True)
                    | Q(kind="external", party__isnull=False, department__isnull=True)
                ),
                name="requests_receiver_internal_or_external",
            ),
            models.UniqueConstraint(
                fields=["request", "department"], name="requests_receiver_unique_department"
            ),
            models.UniqueConstraint(
                fields=["request", "party"], name="requests_receiver_unique_party"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_internal(self) -> bool:
        return self.kind == self.Kind.INTERNAL

    @property
    def label(self) -> str:
        if self.is_internal:
            return self.department.name
        if self.contact_id:
            return f"{self.party.name}（{self.contact.name}）"
        return self.party.name

    @property
    def side_key(self) -> str:
        return f"dept:{self.department_id}" if self.is_internal else f"party:{self.party_id}"


class CarbonCopy(models.Model):
    """抄送: a person copied in on the case; they see it and hear of its decisions."""

    request = models.ForeignKey(
        CollabRequest, on_delete=models.CASCADE, related_name="carbon_copies"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("copied person")
        verbose_name_plural = _("copied people")
        constraints = [
            models.UniqueConstraint(fields=["request", "user"], name="requests_cc_unique")
        ]

    def __str__(self) -> str:
        return str(self.user)


def attachment_upload_to(instance, filename):  # the service names the file; this is a fallback
    return f"requests/{filename}"


class Attachment(models.Model):
    """A file on the case: registration material, or material sent with a sync record."""

    request = models.ForeignKey(CollabRequest, on_delete=models.CASCADE, related_name="attachments")
    sync_record = models.ForeignKey(
        "SyncRecord", null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=200)
    name = models.CharField(_("file name"), max_length=150)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("requests_app:attachment", args=[self.request.code, self.pk])


class Review(models.Model):
    """需求初审: one round of the department head's review; every round is kept."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    class ReturnReason(models.TextChoices):
        GOAL_NOT_MEASURABLE = "goal_not_measurable", _("The goal is not measurable")
        RECEIVER_UNCLEAR = "receiver_unclear", _("The receiver is not clear")
        DEADLINE_UNREASONABLE = "deadline_unreasonable", _("The deadline is not reasonable")
        INFORMATION_MISSING = "information_missing", _("Information is missing")
        NOT_NECESSARY = "not_necessary", _("The need is not justified")
        OTHER = "other", _("Other")

    request = models.ForeignKey(CollabRequest, on_delete=models.CASCADE, related_name="reviews")
    round = models.PositiveSmallIntegerField(_("round"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    goal_quantifiable = models.BooleanField(_("the goal is quantifiable"), default=False)
    receiver_clear = models.BooleanField(_("the receiver is clear"), default=False)
    deadline_reasonable = models.BooleanField(_("the deadline is reasonable"), default=False)
    reason_code = models.CharField(
        _("reason"), max_length=30, choices=ReturnReason.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["round"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "round"], name="requests_review_one_per_round"
            ),
            models.CheckConstraint(
                condition=Q(decision="returned")
                | Q(goal_quantifiable=True, receiver_clear=True, deadline_reasonable=True),
                name="requests_review_approval_needs_every_check",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request.code} #{self.round} {self.decision}"


class SyncRecord(models.Model):
    """信息同步: how the form and materials reached one receiver, and their acknowledgement."""

    class Channel(models.TextChoices):
        OA = "oa", _("OA system")
        WECOM = "wecom", _("WeCom")
        DINGTALK = "dingtalk", _("DingTalk")
        FEISHU = "feishu", _("Feishu")
        EMAIL = "email", _("Email")
        MEETING = "meeting", _("Meeting")

    request = models.ForeignKey(
        CollabRequest, on_delete=models.CASCADE, related_name="sync_records"
    )
    receiver = models.ForeignKey(
        Receiver, verbose_name=_("receiver"), on_delete=models.CASCADE, related_name="sync_records"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    sent_at = models.DateTimeField(_("sent at"))
    recipients = models.CharField(_("sent to"), max_length=200)
    materials = models.TextField(_("materials"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("information sync record")
        verbose_name_plural = _("information sync records")
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request.code} → {self.receiver}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class KickoffMeeting(models.Model):
    """启动会: required before planning when more than one receiver takes part."""

    class Mode(models.TextChoices):
        ONLINE = "online", _("Online")
        OFFLINE = "offline", _("On site")

    request = models.OneToOneField(CollabRequest, on_delete=models.CASCADE, related_name="kickoff")
    mode = models.CharField(_("format"), max_length=10, choices=Mode.choices)
    held_at = models.DateTimeField(_("time"))
    location = models.CharField(_("place or link"), max_length=200)
    invited = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("invited"), related_name="+", blank=True
    )
    attended = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attended"), related_name="+", blank=True
    )
    external_attendees = models.CharField(_("external attendees"), max_length=300, blank=True)
    minutes = models.TextField(_("minutes"), max_length=10000)
    decisions = models.TextField(_("decisions"), max_length=5000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kickoff meeting")
        verbose_name_plural = _("kickoff meetings")

    def __str__(self) -> str:
        return f"{self.request.code} {self.held_at:%Y-%m-%d}"


class CollabPlan(ConcurrentTransitionMixin, models.Model):
    """协作方案: one version of the plan; asking for a revision starts a new version."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROPOSED = "proposed", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REVISION_REQUESTED = "revision_requested", _("Revision requested")

    request = models.ForeignKey(CollabRequest, on_delete=models.CASCADE, related_name="plans")
    version = models.PositiveSmallIntegerField(_("version"))
    state = FSMField(
        _("state"), max_length=20, choices=State.choices, default=State.DRAFT, protected=True
    )
    content = models.TextField(_("collaboration content"), max_length=10000)
    resource_needs = models.TextField(_("resource needs"), max_length=5000, blank=True)
    risk_points = models.TextField(_("risk points"), max_length=5000, blank=True)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinator"),
        help_text=_("The project manager who breaks the plan into tasks once it is confirmed."),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    proposed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    revision_comment = models.TextField(_("revision requested"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("collaboration plan")
        verbose_name_plural = _("collaboration plans")
        ordering = ["request", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "version"], name="requests_plan_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request.code} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("requests_app:plan", args=[self.request.code, self.version])

    @transition(field=state, source=State.DRAFT, target=State.PROPOSED)
    def propose(self):
        pass

    @transition(field=state, source=State.PROPOSED, target=State.CONFIRMED)
    def confirm(self):
        pass

    @transition(field=state, source=State.PROPOSED, target=State.REVISION_REQUESTED)
    def request_revision(self):
        pass

    def signing_snapshot(self) -> dict:
        """What every side signs on the plan confirmation form (《协作方案确认表》)."""
        return {
            "form": "plan",
            "code": self.request.code,
            "subject": self.request.subject,
            "version": self.version,
            "content": self.content,
            "resource_needs": self.resource_needs,
            "risk_points": self.risk_points,
            "coordinator": (
                signed_ref(self.coordinator, self.coordinator.name) if self.coordinator_id else ""
            ),
            "milestones": [{"name": m.name, "due_on": m.due_on} for m in self.milestones.all()],
        }

    def signing_title(self) -> str:
        return _("Plan confirmation form %(code)s v%(version)s") % {
            "code": self.request.code,
            "version": self.version,
        }

    def is_visible_to(self, user) -> bool:
        return self.request.is_visible_to(user)


class Milestone(models.Model):
    plan = models.ForeignKey(CollabPlan, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("milestone"), max_length=100)
    due_on = models.DateField(_("date"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["position", "due_on", "pk"]

    def __str__(self) -> str:
        return self.name
