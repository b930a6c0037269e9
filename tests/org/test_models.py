"""The organisation's own rules: a sound tree and delegations that make sense."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from collab_portal.org.models import Department
from tests.factories import DelegationFactory, DepartmentFactory, UserFactory

DAY = datetime.date(2026, 11, 23)


def test_a_company_has_no_parent_and_everything_else_has_one(company):
    orphan = Department(code="X1", name="孤立部门", kind=Department.Kind.DEPARTMENT)
    with pytest.raises(ValidationError, match="只有公司没有上级"):
        orphan.full_clean()
    nested_company = Department(
        code="X2", name="子公司", kind=Department.Kind.COMPANY, parent=company.company
    )
    with pytest.raises(ValidationError, match="公司不能有上级"):
        nested_company.full_clean()


def test_a_division_cannot_sit_under_a_department(company):
    division = Department(
        code="X3", name="错层中心", kind=Department.Kind.DIVISION, parent=company.sales
    )
    with pytest.raises(ValidationError, match="不能设在"):
        division.full_clean()


def test_a_department_cannot_move_inside_its_own_subtree(company):
    team = DepartmentFactory(code="TEAM", name="大客户组", parent=company.sales)
    company.sales.parent = team
    with pytest.raises(ValidationError, match="不能设在自己的下级"):
        company.sales.full_clean()


def test_a_delegation_cannot_end_before_it_starts_or_name_oneself(company):
    inverted = DelegationFactory.build(
        principal=company.sales_head,
        delegate=company.sales_staff,
        starts_on=DAY,
        ends_on=DAY - datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError) as error:
        inverted.full_clean()
    assert "结束日期早于开始日期" in str(error.value)
    to_self = DelegationFactory.build(principal=company.sales_head, delegate=company.sales_head)
    with pytest.raises(ValidationError, match="不能代理自己"):
        to_self.full_clean()


def test_the_database_refuses_inverted_dates_even_without_validation(company):
    with pytest.raises(IntegrityError):
        DelegationFactory(
            principal=company.sales_head, starts_on=DAY, ends_on=DAY - datetime.timedelta(days=1)
        )


def test_overlapping_delegations_for_one_person_are_refused(company):
    DelegationFactory(
        principal=company.sales_head, starts_on=DAY, ends_on=DAY + datetime.timedelta(days=5)
    )
    overlapping = DelegationFactory.build(
        principal=company.sales_head,
        delegate=UserFactory(),
        starts_on=DAY + datetime.timedelta(days=5),
        ends_on=DAY + datetime.timedelta(days=9),
    )
    with pytest.raises(ValidationError, match="已有代理人"):
        overlapping.full_clean()
    after = DelegationFactory.build(
        principal=company.sales_head,
        delegate=UserFactory(),
        starts_on=DAY + datetime.timedelta(days=6),
        ends_on=DAY + datetime.timedelta(days=9),
    )
    after.full_clean()


def test_a_user_shows_by_display_name(company):
    assert str(company.sales_staff) == "张三"
    nameless = UserFactory(display_name="", first_name="", last_name="", username="nobody")
    assert str(nameless) == "nobody"
