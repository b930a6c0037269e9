"""Reads of stages 5–6: a case's deliveries with their verdicts and changes, the pages' flags,
the acceptance list across cases, and what waits for whom."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
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
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acceptance_app import services
from acceptance_app.models import (
    ArchiveBundle,
    Delivery,
    DeliveryFile,
    DeliveryItem,
    Retrospective,
    SatisfactionRating,
)
from cases.archive_guard import archived_message
from cases.models import Case
from collab_portal.lib.language import join_list
from collab_portal.org.models import Delegation, User
from collab_portal.signoffs.integrity import RecordCheck, check_record
from collab_portal.signoffs.models import ExternalLink, SignOff
from requests_app.models import Receiver
from requests_app.policies import on_another_receiving_side
from tasks_app.models import Task

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


# --- what changed between versions ---------------------------------------------------------


@dataclass
class ItemRow:
    item: DeliveryItem
    change: str  # "new", "changed", "unchanged" or "" for a first version
    change_label: str
    changed_fields: list[str]
    rework_comment: str  # why the previous version of this item failed
    earlier_passed: bool | None  # the previous version's verdict; None: none (new, first)
    verdict_label: str
    verdict_passed: bool | None
    verdict_comment: str
    files: list[DeliveryFile]

    @property
    def change_text(self) -> str:
        """“Changed: version, files” in the reader's language."""
        if not self.changed_fields:
            return self.change_label
        return _("%(change)s: %(fields)s") % {
            "change": self.change_label,
            "fields": join_list(self.changed_fields),
        }


_CHANGE_LABELS = {
    "new": gettext_lazy("New"),
    "changed": gettext_lazy("Changed"),
    "unchanged": gettext_lazy("Unchanged"),
}


def _file_fingerprint(item: DeliveryItem) -> set[str]:
    return {f.sha256 for f in item.files.all()}


def _changed_fields(item: DeliveryItem, before: DeliveryItem) -> list[str]:
    labels = []
    for name, label in (
        ("name", _("name")),
        ("version", _("version")),
        ("quantity", _("quantity")),
        ("notes", _("notes")),
        ("task_id", _("task")),
    ):
        if getattr(item, name) != getattr(before, name):
            labels.append(label)
    return labels


def item_rows(delivery: Delivery, previous: Delivery | None) -> list[ItemRow]:
    """The items of ``delivery``; for a later version, each marked new / changed / unchanged
    against ``previous`` (files compared by their SHA-256)."""
    before = {item.pk: item for item in previous.items.all()} if previous else {}
    rows = []
    for item in delivery.items.all():
        old = before.get(item.previous_id) if previous else None
        if previous is None:
            change, fields = "", []
        elif old is None:
            change, fields = "new", []
        else:
            fields = _changed_fields(item, old)
            if _file_fingerprint(item) != _file_fingerprint(old):
                fields.append(_("files"))
            change = "changed" if fields else "unchanged"
        old_verdict = getattr(old, "verdict", None) if old else None
        verdict = getattr(item, "verdict", None)
        rows.append(
            ItemRow(
                item=item,
                change=change,
                change_label=str(_CHANGE_LABELS.get(change, "")),
                changed_fields=fields,
                rework_comment=old_verdict.comment
                if old_verdict and not old_verdict.passed
                else "",
                earlier_passed=old_verdict.passed if old_verdict else None,
                verdict_label=(_("Passed") if verdict.passed else _("Not passed"))
                if verdict
                else "",
                verdict_passed=verdict.passed if verdict else None,
                verdict_comment=verdict.comment if verdict else "",
                files=list(item.files.all()),
            )
        )
    return rows


def removed_items(delivery: Delivery, previous: Delivery | None) -> list[DeliveryItem]:
    if previous is None:
        return []
    kept = {item.previous_id for item in delivery.items.all()}
    return [item for item in previous.items.all() if item.pk not in kept]


@dataclass
class VersionView:
    delivery: Delivery
    rows: list[ItemRow]
    removed: list[DeliveryItem]
    passed_count: int
    failed_count: int
    signoffs: list[SignOff]
    signature_check: RecordCheck


