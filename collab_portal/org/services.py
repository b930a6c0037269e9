"""Writes on the organisation that people make in the portal (admins configure the rest)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab_portal.lib.dates import DEADLINE, SCHEDULE
from collab_portal.lib.stored_text import Text
from collab_portal.notifications.services import notify
from collab_portal.org.models import Delegation, User


def user_set_language(*, user: User, language: str) -> None:
    if language in User.Language.values and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def reminder_channels_save(*, user: User, by_email: bool, by_robot: bool) -> None:
    """Reminders always show in the portal; email and the group robot are the person's choice."""
    user.remind_by_email, user.remind_by_robot = by_email, by_robot
    user.save(update_fields=["remind_by_email", "remind_by_robot"])


@transaction.atomic
def delegation_create(
    *,
    actor: User,
    principal: User,
    delegate: User,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str = "",
) -> Delegation:
    """Name a delegate for a date range; people do it for themselves, admins for anyone.

    Raises ValidationError (overlap, inverted dates, self, past) or PermissionDenied."""
    if actor != principal and not actor.is_portal_admin:
        raise PermissionDenied(_("Only the person themselves or an administrator can do this."))
    if not delegate.is_active:
        raise ValidationError({"delegate": _("This account is deactivated.")})
    # Lock the principal's row so two overlapping delegations cannot be created at once.
    User.objects.select_for_update().filter(pk=principal.pk).first()
    delegation = Delegation(
        principal=principal, delegate=delegate, starts_on=starts_on, ends_on=ends_on, reason=reason
    )
    delegation.full_clean()
    if ends_on < timezone.localdate():
        raise ValidationError({"ends_on": _("The delegation would already be over.")})
    if errors := SCHEDULE.refusals(starts_on=starts_on) | DEADLINE.refusals(ends_on=ends_on):
        raise ValidationError(errors)
    delegation.save()
    delegation_announce(actor=actor, delegation=delegation)
    return delegation


def delegation_announce(*, actor: User, delegation: Delegation) -> None:
    """Tell the delegate, and the principal unless they made it themselves: nobody acts in
    someone's name without that person hearing of it."""
    dates = {"start": delegation.starts_on.isoformat(), "end": delegation.ends_on.isoformat()}
    notify(
        recipients=[delegation.delegate],
        actor=actor,
        title=Text(
            _("{principal} named you as their delegate from {start} to {end}"),
            principal=delegation.principal.name,
            **dates,
        ),
        body=delegation.reason,
        url="/",
    )
    notify(
        recipients=[delegation.principal],
        actor=actor,
        title=Text(
            _("{actor} named {delegate} to act for you from {start} to {end}"),
            actor=actor.name,
            delegate=delegation.delegate.name,
            **dates,
        ),
        body=delegation.reason,
        url=reverse("org:my_delegations"),
    )


@transaction.atomic
def delegation_cancel(*, actor: User, delegation: Delegation) -> None:
    """End a delegation early (or withdraw one not yet started)."""
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if actor != delegation.principal and not actor.is_portal_admin:
        raise PermissionDenied(_("Only the person themselves or an administrator can do this."))
    today = timezone.localdate()
    if not delegation.is_active or delegation.ends_on < today:
        raise ValidationError(_("This delegation is no longer in force."))
    if delegation.starts_on > today:
        delegation.is_active = False
    else:
        # Keep the days it was in force on record (sign-offs name the delegate for them).
        delegation.ends_on = max(delegation.starts_on, today - datetime.timedelta(days=1))
        delegation.is_active = delegation.starts_on < today
    delegation.save(update_fields=["ends_on", "is_active"])
    notify(
        recipients=[delegation.delegate],
        actor=actor,
        title=Text(
            _("{principal} no longer needs you as their delegate"),
            principal=delegation.principal.name,
        ),
        url="/",
    )
