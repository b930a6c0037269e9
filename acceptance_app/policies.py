"""Who may do what in stages 5–6, and what each page offers a person now.

Who: the coordinator (or the delegate in force for them) assembles and submits the delivery,
withdraws and urges it, and writes and files the retrospective; task owners add the items of
their own tasks; the initiator (or their delegate, never someone of a receiving side) accepts in
the portal — or, for external work, the customer's contact accepts through a link that the
initiator, the coordinator, the party's internal owner or an admin sends; each internal
receiving department's head (or delegate) rates the collaboration.

Now: what a page offers at the case's stage and the delivery's state (``delivery_actions``,
``retrospective_actions``), why the item form does not open (``item_form_refusal``), and what is
still missing before the delivery can be submitted or the retrospective filed
(``submit_missing``, ``file_missing``). The services ask the same answers and refuse with their
own messages; the case's stage guard is theirs (``services.guards``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from acceptance_app.models import Delivery, Retrospective
from acceptance_app.selectors import latest_delivery
from cases.archive_guard import archived_message
from cases.models import Case
from collab_portal.org.models import User
from collab_portal.org.selectors import acting_for, decider_for_department
from requests_app.models import Receiver
from requests_app.policies import (
    belongs_to_another_side,
    initiator_side_key,
    may_act_for,
    may_decide_for_department,
    side_decider,
)
from tasks_app.models import Task, key_task_pks

Stage = Case.Stage
State = Delivery.State


# --- who does what --------------------------------------------------------------------------


# One of the two copies of this rule (risks_app.policies has the other, without delegates):
# the case kernel will hold the one.
def is_coordinator(user: User, request: Case) -> bool:
    """The case's coordinator, or the delegate in force for them."""
    return may_act_for(user, request.coordinator)


def may_prepare_delivery(user: User, request: Case) -> bool:
    """The coordinator assembles the delivery; task owners add the items of their own tasks."""
    return is_coordinator(user, request) or request.tasks.filter(owner=user).exists()


def may_add_item_for(user: User, task: Task) -> bool:
    return is_coordinator(user, task.request) or task.owner_id == user.pk


def acceptance_receiver(request: Case) -> Receiver | None:
    """For external work the external receiver's contact accepts through a link; None means
    the initiator accepts in the portal."""
    for receiver in request.receivers.all():
        if not receiver.is_internal and receiver.contact_id:
            return receiver
    return None


def acceptor_for(request: Case) -> User | None:
    """Who accepts in the portal now (the initiator or their delegate); None for external
    acceptance, which goes through a link."""
    if acceptance_receiver(request) is not None:
        return None
    acceptor = acting_for(request.initiator).person
    if belongs_to_another_side(acceptor, request, initiator_side_key(request)):
        return request.initiator  # a receiver never accepts its own delivery
    return acceptor


def may_accept(user: User, request: Case) -> bool:
    """The initiator or their delegate in force — never someone of a receiving side."""
    return (
        acceptance_receiver(request) is None
        and may_act_for(user, request.initiator)
        and not belongs_to_another_side(user, request, initiator_side_key(request))
    )


def may_send_link(user: User, request: Case) -> bool:
    receiver = acceptance_receiver(request)
    if receiver is None:
        return False
    return (
        user == request.initiator
        or user == receiver.party.internal_owner
        or is_coordinator(user, request)
        or user.is_portal_admin
    )


def acceptance_handlers(request: Case) -> list[User]:
    """Who acts on a pending acceptance: the acceptor in the portal, or for external work
    those who send the customer the link."""
    acceptor = acceptor_for(request)
    if acceptor is not None:
        return [acceptor]
    return [request.initiator, acceptance_receiver(request).party.internal_owner]


def rating_receivers(request: Case) -> list[Receiver]:
    """The internal receivers whose head rates the collaboration."""
    return [
        r
        for r in request.receivers.all()
        if r.is_internal and decider_for_department(r.department) is not None
    ]


def receivers_rated_by(user: User, request: Case) -> list[Receiver]:
    """The receivers ``user`` rates for: those whose head they are, or act for today, unless
    they belong to another side of the case."""
    return [
        r
        for r in rating_receivers(request)
        if may_decide_for_department(user, request, r.department)
    ]


def _raters(request: Case) -> list[User]:
    return [
        decider.person
        for r in rating_receivers(request)
        for decider in [side_decider(request, r.department)]
        if decider is not None
    ]


# --- what is still missing ------------------------------------------------------------------


def _case_tasks(request: Case) -> list[Task]:
    return list(request.tasks.only("pk", "parent_id", "wbs_code", "name", "is_key", "status"))


def _unfinished(tasks: list[Task]) -> set[int]:
    """The tasks not finished: a leaf not done, a parent with a subtask not finished."""
    children: dict[int | None, list[Task]] = {}
    for task in tasks:
        children.setdefault(task.parent_id, []).append(task)
    unfinished: set[int] = set()

    def walk(task: Task) -> bool:
        below = [walk(child) for child in children.get(task.pk, [])]  # every one is walked
        done = all(below) if below else task.status == Task.Status.DONE
        if not done:
            unfinished.add(task.pk)
        return done

    for root in children.get(None, []):
        walk(root)
    return unfinished


