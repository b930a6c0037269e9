"""Reads of stages 5–6 and who may reach them: a case's deliveries, items and files (looked up
within the already access-checked case), the file a customer's link opens, the retrospective,
the cases in stages 5–6 a person may see, what waits for whom, and the archive bundle's row."""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404
from django.shortcuts import get_object_or_404

from acceptance_app.models import (
    ArchiveBundle,
    Delivery,
    DeliveryFile,
    DeliveryItem,
    Retrospective,
    SatisfactionRating,
)
from cases.models import Case
from collab_portal.org.models import Delegation, User
from collab_portal.signoffs.models import ExternalLink
from requests_app.models import Receiver
from requests_app.policies import on_another_receiving_side

Stage = Case.Stage
State = Delivery.State


def _items_prefetch() -> Prefetch:
    return Prefetch(
        "items",
        queryset=DeliveryItem.objects.select_related(
            "task", "task__owner", "verdict", "previous"
        ).prefetch_related(Prefetch("files", queryset=DeliveryFile.objects.order_by("pk"))),
    )


def deliveries_of(request: Case) -> list[Delivery]:
    """Every version, newest first, with items, files, verdicts and the review (4 queries)."""
    return list(
        request.deliveries.select_related("prepared_by", "submitted_by", "review")
        .prefetch_related(_items_prefetch())
        .order_by("-version")
    )


def delivery_for(*, request: Case, version: int) -> Delivery:
    """A version of the (already access-checked) case's delivery, or 404."""
    return get_object_or_404(
        Delivery.objects.select_related(
            "request", "prepared_by", "submitted_by", "review"
        ).prefetch_related(_items_prefetch()),
        request=request,
        version=version,
    )


def item_for(*, request: Case, pk: int) -> DeliveryItem:
    return get_object_or_404(
        DeliveryItem.objects.select_related("delivery__request", "task"),
        delivery__request=request,
        pk=pk,
    )


def file_for(*, request: Case, pk: int) -> DeliveryFile:
    return get_object_or_404(
        DeliveryFile.objects.select_related("item__delivery__request", "item__task"),
        item__delivery__request=request,
        pk=pk,
    )


def link_file_for(*, link: ExternalLink, pk: int) -> DeliveryFile:
    """A file of the delivery version the (usable) acceptance ``link`` was made for, while it
    awaits acceptance; 404 for any other file."""
    return get_object_or_404(
        DeliveryFile.objects.select_related("item"),
        item__delivery_id=link.target_id,
        item__delivery__state=State.SUBMITTED,
        pk=pk,
    )


def link_delivery_for(*, link: ExternalLink) -> Delivery:
    """The delivery version the acceptance ``link`` was made for, with its items, or 404."""
    return get_object_or_404(
        Delivery.objects.select_related(
            "request", "request__initiator_department"
        ).prefetch_related(_items_prefetch()),
        pk=link.target_id,
    )


def previous_version(delivery: Delivery) -> Delivery | None:
    """The version before ``delivery``, with its items and review (None for the first)."""
    return (
        Delivery.objects.select_related("review")
        .prefetch_related(_items_prefetch())
        .filter(request_id=delivery.request_id, version=delivery.version - 1)
        .first()
    )


def latest_delivery(request: Case) -> Delivery | None:
    return request.deliveries.order_by("-version").first()


# --- the retrospective ---------------------------------------------------------------------


def retrospective_for(*, request: Case) -> Retrospective:
    retrospective = (
        Retrospective.objects.select_related("author", "filed_by")
        .prefetch_related("ratings__rated_by", "ratings__on_behalf_of")
        .filter(request=request)
        .first()
    )
    if retrospective is None:
        raise Http404
    retrospective.request = request
    return retrospective


# --- across cases ---------------------------------------------------------------------------

LIST_TABS = {
    "accepting": (Stage.ACCEPTING,),
    "retrospective": (Stage.RETROSPECTIVE,),
    "archived": (Stage.ARCHIVED,),
}


def acceptance_list(*, user: User, tab: str, query: str = "") -> QuerySet[Case]:
    """Cases in stages 5–6 that ``user`` can see, searchable by code, subject or goal."""
    stages = LIST_TABS.get(tab, LIST_TABS["accepting"])
    cases = (
        Case.objects.visible_to(user)
        .filter(stage__in=stages)
        .select_related("initiator", "initiator_department", "coordinator", "retrospective")
        .prefetch_related(
            Prefetch("receivers", queryset=Receiver.objects.select_related("department", "party")),
            Prefetch("deliveries", queryset=Delivery.objects.order_by("-version")),
        )
    )
    query = query.strip()[:100]
    if query:
        cases = cases.filter(
            Q(code__icontains=query) | Q(subject__icontains=query) | Q(goal__icontains=query)
        )
    return cases.order_by("-updated_at", "-pk")


def acceptance_counts(*, user: User) -> dict[str, int]:
    visible = Case.objects.visible_to(user)
    return {tab: visible.filter(stage__in=stages).count() for tab, stages in LIST_TABS.items()}


# --- what waits for whom --------------------------------------------------------------------


def acting_for_ids(user: User):
    """A subquery of the ids of everyone whose delegate in force ``user`` is."""
    return Delegation.objects.in_force().filter(delegate=user).values("principal_id")


def deliveries_awaiting(user: User) -> QuerySet[Delivery]:
    """Submitted deliveries waiting on ``user``: to accept as the initiator (or their delegate),
    or to send the customer's acceptance link for as the party's internal owner; each
    annotated ``by_link``."""
    by_link = Exists(
        Receiver.objects.filter(
            request=OuterRef("request"), kind=Receiver.Kind.EXTERNAL, contact__isnull=False
        )
    )
    owns_party = Exists(
        Receiver.objects.filter(request=OuterRef("request"), party__internal_owner=user)
    )
    return (
        Delivery.objects.filter(state=State.SUBMITTED, request__stage=Stage.ACCEPTING)
        .annotate(by_link=by_link, owns_party=owns_party)
        .filter(
            Q(request__initiator=user)
            | (
                Q(request__initiator_id__in=acting_for_ids(user), by_link=False)
                & ~on_another_receiving_side(user, case_path="request__")
            )
            | Q(owns_party=True, by_link=True)
        )
        .select_related("request")
    )


def retrospectives_awaiting(user: User) -> QuerySet[Retrospective]:
    """Unfiled retrospectives waiting on ``user``: to write as the coordinator (or delegate),
    annotated ``coordinating``; to rate as a receiving department's head, ``unrated``."""
    delegated = acting_for_ids(user)
    my_departments = Q(department__head=user) | Q(department__head_id__in=delegated)
    unrated = Exists(
        Receiver.objects.filter(
            my_departments, request=OuterRef("request"), kind=Receiver.Kind.INTERNAL
        ).exclude(
            pk__in=SatisfactionRating.objects.filter(retrospective=OuterRef(OuterRef("pk"))).values(
                "receiver_id"
            )
        )
    )
    coordinating = Q(request__coordinator=user) | Q(request__coordinator_id__in=delegated)
    return (
        Retrospective.objects.filter(request__stage=Stage.RETROSPECTIVE, filed_at__isnull=True)
        .annotate(unrated=unrated, coordinating=ExpressionWrapper(coordinating, BooleanField()))
        .filter(Q(coordinating=True) | Q(unrated=True))
        .select_related("request")
    )


# --- the archive bundle ------------------------------------------------------------------


def archive_bundle_for(request: Case) -> ArchiveBundle | None:
    return ArchiveBundle.objects.filter(request=request).first()
