"""Who may decide for which side of a case.

A case has sides: the initiator's department and each receiver. The initiator and the members of
the initiator's department belong to the initiator's side; the members of a receiving department
to that receiver's side. Nobody decides for a side while belonging to another side of the same
case — not as a head, not as anyone's delegate: a co-signature (会签) of one person with
themselves proves nothing. A delegate who belongs to the other side is passed over, and the
decision stays with the person they stand in for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from cases.models import Case
from collab_portal.org.models import Department, User
from collab_portal.org.selectors import Decider, acting_for, decider_for_department
from requests_app.models import Receiver


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
