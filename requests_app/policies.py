"""Who may do what on a case in stages 1–2, now — and why not.

**Sides.** A case has sides: the initiator's department and each receiver. The initiator and
the members of the initiator's department belong to the initiator's side; the members of a
receiving department to that receiver's side. Nobody decides for a side while belonging to
another side of the same case — not as a head, not as anyone's delegate: a co-signature (会签)
of one person with themselves proves nothing. A delegate who belongs to the other side is passed
over, and the decision stays with the person they stand in for.

**Answers.** The person rules (``may_review``, ``may_edit_plan``…) say who may act on the case
as it is; a service asks them where it refuses, beside the stage gate all services share
(``cases.policies.refuse_wrong_stage``). The case page's buttons (``case_actions``) and the forms
(``…_form_open``) add the stage. An ``Answer`` is falsy when refused and carries the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from cases.models import OPEN_STAGES, Case
from collab_portal.lib.refusals import refuse_unless
from collab_portal.org.models import Department, User
from collab_portal.org.selectors import Decider, acting_for, decider_for_department
from collab_portal.signoffs.models import SignOff
from requests_app.models import CollabPlan, KickoffMeeting, Receiver, SyncRecord

Stage = Case.Stage


@dataclass(frozen=True)
class Answer:
    """A policy's answer: allowed, or refused with the reason (translated, safe to show)."""

    allowed: bool
    reason: str = ""

    @classmethod
    def of(cls, allowed: bool, reason) -> Answer:
        return cls(True) if allowed else cls(False, str(reason))

    @classmethod
    def no(cls, reason) -> Answer:
        return cls(False, str(reason))

    def __bool__(self) -> bool:
        return self.allowed

    def or_refuse(self) -> None:
        """Raise ``ActionRefused`` with the reason unless allowed: what a service does."""
        refuse_unless(self.allowed, self.reason)


ALLOWED = Answer(True)


# --- sides -------------------------------------------------------------------------------------


def initiator_side_key(case: Case) -> str:
    return f"dept:{case.initiator_department_id}"


@dataclass(frozen=True)
class CaseSides:
    """The sides of one case as ids, for deciding about many people without a query each."""

    initiator_id: int
    initiator_department_id: int
    receiving_department_ids: frozenset[int]

    @classmethod
    def of(cls, case: Case) -> CaseSides:
        return cls(
            initiator_id=case.initiator_id,
            initiator_department_id=case.initiator_department_id,
            receiving_department_ids=frozenset(
                receiver.department_id for receiver in case.receivers.all() if receiver.is_internal
            ),
        )

    def belonged_to(self, person_id: int, department_id: int | None) -> set[int]:
        """The departments whose side of the case the person belongs to."""
        sides = set()
        if person_id == self.initiator_id or department_id == self.initiator_department_id:
            sides.add(self.initiator_department_id)
        if department_id in self.receiving_department_ids:
            sides.add(department_id)
        return sides

    def barred(self, person_id: int, department_id: int | None, *, side: int) -> bool:
        """Whether the person belongs to a side other than department ``side``'s."""
        return bool(self.belonged_to(person_id, department_id) - {side})


def departments_of(person_ids: Iterable[int]) -> dict[int, int | None]:
    """Person id → their department id, for ``CaseSides.barred`` over many people (1 query)."""
    return dict(User.objects.filter(pk__in=set(person_ids)).values_list("pk", "department_id"))


def sides_belonged_to(person: User, case: Case) -> set[str]:
    """The side keys of ``case`` that ``person`` belongs to (none for an outsider)."""
    departments = CaseSides.of(case).belonged_to(person.pk, person.department_id)
    return {f"dept:{pk}" for pk in departments}


def belongs_to_another_side(person: User, case: Case, side_key: str) -> bool:
    return bool(sides_belonged_to(person, case) - {side_key})


def may_decide_for_department(person: User, case: Case, department: Department) -> bool:
    """``person`` heads ``department`` or is the head's delegate in force today, and belongs to
    no other side of ``case``."""
    head = department.head
    if head is None or not head.is_active or not person.is_active:
        return False
    if belongs_to_another_side(person, case, f"dept:{department.pk}"):
        return False
    return person == head or acting_for(head).person == person