def version_views(deliveries: list[Delivery]) -> list[VersionView]:
    """Newest first, each compared with the version before it."""
    by_version = {d.version: d for d in deliveries}
    signoffs: dict[str, list[SignOff]] = {}
    if deliveries:
        for signoff in SignOff.objects.filter(
            target_type=ContentType.objects.get_for_model(Delivery),
            target_id__in=[str(d.pk) for d in deliveries],
        ).select_related("signer", "on_behalf_of", "external_contact__party", "target_type"):
            signoffs.setdefault(signoff.target_id, []).append(signoff)
    views = []
    for delivery in deliveries:
        previous = by_version.get(delivery.version - 1)
        rows = item_rows(delivery, previous)
        views.append(
            VersionView(
                delivery=delivery,
                rows=rows,
                removed=removed_items(delivery, previous),
                passed_count=sum(1 for r in rows if r.verdict_passed is True),
                failed_count=sum(1 for r in rows if r.verdict_passed is False),
                signoffs=signoffs.get(str(delivery.pk), []),
                signature_check=check_record(delivery, signoffs.get(str(delivery.pk), [])),
            )
        )
    return views


# --- the customer's page behind the acceptance link ------------------------------------------


@dataclass
class ExternalAcceptancePage:
    """The delivery the link asks to accept and, from the second round on, the round before:
    its decision (the verdicts and comments given then) and what changed since."""

    delivery: Delivery
    previous: Delivery | None
    rows: list[ItemRow]
    removed: list[DeliveryItem]

    @property
    def carried_over(self) -> dict[str, str]:
        """The verdicts offered before judging: an unchanged item that passed last time."""
        return {
            f"item_{row.item.pk}": "pass"
            for row in self.rows
            if row.change == "unchanged" and row.earlier_passed
        }


def external_acceptance_page(*, link: ExternalLink) -> ExternalAcceptancePage:
    """What the usable acceptance ``link`` shows its contact, in a fixed number of queries."""
    delivery = get_object_or_404(
        Delivery.objects.select_related(
            "request", "request__initiator_department"
        ).prefetch_related(_items_prefetch()),
        pk=link.target_id,
    )
    previous = (
        Delivery.objects.select_related("review")
        .prefetch_related(_items_prefetch())
        .filter(request_id=delivery.request_id, version=delivery.version - 1)
        .first()
    )
    return ExternalAcceptancePage(
        delivery=delivery,
        previous=previous,
        rows=item_rows(delivery, previous),
        removed=removed_items(delivery, previous),
    )


# --- the case's delivery page ---------------------------------------------------------------


@dataclass
class DeliveryPage:
    versions: list[VersionView]
    current: VersionView | None
    can_add_item: bool
    can_start_version: bool
    can_edit_items: bool
    can_submit: bool
    can_withdraw: bool
    can_urge: bool
    can_accept: bool
    can_send_link: bool
    external_receiver: Receiver | None
    acceptor_label: str
    submit_missing: list[str] = field(default_factory=list)
    editable_item_ids: set[int] = field(default_factory=set)


def delivery_page(*, user: User, request: Case) -> DeliveryPage:
    versions = version_views(deliveries_of(request))
    current = versions[0] if versions else None
    delivery = current.delivery if current else None
    executing = request.stage == Stage.EXECUTING
    accepting = request.stage == Stage.ACCEPTING
    coordinator = services.is_coordinator(user, request)
    draft = delivery is not None and delivery.state == State.DRAFT
    awaiting = accepting and delivery is not None and delivery.state == State.SUBMITTED
    external = services.acceptance_receiver(request)
    acceptor = services.acceptor_for(request)
    preparer = executing and services.may_prepare_delivery(user, request)
    rejected = delivery is not None and delivery.state == State.REJECTED
    editable = set()
    if executing and draft:
        editable = {
            row.item.pk for row in current.rows if services.may_add_item_for(user, row.item.task)
        }
    return DeliveryPage(
        versions=versions,
        current=current,
        can_add_item=preparer,
        can_start_version=preparer and rejected,
        can_edit_items=bool(editable),
        can_submit=executing and draft and coordinator,
        can_withdraw=awaiting and coordinator,
        can_urge=awaiting and coordinator,
        can_accept=awaiting and services.may_accept(user, request),
        can_send_link=awaiting and services.may_send_link(user, request),
        external_receiver=external,
        acceptor_label=external.label if external else (acceptor.name if acceptor else ""),
        submit_missing=services.submit_missing(delivery) if executing and draft else [],
        editable_item_ids=editable,
    )


