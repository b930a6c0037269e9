"""The customers' satisfaction as a KPI of its own (issue 18, point 10): the mean of the scores
(1–5) customers gave on the acceptance link, each placed in the period of its decision and
counted for the case's initiating department (and the departments above it). The receiving
heads' ratings in the retrospective are not in it: they rate the collaboration from inside."""

import pytest
from django.urls import reverse
from django.utils import translation

from acceptance_app.models import AcceptanceReview
from insights_app.kpis import CUSTOMER_SATISFACTION, DEFINITION_OF, KpiValue, kpi_trend, kpis_for
from tests.factories import (
    DeliveryFactory,
    DepartmentFactory,
    ExternalContactFactory,
    UserFactory,
    on,
    pin_moments,
)
from tests.fixtures.kpi_history import at

START, END = on(9, 22), on(10, 12)


def _customer_decision(initiator, *, decided_at, score, version=1, state="accepted"):
    """A delivery of a case ``initiator`` registered, decided through the link at
    ``decided_at`` with ``score`` (None: none given)."""
    delivery = DeliveryFactory(request__initiator=initiator, version=version, state=state)
    review = AcceptanceReview.objects.create(
        delivery=delivery,
        decision=state,
        external_contact=ExternalContactFactory(),
        reviewer_name="客户",
        satisfaction_score=score,
    )
    pin_moments(AcceptanceReview, review, decided_at=decided_at)
    return delivery


@pytest.fixture
def scores(company):
    east = DepartmentFactory(code="SALES-E", name="华东销售组", parent=company.sales)
    east_staff = UserFactory(username="east_staff", display_name="华东专员", department=east)
    sales, tech = company.sales_staff, company.tech_staff
    _customer_decision(sales, decided_at=at(9, 22, 9), score=4)  # the period's first day
    _customer_decision(east_staff, decided_at=at(10, 12, 23, 30), score=5)  # its last
    _customer_decision(sales, decided_at=at(10, 1), score=2, state="rejected")  # a rework round
    _customer_decision(sales, decided_at=at(10, 2), score=None)  # not given: not counted
    _customer_decision(sales, decided_at=at(9, 21, 23), score=1)  # the day before
    _customer_decision(sales, decided_at=at(10, 13, 0, 30), score=1)  # the day after
    _customer_decision(tech, decided_at=at(10, 5), score=3)  # another department's case
    return company


def test_it_averages_the_scores_given_in_the_period_for_the_initiating_department(scores):
    kpis = kpis_for(department_ids={scores.sales.pk}, start=START, end=END)
    # 4, 5 (華东, below 销售部) and 2: mean 11/3, median 4.
    assert kpis[CUSTOMER_SATISFACTION] == KpiValue(value=11 / 3, sample_size=3, median=4.0)


def test_the_whole_company_counts_every_department(scores):
    kpis = kpis_for(department_ids=None, start=START, end=END)
    assert kpis[CUSTOMER_SATISFACTION] == KpiValue(value=14 / 4, sample_size=4, median=3.5)
    tech = kpis_for(department_ids={scores.tech.pk}, start=START, end=END)
    assert tech[CUSTOMER_SATISFACTION] == KpiValue(value=3.0, sample_size=1, median=3.0)


def test_nothing_given_is_nothing_measured(scores):
    assert kpis_for(department_ids={scores.sales.pk}, start=on(10, 2), end=on(10, 2))[
        CUSTOMER_SATISFACTION
    ] == KpiValue(value=None, sample_size=0)


def test_each_week_of_the_trend_has_its_own_scores(scores):
    trend = kpi_trend(department_ids={scores.sales.pk}, last_week_end=END, weeks=4)
    weekly = {week: value.value for _year, week, value in trend[CUSTOMER_SATISFACTION]}
    assert weekly == {38: 1.0, 39: 4.0, 40: 2.0, 41: 5.0}


def test_it_is_a_score_where_higher_is_better_and_says_what_it_counts():
    definition = DEFINITION_OF[CUSTOMER_SATISFACTION]
    assert (definition.unit, definition.better) == ("score", "higher")
    with translation.override("zh-hans"):
        assert str(definition.label) == "客户满意度"
        assert "验收链接" in str(definition.how_computed)


def test_the_dashboard_shows_it_as_a_score_out_of_five(login, scores):
    response = login(scores.sales_head).get(reverse("insights:kpis"), {"week": "2025-W41"})
    row = next(r for r in response.context["kpis"] if r.key == CUSTOMER_SATISFACTION)
    assert row.this_week == KpiValue(value=5.0, sample_size=1, median=5.0)
    page = response.content.decode()
    start = page.index('data-kpi="customer_satisfaction"')
    cells = page[start : page.index("</tr>", start)]
    assert "客户满意度" in cells and "5.0 / 5" in cells
