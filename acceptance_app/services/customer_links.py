"""External acceptance: the one-time link the customer's contact accepts the delivery through,
and their decision (with their satisfaction) given on it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acceptance_app.models import AcceptanceReview, Delivery
from acceptance_app.policies import acceptance_receiver, may_send_link
from acceptance_app.services.acceptance import (
    Satisfaction,
    Verdict,
    _decide,
    _validate_satisfaction,
    _validate_verdicts,
)
from acceptance_app.services.guards import _lock_delivery
from cases.models import Case
from cases.policies import refuse_wrong_stage
from collab_portal.activity.services import activity_record
from collab_portal.lib.refusals import refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.org.models import User
from collab_portal.signoffs.services import external_link_consume, external_link_create
from requests_app.one_time_links import LinkKind, case_invitation

Stage = Case.Stage
State = Delivery.State


ACCEPTANCE_LINK_PURPOSE = "acceptance"


@transaction.atomic
def acceptance_link_create(*, actor: User, delivery: Delivery) -> str:
    """A one-time, expiring link for the external receiver's contact to accept the delivery.
    Returns the URL path with the raw token; only its hash is stored."""
    request, delivery = _lock_delivery(delivery)
    refuse_wrong_stage(request, allowed=(Stage.ACCEPTING,), archived_first=True)
    refuse_unless(delivery.state == State.SUBMITTED, _("This delivery is not awaiting acceptance."))
    receiver = acceptance_receiver(request)
    refuse_unless(receiver is not None, _("This delivery is accepted in the portal, not by link."))
    refuse_unless(
        may_send_link(actor, request),
        _("Only the initiator, the coordinator or the party's internal owner sends the link."),
    )
    _link, token = external_link_create(
        target=delivery, contact=receiver.contact, purpose=ACCEPTANCE_LINK_PURPOSE, created_by=actor
    )
    activity_record(
        subject=request, verb="delivery_link", actor=actor, target=delivery, comment=receiver.label
    )
    return reverse("external:acceptance", args=[token])


ACCEPTANCE_LINKS = LinkKind(
    purpose=ACCEPTANCE_LINK_PURPOSE,
    label=gettext_lazy("Acceptance"),
    model=Delivery,
    records=lambda request: request.deliveries.all(),
    may_send=lambda user, request, contact: may_send_link(user, request),
    invitation=case_invitation(
        gettext_lazy(
            "{company} delivered version {version} of {code} “{subject}” and asks you to "
            "accept it item by item through the link below, where each delivered file opens."
        )
    ),
    url_name="external:acceptance",
)


@transaction.atomic
def acceptance_external_decide(
    *,
    token: str,
    typed_name: str,
    ip: str | None,
    verdicts: dict[int, Verdict],
    comment: str = "",
    user_agent: str = "",
    satisfaction: Satisfaction | None = None,
) -> AcceptanceReview:
    """The external contact judges every item through the link, and may rate the
    collaboration; the link is consumed in the same transaction, so it works once."""
    if not typed_name.strip():
        raise ValidationError({"typed_name": _("Type your full name to sign.")})
    satisfaction = _validate_satisfaction(satisfaction)
    link = external_link_consume(
        token=token, purpose=ACCEPTANCE_LINK_PURPOSE, typed_name=typed_name, ip=ip
    )
    delivery = Delivery.objects.select_related("request").get(pk=link.target_id)
    request, delivery = _lock_delivery(delivery)
    refuse_wrong_stage(request, allowed=(Stage.ACCEPTING,), archived_first=True)
    refuse_unless(delivery.state == State.SUBMITTED, _("This delivery is not awaiting acceptance."))
    items = _validate_verdicts(delivery, verdicts)
    name = " ".join(typed_name.split())
    return _decide(
        request=request,
        delivery=delivery,
        items=items,
        verdicts=verdicts,
        comment=comment,
        reviewer=None,
        on_behalf_of=None,
        contact=link.contact,
        reviewer_name=f"{name}（{link.contact.party.name}）",
        typed_name=name,
        role=Text(gettext_lazy("Contact of %(party)s"), party=link.contact.party.name),
        ip=ip,
        user_agent=user_agent[:300],
        satisfaction=satisfaction,
    )
