"""Who is who and who decides: reads over departments, people and delegations."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from collab_portal.org.models import Delegation, Department, User

_read_once: ContextVar[dict | None] = ContextVar("org_read_once", default=None)


@contextmanager
def org_read_once() -> Iterator[None]:
    """Within the block, whom each person acts for, the department tree and the entered holiday
    years are read from the database once: for a request that writes nothing
    (``ReadOnceMiddleware``), whose parts — the inbox's sources, the case loader, the
    navigation, each working-day calendar — each ask."""
    token = _read_once.set({})
    try:
        yield
    finally:
        _read_once.reset(token)


def remembered(key: tuple, read: Callable[[], list]) -> list:
    """``read()``, called once per ``key`` within ``org_read_once`` and every time outside it."""
    memo = _read_once.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return list(memo[key])  # a copy: callers may extend what they are given


@dataclass(frozen=True)
class Decider:
    """The person who acts, and for whom when it is a delegate (“王五 (代 李四)”)."""

    person: User
    on_behalf_of: User | None = None

    @property
    def label(self) -> str:
        if self.on_behalf_of is None:
            return self.person.name
        return _("%(delegate)s (for %(principal)s)") % {
            "delegate": self.person.name,
            "principal": self.on_behalf_of.name,
        }


def acting_for(principal: User, *, on: datetime.date | None = None) -> Decider:
    """The person acting for ``principal`` on ``on``: their delegate in force, or the principal
    themselves. A delegation passes only the principal's own authority: it is never followed
    further, so a delegate who names a delegate of their own hands over only what is theirs."""
    delegation = (
        Delegation.objects.in_force(on)
        .filter(principal=principal, delegate__is_active=True)
        .select_related("delegate")
        .order_by("-starts_on", "-pk")
        .first()
    )
    if delegation is None:
        return Decider(person=principal)
    return Decider(person=delegation.delegate, on_behalf_of=principal)


def delegates_in_force(*, on: datetime.date | None = None) -> dict[int, int]:
    """``acting_for`` for everyone at once (1 query): principal id → id of their delegate in
    force on ``on``. Principals nobody acts for are left out:
    ``delegates_in_force().get(pk, pk)`` is the person who acts."""
    acting: dict[int, int] = {}
    for principal_id, delegate_id in (
        Delegation.objects.in_force(on)
        .filter(delegate__is_active=True)
        .order_by("principal_id", "-starts_on", "-pk")
        .values_list("principal_id", "delegate_id")
    ):
        acting.setdefault(principal_id, delegate_id)  # the one acting_for would pick
    return acting


def decider_for_department(
    department: Department, *, on: datetime.date | None = None
) -> Decider | None:
    """Who decides for ``department`` on ``on``: its head, or the delegate in force for them.
    None when the department has no active head."""
    head = department.head
    if head is None or not head.is_active:
        return None
    return acting_for(head, on=on)


def leader_in_charge_of(department: Department) -> User | None:
    """The department's leader in charge, inherited from the nearest ancestor that has one."""
    for node in [department, *department.ancestors()]:
        if node.leader_in_charge_id and node.leader_in_charge.is_active:
            return node.leader_in_charge
    return None


def leaders_in_charge() -> dict[int, int]:
    """``leader_in_charge_of`` for every department at once (1 query): department id → id of
    its leader in charge, inherited from the nearest ancestor that has an active one."""
    rows = {
        pk: (parent_id, leader_id if leader_active else None)
        for pk, parent_id, leader_id, leader_active in Department.objects.values_list(
            "pk", "parent_id", "leader_in_charge_id", "leader_in_charge__is_active"
        )
    }
    leaders: dict[int, int] = {}
    for pk in rows:
        node, seen = pk, set()
        while node is not None and node not in seen:
            seen.add(node)
            parent_id, leader_id = rows[node]
            if leader_id is not None:
                leaders[pk] = leader_id
                break
            node = parent_id
    return leaders


