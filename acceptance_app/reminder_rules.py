"""Reminders of stage 5 (docs/process.md): a submitted delivery waiting for acceptance, on the
schedule every "someone waits on a decision" rule shares (``requests_app.reminder_rules``)."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acceptance_app.models import Delivery
from acceptance_app.policies import acceptance_handlers, acceptance_receiver
from cases.models import Case
from collab_portal.lib.stored_text import Text
from collab_portal.org.selectors import delegates_in_force
from collab_portal.reminders.models import ReminderRule
from collab_portal.reminders.registry import Due, RuleSpec, register_rule
from requests_app.models import Receiver
from requests_app.policies import CaseSides, departments_of
from requests_app.reminder_rules import (
    WAITING_DEFAULTS,
    LeadersInCharge,
    Notice,
    Waiting,
    merge_notices,
    since_label,
    waiting_dues,
)


def acceptance_waiting_sweep(*, rule: ReminderRule, now: datetime.datetime) -> list[Due]:
    """Submitted deliveries: the acceptor (the initiator or the delegate in force for them) or,
    for external work, those who send the customer the link (``acceptance_handlers``); once
    after the escalation delay the leader in charge of the initiator's department (7 queries)."""
    deliveries = list(
        Delivery.objects.filter(
            state=Delivery.State.SUBMITTED,
            submitted_at__isnull=False,
            request__stage=Case.Stage.ACCEPTING,
        )
        .select_related("request__initiator")
        .prefetch_related(
            Prefetch(
                "request__receivers",
                queryset=Receiver.objects.select_related("party__internal_owner", "contact"),
            )
        )
    )
    if not deliveries:
        return []
    acting = delegates_in_force(on=timezone.localdate(now))
    departments = departments_of(acting.values())
    leaders = LeadersInCharge(rule=rule, acting=acting)
    waitings = []
    for delivery in deliveries:
        request = delivery.request
        initiator = request.initiator
        waiting = Waiting(
            target=delivery, since=delivery.submitted_at, url=delivery.get_absolute_url()
        )
        words = {
            "version": delivery.version,
            "code": request.code,
            "subject": request.subject,
            "since": since_label(delivery.submitted_at),
        }
        receiver = acceptance_receiver(request)  # the receivers are prefetched: no query
        if receiver is None:
            acceptor_id = acting.get(initiator.pk, initiator.pk)
            if CaseSides.of(request).barred(  # a receiver never accepts its own delivery
                acceptor_id, departments.get(acceptor_id), side=request.initiator_department_id
            ):
                acceptor_id = initiator.pk
            if acceptor_id != initiator.pk or initiator.is_active:
                waiting.handlers.append(
                    Notice(
                        acceptor_id,
                        Text(
                            _(
                                "Waiting for your acceptance since {since}: the delivery "
                                "v{version} of {code} “{subject}”"
                            ),
                            **words,
                        ),
                    )
                )
            waited_for = initiator.name
        else:
            title = Text(
                _(
                    "Waiting for {party}'s acceptance since {since}: the delivery v{version} "
                    "of {code} “{subject}”; send them the acceptance link or follow it up"
                ),
                party=receiver.label,
                **words,
            )
            waiting.handlers = merge_notices(
                Notice(person.pk, title)
                for person in acceptance_handlers(request)  # no query either
                if person is not None and person.is_active
            )
            waited_for = receiver.label
        leader_id = leaders.of(request.initiator_department_id)
        if leader_id is not None:
            waiting.leaders.append(
                Notice(
                    leader_id,
                    Text(
                        _(
                            "The delivery v{version} of {code} “{subject}” has waited for "
                            "{name}'s acceptance since {since}"
                        ),
                        name=waited_for,
                        **words,
                    ),
                )
            )
        waitings.append(waiting)
    return waiting_dues(rule=rule, now=now, waitings=waitings)


# Importing this module registers the rule (``AcceptanceAppConfig.ready`` does).
ACCEPTANCE_WAITING = register_rule(
    RuleSpec(
        key="acceptance_waiting",
        label=_("Acceptance waiting"),
        recipients=_(
            "The acceptor (their delegate in force), or for external work those who send the "
            "link; the leader in charge of the initiating department"
        ),
        defaults=WAITING_DEFAULTS,
        sweep=acceptance_waiting_sweep,
    )
)
