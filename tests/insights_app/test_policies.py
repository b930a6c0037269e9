"""Who has a dashboard, and of which departments: heads their department, the leader in charge
the division and everything below it, admins every department and the whole company; staff and
the head of a department of another division nothing of theirs."""

from insights_app import policies
from insights_app.scope import COMPANY, department_choices
from tests.factories import DelegationFactory


def test_it_gives_each_head_their_department_and_the_leader_the_division(company, finance_head):
    assert policies.dashboard_departments(company.sales_head) == {company.sales.pk}
    assert policies.dashboard_departments(company.tech_head) == {company.tech.pk}
    assert policies.dashboard_departments(company.leader) == {
        company.division.pk,
        company.sales.pk,
        company.tech.pk,
        finance_head.department_id,  # the third department is in the division too
    }
    assert policies.dashboard_departments(finance_head) == {finance_head.department_id}
    for staff in (company.sales_staff, company.tech_staff):
        assert policies.dashboard_departments(staff) == set()
    assert not any(
        policies.may_see_whole_company(user)
        for user in (company.sales_head, company.leader, company.sales_staff)
    )


def test_it_gives_an_admin_every_department_and_the_whole_company(company):
    assert policies.may_see_whole_company(company.admin)
    assert policies.dashboard_departments(company.admin) is None
    assert department_choices(company.admin)[0].value == COMPANY


def test_it_gives_a_delegate_their_principals_department_while_they_act_for_them(company):
    DelegationFactory(principal=company.sales_head, delegate=company.sales_staff)
    assert policies.dashboard_departments(company.sales_staff) == {company.sales.pk}
    assert not policies.may_see_whole_company(company.sales_staff)
    assert [choice.value for choice in department_choices(company.sales_staff)] == [
        str(company.sales.pk)
    ]