def escalation_decider_for(
    department: Department, *, on: datetime.date | None = None
) -> Decider | None:
    """Who answers an escalation from ``department``: its leader in charge or their delegate."""
    leader = leader_in_charge_of(department)
    return acting_for(leader, on=on) if leader else None


@dataclass(frozen=True)
class UserRoles:
    department: Department | None
    headed: list[Department]
    led: list[Department]
    acting_for: list[Delegation]
    is_admin: bool

    @property
    def labels(self) -> list[str]:
        labels = [_("Staff")]
        if self.headed:
            labels.append(_("Department head"))
        if self.led:
            labels.append(_("Leader in charge"))
        if self.acting_for:
            labels.append(_("Delegate"))
        if self.is_admin:
            labels.append(_("Administrator"))
        return labels


def roles_of(user: User, *, on: datetime.date | None = None) -> UserRoles:
    """The roles ``user`` holds today, for the home page and the navigation (4 queries)."""
    return UserRoles(
        department=user.department,
        headed=list(Department.objects.filter(head=user, is_active=True)),
        led=list(Department.objects.filter(leader_in_charge=user, is_active=True)),
        acting_for=list(
            Delegation.objects.in_force(on).filter(delegate=user).select_related("principal")
        ),
        is_admin=user.is_portal_admin,
    )


def delegations_of(user: User) -> list[Delegation]:
    """The delegations ``user`` gave, current and future first, then the last few past ones."""
    today = timezone.localdate()
    given = Delegation.objects.filter(principal=user).select_related(
        "delegate", "delegate__department"
    )
    upcoming = list(given.filter(is_active=True, ends_on__gte=today).order_by("starts_on"))
    past = list(given.exclude(pk__in=[d.pk for d in upcoming]).order_by("-ends_on")[:10])
    return upcoming + past


def principals_acting_for(user: User, *, on: datetime.date | None = None) -> list[int]:
    """Ids of ``user`` and of everyone whose delegate in force ``user`` is (1 query)."""
    return remembered(
        ("principals", user.pk, on),
        lambda: [
            user.pk,
            *Delegation.objects.in_force(on)
            .filter(delegate=user)
            .values_list("principal_id", flat=True),
        ],
    )


def with_departments_below(roots: Iterable[int], children: dict[int | None, list[int]]) -> set[int]:
    """``roots`` and every department below them, in the tree given as parent → children ids."""
    found, stack = set(), list(roots)
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, ()))
    return found


def department_children() -> dict[int | None, list[int]]:
    """The department tree as parent id → children ids (1 query)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id, _head, _leader in _department_tree():
        children.setdefault(parent_id, []).append(pk)
    return children


def _department_tree() -> list[tuple[int, int | None, int | None, int | None]]:
    """(id, parent id, head id, leader in charge id) of every department (1 query)."""
    return remembered(
        ("department tree",),
        lambda: list(
            Department.objects.values_list("pk", "parent_id", "head_id", "leader_in_charge_id")
        ),
    )


def departments_overseen_by(user: User, *, on: datetime.date | None = None) -> list[int]:
    """Ids of the departments whose cases ``user`` oversees: those they head or lead in charge
    of, those of everyone they are acting for today, and everything below them (2 queries, read
    once per GET)."""
    principals = principals_acting_for(user, on=on)
    tree = _department_tree()
    children: dict[int | None, list[int]] = {}
    for pk, parent_id, _head, _leader in tree:
        children.setdefault(parent_id, []).append(pk)
    roots = [pk for pk, _parent, head, leader in tree if head in principals or leader in principals]
    return sorted(with_departments_below(roots, children))


def company_name() -> str:
    """The name printed on every form: PORTAL_COMPANY_NAME, else the root of the tree."""
    from django.conf import settings

    if settings.PORTAL_COMPANY_NAME:
        return settings.PORTAL_COMPANY_NAME
    root = (
        Department.objects.filter(parent__isnull=True, is_active=True)
        .order_by("sort_order")
        .first()
    )
    return root.name if root else ""
