"""Signatures: who signed what, in which role and meaning, and the fingerprint of what they saw.

A ``SignOff`` is immutable once written (services create it, nothing updates it). It points at
the signed record through a generic relation, so the platform never imports a stage app, and it
keeps the canonical snapshot of the record as signed and a seal of the signature itself, each
with its SHA-256 (see ``canonical.py`` and ``integrity.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collab_portal.lib.stored_text import shown
from collab_portal.org.models import ExternalContact

SHORT_HASH_LENGTH = 12


class SignOff(models.Model):
    """One signature on one record: 审核通过 / 确认 / 验收, or a request for revision."""

    class Meaning(models.TextChoices):
        APPROVED = "approved", _("Approved")
        CONFIRMED = "confirmed", _("Confirmed")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Revision requested")

    target_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.CharField(_("record id"), max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    title = models.CharField(_("title"), max_length=200, blank=True)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signoffs",
    )
    signer_name = models.CharField(_("signer name"), max_length=100)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signoffs_on_behalf",
    )
    on_behalf_of_name = models.CharField(_("on behalf of (name)"), max_length=100, blank=True)
    external_contact = models.ForeignKey(
        ExternalContact,
        verbose_name=_("external contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signoffs",
    )
    role = models.CharField(_("role"), max_length=100)
    role_text = models.JSONField(null=True, blank=True, editable=False)  # lib.stored_text
    meaning = models.CharField(_("meaning"), max_length=16, choices=Meaning.choices)
    side_key = models.CharField(
        _("side"),
        max_length=64,
        blank=True,
        help_text=_("Which side of a co-signature this signature fills, e.g. dept:12."),
    )
    comment = models.TextField(_("comment"), blank=True)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    snapshot = models.JSONField(_("signed content"))
    content_sha256 = models.CharField(
        _("SHA-256 of the signed content"), max_length=64, blank=True, db_index=True
    )
    seal = models.JSONField(
        _("signature as sealed"),
        default=dict,
        blank=True,
        help_text=_("Who signed, for whom, as what, when and over which content, as signed."),
    )
    sha256 = models.CharField(
        _("SHA-256"),
        max_length=64,
        db_index=True,
        help_text=_("The fingerprint of the seal, printed on the signature."),
    )
    legacy_sha256 = models.CharField(
        _("fingerprint printed before seals"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Signatures made before seals printed the fingerprint of the content."),
    )
    typed_name_matches = models.BooleanField(
        _("typed name matches the contact"),
        null=True,
        blank=True,
        help_text=_("For a signature through a link: whether the name typed is the contact's."),
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        ordering = ["signed_at", "pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="signoffs_target_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id", "side_key", "meaning"],
                condition=~Q(side_key=""),
                name="signoffs_one_per_side_and_meaning",
            ),
            models.CheckConstraint(
                condition=Q(signer__isnull=False, external_contact__isnull=True)
                | Q(signer__isnull=True, external_contact__isnull=False),
                name="signoffs_signer_xor_external_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} · {self.get_meaning_display()} · {self.short_hash}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("a sign-off is never changed once recorded")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("a sign-off is never deleted")

    @property
    def label(self) -> str:
        """“王五 (代 李四)” for a delegate, otherwise the signer's name as signed."""
        if self.on_behalf_of_name:
            return gettext("%(delegate)s (for %(principal)s)") % {
                "delegate": self.signer_name,
                "principal": self.on_behalf_of_name,
            }
        return self.signer_name

    @property
    def shown_role(self) -> str:
        """The role in the reader's language (``role`` holds it as it was signed)."""
        return shown(self.role_text, self.role)

    @property
    def is_external(self) -> bool:
        return self.external_contact_id is not None

    @property
    def typed_name_differs(self) -> bool:
        """Signed through a link with a name other than the contact's it was sent to."""
        return self.typed_name_matches is False

    @property
    def is_revision_request(self) -> bool:
        return self.meaning == self.Meaning.REJECTED

    @property
    def short_hash(self) -> str:
        return self.sha256[:SHORT_HASH_LENGTH]


class ExternalLink(models.Model):
    """A one-time, expiring link through which an external contact confirms without an account.

    Only the SHA-256 of the token is stored; the raw token exists in the link that was sent.
    """

    class State(models.TextChoices):
        ACTIVE = "active", _("Unused")
        USED = "used", _("Used")
        EXPIRED = "expired", _("Expired")
        REPLACED = "replaced", _("Replaced")  # by a newer link for the same purpose
        REVOKED = "revoked", _("Revoked")  # by someone who may send it

    target_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.CharField(_("record id"), max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    contact = models.ForeignKey(
        ExternalContact,
        verbose_name=_("external contact"),
        on_delete=models.CASCADE,
        related_name="links",
    )
    purpose = models.CharField(_("purpose"), max_length=32)
    token_hash = models.CharField(_("token fingerprint"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_ip = models.GenericIPAddressField(_("used from IP address"), null=True, blank=True)
    typed_name = models.CharField(_("typed name"), max_length=100, blank=True)
    revoked_at = models.DateTimeField(_("revoked or replaced at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        help_text=_("Empty when a newer link replaced it."),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    emailed_to = models.EmailField(_("e-mailed to"), blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    emailed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("e-mailed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("external link")
        verbose_name_plural = _("external links")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "contact", "purpose"],
                name="signoffs_link_target_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.purpose} · {self.get_state_display()}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_used(self) -> bool:
        return self.used_at is not None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def state(self) -> str:
        if self.is_used:
            return self.State.USED
        if self.is_revoked:
            return self.State.REVOKED if self.revoked_by_id else self.State.REPLACED
        if self.is_expired:
            return self.State.EXPIRED
        return self.State.ACTIVE

    def get_state_display(self) -> str:
        return str(self.State(self.state).label)


class SigningPolicy(models.Model):
    """The one row (pk=1) of portal-wide signing rules that admins set."""

    SINGLETON_PK = 1

    require_password = models.BooleanField(
        _("require password to sign"),
        default=False,
        help_text=_("Admins can require password re-entry for signing."),
    )

    class Meta:
        verbose_name = _("signing policy")
        verbose_name_plural = _("signing policy")

    def __str__(self) -> str:
        return str(_("signing policy"))

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> SigningPolicy:
        return cls.objects.get_or_create(pk=cls.SINGLETON_PK)[0]
