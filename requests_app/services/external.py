"""The one-time links a case hands to outside parties: the plan's link for an external
receiver's contact (create it, confirm or ask for a revision through it), and revoking or
e-mailing any of the case's links, whatever stage made them (``one_time_links``)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.archive_guard import lock_for_change, refuse_if_archived
from cases.models import Case
from cases.policies import refuse_wrong_stage
from collab_portal.activity.services import activity_record
from collab_portal.lib.refusals import refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.org.models import ExternalContact, User
from collab_portal.signoffs.models import ExternalLink, SignOff
from collab_portal.signoffs.services import (
    external_link_consume,
    external_link_create,
    external_link_email,
    external_link_revoke,
    signoff_record,
    token_digest,
)
from requests_app.models import CollabPlan, Receiver
from requests_app.one_time_links import LinkKind, case_invitation, kind_of
from requests_app.policies import may_send_plan_link, plan_awaits_confirmation, plan_sides
from requests_app.services.plan import _confirm_if_complete, _revision_requested

Stage = Case.Stage


PLAN_LINK_PURPOSE = "plan_confirmation"


def receiver_of_contact(request: Case, contact: ExternalContact) -> Receiver | None:
    """The case's external receiver the contact speaks for."""
    return next((r for r in request.receivers.all() if r.party_id == contact.party_id), None)


@transaction.atomic
def plan_external_link_create(*, actor: User, plan: CollabPlan, receiver: Receiver) -> str:
    """A one-time, expiring link for an external receiver's contact to confirm the plan.
    Returns the URL path with the raw token; only its hash is stored."""
    request = lock_for_change(plan.request)
    plan = CollabPlan.objects.select_for_update().get(pk=plan.pk)
    refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    plan_awaits_confirmation(plan).or_refuse()
    refuse_unless(
        receiver.request_id == request.pk and not receiver.is_internal and receiver.contact_id,
        _("Links are for external receivers with a contact."),
    )
    refuse_unless(
        may_send_plan_link(actor, request, receiver),
        _("Only the initiator or the party's internal owner can create the link."),
    )
    _link, token = external_link_create(
        target=plan, contact=receiver.contact, purpose=PLAN_LINK_PURPOSE, created_by=actor
    )
    activity_record(
        subject=request, verb="plan_link", actor=actor, target=plan, comment=receiver.label
    )
    return reverse("external:plan", args=[token])


PLAN_LINKS = LinkKind(
    purpose=PLAN_LINK_PURPOSE,
    label=gettext_lazy("Plan confirmation"),
    model=CollabPlan,
    records=lambda request: request.plans.all(),
    may_send=lambda user, request, contact: may_send_plan_link(
        user, request, receiver_of_contact(request, contact)
    ),
    invitation=case_invitation(
        gettext_lazy(
            "{company} asks you to confirm the collaboration plan v{version} of {code} "
            "“{subject}”: read it and confirm, or ask for changes, through the link below."
        )
    ),
    url_name="external:plan",
)


