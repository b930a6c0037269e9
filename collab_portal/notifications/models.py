from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from collab_portal.lib.stored_text import shown


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one person: shown in the bell, and emailed when they have an address.

    The email state is an outbox: rows are written with the change that causes them and a
    worker sends the pending ones, so a broker outage delays an email and never loses it.
    """

    class EmailState(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Not needed")
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    # The portal's own sentences as message and parameters (lib.stored_text), so the bell and
    # the list show them in the reader's language now, not the one they were written in.
    title_text = models.JSONField(null=True, blank=True, editable=False)
    body_text = models.JSONField(null=True, blank=True, editable=False)
    url = models.CharField(_("link"), max_length=500, blank=True)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_state = models.CharField(
        _("email"), max_length=16, choices=EmailState.choices, default=EmailState.NOT_NEEDED
    )
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(_("email sent at"), null=True, blank=True)
    email_error = models.CharField(_("email error"), max_length=500, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_unread"),
            models.Index(fields=["email_state"], name="notif_email_state"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def shown_title(self) -> str:
        return shown(self.title_text, self.title)

    @property
    def shown_body(self) -> str:
        return shown(self.body_text, self.body)
