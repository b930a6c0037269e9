"""Stages 5–6: what was delivered (《成果交付清单》), how it was accepted (《验收确认单》),
and the case's retrospective (《协作复盘报告》) before it is archived."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from cases.models import Case
from collab_portal.org.models import ExternalContact
from collab_portal.signoffs.canonical import signed_ref
from requests_app.models import Receiver
from tasks_app.models import Task


class Delivery(ConcurrentTransitionMixin, models.Model):
    """One version of the delivery list; submitting it is the acceptance request (验收申请).
    A rejected version stays as it was; the rework is delivered as the next version."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting acceptance")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Sent back for rework")

    request = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deliveries")
    version = models.PositiveSmallIntegerField(_("version"))
    state = FSMField(
        _("state"), max_length=16, choices=State.choices, default=State.DRAFT, protected=True
    )
    summary = models.TextField(_("summary"), max_length=5000, blank=True)
    changes = models.TextField(
        _("what changed"),
        max_length=5000,
        blank=True,
        help_text=_("For a new version: what was reworked since the last one."),
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["request", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "version"], name="acceptance_delivery_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request.code} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("acceptance_app:delivery", args=[self.request.code, self.version])

    @transition(field=state, source=State.DRAFT, target=State.SUBMITTED)
    def submit(self):
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.DRAFT)
    def withdraw(self):
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.ACCEPTED)
    def accept(self):
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.REJECTED)
    def reject(self):
        pass

    BADGES = {
        State.DRAFT: "bg-secondary-lt",
        State.SUBMITTED: "bg-blue-lt",
        State.ACCEPTED: "bg-green-lt",
        State.REJECTED: "bg-orange-lt",
    }

    @property
    def state_badge(self) -> str:
        """The badge colour of the state on the pages."""
        return self.BADGES[self.state]

    def signing_snapshot(self) -> dict:
        """What the acceptor signs on the acceptance confirmation (《验收确认单》): the items as
        delivered, with their files' fingerprints and the verdict given on each, and the
        customer's satisfaction when given through the link."""
        verdicts = {}
        review = getattr(self, "review", None) if self.pk else None
        if review is not None:
            verdicts = {v.item_id: v for v in review.verdicts.all()}
        return {
            "form": "acceptance",
            "code": self.request.code,
            "subject": self.request.subject,
            "version": self.version,
            "summary": self.summary,
            # The customer's score is signed with their decision; None (as in signatures taken
            # before the link asked for it) when none was given.
            "satisfaction": review.satisfaction if review is not None else None,
            "items": [
                {
                    "name": item.name,
                    "version": item.version,
                    "quantity": item.quantity,
                    "task": signed_ref(item.task, f"{item.task.wbs_code} {item.task.name}"),
                    "deliverable_standard": item.task.deliverable_standard,
                    "files": [{"name": f.name, "sha256": f.sha256} for f in item.files.all()],
                    "passed": verdicts[item.pk].passed if item.pk in verdicts else None,
                    "comment": verdicts[item.pk].comment if item.pk in verdicts else "",
                }
                for item in self.items.all()
            ],
        }

    def signing_files(self) -> list[tuple]:
        return [(f.name, f.file, f.sha256) for item in self.items.all() for f in item.files.all()]

    def signing_title(self) -> str:
        return _("Acceptance confirmation %(code)s v%(version)s") % {
            "code": self.request.code,
            "version": self.version,
        }

    def is_visible_to(self, user) -> bool:
        return self.request.is_visible_to(user)