def side_decider(case: Case, department: Department) -> Decider | None:
    """Who is asked to decide for ``department``'s side of ``case``: the head's delegate in
    force, or the head when there is none or the delegate belongs to another side. None when
    nobody may (no active head, or a head who belongs to another side without a delegate who
    may)."""
    decider = decider_for_department(department)
    if decider is None:
        return None
    side_key = f"dept:{department.pk}"
    if not belongs_to_another_side(decider.person, case, side_key):
        return decider
    head = department.head
    if decider.on_behalf_of is not None and not belongs_to_another_side(head, case, side_key):
        return Decider(person=head)
    return None


def receiving_departments_of(case: Case) -> list[int]:
    """Ids of the internal receiving departments other than the initiator's."""
    return [
        receiver.department_id
        for receiver in case.receivers.all()
        if receiver.is_internal and receiver.department_id != case.initiator_department_id
    ]


def on_another_receiving_side(user: User, *, case_path: str = "") -> Q:
    """Cases (reached through ``case_path``, e.g. "request__") in which ``user`` belongs to a
    receiving department other than the initiator's: they do not decide for the initiator's
    side there."""
    if user.department_id is None:
        return Q(pk__in=[])
    outer = f"{case_path.removesuffix('__')}_id" if case_path else "pk"
    return Q(
        Exists(
            Receiver.objects.filter(
                request_id=OuterRef(outer),
                kind=Receiver.Kind.INTERNAL,
                department_id=user.department_id,
            ).exclude(department_id=OuterRef(f"{case_path}initiator_department_id"))
        )
    )


# --- the plan's sides --------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One side of the plan's co-signature: a department (its head or delegate signs) or an
    external party (its contact signs through a link)."""

    key: str
    label: str
    department: Department | None = None
    receiver: Receiver | None = None

    @property
    def is_external(self) -> bool:
        return self.department is None


def plan_sides(request: Case) -> list[Side]:
    """The initiator's department and every receiver, each once."""
    department = request.initiator_department
    sides = [Side(key=f"dept:{department.pk}", label=department.name, department=department)]
    for receiver in request.receivers.all():
        if receiver.side_key == sides[0].key:
            continue
        sides.append(
            Side(
                key=receiver.side_key,
                label=receiver.label,
                department=receiver.department if receiver.is_internal else None,
                receiver=receiver,
            )
        )
    return sides


def signed_side_keys(plan: CollabPlan) -> set[str]:
    return set(
        SignOff.objects.filter(
            target_type=ContentType.objects.get_for_model(CollabPlan),
            target_id=str(plan.pk),
            meaning=SignOff.Meaning.CONFIRMED,
        ).values_list("side_key", flat=True)
    )


# --- stage 1: the registration and its review ----------------------------------------------


def is_initiator(user: User, case: Case) -> bool:
    """Whether ``user`` registered the case: they alone edit, submit, withdraw and urge its
    review, and record its information sync."""
    return user == case.initiator


def may_act_for(user: User, principal: User | None) -> bool:
    """True when ``user`` is ``principal`` or the delegate in force for them today."""
    if principal is None or not user.is_active:
        return False
    return user == principal or acting_for(principal).person == user


def review_handler(request: Case) -> User:
    """Who should act on the pending review now: the reviewer's delegate in force, unless that
    delegate is the initiator (nobody reviews their own request) or belongs to a receiving
    side, then the reviewer."""
    handler = acting_for(request.reviewer).person
    if handler == request.initiator or belongs_to_another_side(
        handler, request, initiator_side_key(request)
    ):
        return request.reviewer
    return handler


def may_review(user: User, request: Case) -> Answer:
    """The reviewer or their delegate in force — never the initiator, nor anyone of a
    receiving side."""
    if user == request.initiator:
        return Answer.no(_("Nobody reviews their own request."))
    if belongs_to_another_side(user, request, initiator_side_key(request)):
        return Answer.no(
            _("You belong to a receiving side of this request, so you cannot review it.")
        )
    if not may_act_for(user, request.reviewer):
        return Answer.no(
            _("This review is waiting for %(reviewer)s, not for you.")
            % {"reviewer": request.reviewer.name if request.reviewer else "—"}
        )
    return ALLOWED


