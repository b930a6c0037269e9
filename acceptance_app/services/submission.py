"""验收申请: the coordinator submits the delivery list for acceptance, takes it back (撤回) while it
is not decided, and urges (催办) the acceptor.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acceptance_app.models import Delivery
from acceptance_app.policies import (
    acceptance_handlers,
    acceptance_receiver,
    acceptor_for,
    is_coordinator,
    submit_missing,
)
from acceptance_app.services.guards import _lock_delivery
from cases.models import Case
from cases.policies import decided_for, refuse_wrong_stage
from collab_portal.activity.services import activity_record, refuse_if_urged_recently
from collab_portal.lib.refusals import ActionRefused, refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.notifications.services import notify
from collab_portal.org.models import User

Stage = Case.Stage
State = Delivery.State


@transaction.atomic
def delivery_submit(
    *, actor: User, delivery: Delivery, summary: str = "", changes: str = ""
) -> Delivery:
    """验收申请: the coordinator submits the list; the case moves to acceptance."""
    request, delivery = _lock_delivery(delivery)
    refuse_wrong_stage(request, allowed=(Stage.EXECUTING,), archived_first=True)
    refuse_unless(is_coordinator(actor, request), _("Only the coordinator submits the delivery."))
    refuse_unless(delivery.state == State.DRAFT, _("This delivery list is not a draft any more."))
    missing = submit_missing(delivery)
    if missing:
        raise ActionRefused(
            _("It cannot be submitted yet: %(missing)s") % {"missing": "；".join(missing)}
        )
    if delivery.version > 1 and not changes.strip():
        raise ValidationError({"changes": _("Say what was reworked since the last version.")})
    delivery.summary = summary.strip()
    delivery.changes = changes.strip()
    delivery.submit()
    delivery.submitted_by = actor
    delivery.submitted_at = timezone.now()
    delivery.save()
    request.request_acceptance()
    request.save()
    activity_record(
        subject=request,
        verb="delivery_submit",
        actor=actor,
        on_behalf_of=decided_for(actor, request.coordinator),
        target=delivery,
        from_state=Stage.EXECUTING,
        to_state=request.stage,
        comment=f"v{delivery.version}",
    )
    acceptor = acceptor_for(request)
    receiver = acceptance_receiver(request)
    notify(
        recipients=acceptance_handlers(request),
        actor=actor,
        title=Text(
            gettext_lazy("The delivery v{version} of {code} awaits acceptance")
            if acceptor
            else gettext_lazy(
                "The delivery v{version} of {code} is ready: send the acceptance link to {party}"
            ),
            version=delivery.version,
            code=request.code,
            party=receiver.label if receiver else "",
        ),
        target=delivery,
    )
    return delivery


@transaction.atomic
def delivery_withdraw(*, actor: User, delivery: Delivery) -> Delivery:
    """撤回: the coordinator takes back a delivery not decided yet; it becomes a draft again."""
    request, delivery = _lock_delivery(delivery)
    refuse_unless(is_coordinator(actor, request), _("Only the coordinator withdraws the delivery."))
    refuse_wrong_stage(request, allowed=(Stage.ACCEPTING,), archived_first=True)
    refuse_unless(
        delivery.state == State.SUBMITTED, _("This delivery was decided; it cannot be withdrawn.")
    )
    delivery.withdraw()
    delivery.submitted_at = None
    delivery.save()
    request.withdraw_acceptance()
    request.save()
    activity_record(
        subject=request,
        verb="delivery_withdraw",
        actor=actor,
        target=delivery,
        from_state=Stage.ACCEPTING,
        to_state=request.stage,
        comment=f"v{delivery.version}",
    )
    return delivery


@transaction.atomic
def delivery_urge(*, actor: User, delivery: Delivery) -> None:
    """催办: the coordinator nudges the acceptor, at most once per 4 hours."""
    request, delivery = _lock_delivery(delivery)
    refuse_unless(is_coordinator(actor, request), _("Only the coordinator urges the acceptance."))
    refuse_wrong_stage(request, allowed=(Stage.ACCEPTING,), archived_first=True)
    refuse_unless(delivery.state == State.SUBMITTED, _("This delivery is not awaiting acceptance."))
    refuse_if_urged_recently(subject=request, verb="delivery_urge", actor=actor)
    recipients = acceptance_handlers(request)
    activity_record(
        subject=request,
        verb="delivery_urge",
        actor=actor,
        target=delivery,
        comment=", ".join(r.name for r in recipients if r),
    )
    notify(
        recipients=recipients,
        actor=actor,
        title=Text(
            gettext_lazy("{name} is waiting for the acceptance of {code} v{version}"),
            name=actor.name,
            code=request.code,
            version=delivery.version,
        ),
        target=delivery,
    )
