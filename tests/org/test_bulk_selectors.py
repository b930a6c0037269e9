"""``acting_for`` and ``leader_in_charge_of`` for everyone at once, for the reminder sweeps:
one query each, and the same answers as the one-person selectors."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collab_portal.org.models import Department, User
from collab_portal.org.selectors import (
    acting_for,
    delegates_in_force,
    leader_in_charge_of,
    leaders_in_charge,
)
from tests.factories import DelegationFactory, DepartmentFactory, UserFactory

DAY = datetime.date(2025, 10, 9)


def delegate(principal, to, *, starts_on=DAY, ends_on=DAY, **fields):
    return DelegationFactory(
        principal=principal, delegate=to, starts_on=starts_on, ends_on=ends_on, **fields
    )


def assert_same_as_acting_for(on=DAY):
    with CaptureQueriesContext(connection) as queries:
        acting = delegates_in_force(on=on)
    assert len(queries) == 1
    for user in User.objects.all():
        assert acting.get(user.pk, user.pk) == acting_for(user, on=on).person.pk, user
    return acting


def test_nobody_away_means_nobody_acts_for_anyone(company):
    assert assert_same_as_acting_for() == {}


def test_a_delegate_acts_only_between_the_dates_inclusive(company):
    delegate(company.sales_head, company.sales_staff, ends_on=DAY + datetime.timedelta(days=2))
    assert assert_same_as_acting_for() == {company.sales_head.pk: company.sales_staff.pk}
    assert assert_same_as_acting_for(DAY + datetime.timedelta(days=2)) == {
        company.sales_head.pk: company.sales_staff.pk
    }
    assert assert_same_as_acting_for(DAY - datetime.timedelta(days=1)) == {}
    assert assert_same_as_acting_for(DAY + datetime.timedelta(days=3)) == {}


def test_a_delegation_is_never_followed_further_than_the_delegate(company):
    first, second = UserFactory(), UserFactory()
    delegate(company.sales_head, first)
    delegate(first, second)  # first's own authority only
    delegate(company.tech_head, company.tech_staff)
    delegate(company.tech_staff, company.tech_head)  # each for the other
    acting = assert_same_as_acting_for()
    assert acting[company.sales_head.pk] == first.pk
    assert acting[first.pk] == second.pk
    assert acting[company.tech_head.pk] == company.tech_staff.pk
    assert acting[company.tech_staff.pk] == company.tech_head.pk


def test_withdrawn_delegations_and_deactivated_delegates_do_not_count(company):
    delegate(company.sales_head, UserFactory(), is_active=False)
    delegate(company.tech_head, UserFactory(is_active=False))
    assert assert_same_as_acting_for() == {}


def test_the_latest_delegation_wins_as_in_acting_for(company):
    older, newer = UserFactory(), UserFactory()
    delegate(company.sales_head, older, starts_on=DAY - datetime.timedelta(days=5))
    # overlapping delegations: the admin form refuses them, the database may still hold them
    delegate(company.sales_head, newer, starts_on=DAY - datetime.timedelta(days=1))
    assert assert_same_as_acting_for() == {company.sales_head.pk: newer.pk}


@pytest.mark.parametrize("leader_active", [True, False])
def test_leaders_in_charge_are_inherited_like_leader_in_charge_of(company, leader_active):
    team = DepartmentFactory(code="TEAM", name="前端组", parent=company.tech)
    finance = DepartmentFactory(code="FIN", name="财务部", parent=company.company)
    cfo = UserFactory(display_name="财务总监", is_active=leader_active)
    finance.leader_in_charge = cfo
    finance.save()

    with CaptureQueriesContext(connection) as queries:
        leaders = leaders_in_charge()

    assert len(queries) == 1
    for department in Department.objects.all():
        expected = leader_in_charge_of(department)
        assert leaders.get(department.pk) == (expected.pk if expected else None), department
    assert leaders[team.pk] == company.leader.pk
    assert (finance.pk in leaders) is leader_active