def item_form_refusal(*, user: User, request: Case, item=None) -> str:
    """Why ``user`` may not open the item form now; empty when they may."""
    if request.is_archived:
        return archived_message()
    if request.stage != Stage.EXECUTING:
        return _("Deliverables are listed while the request is executing.")
    if item is not None:
        if item.delivery.state != State.DRAFT:
            return _("Only a draft delivery list can be changed.")
        if not services.may_add_item_for(user, item.task):
            return _(
                "Task owners change the items of their own tasks; the coordinator changes any."
            )
    elif not services.may_prepare_delivery(user, request):
        return _("Task owners and the coordinator prepare the delivery.")
    latest = services.latest_delivery(request)
    if item is None and latest is not None and latest.state == State.SUBMITTED:
        return _("The delivery is already with the acceptor.")
    return ""


def tasks_for_items(*, user: User, request: Case) -> QuerySet[Task]:
    """The tasks ``user`` may add delivery items for, in WBS order."""
    tasks = Task.objects.filter(request=request).select_related("owner")
    if not services.is_coordinator(user, request):
        tasks = tasks.filter(owner=user)
    return tasks.order_by("position", "pk")


# --- the retrospective page -----------------------------------------------------------------


@dataclass
class RatingRow:
    receiver: Receiver
    rating: SatisfactionRating | None
    can_rate: bool


@dataclass
class RetrospectivePage:
    retrospective: Retrospective
    ratings: list[RatingRow]
    can_write: bool
    can_file: bool
    file_missing: list[str]


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


def retrospective_page(*, user: User, retrospective: Retrospective) -> RetrospectivePage:
    request = retrospective.request
    open_ = request.stage == Stage.RETROSPECTIVE and not retrospective.is_filed
    coordinator = services.is_coordinator(user, request)
    mine = {r.pk for r in services.receivers_rated_by(user, request)} if open_ else set()
    given = {rating.receiver_id: rating for rating in retrospective.ratings.all()}
    return RetrospectivePage(
        retrospective=retrospective,
        ratings=[
            RatingRow(receiver=r, rating=given.get(r.pk), can_rate=r.pk in mine)
            for r in services.rating_receivers(request)
        ],
        can_write=open_ and coordinator,
        can_file=open_ and coordinator,
        file_missing=services.file_missing(retrospective) if open_ else [],
    )


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


@dataclass
class AcceptanceRow:
    case: Case
    receivers: str
    latest: Delivery | None
    rounds: int
    filed_at: object


def acceptance_rows(cases) -> list[AcceptanceRow]:
    rows = []
    for case in cases:
        deliveries = list(case.deliveries.all())
        submitted = [d for d in deliveries if d.state != State.DRAFT]
        retrospective = getattr(case, "retrospective", None)
        rows.append(
            AcceptanceRow(
                case=case,
                receivers="、".join(r.label for r in case.receivers.all()),
                latest=deliveries[0] if deliveries else None,
                rounds=len(submitted),
                filed_at=retrospective.filed_at if retrospective else None,
            )
        )
    return rows


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


@dataclass(frozen=True)
class BundleStatus:
    """How far the archived case's bundle is (``bundle_outbox`` builds it): what the
    retrospective page shows, polling ``status_url`` until it is ready or given up."""

    state: str
    files_done: int
    files_total: int
    size: int | None
    download_url: str
    status_url: str

    @property
    def ready(self) -> bool:
        return self.state == ArchiveBundle.State.READY

    @property
    def failed(self) -> bool:
        return self.state == ArchiveBundle.State.FAILED

    @property
    def polling(self) -> bool:
        return not (self.ready or self.failed)

    @property
    def percent(self) -> int:
        return 100 * self.files_done // self.files_total if self.files_total else 0


def archive_bundle_for(request: Case) -> ArchiveBundle | None:
    return ArchiveBundle.objects.filter(request=request).first()


def bundle_status(request: Case) -> BundleStatus | None:
    """None before the case is archived; an archived case without its row yet waits (the
    sweep gives it one)."""
    if not request.is_archived:
        return None
    bundle = archive_bundle_for(request) or ArchiveBundle(request=request)
    return BundleStatus(
        state=bundle.state,
        files_done=bundle.files_done,
        files_total=bundle.files_total,
        size=bundle.size,
        download_url=reverse("acceptance_app:bundle", args=[request.code]),
        status_url=reverse("acceptance_app:bundle_status", args=[request.code]),
    )
