"""Reads over cases: access (404 for what the person may not see), the lists' querysets, what
waits for whom, and the case's plans, one-time links and files. What a page shows is built from
these in ``pages``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from cases.models import Case
from cases.selectors import case_for
from collab_portal.org.models import Department, ExternalContact, User
from collab_portal.org.selectors import principals_acting_for
from collab_portal.signoffs.models import ExternalLink, SignOff
from requests_app.models import Attachment, CarbonCopy, CollabPlan, Receiver, Review, SyncRecord
from requests_app.one_time_links import kind_of, link_kinds
from requests_app.policies import (
    CaseSides,
    on_another_receiving_side,
    receiving_departments_of,
)

Stage = Case.Stage


def receivers_read_with_the_case() -> Prefetch:
    """Read with every case ``case_for`` fetches: its receivers, each with its department and
    head, its party and the party's internal owner, and its contact."""
    return Prefetch(
        "receivers",
        queryset=Receiver.objects.select_related(
            "department", "department__head", "party", "party__internal_owner", "contact"
        ),
    )


def case_visibility(user: User, overseen: list[int]) -> Q:
    """Who sees a case through stages 1–2 (a rule of ``Case.objects.visible_to``): reviewers
    of any round, people copied in, the members and overseers of a receiving department, an
    external party's internal owner."""
    return (
        Q(pk__in=Review.objects.filter(reviewer=user).values("request_id"))
        | Q(pk__in=CarbonCopy.objects.filter(user=user).values("request_id"))
        | Q(
            pk__in=Receiver.objects.filter(
                Q(department__in=overseen) | Q(department_id=user.department_id)
            ).values("request_id")
        )
        | Q(pk__in=Receiver.objects.filter(party__internal_owner=user).values("request_id"))
    )


def _base_list() -> QuerySet[Case]:
    return Case.objects.select_related(
        "initiator", "initiator_department", "reviewer"
    ).prefetch_related(
        Prefetch(
            "receivers",
            queryset=Receiver.objects.select_related("department", "party", "contact"),
        )
    )


@dataclass
class ListFilters:
    stage: str = ""
    department: int | None = None
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    query: str = ""

    @property
    def active(self) -> bool:
        return self != ListFilters()

    def apply(self, requests: QuerySet[Case]) -> QuerySet[Case]:
        if self.stage:
            requests = requests.filter(stage=self.stage)
        if self.department:
            requests = requests.filter(
                Q(initiator_department_id=self.department)
                | Q(receivers__department_id=self.department)
            ).distinct()
        if self.created_from:
            requests = requests.filter(created_at__date__gte=self.created_from)
        if self.created_to:
            requests = requests.filter(created_at__date__lte=self.created_to)
        if self.query:
            requests = requests.filter(
                Q(code__icontains=self.query) | Q(subject__icontains=self.query)
            )
        return requests


def my_requests(*, user: User, filters: ListFilters) -> QuerySet[Case]:
    """我发起的."""
    return filters.apply(_base_list().filter(initiator=user))


def visible_requests(*, user: User, filters: ListFilters) -> QuerySet[Case]:
    """Every case the user may see (heads, leaders and admins use it to look around)."""
    return filters.apply(_base_list().filter(pk__in=Case.objects.visible_to(user).values("pk")))


def plans_awaiting(user: User) -> list[CollabPlan]:
    """Proposed plans with a side that ``user`` decides for and that has not signed yet."""
    principals = principals_acting_for(user)
    departments = Department.objects.filter(head_id__in=principals).values_list("pk", flat=True)
    department_ids = set(departments)
    if not department_ids:
        return []
    plans = (
        CollabPlan.objects.filter(state=CollabPlan.State.PROPOSED, request__stage=Stage.PLANNING)
        .filter(
            Q(request__initiator_department_id__in=department_ids)
            | Q(request__receivers__department_id__in=department_ids)
        )
        .distinct()
        .select_related("request", "request__initiator_department", "request__initiator")
    )
    plans = list(plans)
    if not plans:
        return []
    signed = set(
        SignOff.objects.filter(
            target_type=ContentType.objects.get_for_model(CollabPlan),
            target_id__in=[str(p.pk) for p in plans],
            meaning=SignOff.Meaning.CONFIRMED,
        ).values_list("target_id", "side_key")
    )
    receivers = Receiver.objects.filter(request_id__in=[p.request_id for p in plans])
    sides_by_request: dict[int, set[int]] = {}
    for receiver in receivers:
        if receiver.department_id:
            sides_by_request.setdefault(receiver.request_id, set()).add(receiver.department_id)
    awaiting = []
    for plan in plans:
        case = plan.request
        receiving = sides_by_request.get(plan.request_id, set())
        sides = CaseSides(case.initiator_id, case.initiator_department_id, frozenset(receiving))
        mine = {
            pk
            for pk in ({case.initiator_department_id} | receiving) & department_ids
            if not sides.barred(user.pk, user.department_id, side=pk)
        }
        if any((str(plan.pk), f"dept:{pk}") not in signed for pk in mine):
            awaiting.append(plan)
    return awaiting


