"""What stages 1–2 put in the inbox (工作台), and the case loader every tab's rows go through:
it describes the cases and leaves out those the person may not see (``visible_to``).

Reads only; each source asks a fixed number of queries whatever the data size."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    CharField,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.dashboard.inbox import (
    COPIED,
    DRAFTS,
    HANDLED,
    INITIATED,
    INVOLVED,
    WAITING,
    InboxCase,
    InboxContext,
    InboxRow,
    register_inbox_cases,
    register_inbox_source,
)
from collab_portal.lib.stored_text import shown
from collab_portal.lib.urls import CODE, reversed_once
from collab_portal.org.selectors import delegates_in_force
from collab_portal.signoffs.models import SignOff
from requests_app.models import CarbonCopy, CollabPlan, Receiver, Review
from requests_app.policies import plan_sides
from requests_app.selectors import (
    acknowledgements_awaiting,
    plans_awaiting,
    reviews_awaiting,
)

Stage = Case.Stage

# --- shared by every stage app's sources (memoised per inbox) --------------------------------


def acting_persons(context: InboxContext) -> dict[int, int]:
    """principal id → id of the delegate in force acting for them (1 query per inbox)."""
    return context.memo("requests_app.delegates", delegates_in_force)


def _content_type(model):
    return ContentType.objects.get_for_model(model)  # cached by Django after the first call


def _case_activities(*verbs: str):
    """The case's timeline lines with ``verbs``, for a subquery on Case."""
    return Activity.objects.filter(
        subject_type=_content_type(Case),
        subject_id=Cast(OuterRef("pk"), CharField()),
        verb__in=verbs,
    )


# --- the case loader ---------------------------------------------------------------------------


def load_cases(*, case_ids, context: InboxContext) -> dict[int, InboxCase]:
    """The cases of the inbox's rows that the person may see (2 queries, plus 2 for whom the
    person acts and the department tree, read once a request). Read as values, not model
    instances: a leader's inbox names hundreds of cases. Brief (only counted): 1 query."""
    if context.brief:
        return _brief_cases(case_ids=case_ids, context=context)
    cases = list(
        # the rules applied to these cases only, not every visible case looked up among them
        Case.objects.filter(pk__in=case_ids)
        .visible_to(context.user)
        .order_by()
        .values(
            "pk",
            "code",
            "subject",
            "stage",
            "updated_at",
            "initiator_id",
            "initiator__display_name",
            "initiator__first_name",
            "initiator__last_name",
            "initiator__username",
            "initiator_department_id",
            "initiator_department__name",
        )
    )
    receiving: dict[int, list[tuple[int, str]]] = {}
    for case_id, department_id, name in (
        Receiver.objects.filter(
            request_id__in=[case["pk"] for case in cases], kind=Receiver.Kind.INTERNAL
        )
        .values_list("request_id", "department_id", "department__name")
        .order_by("position", "pk")
    ):
        receiving.setdefault(case_id, []).append((department_id, name))
    stage_labels = dict(Case.Stage.choices)
    case_url = reversed_once("requests_app:detail", CODE)
    described = {}
    for case in cases:
        departments = {case["initiator_department_id"]: case["initiator_department__name"]}
        for department_id, name in receiving.get(case["pk"], []):
            departments.setdefault(department_id, name)
        described[case["pk"]] = InboxCase(
            pk=case["pk"],
            code=case["code"],
            subject=case["subject"],
            url=case_url(case["code"]),
            stage=case["stage"],
            stage_label=str(stage_labels.get(case["stage"], case["stage"])),
            initiator_id=case["initiator_id"],
            initiator_name=case["initiator__display_name"]
            or f"{case['initiator__first_name']} {case['initiator__last_name']}".strip()
            or case["initiator__username"],
            initiator_department=case["initiator_department__name"],
            updated_at=case["updated_at"],
            departments=tuple(departments.items()),
        )
    return described


def _brief_cases(*, case_ids, context: InboxContext) -> dict[int, InboxCase]:
    return {
        pk: InboxCase(
            pk=pk,
            code="",
            subject="",
            url="",
            stage=stage,
            stage_label="",
            initiator_id=initiator_id,
            initiator_name="",
            initiator_department="",
            updated_at=updated_at,
        )
        for pk, stage, initiator_id, updated_at in Case.objects.filter(pk__in=case_ids)
        .visible_to(context.user)
        .order_by()
        .values_list("pk", "stage", "initiator_id", "updated_at")
    }


# --- 待我处理 ----------------------------------------------------------------------------------


