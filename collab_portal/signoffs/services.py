"""Writes of the signing platform: record a signature, check the signing password, and hand out
and redeem one-time links for external contacts.

These services do not decide who may sign. The stage app's service that calls them checks the
permission, locks its own row (``select_for_update``), runs its transition, calls
``signoff_record`` and writes its activity row, all in one transaction.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab_portal.lib.refusals import ActionRefused, refuse_unless
from collab_portal.lib.single_line import one_line
from collab_portal.lib.stored_text import Text, as_json, in_portal_language
from collab_portal.org.models import ExternalContact
from collab_portal.signoffs.canonical import signing_title, take_snapshot
from collab_portal.signoffs.integrity import seal
from collab_portal.signoffs.models import ExternalLink, SigningPolicy, SignOff

logger = logging.getLogger(__name__)

DEFAULT_LINK_VALIDITY = datetime.timedelta(days=7)
MAX_TOKEN_LENGTH = 200


def signoff_record(
    *,
    target: models.Model,
    signer=None,
    on_behalf_of=None,
    external_contact: ExternalContact | None = None,
    typed_name: str = "",
    role: str | Text,
    meaning: str,
    comment: str = "",
    side_key: str = "",
    ip: str | None = None,
    user_agent: str = "",
) -> SignOff:
    """Store a signature on ``target`` over its current ``signing_snapshot()``.

    Either ``signer`` (a user; ``on_behalf_of`` when a delegate signs for them) or
    ``external_contact`` (with the name they typed in ``typed_name``, recorded with whether it
    is the contact's name) signs. ``side_key`` names the side of a co-signature ("dept:12",
    "party:3"); a side signs each meaning once. The signature is sealed: its fingerprint
    covers who signed, for whom, as what, when and over which content (``integrity.py``).

    The caller has checked the permission and holds the lock on ``target``; call this inside
    that transaction, so a later failure rolls the signature back too.
    """
    if (signer is None) == (external_contact is None):
        raise ValueError("a sign-off needs exactly one of signer and external_contact")
    if on_behalf_of is not None and signer is None:
        raise ValueError("only a signer can sign on behalf of someone")
    if meaning not in SignOff.Meaning.values:
        raise ValueError(f"unknown meaning {meaning!r}")
    if target.pk is None:
        raise ValueError("only a saved record can be signed")
    if on_behalf_of is not None and on_behalf_of.pk == signer.pk:
        on_behalf_of = None
    if external_contact is not None:
        signer_name = " ".join(typed_name.split())
        if not signer_name:
            raise ValidationError({"typed_name": _("Type your full name to sign.")})
    else:
        signer_name = signer.name

    target_type = ContentType.objects.get_for_model(target)
    target_id = str(target.pk)
    if side_key and _side_has_signed(target_type, target_id, side_key, meaning):
        raise ValidationError(_("This side has already signed."), code="already_signed")
    signoff = SignOff(
        target_type=target_type,
        target_id=target_id,
        title=signing_title(target)[:200],
        signer=signer,
        signer_name=signer_name[:100],
        on_behalf_of=on_behalf_of,
        on_behalf_of_name=on_behalf_of.name[:100] if on_behalf_of is not None else "",
        external_contact=external_contact,
        typed_name_matches=(
            same_name(signer_name, external_contact.name) if external_contact else None
        ),
        role=in_portal_language(role)[:100],
        role_text=as_json(role),
        meaning=meaning,
        side_key=side_key,
        comment=comment,
        signed_at=timezone.now(),
        snapshot=take_snapshot(target),
        ip=ip or None,
        user_agent=(user_agent or "")[:300],
    )
    seal(signoff)
    try:
        with transaction.atomic():
            signoff.save(force_insert=True)
            return signoff
    except IntegrityError:
        if side_key and _side_has_signed(target_type, target_id, side_key, meaning):
            raise ValidationError(
                _("This side has already signed."), code="already_signed"
            ) from None
        raise


def same_name(typed: str, name: str) -> bool:
    """Whether a typed name is the given name, spaces and letter case aside."""
    return "".join(typed.split()).casefold() == "".join(name.split()).casefold()


def _side_has_signed(target_type, target_id: str, side_key: str, meaning: str) -> bool:
    return SignOff.objects.filter(
        target_type=target_type, target_id=target_id, side_key=side_key, meaning=meaning
    ).exists()


def signing_password_check(*, user, password: str | None) -> None:
    """When admins require it, the signer re-enters their password; nothing happens otherwise."""
    if not SigningPolicy.current().require_password:
        return
    if not password:
        raise ValidationError({"password": _("Enter your password to sign.")})
    if not user.check_password(password):
        raise ValidationError({"password": _("The password is not correct.")})


# --- one-time links for external contacts -----------------------------------------------------


class ExternalLinkInvalid(Exception):
    """The link cannot be used; ``reason`` is "unknown", "expired", "used", "replaced" or
    "revoked" and ``message`` says so to the visitor in the active language."""

    MESSAGES = {
        "unknown": gettext_lazy("This link is not valid."),
        "expired": gettext_lazy("This link has expired. Ask your contact for a new one."),
        "used": gettext_lazy("This link has already been used."),
        "replaced": gettext_lazy("This link was replaced by a newer one."),
        "revoked": gettext_lazy("This link was revoked by the person who sent it."),
    }

    def __init__(self, reason: str):
        if reason not in self.MESSAGES:
            raise ValueError(f"unknown reason {reason!r}")
        self.reason = reason
        super().__init__(reason)

    @property
    def message(self) -> str:
        return str(self.MESSAGES[self.reason])


def token_digest(token: str) -> str:
    """What is stored of a raw token: its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def external_link_create(
    *,
    target: models.Model,
    contact: ExternalContact,
    purpose: str,
    created_by,
    valid_for: datetime.timedelta = DEFAULT_LINK_VALIDITY,
) -> tuple[ExternalLink, str]:
    """A new one-time link for ``contact`` to act on ``target`` for ``purpose``; returns the
    link and the raw token to put in the URL (it is not stored and cannot be shown again).
    Earlier unused links for the same target, contact and purpose stop working."""
    if not purpose:
        raise ValueError("a link needs a purpose")
    if valid_for <= datetime.timedelta(0):
        raise ValueError("valid_for must be positive")
    target_type = ContentType.objects.get_for_model(target)
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        ExternalLink.objects.filter(
            target_type=target_type,
            target_id=str(target.pk),
            contact=contact,
            purpose=purpose,
            used_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=now)
        link = ExternalLink.objects.create(
            target_type=target_type,
            target_id=str(target.pk),
            contact=contact,
            purpose=purpose,
            token_hash=token_digest(token),
            created_by=created_by,
            created_at=now,
            expires_at=now + valid_for,
        )
    return link, token


