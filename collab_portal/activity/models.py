from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    """One line of a case's timeline: a transition, sign-off, comment, urge or hand-over.

    ``subject`` is the case the line belongs to; ``target`` the record it is about (a plan
    version, a task…) when that is not the case itself. Rows are never edited."""

    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.CharField(max_length=64)
    subject = GenericForeignKey("subject_type", "subject_id")
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    verb = models.CharField(_("action"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=100, blank=True)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # The portal's own note (lib.stored_text), shown in the reader's language; ``comment``
    # holds it in the portal's language as well, for search and exports.
    comment_text = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.verb}"