def waiting_rows(*, context: InboxContext) -> list[InboxRow]:
    """Reviews (those handed over to me as 转交), plan confirmations, receipts to acknowledge —
    what ``waiting_rows`` in the selectors lists, with who it is from."""
    user = context.user
    handed = _case_activities("hand_over").order_by("-created_at", "-pk")
    reviews = (
        reviews_awaiting(user)
        .prefetch_related(None)  # the receivers it prefetches are not shown here
        .annotate(
            handed_at=Subquery(handed.values("created_at")[:1]),
            handed_by=Subquery(handed.values("actor_id")[:1]),
        )
    )
    rows = []
    for case in reviews:
        submitted = case.submitted_at or case.created_at
        handed_over = case.handed_at is not None and case.handed_at > submitted
        rows.append(
            InboxRow(
                kind="hand_over" if handed_over else "review",
                case_id=case.pk,
                url=case.get_absolute_url(),
                since=case.handed_at if handed_over else submitted,
                counterpart_id=case.handed_by if handed_over else case.initiator_id,
                detail=_for_principal(case.reviewer, user),
                key=f"review:{case.pk}",
            )
        )
    for plan in plans_awaiting(user):
        rows.append(
            InboxRow(
                kind="plan_confirmation",
                case_id=plan.request_id,
                url=plan.get_absolute_url(),
                since=plan.proposed_at or plan.created_at,
                counterpart_id=plan.author_id,
                detail=f"v{plan.version}",
                key=f"plan:{plan.pk}",
            )
        )
    for record in acknowledgements_awaiting(user):
        rows.append(
            InboxRow(
                kind="sync_ack",
                case_id=record.request_id,
                url=record.request.get_absolute_url(),
                since=record.recorded_at,
                counterpart_id=record.recorded_by_id,
                detail=record.receiver.label,
                key=f"ack:{record.pk}",
            )
        )
    return rows


def _for_principal(principal, user) -> str:
    if principal is None or principal.pk == user.pk:
        return ""
    return _("for %(name)s") % {"name": principal.name}


# --- 我已处理 ----------------------------------------------------------------------------------

HANDLED_KINDS = {
    "approve": gettext_lazy("Approved"),
    "return": gettext_lazy("Returned"),
    "hand_over": gettext_lazy("Hand over"),
    "sync_ack": gettext_lazy("Acknowledge receipt"),
    "plan_sign": gettext_lazy("Confirmed"),
    "plan_revision": gettext_lazy("Revision requested"),
}


def handled_rows(*, context: InboxContext) -> list[InboxRow]:
    """The decisions I took on stages 1–2, from the timeline (2 queries)."""
    return timeline_rows(context=context, verbs=HANDLED_KINDS, target_model=CollabPlan)


def timeline_rows(*, context: InboxContext, verbs, target_model) -> list[InboxRow]:
    """我已处理: a row for each line of a case's timeline the person wrote with one of ``verbs``,
    opening the ``target_model`` record (a plan, a delivery) the line names (2 queries)."""
    activities = list(
        Activity.objects.filter(
            actor=context.user,
            verb__in=list(verbs),
            subject_type=_content_type(Case),
        ).only(
            "subject_id",
            "target_type_id",
            "target_id",
            "verb",
            "comment",
            "comment_text",
            "created_at",
        )
    )
    target_type = _content_type(target_model)
    target_ids = {int(a.target_id) for a in activities if a.target_type_id == target_type.pk}
    targets = {
        target.pk: target
        for target in target_model.objects.filter(pk__in=target_ids)
        .select_related("request")
        .only("pk", "version", "state", "request__code", "request__stage")
    }
    rows = []
    for activity in activities:
        target = (
            targets.get(int(activity.target_id))
            if activity.target_type_id == target_type.pk
            else None
        )
        rows.append(
            InboxRow(
                kind=activity.verb,
                case_id=int(activity.subject_id),
                url=target.get_absolute_url() if target else "",
                since=activity.created_at,
                detail=shown(activity.comment_text, activity.comment),
                key=f"activity:{activity.pk}",
            )
        )
    return rows


def involvement_rows(relations: dict[str, tuple[QuerySet, str]]) -> list[InboxRow]:
    """我参与的: for each kind, the cases of the rows ``relations[kind]`` names (a queryset and
    the path from its rows to their case's id); a row per case and kind (1 query)."""
    named = Q()
    marks = {}
    for n, (records, path) in enumerate(relations.values()):
        named |= Q(pk__in=records.values(path))
        marks[f"involved_{n}"] = Exists(records.filter(**{path: OuterRef("pk")}))
    cases = Case.objects.filter(named).annotate(**marks).values_list("pk", *marks)
    return [
        InboxRow(kind=kind, case_id=pk)
        for pk, *flags in cases
        for kind, flagged in zip(relations, flags, strict=True)
        if flagged
    ]