def may_receive_hand_over(user: User) -> bool:
    """转交 goes to another qualified person: a head or leader in charge of some department."""
    return (
        user.is_active
        and Department.objects.filter(is_active=True)
        .filter(Q(head=user) | Q(leader_in_charge=user))
        .exists()
    )


def may_receive_review(person: User, request: Case) -> Answer:
    """Whom the pending review may be handed over to (转交): a head or leader in charge who is
    not the initiator, not the reviewer already, and of no receiving side."""
    if person == request.initiator:
        return Answer.no(_("Nobody reviews their own request."))
    if person == request.reviewer:
        return Answer.no(_("The review is already with %(name)s.") % {"name": person.name})
    if not may_receive_hand_over(person):
        return Answer.no(
            _("%(name)s is not a department head or leader in charge.") % {"name": person.name}
        )
    if belongs_to_another_side(person, request, initiator_side_key(request)):
        return Answer.no(
            _("%(name)s belongs to a receiving side of this request and cannot review it.")
            % {"name": person.name}
        )
    return ALLOWED


def may_copy_in(user: User, request: Case) -> Answer:
    """抄送: the initiator or the reviewer (or whoever acts for them), while the case is open."""
    if not (user == request.initiator or may_act_for(user, request.reviewer)):
        return Answer.no(_("Only the initiator or the reviewer can copy people in."))
    if request.stage not in OPEN_STAGES:
        return Answer.no(_("This request is closed."))
    return ALLOWED


def may_cancel(user: User, request: Case) -> Answer:
    """取消: the initiator or an administrator (while the case is open: the stage gate's)."""
    return Answer.of(
        user == request.initiator or user.is_portal_admin,
        _("Only the initiator or an administrator can cancel this request."),
    )


def registration_form_open(user: User, case: Case) -> Answer:
    """The registration form opens to its initiator while it is a draft or returned."""
    return Answer.of(
        is_initiator(user, case) and case.is_editable, _("This request can no longer be edited.")
    )


# --- stage 2: the information sync -------------------------------------------------------------


def may_acknowledge(user: User, record: SyncRecord) -> Answer:
    """A member of the receiving department, its head or the head's delegate — never someone
    of another side of the case."""
    refused = Answer.no(_("Only the receiving department can acknowledge receipt."))
    receiver = record.receiver
    if not receiver.is_internal or not user.is_active:
        return refused
    if user.department_id == receiver.department_id:
        return ALLOWED
    if may_decide_for_department(user, record.request, receiver.department):
        return ALLOWED
    return refused


def sync_missing(request: Case) -> list[str]:
    """What still stands between the information sync and planning, in the user's words."""
    missing = []
    receivers = list(request.receivers.all())
    records = list(request.sync_records.all())
    for receiver in receivers:
        own = [record for record in records if record.receiver_id == receiver.pk]
        if not own:
            missing.append(_("No sync recorded for %(receiver)s.") % {"receiver": receiver.label})
        elif receiver.is_internal and not any(record.is_acknowledged for record in own):
            missing.append(
                _("%(receiver)s has not acknowledged receipt yet.") % {"receiver": receiver.label}
            )
    if len(receivers) > 1 and not KickoffMeeting.objects.filter(request=request).exists():
        missing.append(_("A multi-party request needs a kickoff meeting record."))
    return missing


def sync_form_open(user: User, case: Case) -> Answer:
    """The form recording a sync opens to the initiator during the information sync."""
    return Answer.of(
        is_initiator(user, case) and case.stage == Stage.SYNCING,
        _("Only the initiator records the information sync."),
    )


def kickoff_form_open(user: User, case: Case) -> Answer:
    """The kickoff meeting's record opens to the initiator during the information sync."""
    return Answer.of(
        is_initiator(user, case) and case.stage == Stage.SYNCING,
        _("Only the initiator records the kickoff meeting."),
    )


# --- stage 2: the plan -------------------------------------------------------------------------


def may_edit_plan(user: User, request: Case) -> Answer:
    """The receiver side drafts the plan: members of receiving departments, or — for an
    external receiver — its internal owner and the initiator."""
    refused = Answer.no(_("Only the receiving side drafts the plan."))
    if not user.is_active:
        return refused
    for receiver in request.receivers.all():
        if receiver.is_internal and user.department_id == receiver.department_id:
            return ALLOWED
        if receiver.is_internal and may_decide_for_department(user, request, receiver.department):
            return ALLOWED
        if not receiver.is_internal and user in (receiver.party.internal_owner, request.initiator):
            return ALLOWED
    return refused