def _refuse_unusable(link: ExternalLink) -> None:
    if link.is_used:
        raise ExternalLinkInvalid("used")
    if link.is_revoked:
        raise ExternalLinkInvalid("revoked" if link.revoked_by_id else "replaced")
    if link.is_expired:
        raise ExternalLinkInvalid("expired")


def _find(token: str, purpose: str):
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise ExternalLinkInvalid("unknown")
    link = (
        ExternalLink.objects.filter(token_hash=token_digest(token), purpose=purpose)
        .select_related("contact__party")
        .first()
    )
    if link is None:
        raise ExternalLinkInvalid("unknown")
    return link


def external_link_resolve(*, token: str, purpose: str) -> ExternalLink:
    """The usable link for ``token`` and ``purpose``, or ``ExternalLinkInvalid``."""
    link = _find(token, purpose)
    _refuse_unusable(link)
    return link


def external_link_consume(
    *, token: str, purpose: str, typed_name: str, ip: str | None
) -> ExternalLink:
    """Use the link once: of two simultaneous submissions exactly one wins, the other gets
    ``ExternalLinkInvalid("used")``.

    Call it inside the caller's ``transaction.atomic()`` and record the sign-off in the same
    transaction (``signoff_record(external_contact=link.contact, typed_name=link.typed_name,
    ...)``), so a failure there leaves the link unused.
    """
    typed_name = " ".join(typed_name.split())
    if not typed_name:
        raise ValidationError({"typed_name": _("Type your full name to sign.")})
    with transaction.atomic():
        found = _find(token, purpose)
        link = (
            ExternalLink.objects.select_for_update(of=("self",))
            .select_related("contact__party")
            .get(pk=found.pk)
        )
        _refuse_unusable(link)
        now = timezone.now()
        claimed = ExternalLink.objects.filter(
            pk=link.pk, used_at__isnull=True, revoked_at__isnull=True
        ).update(used_at=now, used_ip=ip or None, typed_name=typed_name[:100])
        if not claimed:
            raise ExternalLinkInvalid("used")
        link.used_at, link.used_ip, link.typed_name = now, ip or None, typed_name[:100]
    return link