# --- 我发起的 ----------------------------------------------------------------------------------


def initiated_rows(*, context: InboxContext) -> list[InboxRow]:
    """Every case I initiated with whom it waits on now, and 催办 where I may urge (3 queries).
    Acceptance is acceptance_app's to describe."""
    user = context.user
    cases = list(
        Case.objects.filter(initiator=user)
        .select_related("initiator_department")
        .prefetch_related(
            Prefetch("receivers", queryset=Receiver.objects.select_related("department", "party"))
        )
    )
    planning = [case.pk for case in cases if case.stage == Stage.PLANNING]
    latest_plans: dict[int, CollabPlan] = {}
    for plan in CollabPlan.objects.filter(request_id__in=planning).order_by("-version"):
        latest_plans.setdefault(plan.request_id, plan)
    proposed = [p for p in latest_plans.values() if p.state == CollabPlan.State.PROPOSED]
    signed = set(
        SignOff.objects.filter(
            target_type=_content_type(CollabPlan),
            target_id__in=[str(plan.pk) for plan in proposed],
            meaning=SignOff.Meaning.CONFIRMED,
        ).values_list("target_id", "side_key")
    )
    acting = acting_persons(context)
    rows = []
    for case in cases:
        multi = len(case.receivers.all()) > 1
        row = InboxRow(kind="multi_party" if multi else "request", case_id=case.pk)
        stage = case.stage
        if stage in (Stage.DRAFT, Stage.RETURNED, Stage.SYNCING):
            row.counterpart_text = _("You")
        elif stage == Stage.PENDING_REVIEW and case.reviewer_id:
            handler = acting.get(case.reviewer_id, case.reviewer_id)
            row.counterpart_id = case.reviewer_id if handler == user.pk else handler
            row.since, row.waiting = case.submitted_at, True
            row.urge_url = reverse("requests_app:urge", args=[case.code])
        elif stage == Stage.PLANNING:
            _describe_planning(row, case, latest_plans.get(case.pk), signed, acting, user)
        elif stage in (Stage.BREAKDOWN, Stage.EXECUTING, Stage.RETROSPECTIVE):
            row.counterpart_id = case.coordinator_id
        rows.append(row)
    return rows


def _describe_planning(row, case, plan, signed, acting, user) -> None:
    """Planning waits on the receivers to draft the plan, then on the sides that have not
    signed it, or on its author after a revision was asked for."""
    if plan is None or plan.state == CollabPlan.State.DRAFT:
        row.counterpart_text = "、".join(r.label for r in case.receivers.all())
        return
    if plan.state == CollabPlan.State.REVISION_REQUESTED:
        row.counterpart_id = plan.author_id
        return
    if plan.state != CollabPlan.State.PROPOSED:
        return
    deciders, outside = [], []
    for side in plan_sides(case):
        if (str(plan.pk), side.key) in signed:
            continue
        if side.is_external:
            outside.append(side.label)
        elif side.department.head_id:
            deciders.append(acting.get(side.department.head_id, side.department.head_id))
    row.counterpart_ids = tuple(deciders)
    row.counterpart_text = "、".join(outside)
    row.since, row.waiting = plan.proposed_at or plan.created_at, True
    row.detail = f"v{plan.version}"
    if any(pk != user.pk for pk in deciders) or outside:
        row.urge_url = reverse("requests_app:plan_urge", args=[case.code])


# --- 我参与的 ----------------------------------------------------------------------------------

INVOLVED_KINDS = {
    "coordinator": gettext_lazy("Coordinator"),
    "receiver_head": gettext_lazy("Head of a receiving department"),
    "receiver_contact": gettext_lazy("Owner of an external party"),
    "reviewer": gettext_lazy("Reviewer"),
    "signer": gettext_lazy("Signer"),
    "plan_author": gettext_lazy("Plan author"),
}