def plan_form_open(user: User, case: Case, plan: CollabPlan | None) -> Answer:
    """The plan's form opens to the receiving side while planning, for a first version or the
    latest version while it is a draft (``plan``: the latest version, if any)."""
    editable = plan is None or plan.state == CollabPlan.State.DRAFT
    return Answer.of(
        case.stage == Stage.PLANNING and editable and may_edit_plan(user, case),
        _("Only the receiving side drafts the plan."),
    )


def plan_awaits_confirmation(plan: CollabPlan) -> Answer:
    """Whether the plan version is proposed: only then is it signed, sent back, urged or sent
    through a link."""
    return Answer.of(
        plan.state == CollabPlan.State.PROPOSED,
        _("This plan version is not awaiting confirmation."),
    )


def sides_to_sign_for(user: User, plan: CollabPlan) -> list[Side]:
    """The internal sides ``user`` decides for today (as the head or the head's delegate, and
    belonging to no other side) that have not signed this version yet."""
    signed = signed_side_keys(plan)
    return [
        side
        for side in plan_sides(plan.request)
        if not side.is_external
        and side.key not in signed
        and may_decide_for_department(user, plan.request, side.department)
    ]


def may_urge_plan(user: User, plan: CollabPlan) -> Answer:
    """The plan's author or the initiator chases the sides of a proposed plan."""
    if not (awaiting := plan_awaits_confirmation(plan)):
        return awaiting
    return Answer.of(
        user.pk in (plan.author_id, plan.request.initiator_id),
        _("Only the plan's author or the initiator can urge its confirmation."),
    )


def may_send_plan_link(user: User, request: Case, receiver: Receiver | None) -> bool:
    """The initiator, the party's internal owner or an administrator sends an external
    receiver's contact the plan's link (and may revoke or e-mail it)."""
    return (
        receiver is not None
        and not receiver.is_internal
        and (user in (request.initiator, receiver.party.internal_owner) or user.is_portal_admin)
    )


# --- the case page's buttons -------------------------------------------------------------------


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


def case_actions(*, user, request, sync_records, plans) -> CaseActions:
    """What ``user`` may do on the case page now: each button's flag (``plans``: the case's
    plans, latest first; ``sync_records``: its sync records, for whom to acknowledge)."""
    initiator = is_initiator(user, request)
    stage = request.stage
    actions = CaseActions()
    actions.edit = actions.submit = bool(registration_form_open(user, request))
    actions.withdraw = actions.urge = initiator and stage == Stage.PENDING_REVIEW
    actions.review = stage == Stage.PENDING_REVIEW and bool(may_review(user, request))
    actions.copy_in = bool(may_copy_in(user, request))
    actions.cancel = stage in OPEN_STAGES and bool(may_cancel(user, request))
    actions.record_sync = actions.finish_sync = bool(sync_form_open(user, request))
    actions.record_kickoff = bool(kickoff_form_open(user, request))
    actions.acknowledge = [
        record.pk
        for record in sync_records
        if not record.is_acknowledged
        and stage in (Stage.SYNCING, Stage.PLANNING)
        and may_acknowledge(user, record)
    ]
    if stage == Stage.PLANNING:
        latest = plans[0] if plans else None
        editor = bool(may_edit_plan(user, request))
        actions.edit_plan = editor and (latest is None or latest.state == CollabPlan.State.DRAFT)
        actions.propose_plan = (
            editor and latest is not None and latest.state == CollabPlan.State.DRAFT
        )
        actions.new_plan_version = (
            editor and latest is not None and latest.state == CollabPlan.State.REVISION_REQUESTED
        )
        proposed = latest is not None and latest.state == CollabPlan.State.PROPOSED
        actions.sign_plan = proposed and bool(sides_to_sign_for(user, latest))
        actions.urge_plan = proposed and bool(may_urge_plan(user, latest))
        actions.create_links = proposed and any(
            may_send_plan_link(user, request, r) for r in request.receivers.all()
        )
    return actions
