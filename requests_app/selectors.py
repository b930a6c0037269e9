"""Reads over cases: lists, the case page and what waits for whom (the access helper is the
kernel's, ``cases.selectors.case_for``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.case_links import links_for
from cases.case_tabs import CaseTab, case_tabs
from cases.models import Case
from cases.selectors import case_for
from collab_portal.activity.selectors import TimelineEntry, timeline_for
from collab_portal.org.models import Department, ExternalContact, User
from collab_portal.org.selectors import Decider, principals_acting_for
from collab_portal.signoffs.integrity import RecordCheck, check_record
from collab_portal.signoffs.models import ExternalLink, SignOff
from requests_app.models import (
    Attachment,
    CarbonCopy,
    CollabPlan,
    KickoffMeeting,
    Milestone,
    Receiver,
    Review,
    SyncRecord,
)
from requests_app.one_time_links import LinkKind, kind_of, link_kinds
from requests_app.policies import (
    CaseSides,
    on_another_receiving_side,
    receiving_departments_of,
)
from requests_app.services import (
    Side,
    current_plan,
    may_acknowledge,
    may_act_for,
    may_edit_plan,
    may_review,
    may_send_plan_link,
    may_urge_plan,
    plan_sides,
    review_handler,
    sides_to_sign_for,
    sync_missing,
)

Stage = Case.Stage

# The six stages of the process manual, for the stepper on the case page.
STEPPER = [
    (
        "1",
        gettext_lazy("Request and pre-assessment"),
        (Stage.DRAFT, Stage.PENDING_REVIEW, Stage.RETURNED),
    ),
    ("2", gettext_lazy("Information sync and plan"), (Stage.SYNCING, Stage.PLANNING)),
    ("3", gettext_lazy("Task breakdown and responsibilities"), (Stage.BREAKDOWN,)),
    ("4", gettext_lazy("Tracking and risk control"), (Stage.EXECUTING,)),
    ("5", gettext_lazy("Delivery and acceptance"), (Stage.ACCEPTING,)),
    ("6", gettext_lazy("Retrospective and archive"), (Stage.RETROSPECTIVE, Stage.ARCHIVED)),
]


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


@dataclass
class WaitingRow:
    kind: str
    request: Case
    url: str
    since: datetime.datetime
    detail: str = ""

    @property
    def waited(self) -> datetime.timedelta:
        return timezone.now() - self.since


def waiting_rows(*, user: User) -> list[WaitingRow]:
    """待我处理: reviews, plan confirmations and receipts waiting on ``user`` (constant queries)."""
    rows = [
        WaitingRow(
            _("Review"),
            request,
            request.get_absolute_url(),
            request.submitted_at or request.created_at,
        )
        for request in reviews_awaiting(user)
    ]
    rows += [
        WaitingRow(
            _("Plan confirmation"),
            plan.request,
            plan.get_absolute_url(),
            plan.proposed_at or plan.created_at,
            detail=f"v{plan.version}",
        )
        for plan in plans_awaiting(user)
    ]
    rows += [
        WaitingRow(
            _("Acknowledge receipt"),
            record.request,
            record.request.get_absolute_url(),
            record.recorded_at,
            detail=record.receiver.label,
        )
        for record in acknowledgements_awaiting(user)
    ]
    return sorted(rows, key=lambda row: row.since)


# ---------------------------------------------------------------------------------------------
# The case page


@dataclass
class StepperStep:
    number: str
    label: str
    status: str  # done / current / todo


@dataclass
class SideStatus:
    side: Side
    signoff: SignOff | None
    can_create_link: bool = False


@dataclass
class PlanView:
    plan: CollabPlan
    sides: list[SideStatus]
    signoffs: list[SignOff]
    signature_check: RecordCheck = field(default_factory=RecordCheck)


@dataclass
class CaseActions:
    edit: bool = False
    submit: bool = False
    withdraw: bool = False
    review: bool = False
    urge: bool = False
    copy_in: bool = False
    cancel: bool = False
    record_sync: bool = False
    record_kickoff: bool = False
    finish_sync: bool = False
    edit_plan: bool = False
    propose_plan: bool = False
    new_plan_version: bool = False
    sign_plan: bool = False
    urge_plan: bool = False
    create_links: bool = False
    acknowledge: list[int] = field(default_factory=list)


@dataclass
class CasePage:
    request: Case
    stepper: list[StepperStep]
    receivers: list[Receiver]
    attachments: list
    reviews: list
    registration_signoffs: list[SignOff]
    registration_check: RecordCheck
    sync_records: list[SyncRecord]
    kickoff: KickoffMeeting | None
    sync_missing: list[str]
    plans: list[PlanView]
    carbon_copies: list
    timeline: list[TimelineEntry]
    actions: CaseActions
    reviewer_label: str
    show_sync: bool
    show_plan: bool
    links: list
    tabs: list[CaseTab]
    one_time_links: list[LinkRow] = field(default_factory=list)


def _stepper(stage: str) -> list[StepperStep]:
    if stage == Stage.CANCELLED:
        return [StepperStep(number, str(label), "todo") for number, label, _stages in STEPPER]
    current = next(index for index, (_n, _l, stages) in enumerate(STEPPER) if stage in stages)
    steps = []
    for index, (number, label, _stages) in enumerate(STEPPER):
        status = (
            "done"
            if index < current or stage == Stage.ARCHIVED
            else "current"
            if index == current
            else "todo"
        )
        steps.append(StepperStep(number, str(label), status))
    return steps


def case_page(*, user: User, request: Case) -> CasePage:
    receivers = list(request.receivers.all())  # prefetched by case_for
    attachments = list(request.attachments.select_related("uploaded_by"))
    sync_records = list(
        request.sync_records.select_related("receiver", "recorded_by", "acknowledged_by")
    )
    for record in sync_records:
        record.receiver = next(r for r in receivers if r.pk == record.receiver_id)
        record.files = [a for a in attachments if a.sync_record_id == record.pk]
    kickoff = (
        KickoffMeeting.objects.filter(request=request)
        .prefetch_related("invited", "attended")
        .first()
    )
    plans = list(
        request.plans.select_related("author", "coordinator").prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("position"))
        )
    )
    signoffs = list(
        SignOff.objects.filter(
            Q(
                target_type=ContentType.objects.get_for_model(Case),
                target_id=str(request.pk),
            )
            | Q(
                target_type=ContentType.objects.get_for_model(CollabPlan),
                target_id__in=[str(p.pk) for p in plans],
            )
        ).select_related("signer", "on_behalf_of", "external_contact__party", "target_type")
    )
    actions = _actions(
        user=user, request=request, sync_records=sync_records, plans=plans, kickoff=kickoff
    )
    sides = plan_sides(request)
    plan_views = []
    for plan in plans:
        plan_signoffs = [
            s
            for s in signoffs
            if s.target_type.model == "collabplan" and s.target_id == str(plan.pk)
        ]
        statuses = []
        for side in sides:
            signoff = next((s for s in plan_signoffs if s.side_key == side.key), None)
            statuses.append(
                SideStatus(
                    side=side,
                    signoff=signoff,
                    can_create_link=actions.create_links and side.is_external and not signoff,
                )
            )
        plan_views.append(
            PlanView(
                plan=plan,
                sides=statuses,
                signoffs=plan_signoffs,
                signature_check=check_record(plan, plan_signoffs),
            )
        )
    registration_signoffs = [s for s in signoffs if s.target_type.model == "case"]
    reviews = list(request.reviews.select_related("reviewer", "on_behalf_of"))
    timeline = timeline_for(request, state_labels=dict(Stage.choices))
    show_sync = bool(sync_records) or request.stage == Stage.SYNCING
    show_plan = bool(plans) or request.stage == Stage.PLANNING
    links = links_for(request)
    return CasePage(
        request=request,
        stepper=_stepper(request.stage),
        receivers=receivers,
        attachments=[a for a in attachments if a.sync_record_id is None],
        reviews=reviews,
        registration_signoffs=registration_signoffs,
        registration_check=check_record(request, registration_signoffs),
        sync_records=sync_records,
        kickoff=kickoff,
        sync_missing=sync_missing(request) if request.stage == Stage.SYNCING else [],
        plans=plan_views,
        carbon_copies=list(request.carbon_copies.select_related("user")),
        timeline=timeline,
        actions=actions,
        reviewer_label=_reviewer_label(request),
        show_sync=show_sync,
        show_plan=show_plan,
        links=links,
        tabs=case_tabs(
            stage=request.stage,
            has_process=bool(reviews) or show_sync or show_plan,
            has_timeline=bool(timeline),
            links=links,
        ),
        one_time_links=case_link_rows(user=user, request=request),
    )


def _reviewer_label(request: Case) -> str:
    if request.reviewer is None:
        return ""
    handler = review_handler(request)
    on_behalf_of = request.reviewer if handler != request.reviewer else None
    return Decider(person=handler, on_behalf_of=on_behalf_of).label


def may_copy_in(user: User, request: Case) -> bool:
    """抄送: the initiator or the reviewer (or whoever acts for them), while the case is open."""
    return request.stage not in (Stage.ARCHIVED, Stage.CANCELLED) and (
        user == request.initiator or may_act_for(user, request.reviewer)
    )


def _actions(*, user, request, sync_records, plans, kickoff) -> CaseActions:
    is_initiator = user == request.initiator
    stage = request.stage
    actions = CaseActions()
    actions.edit = actions.submit = is_initiator and request.is_editable
    actions.withdraw = actions.urge = is_initiator and stage == Stage.PENDING_REVIEW
    actions.review = stage == Stage.PENDING_REVIEW and may_review(user, request)
    actions.copy_in = may_copy_in(user, request)
    actions.cancel = stage not in (Stage.ARCHIVED, Stage.CANCELLED) and (
        is_initiator or user.is_portal_admin
    )
    actions.record_sync = actions.finish_sync = is_initiator and stage == Stage.SYNCING
    actions.record_kickoff = is_initiator and stage == Stage.SYNCING
    actions.acknowledge = [
        record.pk
        for record in sync_records
        if not record.is_acknowledged
        and stage in (Stage.SYNCING, Stage.PLANNING)
        and may_acknowledge(user, record)
    ]
    if stage == Stage.PLANNING:
        latest = plans[0] if plans else None
        editor = may_edit_plan(user, request)
        actions.edit_plan = editor and (latest is None or latest.state == CollabPlan.State.DRAFT)
        actions.propose_plan = (
            editor and latest is not None and latest.state == CollabPlan.State.DRAFT
        )
        actions.new_plan_version = (
            editor and latest is not None and latest.state == CollabPlan.State.REVISION_REQUESTED
        )
        proposed = latest is not None and latest.state == CollabPlan.State.PROPOSED
        actions.sign_plan = proposed and bool(sides_to_sign_for(user, latest))
        actions.urge_plan = proposed and may_urge_plan(user, latest)
        actions.create_links = proposed and any(
            may_send_plan_link(user, request, r) for r in request.receivers.all()
        )
    return actions


def plan_for(*, user: User, code: str, version: int) -> CollabPlan:
    request = case_for(user=user, code=code)
    return get_object_or_404(request.plans.select_related("request"), version=version)


def latest_plan(request: Case) -> CollabPlan | None:
    return current_plan(request)


# --- the case's one-time links ---------------------------------------------------------------


@dataclass
class LinkRow:
    """One one-time link of the case for the case page: what it is for, its state, and whether
    the person looking may revoke it."""

    link: ExternalLink
    kind: LinkKind
    record: object  # the plan or delivery version it was made for
    can_revoke: bool

    BADGES = {
        ExternalLink.State.ACTIVE: "bg-blue-lt",
        ExternalLink.State.USED: "bg-green-lt",
        ExternalLink.State.EXPIRED: "bg-secondary-lt",
        ExternalLink.State.REPLACED: "bg-secondary-lt",
        ExternalLink.State.REVOKED: "bg-orange-lt",
    }

    @property
    def badge(self) -> str:
        return self.BADGES[self.link.state]

    @property
    def details(self) -> list[str]:
        """Who made it and when, then what became of it, in the reader's language."""
        link, state = self.link, self.link.state
        lines = [
            _("Created by %(name)s at %(time)s")
            % {"name": link.created_by.name, "time": _moment(link.created_at)}
        ]
        if state == ExternalLink.State.USED:
            lines.append(
                _("Used at %(time)s, signed as %(name)s")
                % {"time": _moment(link.used_at), "name": link.typed_name}
            )
        elif state == ExternalLink.State.REVOKED:
            lines.append(
                _("Revoked by %(name)s at %(time)s")
                % {"name": link.revoked_by.name, "time": _moment(link.revoked_at)}
            )
        elif state == ExternalLink.State.REPLACED:
            lines.append(
                _("Replaced by a newer link at %(time)s") % {"time": _moment(link.revoked_at)}
            )
        elif state == ExternalLink.State.EXPIRED:
            lines.append(_("Expired at %(time)s") % {"time": _moment(link.expires_at)})
        else:
            lines.append(_("Works until %(time)s") % {"time": _moment(link.expires_at)})
        if link.emailed_at:
            lines.append(
                _("E-mailed to %(address)s at %(time)s")
                % {"address": link.emailed_to, "time": _moment(link.emailed_at)}
            )
        return lines


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _links_of(request: Case):
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


def case_link_rows(*, user: User, request: Case) -> list[LinkRow]:
    """Every one-time link made on the case, newest first, for ``user``."""
    may_send: dict[tuple[str, int], bool] = {}
    rows = []
    for link, kind, record in _links_of(request):
        key = (kind.purpose, link.contact_id)
        if key not in may_send:
            may_send[key] = kind.may_send(user, request, link.contact)
        rows.append(LinkRow(link, kind, record, can_revoke=link.is_active and may_send[key]))
    return rows


def case_link_for(*, request: Case, pk: int) -> ExternalLink:
    """One of the case's one-time links, or 404."""
    found = next((link for link, _k, _r in _links_of(request) if link.pk == pk), None)
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