def involved_rows(*, context: InboxContext) -> list[InboxRow]:
    """Submitted cases where I coordinate, head or own a receiving side, review, co-signed or
    wrote the plan; 催办 on a proposed plan I wrote (2 queries)."""
    user = context.user
    headed = Receiver.objects.filter(department__head=user)
    owned = Receiver.objects.filter(party__internal_owner=user)
    reviewed = Review.objects.filter(reviewer=user)
    signed_plans = CollabPlan.objects.filter(
        pk__in=SignOff.objects.filter(signer=user, target_type=_content_type(CollabPlan))
        .annotate(plan_id=Cast("target_id", IntegerField()))
        .values("plan_id")
    )
    authored = CollabPlan.objects.filter(author=user)
    cases = (
        Case.objects.filter(
            Q(coordinator=user)
            | Q(reviewer=user)
            | Q(pk__in=headed.values("request_id"))
            | Q(pk__in=owned.values("request_id"))
            | Q(pk__in=reviewed.values("request_id"))
            | Q(pk__in=signed_plans.values("request_id"))
            | Q(pk__in=authored.values("request_id"))
        )
        .exclude(stage=Stage.DRAFT)  # a draft is its initiator's alone
        .annotate(
            as_coordinator=ExpressionWrapper(Q(coordinator=user), BooleanField()),
            as_head=Exists(headed.filter(request=OuterRef("pk"))),
            as_contact=Exists(owned.filter(request=OuterRef("pk"))),
            as_reviewer=ExpressionWrapper(
                Q(reviewer=user) | Exists(reviewed.filter(request=OuterRef("pk"))),
                BooleanField(),
            ),
            as_signer=Exists(signed_plans.filter(request=OuterRef("pk"))),
            as_author=Exists(authored.filter(request=OuterRef("pk"))),
        )
        .values_list(
            "pk",
            "as_coordinator",
            "as_head",
            "as_contact",
            "as_reviewer",
            "as_signer",
            "as_author",
        )
    )
    rows = []
    kinds = list(INVOLVED_KINDS)
    for pk, *flags in cases:
        rows += [
            InboxRow(kind=kind, case_id=pk) for kind, flag in zip(kinds, flags, strict=True) if flag
        ]
    for case_id, code in CollabPlan.objects.filter(
        author=user, state=CollabPlan.State.PROPOSED, request__stage=Stage.PLANNING
    ).values_list("request_id", "request__code"):
        rows.append(
            InboxRow(
                kind="plan_author",
                case_id=case_id,
                urge_url=reverse("requests_app:plan_urge", args=[code]),
            )
        )
    return rows


# --- 抄送我的 / 草稿 ------------------------------------------------------------------------------


def copied_rows(*, context: InboxContext) -> list[InboxRow]:
    return [
        InboxRow(kind="cc", case_id=case_id, since=added_at, counterpart_id=added_by_id)
        for case_id, added_at, added_by_id in CarbonCopy.objects.filter(
            user=context.user
        ).values_list("request_id", "added_at", "added_by_id")
    ]


def draft_rows(*, context: InboxContext) -> list[InboxRow]:
    """My draft and returned requests, and the draft plans I am writing (2 queries)."""
    user = context.user
    rows = [
        InboxRow(
            kind="draft_request" if stage == Stage.DRAFT else "returned_request",
            case_id=pk,
            since=updated_at,
        )
        for pk, stage, updated_at in Case.objects.filter(
            initiator=user, stage__in=Case.EDITABLE_STAGES
        ).values_list("pk", "stage", "updated_at")
    ]
    for plan in CollabPlan.objects.filter(
        author=user, state=CollabPlan.State.DRAFT, request__stage=Stage.PLANNING
    ).select_related("request"):
        rows.append(
            InboxRow(
                kind="draft_plan",
                case_id=plan.request_id,
                url=plan.get_absolute_url(),
                since=plan.created_at,
                detail=f"v{plan.version}",
                key=f"plan:{plan.pk}",
            )
        )
    return rows


def register() -> None:
    register_inbox_cases(load_cases, stages=Stage.choices)
    register_inbox_source(
        WAITING,
        waiting_rows,
        kinds={
            "review": gettext_lazy("Review"),
            "hand_over": gettext_lazy("Hand over"),
            "plan_confirmation": gettext_lazy("Plan confirmation"),
            "sync_ack": gettext_lazy("Acknowledge receipt"),
        },
    )
    register_inbox_source(HANDLED, handled_rows, kinds=HANDLED_KINDS)
    register_inbox_source(
        INITIATED,
        initiated_rows,
        kinds={
            "request": gettext_lazy("Collaboration request"),
            "multi_party": gettext_lazy("Multi-party collaboration"),
        },
    )
    register_inbox_source(INVOLVED, involved_rows, kinds=INVOLVED_KINDS)
    register_inbox_source(COPIED, copied_rows, kinds={"cc": gettext_lazy("Copied to me")})
    register_inbox_source(
        DRAFTS,
        draft_rows,
        kinds={
            "draft_request": gettext_lazy("Draft request"),
            "returned_request": gettext_lazy("Returned request"),
            "draft_plan": gettext_lazy("Draft plan"),
        },
    )
