"""What the stage 5–6 pages show: each delivery version's items marked new / changed /
unchanged against the version before, with their verdicts and signatures; the customer's page
behind the acceptance link; the case's delivery page and retrospective page with the actions the
person may take (``policies``); the acceptance list's rows; how far the archive bundle is."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acceptance_app import policies, selectors
from acceptance_app.models import (
    ArchiveBundle,
    Delivery,
    DeliveryFile,
    DeliveryItem,
    Retrospective,
    SatisfactionRating,
)
from cases.models import Case
from collab_portal.lib.language import join_list
from collab_portal.org.models import User
from collab_portal.signoffs.integrity import RecordCheck, check_record
from collab_portal.signoffs.models import ExternalLink, SignOff
from requests_app.models import Receiver

Stage = Case.Stage
State = Delivery.State


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
    delivery = selectors.link_delivery_for(link=link)
    previous = selectors.previous_version(delivery)
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
    versions = version_views(selectors.deliveries_of(request))
    current = versions[0] if versions else None
    delivery = current.delivery if current else None
    executing = request.stage == Stage.EXECUTING
    draft = delivery is not None and delivery.state == State.DRAFT
    external = policies.acceptance_receiver(request)
    acceptor = policies.acceptor_for(request)
    actions = policies.delivery_actions(
        user=user,
        request=request,
        delivery=delivery,
        items=[row.item for row in current.rows] if current else [],
    )
    return DeliveryPage(
        versions=versions,
        current=current,
        can_add_item=actions.add_item,
        can_start_version=actions.start_version,
        can_edit_items=bool(actions.editable_item_ids),
        can_submit=actions.submit,
        can_withdraw=actions.withdraw,
        can_urge=actions.urge,
        can_accept=actions.accept,
        can_send_link=actions.send_link,
        external_receiver=external,
        acceptor_label=external.label if external else (acceptor.name if acceptor else ""),
        submit_missing=policies.submit_missing(delivery) if executing and draft else [],
        editable_item_ids=actions.editable_item_ids,
    )


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


def retrospective_page(*, user: User, retrospective: Retrospective) -> RetrospectivePage:
    request = retrospective.request
    actions = policies.retrospective_actions(user=user, retrospective=retrospective)
    given = {rating.receiver_id: rating for rating in retrospective.ratings.all()}
    return RetrospectivePage(
        retrospective=retrospective,
        ratings=[
            RatingRow(
                receiver=r, rating=given.get(r.pk), can_rate=r.pk in actions.rated_receiver_ids
            )
            for r in policies.rating_receivers(request)
        ],
        can_write=actions.write,
        can_file=actions.file,
        file_missing=policies.file_missing(retrospective) if actions.is_open else [],
    )


# --- across cases ---------------------------------------------------------------------------


@dataclass
class AcceptanceRow:
    case: Case
    receivers: str
    latest: Delivery | None
    rounds: int
    filed_at: object
    has_bundle: bool = False  # archived: its bundle is offered


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
                has_bundle=policies.may_download_bundle(case),
            )
        )
    return rows


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


def bundle_status(request: Case) -> BundleStatus | None:
    """None before the case is archived; an archived case without its row yet waits (the
    sweep gives it one)."""
    if not policies.may_download_bundle(request):
        return None
    bundle = selectors.archive_bundle_for(request) or ArchiveBundle(request=request)
    return BundleStatus(
        state=bundle.state,
        files_done=bundle.files_done,
        files_total=bundle.files_total,
        size=bundle.size,
        download_url=reverse("acceptance_app:bundle", args=[request.code]),
        status_url=reverse("acceptance_app:bundle_status", args=[request.code]),
    )
