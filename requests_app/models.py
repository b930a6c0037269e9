"""The records of stages 1 and 2 on the case (``cases.models.Case``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from cases.models import Case
from collab_portal.org.models import Department, ExternalContact, ExternalParty
from collab_portal.signoffs.canonical import signed_ref


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


class Receiver(models.Model):
    """A receiving side: an internal department or an external party (with its contact)."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("Internal department")
        EXTERNAL = "external", _("External party")

    request = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="receivers")
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

    request = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="carbon_copies")
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

    request = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
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

    request = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reviews")
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

    request = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sync_records")
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

    request = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="kickoff")
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

    request = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
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
