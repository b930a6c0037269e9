"""What stages 5–6 put in the inbox (工作台): acceptances, acceptance links to send,
retrospectives and ratings waiting for me; the acceptance decisions, ratings and filings I made;
who an accepting case waits on, with 催办 for its coordinator; and the delivery lists I am
assembling. Reads only; each source asks a fixed number of queries whatever the data size."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acceptance_app.models import AcceptanceReview, Delivery
from acceptance_app.selectors import acting_for_ids, deliveries_awaiting, retrospectives_awaiting
from cases.models import Case
from collab_portal.dashboard.inbox import (
    DRAFTS,
    HANDLED,
    INITIATED,
    INVOLVED,
    WAITING,
    InboxContext,
    InboxRow,
    register_inbox_source,
)
from requests_app.inbox import acting_persons, timeline_rows
from requests_app.models import Receiver

Stage = Case.Stage
State = Delivery.State


def _urge_url(delivery: Delivery) -> str:
    return reverse("acceptance_app:urge", args=[delivery.request.code, delivery.version])


def waiting_rows(*, context: InboxContext) -> list[InboxRow]:
    """The acceptance for the initiator (or their delegate), the link to send for external
    work, the retrospective for the coordinator, the rating for the receiving departments'
    heads (2 queries)."""
    deliveries = deliveries_awaiting(context.user)
    rows = [
        InboxRow(
            kind="acceptance_link" if delivery.by_link else "acceptance",
            case_id=delivery.request_id,
            url=delivery.get_absolute_url(),
            since=delivery.submitted_at or delivery.created_at,
            counterpart_id=delivery.submitted_by_id or delivery.prepared_by_id,
            detail=f"v{delivery.version}",
            key=f"delivery:{delivery.pk}",
        )
        for delivery in deliveries
    ]
    retrospectives = retrospectives_awaiting(context.user)
    for retrospective in retrospectives:
        for wanted, kind, counterpart in (
            (retrospective.coordinating, "retrospective", retrospective.request.initiator_id),
            (retrospective.unrated, "rating", retrospective.request.coordinator_id),
        ):
            if wanted:
                rows.append(
                    InboxRow(
                        kind=kind,
                        case_id=retrospective.request_id,
                        url=retrospective.get_absolute_url(),
                        since=retrospective.updated_at,
                        counterpart_id=counterpart,
                        key=f"{kind}:{retrospective.pk}",
                    )
                )
    return rows


HANDLED_KINDS = {
    "delivery_accept": gettext_lazy("Accepted"),
    "delivery_reject": gettext_lazy("Sent back for rework"),
    "retrospective_rate": gettext_lazy("Rating"),
    "case_archive": gettext_lazy("Archived"),
}


def handled_rows(*, context: InboxContext) -> list[InboxRow]:
    """The acceptance decisions, ratings and filings I made, from the timeline (2 queries)."""
    return timeline_rows(context=context, verbs=HANDLED_KINDS, target_model=Delivery)


def _is_coordinator(context: InboxContext, case: Case) -> bool:
    """``policies.is_coordinator`` from the inbox's delegation map (no query per case)."""
    coordinator = case.coordinator_id
    if coordinator is None:
        return False
    return context.user.pk == acting_persons(context).get(coordinator, coordinator) or (
        context.user.pk == coordinator
    )


def initiated_rows(*, context: InboxContext) -> list[InboxRow]:
    """Whom my accepting cases wait on — me (or my delegate), or the customer's contact — and
    催办 when I am also their coordinator (2 queries)."""
    user = context.user
    deliveries = list(
        Delivery.objects.filter(
            state=State.SUBMITTED, request__initiator=user, request__stage=Stage.ACCEPTING
        ).select_related("request")
    )
    contacts = {
        receiver.request_id: receiver
        for receiver in Receiver.objects.filter(
            request_id__in=[d.request_id for d in deliveries],
            kind=Receiver.Kind.EXTERNAL,
            contact__isnull=False,
        )
        .select_related("party", "contact")
        .order_by("-position", "-pk")  # the first one wins, as in acceptance_receiver
    }
    acting = acting_persons(context)
    rows = []
    for delivery in deliveries:
        row = InboxRow(
            kind="",
            case_id=delivery.request_id,
            url=delivery.get_absolute_url(),
            since=delivery.submitted_at,
            detail=f"v{delivery.version}",
        )
        receiver = contacts.get(delivery.request_id)
        acceptor = acting.get(user.pk, user.pk)
        if receiver is not None:
            row.counterpart_text = receiver.label
            row.waiting = True
        elif acceptor == user.pk:
            row.counterpart_text = _("You")
        else:
            row.counterpart_id, row.waiting = acceptor, True
        if _is_coordinator(context, delivery.request):
            row.urge_url = _urge_url(delivery)
        rows.append(row)
    return rows


def involved_rows(*, context: InboxContext) -> list[InboxRow]:
    """The acceptances I coordinate, with 催办 (as their coordinator), and the deliveries I
    accepted or sent back (2 queries)."""
    user = context.user
    delegated = acting_for_ids(user)
    waiting = Delivery.objects.filter(state=State.SUBMITTED, request__stage=Stage.ACCEPTING).filter(
        Q(request__coordinator=user) | Q(request__coordinator_id__in=delegated)
    )
    rows = [
        InboxRow(
            kind="coordinator",
            case_id=delivery.request_id,
            url=delivery.get_absolute_url(),
            since=delivery.submitted_at,
            urge_url=_urge_url(delivery),
        )
        for delivery in waiting.select_related("request")
    ]
    rows += [
        InboxRow(kind="acceptor", case_id=case_id)
        for case_id in AcceptanceReview.objects.filter(reviewer=user)
        .values_list("delivery__request_id", flat=True)
        .distinct()
    ]
    return rows


def draft_rows(*, context: InboxContext) -> list[InboxRow]:
    """Draft delivery lists of the cases I coordinate (1 query)."""
    return [
        InboxRow(
            kind="draft_delivery",
            case_id=delivery.request_id,
            url=delivery.get_absolute_url(),
            since=delivery.created_at,
            detail=f"v{delivery.version}",
            key=f"delivery:{delivery.pk}",
        )
        for delivery in Delivery.objects.filter(
            state=State.DRAFT, request__coordinator=context.user
        )
        .exclude(request__stage__in=[Stage.ARCHIVED, Stage.CANCELLED])
        .select_related("request")
    ]


def register() -> None:
    register_inbox_source(
        WAITING,
        waiting_rows,
        kinds={
            "acceptance": gettext_lazy("Acceptance"),
            "acceptance_link": gettext_lazy("Acceptance link"),
            "retrospective": gettext_lazy("Retrospective"),
            "rating": gettext_lazy("Rating"),
        },
    )
    register_inbox_source(HANDLED, handled_rows, kinds=HANDLED_KINDS)
    register_inbox_source(INITIATED, initiated_rows, kinds={})
    register_inbox_source(
        INVOLVED,
        involved_rows,
        kinds={
            "coordinator": gettext_lazy("Coordinator"),
            "acceptor": gettext_lazy("Acceptor"),
        },
    )
    register_inbox_source(
        DRAFTS, draft_rows, kinds={"draft_delivery": gettext_lazy("Delivery list")}
    )
