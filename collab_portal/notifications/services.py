"""The one way the portal tells people something: ``notify``."""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collab_portal.lib.broker import send_task_quietly
from collab_portal.lib.single_line import one_line
from collab_portal.lib.stored_text import as_json
from collab_portal.notifications.models import Notification

logger = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 5
STALE_CLAIM = datetime.timedelta(minutes=10)


def notify(
    *,
    recipients: Iterable,
    title,
    body="",
    url: str = "",
    target: models.Model | None = None,
    actor=None,
    email: bool = True,
) -> list[Notification]:
    """Store an in-app notification for each recipient and queue its email after commit.

    ``title`` and ``body`` may be ``Text`` (or lazy translations): each is rendered in the
    recipient's own language, and kept as a message so it is shown in whatever language they
    read in later (``lib.stored_text``). The actor is never notified of their own action.
    Emails go out only when the surrounding transaction commits, so a rolled-back change tells
    nobody anything.
    """
    target_type = ContentType.objects.get_for_model(target) if target is not None else None
    if target is not None and not url and hasattr(target, "get_absolute_url"):
        url = target.get_absolute_url()
    title_text, body_text = as_json(title), as_json(body)
    seen, rows = set(), []
    for recipient in recipients:
        if recipient is None or recipient.pk in seen or not recipient.is_active:
            continue
        if actor is not None and recipient.pk == actor.pk:
            continue
        seen.add(recipient.pk)
        with translation.override(recipient.language):
            rendered_title, rendered_body = str(title)[:200], str(body)
        rows.append(
            Notification(
                recipient=recipient,
                actor=actor,
                title=rendered_title,
                body=rendered_body,
                title_text=title_text,
                body_text=body_text,
                url=url,
                target_type=target_type,
                target_id=str(target.pk) if target is not None else "",
                email_state=Notification.EmailState.PENDING
                if email and recipient.email
                else Notification.EmailState.NOT_NEEDED,
            )
        )
    created = Notification.objects.bulk_create(rows)
    pending_ids = [n.pk for n in created if n.email_state == Notification.EmailState.PENDING]
    if pending_ids:
        transaction.on_commit(lambda: _queue_emails(pending_ids))
    return created


def _queue_emails(notification_ids: list[int]) -> None:
    from collab_portal.notifications.tasks import deliver_notification_emails

    send_task_quietly(deliver_notification_emails, args=[notification_ids])


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


def notification_emails_deliver(*, notification_ids: list[int] | None = None) -> int:
    """Send pending notification emails; returns how many went out.

    Each row is claimed with a conditional UPDATE before sending, so two workers (or a task and
    the periodic sweep) never send the same email twice. A claim older than ten minutes belongs
    to a worker that died and is taken over.
    """
    claimable = models.Q(email_state=Notification.EmailState.PENDING) | models.Q(
        email_state=Notification.EmailState.SENDING,
        email_claimed_at__lt=timezone.now() - STALE_CLAIM,
    )
    candidates = Notification.objects.filter(claimable)
    if notification_ids is not None:
        candidates = candidates.filter(pk__in=notification_ids)
    sent = 0
    for notification_id in list(candidates.values_list("pk", flat=True)[:500]):
        claimed = Notification.objects.filter(claimable, pk=notification_id).update(
            email_state=Notification.EmailState.SENDING, email_claimed_at=timezone.now()
        )
        if claimed:
            sent += _send_one(
                Notification.objects.select_related("recipient").get(pk=notification_id)
            )
    return sent


def _send_one(notification: Notification) -> int:
    recipient = notification.recipient
    with translation.override(recipient.language):
        message = EmailMessage(
            # A title stored with a line break (an old row, a title from outside the forms)
            # would make Django refuse the header: the subject is one line whatever it holds.
            subject=one_line(_("[Collab Portal] %(title)s") % {"title": notification.shown_title}),
            body=_email_body(notification),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
        )
    try:
        message.send()
    except Exception as error:  # SMTP and socket errors alike: record; retry unless permanent
        attempts = notification.email_attempts + 1
        with translation.override(settings.LANGUAGE_CODE):  # the admins' log
            permanent = _permanent_failure(error)
        state = (
            Notification.EmailState.FAILED
            if permanent or attempts >= MAX_EMAIL_ATTEMPTS
            else Notification.EmailState.PENDING
        )
        Notification.objects.filter(pk=notification.pk).update(
            email_state=state,
            email_attempts=attempts,
            email_error=(permanent or str(error))[:500],
        )
        logger.warning("email for notification %s failed: %s", notification.pk, error)
        return 0
    Notification.objects.filter(pk=notification.pk).update(
        email_state=Notification.EmailState.SENT,
        email_attempts=notification.email_attempts + 1,
        email_sent_at=timezone.now(),
        email_error="",
    )
    return 1


def _permanent_failure(error: Exception) -> str:
    """Why ``error`` will recur however often the e-mail is tried, or "" when a later try may
    succeed. Permanent: the message cannot be built (a header Django refuses, an address that is
    not one) or the server refused this message for good (a 5xx reply to its recipient or its
    content). The server being down, busy (4xx) or refusing the portal's own sign-in or sender
    is not about this message: that is retried."""
    if isinstance(error, ValueError):  # BadHeaderError is one, and so is an invalid address
        return _("The e-mail cannot be built: %(reason)s") % {"reason": error}
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = list(error.recipients.values())
        if replies and all(code >= 500 for code, _reply in replies):
            return _("The mail server refused the recipient: %(reply)s") % {
                "reply": "; ".join(f"{code} {_text(reply)}" for code, reply in replies)
            }
    if isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500:
        return _("The mail server refused the e-mail: %(reply)s") % {
            "reply": f"{error.smtp_code} {_text(error.smtp_error)}"
        }
    return ""


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _email_body(notification: Notification) -> str:
    lines = [notification.recipient.name + ":", "", notification.shown_title]
    if notification.shown_body:
        lines += ["", notification.shown_body]
    if notification.url:
        lines += ["", settings.PORTAL_BASE_URL.rstrip("/") + notification.url]
    lines += ["", "—", _("Collab Portal")]
    return "\n".join(lines)
