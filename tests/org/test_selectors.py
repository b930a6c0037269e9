"""Who decides for a department on a given day: the head, or the delegate in force."""

import datetime

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from collab_portal.org.middleware import ReadOnceMiddleware
from collab_portal.org.selectors import (
    acting_for,
    decider_for_department,
    departments_overseen_by,
    escalation_decider_for,
    leader_in_charge_of,
    org_read_once,
    principals_acting_for,
    roles_of,
)
from tests.factories import DelegationFactory, UserFactory

DAY = datetime.date(2026, 11, 23)


def test_it_names_the_head_when_no_delegate_is_in_force(company):
    decider = decider_for_department(company.sales, on=DAY)
    assert decider.person == company.sales_head
    assert decider.on_behalf_of is None
    assert decider.label == "李四"


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (DAY - datetime.timedelta(days=1), "head"),
        (DAY, "delegate"),
        (DAY + datetime.timedelta(days=3), "delegate"),
        (DAY + datetime.timedelta(days=4), "head"),
    ],
)
def test_it_routes_to_the_delegate_only_between_the_dates_inclusive(company, on, expected):
    delegate = UserFactory(display_name="王五代", department=company.sales)
    DelegationFactory(
        principal=company.sales_head,
        delegate=delegate,
        starts_on=DAY,
        ends_on=DAY + datetime.timedelta(days=3),
    )
    decider = decider_for_department(company.sales, on=on)
    if expected == "delegate":
        assert decider.person == delegate
        assert decider.on_behalf_of == company.sales_head
        assert decider.label == "王五代 (代 李四)"
    else:
        assert decider.person == company.sales_head
        assert decider.on_behalf_of is None


def test_it_ignores_a_withdrawn_delegation(company):
    DelegationFactory(principal=company.sales_head, starts_on=DAY, ends_on=DAY, is_active=False)
    assert decider_for_department(company.sales, on=DAY).person == company.sales_head


def test_it_ignores_a_delegate_whose_account_is_deactivated(company):
    delegate = UserFactory(is_active=False)
    DelegationFactory(principal=company.sales_head, delegate=delegate, starts_on=DAY, ends_on=DAY)
    assert decider_for_department(company.sales, on=DAY).person == company.sales_head


def test_a_delegates_own_delegate_does_not_act_for_the_principal(company):
    first, second = UserFactory(), UserFactory()
    DelegationFactory(principal=company.sales_head, delegate=first, starts_on=DAY, ends_on=DAY)
    DelegationFactory(principal=first, delegate=second, starts_on=DAY, ends_on=DAY)
    decider = decider_for_department(company.sales, on=DAY)
    assert decider.person == first
    assert decider.on_behalf_of == company.sales_head


def test_two_people_standing_in_for_each_other_act_each_for_the_other_only(company):
    other = UserFactory()
    DelegationFactory(principal=company.sales_head, delegate=other, starts_on=DAY, ends_on=DAY)
    DelegationFactory(principal=other, delegate=company.sales_head, starts_on=DAY, ends_on=DAY)
    decider = decider_for_department(company.sales, on=DAY)
    assert decider.person == other


def test_it_has_no_decider_for_a_department_without_an_active_head(company):
    company.tech.head = None
    company.tech.save()
    assert decider_for_department(company.tech, on=DAY) is None
    company.sales_head.is_active = False
    company.sales_head.save()
    assert decider_for_department(company.sales, on=DAY) is None


def test_the_leader_in_charge_is_inherited_from_the_division(company):
    assert leader_in_charge_of(company.sales) == company.leader
    assert leader_in_charge_of(company.company) is None


def test_escalations_go_to_the_leaders_delegate_in_force(company):
    stand_in = UserFactory(display_name="孙副总")
    DelegationFactory(principal=company.leader, delegate=stand_in, starts_on=DAY, ends_on=DAY)
    decider = escalation_decider_for(company.tech, on=DAY)
    assert (decider.person, decider.on_behalf_of) == (stand_in, company.leader)
    assert (
        escalation_decider_for(company.tech, on=DAY + datetime.timedelta(days=1)).person
        == company.leader
    )


def test_acting_for_someone_without_delegation_is_themselves(company):
    assert acting_for(company.tech_staff, on=DAY).person == company.tech_staff


def test_roles_list_what_a_person_holds(company):
    DelegationFactory(principal=company.tech_head, delegate=company.sales_head)
    roles = roles_of(company.sales_head)
    assert roles.headed == [company.sales]
    assert [d.principal for d in roles.acting_for] == [company.tech_head]
    assert roles.labels == ["员工", "部门负责人", "代理人"]
    assert roles_of(company.leader).led == [company.division]
    assert roles_of(company.admin).is_admin
    assert roles_of(company.sales_staff).labels == ["员工"]


def test_within_one_read_whom_a_person_acts_for_and_the_tree_are_asked_once(
    company, django_assert_num_queries
):
    DelegationFactory(principal=company.sales_head, delegate=company.tech_staff)
    with org_read_once():
        with django_assert_num_queries(2):  # the delegations, the department tree
            first = departments_overseen_by(company.tech_staff)
        with django_assert_num_queries(0):
            assert departments_overseen_by(company.tech_staff) == first
            principals = principals_acting_for(company.tech_staff)
            principals.append(0)  # the caller's copy: the next one is unchanged
            assert principals_acting_for(company.tech_staff) == [
                company.tech_staff.pk,
                company.sales_head.pk,
            ]
    assert company.sales.pk in first
    with django_assert_num_queries(1):  # outside it, asked every time
        principals_acting_for(company.tech_staff)


def test_a_get_reads_whom_people_act_for_once_and_a_post_every_time(rf, company):
    queries = {}

    def view(request):
        with CaptureQueriesContext(connection) as captured:
            principals_acting_for(request.user)
            principals_acting_for(request.user)
        queries[request.method] = len(captured)
        return HttpResponse()

    middleware = ReadOnceMiddleware(view)
    for method in ("get", "post"):
        request = getattr(rf, method)("/")
        request.user = company.tech_staff
        middleware(request)
    assert queries == {"GET": 1, "POST": 2}  # a POST may change a delegation between them