@transaction.atomic
def plan_external_decide(
    *,
    token: str,
    typed_name: str,
    ip: str | None,
    agree: bool,
    comment: str = "",
    user_agent: str = "",
) -> CollabPlan:
    """The external contact confirms (or asks for a revision of) the plan through the link.
    The link is consumed in the same transaction: usable once."""
    if not typed_name.strip():
        raise ValidationError({"typed_name": _("Type your name to sign.")})
    if not agree and not comment.strip():
        raise ValidationError({"comment": _("Say what should change in the plan.")})
    link = external_link_consume(
        token=token, purpose=PLAN_LINK_PURPOSE, typed_name=typed_name.strip(), ip=ip
    )
    plan = CollabPlan.objects.select_for_update().get(pk=link.target_id)
    request = lock_for_change(plan.request)
    refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    plan_awaits_confirmation(plan).or_refuse()
    side = next(
        (
            s
            for s in plan_sides(request)
            if s.receiver and s.receiver.party_id == link.contact.party_id
        ),
        None,
    )
    refuse_unless(side is not None, _("This link is not valid."))
    name = f"{typed_name.strip()}（{link.contact.party.name}）"
    if not agree:
        _revision_requested(
            request=request, plan=plan, comment=comment.strip(), actor=None, actor_name=name
        )
        return plan
    signoff_record(
        target=plan,
        external_contact=link.contact,
        typed_name=typed_name.strip(),
        role=Text(gettext_lazy("Contact of %(party)s"), party=link.contact.party.name),
        meaning=SignOff.Meaning.CONFIRMED,
        comment=comment,
        side_key=side.key,
        ip=ip,
        user_agent=user_agent[:300],
    )
    activity_record(
        subject=request,
        verb="plan_sign",
        actor_name=name,
        target=plan,
        comment=f"{side.label} · v{plan.version}" + (f"：{comment}" if comment else ""),
    )
    _confirm_if_complete(request=request, plan=plan, actor_name=name)
    return plan


def _link_kind_in_case(request: Case, link: ExternalLink) -> LinkKind:
    """The kind of ``link``, refusing a link that is not one of this case's."""
    kind = kind_of(link.purpose)
    refuse_unless(
        kind is not None
        and link.target_type_id == ContentType.objects.get_for_model(kind.model).pk
        and kind.records(request).filter(pk=link.target_id).exists(),
        _("This link is not valid."),
    )
    return kind


def _refuse_unless_may_send(actor: User, request: Case, kind, link) -> None:
    refuse_unless(
        kind.may_send(actor, request, link.contact),
        _("Only those who may send this link may revoke or e-mail it."),
    )


@transaction.atomic
def case_link_revoke(*, actor: User, request: Case, link: ExternalLink) -> ExternalLink:
    """Revoke an unused one-time link of the case: who may send it may revoke it. Whoever opens
    it afterwards is told it was revoked. Only the link's row is locked, as the customer's use
    of it locks it before the case: the two are serialised on it, never deadlocked."""
    refuse_if_archived(request)
    kind = _link_kind_in_case(request, link)
    _refuse_unless_may_send(actor, request, kind, link)
    link = external_link_revoke(link=link, actor=actor)
    activity_record(
        subject=request,
        verb="link_revoke",
        actor=actor,
        target=link.target,
        comment=Text(
            "{kind} · {party}（{name}）",
            kind=kind.label,
            party=link.contact.party.name,
            name=link.contact.name,
        ),
    )
    return link


@transaction.atomic
def case_link_email(*, actor: User, request: Case, token: str, base_url: str) -> ExternalLink:
    """E-mail a one-time link of the case to its contact, once (``external_link_email``). The
    page that showed the new link posts its token; ``base_url`` is the portal's address as the
    sender reached it, so the e-mail carries the link they were shown. Two clicks at once are
    serialised on the link's row (see ``case_link_revoke``)."""
    refuse_if_archived(request)
    link = (
        ExternalLink.objects.select_related("contact__party")
        .filter(token_hash=token_digest(token or ""))
        .first()
    )
    refuse_unless(link is not None, _("This link is not valid."))
    kind = _link_kind_in_case(request, link)
    _refuse_unless_may_send(actor, request, kind, link)
    record = kind.model._default_manager.get(pk=link.target_id)
    link = external_link_email(
        link=link,
        token=token,
        url=base_url.rstrip("/") + reverse(kind.url_name, args=[token]),
        subject=Text("{label} · {code}", label=kind.label, code=request.code),
        invitation=kind.invitation(record),
        actor=actor,
    )
    activity_record(
        subject=request,
        verb="link_email",
        actor=actor,
        target=record,
        comment=Text(
            "{kind} · {name} <{address}>",
            kind=kind.label,
            name=link.contact.name,
            address=link.emailed_to,
        ),
    )
    return link
