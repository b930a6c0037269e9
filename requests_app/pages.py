"""What the pages of stages 1–2 show: the case page (its stepper, sections, tabs and buttons),
the 待我处理 list and the case's one-time links. Built from ``selectors`` (what is read) and
``policies`` (what the person may do); the templates only render it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.case_links import links_for
from cases.case_tabs import CaseTab, case_tabs
from cases.models import Case
from collab_portal.activity.selectors import TimelineEntry, timeline_for
from collab_portal.org.models import User
from collab_portal.org.selectors import Decider
from collab_portal.signoffs.integrity import RecordCheck, check_record
from collab_portal.signoffs.models import ExternalLink, SignOff
from requests_app.models import CollabPlan, KickoffMeeting, Milestone, Receiver, SyncRecord
from requests_app.one_time_links import LinkKind
from requests_app.policies import (
    CaseActions,
    Side,
    case_actions,
    plan_sides,
    review_handler,
    sync_missing,
)
from requests_app.selectors import (
    acknowledgements_awaiting,
    one_time_links_of,
    plans_awaiting,
    reviews_awaiting,
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
    actions = case_actions(user=user, request=request, sync_records=sync_records, plans=plans)
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


def case_link_rows(*, user: User, request: Case) -> list[LinkRow]:
    """Every one-time link made on the case, newest first, for ``user``."""
    may_send: dict[tuple[str, int], bool] = {}
    rows = []
    for link, kind, record in one_time_links_of(request):
        key = (kind.purpose, link.contact_id)
        if key not in may_send:
            may_send[key] = kind.may_send(user, request, link.contact)
        rows.append(LinkRow(link, kind, record, can_revoke=link.is_active and may_send[key]))
    return rows
