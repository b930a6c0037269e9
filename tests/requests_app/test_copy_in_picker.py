"""抄送's picker lists every active person in the company: the case page asks for it only when
it is opened (htmx, or a page of its own without JavaScript), so the case page stays the same
size and the same queries whatever the headcount."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from requests_app.models import CarbonCopy
from tests.factories import UserFactory
from tests.fixtures.inbox_cases import pending_case


def _case_page(client, case):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(case.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_case_page_offers_the_picker_without_listing_the_company(company, login):
    case = pending_case(company, "抄送测试")
    client = login(company.sales_staff)
    client.get(case.get_absolute_url())
    small_body, small_queries = _case_page(client, case)
    UserFactory.create_batch(40, department=company.tech)
    large_body, large_queries = _case_page(client, case)
    assert small_queries == large_queries
    assert len(large_body) == len(small_body)
    assert 'data-testid="copy-in"' in large_body
    assert 'name="people"' not in large_body


def test_the_picker_comes_as_a_fragment_or_a_page_and_copies_in(company, login):
    case = pending_case(company, "抄送测试")
    url = reverse("requests_app:copy_in", args=[case.code])
    client = login(company.sales_staff)
    fragment = client.get(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert 'name="people"' in body and company.tech_head.name in body
    assert "<html" not in body
    page = client.get(url)
    assert "<html" in page.content.decode() and 'name="people"' in page.content.decode()
    client.post(url, {"people": [company.tech_head.pk]})
    assert list(CarbonCopy.objects.filter(request=case).values_list("user", flat=True)) == [
        company.tech_head.pk
    ]


def test_only_the_initiator_or_reviewer_gets_the_picker(company, login, django_user_model):
    case = pending_case(company, "抄送测试")
    url = reverse("requests_app:copy_in", args=[case.code])
    receiving = login(company.tech_staff).get(url)  # sees the case, may not copy in
    assert receiving.status_code == 302 and receiving["Location"] == case.get_absolute_url()
    stranger = UserFactory(department=company.company)
    assert login(stranger).get(url).status_code == 404
    assert not CarbonCopy.objects.filter(request=case).exists()