def reviews_awaiting(user: User) -> QuerySet[Case]:
    return (
        _base_list()
        .filter(stage=Stage.PENDING_REVIEW, reviewer_id__in=principals_acting_for(user))
        .exclude(initiator=user)
        .exclude(on_another_receiving_side(user))
    )


def acknowledgements_awaiting(user: User) -> QuerySet[SyncRecord]:
    principals = principals_acting_for(user)
    return (
        SyncRecord.objects.filter(
            acknowledged_at__isnull=True,
            receiver__kind=Receiver.Kind.INTERNAL,
            request__stage__in=[Stage.SYNCING, Stage.PLANNING],
        )
        .filter(
            Q(receiver__department_id=user.department_id)
            | (
                Q(receiver__department__head_id__in=principals)
                & ~Q(request__initiator=user)
                & ~Q(request__initiator_department_id=user.department_id)
                & ~_on_another_receiving_side_than_record(user)
            )
        )
        .select_related("request", "receiver__department")
    )


def _on_another_receiving_side_than_record(user: User) -> Q:
    """Sync records whose case ``user`` receives in another department than the record's."""
    if user.department_id is None:
        return Q(pk__in=[])
    return Q(
        Exists(
            Receiver.objects.filter(
                request_id=OuterRef("request_id"),
                kind=Receiver.Kind.INTERNAL,
                department_id=user.department_id,
            ).exclude(department_id=OuterRef("receiver__department_id"))
        )
    )


def plan_for(*, user: User, code: str, version: int) -> CollabPlan:
    request = case_for(user=user, code=code)
    return get_object_or_404(request.plans.select_related("request"), version=version)


def current_plan(request: Case) -> CollabPlan | None:
    """The case's latest plan version, if any."""
    return request.plans.order_by("-version").first()


# --- the case's one-time links ---------------------------------------------------------------


def one_time_links_of(request: Case):
    """The case's links with each one's kind and record (a query per kind, and one)."""
    wanted, records = Q(pk__in=[]), {}
    for kind in link_kinds():
        found = {str(record.pk): record for record in kind.records(request)}
        if found:
            target_type = ContentType.objects.get_for_model(kind.model)
            wanted |= Q(purpose=kind.purpose, target_type=target_type, target_id__in=list(found))
            records[kind.purpose] = found
    if not records:
        return []
    links = ExternalLink.objects.filter(wanted).select_related(
        "contact__party", "created_by", "revoked_by", "emailed_by"
    )
    return [(link, kind_of(link.purpose), records[link.purpose][link.target_id]) for link in links]


def case_link_for(*, request: Case, pk: int) -> ExternalLink:
    """One of the case's one-time links, or 404."""
    found = next((link for link, _k, _r in one_time_links_of(request) if link.pk == pk), None)
    if found is None:
        raise Http404
    return found


# --- what an external contact reads through the plan's link ---------------------------------


def plan_link_attachments(*, plan: CollabPlan, contact: ExternalContact) -> QuerySet[Attachment]:
    """The case's material a plan link shows its contact: the registration's attachments and
    what the information sync sent to the contact's party (never another receiver's)."""
    return Attachment.objects.filter(
        Q(sync_record__isnull=True) | Q(sync_record__receiver__party_id=contact.party_id),
        request_id=plan.request_id,
    ).order_by("uploaded_at", "pk")


def plan_link_attachment_for(*, link: ExternalLink, pk: int) -> Attachment:
    """One of the files the (usable) plan ``link`` shows, while its plan awaits confirmation;
    404 for any other file."""
    plan = get_object_or_404(CollabPlan, pk=link.target_id, state=CollabPlan.State.PROPOSED)
    return get_object_or_404(plan_link_attachments(plan=plan, contact=link.contact), pk=pk)


# --- whom a pending review may be handed over to ------------------------------------------


def qualified_hand_over_targets(*, request: Case) -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True)
        .filter(Q(headed_departments__isnull=False) | Q(led_departments__isnull=False))
        .exclude(pk__in=[request.initiator_id, request.reviewer_id])
        .exclude(department_id__in=receiving_departments_of(request))
        .distinct()
        .select_related("department")
        .order_by("employee_no")
    )