def key_tasks_not_done(request: Case, tasks: list[Task] | None = None) -> list[Task]:
    """The key tasks (``key_task_filter``: flagged, or under a flagged task) still to finish:
    the leaves, the work itself, in WBS order; a flagged parent is finished when they are."""
    tasks = _case_tasks(request) if tasks is None else tasks
    parents = {task.parent_id for task in tasks}
    key, unfinished = key_task_pks(tasks), _unfinished(tasks)
    pending = [t for t in tasks if t.pk in key and t.pk in unfinished and t.pk not in parents]
    return sorted(pending, key=lambda t: [int(p) for p in t.wbs_code.split(".") if p.isdigit()])


def submit_missing(delivery: Delivery) -> list[str]:
    """Why the delivery cannot be submitted yet, one line each; empty when it can."""
    missing = []
    items = list(delivery.items.select_related("task"))
    if not items:
        missing.append(_("The delivery list has no items."))
    tasks = _case_tasks(delivery.request)
    for task in key_tasks_not_done(delivery.request, tasks):
        missing.append(
            _("Key task %(code)s %(name)s is not done.")
            % {"code": task.wbs_code, "name": task.name}
        )
    # A key task's open work is listed above already.
    unfinished, reported = _unfinished(tasks), key_task_pks(tasks)
    for item in items:
        if item.task_id in unfinished and item.task_id not in reported:
            reported.add(item.task_id)
            missing.append(
                _("Task %(code)s %(name)s, which “%(item)s” answers, is not done.")
                % {"code": item.task.wbs_code, "name": item.task.name, "item": item.name}
            )
    return missing


def file_missing(retrospective: Retrospective) -> list[str]:
    """What the retrospective still lacks before it can be filed."""
    missing = []
    labels = {
        "went_well": _("What went well"),
        "problems": _("Problems"),
        "lessons": _("Lessons learned"),
        "improvements": _("Improvements"),
    }
    for field, label in labels.items():
        if not getattr(retrospective, field).strip():
            missing.append(_("“%(part)s” is not written.") % {"part": label})
    rated = set(retrospective.ratings.values_list("receiver_id", flat=True))
    for receiver in rating_receivers(retrospective.request):
        if receiver.pk not in rated:
            missing.append(
                _("%(department)s has not rated the collaboration.")
                % {"department": receiver.label}
            )
    return missing


# --- what the pages offer now ---------------------------------------------------------------


@dataclass
class DeliveryActions:
    """What ``user`` may do on the case's current delivery now (``delivery_actions``)."""

    add_item: bool = False
    start_version: bool = False
    submit: bool = False
    withdraw: bool = False
    urge: bool = False
    accept: bool = False
    send_link: bool = False
    editable_item_ids: set[int] = dataclasses.field(default_factory=set)


def delivery_actions(
    *, user: User, request: Case, delivery: Delivery | None, items=()
) -> DeliveryActions:
    """While the case executes, task owners and the coordinator add items (to a draft, or a
    new version after a rejection) and the coordinator submits the draft; while it awaits
    acceptance, the coordinator withdraws or urges it, the acceptor accepts it in the portal
    or it is sent to the customer by link. ``items`` are the current version's."""
    executing = request.stage == Stage.EXECUTING
    accepting = request.stage == Stage.ACCEPTING
    coordinator = is_coordinator(user, request)
    draft = delivery is not None and delivery.state == State.DRAFT
    awaiting = accepting and delivery is not None and delivery.state == State.SUBMITTED
    preparer = executing and may_prepare_delivery(user, request)
    rejected = delivery is not None and delivery.state == State.REJECTED
    editable = set()
    if executing and draft:
        editable = {item.pk for item in items if may_add_item_for(user, item.task)}
    return DeliveryActions(
        add_item=preparer,
        start_version=preparer and rejected,
        submit=executing and draft and coordinator,
        withdraw=awaiting and coordinator,
        urge=awaiting and coordinator,
        accept=awaiting and may_accept(user, request),
        send_link=awaiting and may_send_link(user, request),
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
        if not may_add_item_for(user, item.task):
            return _(
                "Task owners change the items of their own tasks; the coordinator changes any."
            )
    elif not may_prepare_delivery(user, request):
        return _("Task owners and the coordinator prepare the delivery.")
    latest = latest_delivery(request)
    if item is None and latest is not None and latest.state == State.SUBMITTED:
        return _("The delivery is already with the acceptor.")
    return ""


def tasks_for_items(*, user: User, request: Case) -> QuerySet[Task]:
    """The tasks ``user`` may add delivery items for, in WBS order."""
    tasks = Task.objects.filter(request=request).select_related("owner")
    if not is_coordinator(user, request):
        tasks = tasks.filter(owner=user)
    return tasks.order_by("position", "pk")


@dataclass
class RetrospectiveActions:
    """What ``user`` may do on the retrospective now (``retrospective_actions``)."""

    is_open: bool = False  # the case is in its retrospective and it is not filed
    write: bool = False
    file: bool = False
    rated_receiver_ids: set[int] = dataclasses.field(default_factory=set)


def retrospective_actions(*, user: User, retrospective: Retrospective) -> RetrospectiveActions:
    """Until it is filed, the coordinator writes and files the retrospective and each
    receiving department's head (or delegate) rates for their department."""
    request = retrospective.request
    open_ = request.stage == Stage.RETROSPECTIVE and not retrospective.is_filed
    coordinator = is_coordinator(user, request)
    mine = {r.pk for r in receivers_rated_by(user, request)} if open_ else set()
    return RetrospectiveActions(
        is_open=open_,
        write=open_ and coordinator,
        file=open_ and coordinator,
        rated_receiver_ids=mine,
    )


def may_download_bundle(request: Case) -> bool:
    """The archive bundle is offered once the case is archived (its worker builds it then)."""
    return request.is_archived