def _lock_link(link: ExternalLink) -> ExternalLink:
    return (
        ExternalLink.objects.select_for_update(of=("self",))
        .select_related("contact__party")
        .get(pk=link.pk)
    )


@transaction.atomic
def external_link_revoke(*, link: ExternalLink, actor) -> ExternalLink:
    """Stop an unused link from working: whoever opens it is told it was revoked. The caller
    has checked that ``actor`` may send such links."""
    link = _lock_link(link)
    refuse_unless(not link.is_used, _("This link was used already; there is nothing to revoke."))
    refuse_unless(not link.is_revoked, _("This link no longer works; there is nothing to revoke."))
    refuse_unless(not link.is_expired, _("This link has expired; there is nothing to revoke."))
    link.revoked_at, link.revoked_by = timezone.now(), actor
    link.save(update_fields=["revoked_at", "revoked_by"])
    return link


@transaction.atomic
def external_link_email(
    *, link: ExternalLink, token: str, url: str, subject, invitation, actor
) -> ExternalLink:
    """E-mail the link to its contact, once: a plain message in the portal's default language
    (the contact has no account, so no language of their own) titled ``subject``, saying
    ``invitation`` (what they are asked to do; both lazily translated), the URL and its
    expiry. Recorded on the link, so a second click or a second person is told it went
    already. A message the mail server does not take is not recorded; the refusal says why.
    The caller has checked that ``actor`` may send such links and that ``url`` opens this link
    (``token`` is checked here)."""
    link = _lock_link(link)
    if token_digest(token) != link.token_hash:
        raise ExternalLinkInvalid("unknown")
    _refuse_unusable(link)
    if link.emailed_at is not None:
        raise ActionRefused(
            _("This link was e-mailed to %(address)s at %(time)s already.")
            % {
                "address": link.emailed_to,
                "time": timezone.localtime(link.emailed_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
    contact = link.contact
    refuse_unless(
        bool(contact.email),
        _("%(name)s has no e-mail address in the portal; copy the link instead.")
        % {"name": contact.name},
    )
    with translation.override(settings.LANGUAGE_CODE):
        message = EmailMessage(
            subject=one_line(_("[Collab Portal] %(title)s") % {"title": subject}),
            body=_link_email_body(link, invitation=invitation, url=url),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[contact.email],
        )
    try:
        message.send()
    except Exception as error:  # SMTP and socket errors alike: nothing is recorded
        logger.warning("e-mailing external link %s failed: %s", link.pk, error)
        raise ActionRefused(
            _("The e-mail could not be sent (%(reason)s); copy the link instead, or try again.")
            % {"reason": error}
        ) from None
    link.emailed_to, link.emailed_at, link.emailed_by = contact.email, timezone.now(), actor
    link.save(update_fields=["emailed_to", "emailed_at", "emailed_by"])
    return link


def _link_email_body(link: ExternalLink, *, invitation, url: str) -> str:
    expires = timezone.localtime(link.expires_at).strftime("%Y-%m-%d %H:%M")
    return "\n".join(
        [
            f"{link.contact.name}:",
            "",
            str(invitation),
            "",
            url,
            "",
            _(
                "The link works once and until %(expires)s. Your name, the time and your "
                "network address are recorded with your decision."
            )
            % {"expires": expires},
            "",
            "—",
            _("Collab Portal"),
        ]
    )