class DeliveryItem(models.Model):
    """One line of the delivery list, answering one task of the WBS."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="items")
    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="delivery_items"
    )
    name = models.CharField(_("deliverable"), max_length=120)
    version = models.CharField(_("version"), max_length=30, blank=True)
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100000)]
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("same item in the previous version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("delivered item")
        verbose_name_plural = _("delivered items")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


def delivery_file_upload_to(instance, filename):  # the service names the file; a fallback
    return f"deliveries/{filename}"


class DeliveryFile(models.Model):
    """A file delivered with an item (checked by content like every upload)."""

    item = models.ForeignKey(DeliveryItem, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=delivery_file_upload_to, max_length=200)
    name = models.CharField(_("file name"), max_length=150)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delivered file")
        verbose_name_plural = _("delivered files")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class AcceptanceReview(models.Model):
    """验收: the acceptor's decision on one submitted delivery, item by item."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Sent back for rework")

    delivery = models.OneToOneField(Delivery, on_delete=models.CASCADE, related_name="review")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("comment"), max_length=5000, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acceptor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    external_contact = models.ForeignKey(
        ExternalContact,
        verbose_name=_("external contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewer_name = models.CharField(_("acceptor's name"), max_length=120)
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    satisfaction_score = models.PositiveSmallIntegerField(
        _("customer satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1–5, given by the customer with a decision through the link (optional)."),
    )
    satisfaction_comment = models.TextField(
        _("customer's comment on the collaboration"), max_length=2000, blank=True
    )

    class Meta:
        verbose_name = _("acceptance review")
        verbose_name_plural = _("acceptance reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(reviewer__isnull=False, external_contact__isnull=True)
                | Q(reviewer__isnull=True, external_contact__isnull=False),
                name="acceptance_review_reviewer_xor_contact",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction_score__isnull=True)
                | Q(satisfaction_score__gte=1, satisfaction_score__lte=5),
                name="acceptance_review_satisfaction_one_to_five",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delivery} {self.decision}"

    @property
    def satisfaction(self) -> dict | None:
        """The customer's satisfaction as signed with the decision, or None when not given."""
        if self.satisfaction_score is None and not self.satisfaction_comment:
            return None
        return {"score": self.satisfaction_score, "comment": self.satisfaction_comment}


class ItemVerdict(models.Model):
    """Pass or fail of one delivered item against its task's deliverable standard."""

    review = models.ForeignKey(AcceptanceReview, on_delete=models.CASCADE, related_name="verdicts")
    item = models.OneToOneField(DeliveryItem, on_delete=models.CASCADE, related_name="verdict")
    passed = models.BooleanField(_("passed"))
    comment = models.TextField(_("comment"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("item verdict")
        verbose_name_plural = _("item verdicts")
        ordering = ["item__position", "item__pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(passed=True) | ~Q(comment=""),
                name="acceptance_verdict_fail_needs_comment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} {'✓' if self.passed else '✗'}"


class Retrospective(models.Model):
    """复盘: computed metrics (frozen when filed) and the coordinator's write-up. Filing it
    archives the case."""

    request = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="retrospective")
    went_well = models.TextField(_("what went well"), max_length=5000, blank=True)
    problems = models.TextField(_("problems"), max_length=5000, blank=True)
    lessons = models.TextField(_("lessons learned"), max_length=5000, blank=True)
    improvements = models.TextField(_("improvements"), max_length=5000, blank=True)
    metrics = models.JSONField(_("metrics as filed"), default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("retrospective")
        verbose_name_plural = _("retrospectives")

    def __str__(self) -> str:
        return f"{self.request.code}"

    def get_absolute_url(self) -> str:
        return reverse("acceptance_app:retrospective", args=[self.request.code])

    @property
    def is_filed(self) -> bool:
        return self.filed_at is not None


class ArchiveBundle(models.Model):
    """归档包: the archive bundle of an archived case, built once by the worker and kept.

    The row is written in the transaction that archives the case: it is the outbox. The task
    queued when that commits builds the bundle; a periodic sweep builds what a broker outage or
    a worker that died left waiting. A request never builds it: the retrospective page shows
    the progress, and the download serves the stored file."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting to be prepared")
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be prepared")

    request = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="archive_bundle")
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.WAITING
    )
    stored_name = models.CharField(_("stored file"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    files_done = models.PositiveIntegerField(default=0)
    files_total = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(_("last error"), max_length=500, blank=True)
    queued_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)

    class Meta:
        verbose_name = _("archive bundle")
        verbose_name_plural = _("archive bundles")
        indexes = [models.Index(fields=["state"], name="archive_bundle_state")]

    def __str__(self) -> str:
        return f"{self.request.code} {self.state}"


class SatisfactionRating(models.Model):
    """A receiving department's head rates the collaboration (1–5, with a comment)."""

    retrospective = models.ForeignKey(
        Retrospective, on_delete=models.CASCADE, related_name="ratings"
    )
    receiver = models.ForeignKey(
        Receiver, verbose_name=_("receiver"), on_delete=models.CASCADE, related_name="+"
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rated_at = models.DateTimeField(_("rated at"), auto_now=True)

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        ordering = ["receiver__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["retrospective", "receiver"], name="acceptance_one_rating_per_receiver"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="acceptance_rating_one_to_five"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receiver} {self.score}"
