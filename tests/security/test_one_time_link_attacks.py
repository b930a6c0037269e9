"""Revoking and e-mailing one-time links (issue 18, point 18), attacked.

Someone who sees a case must not be able to revoke or e-mail another case's link through it (a
link's pk or token from elsewhere), make the portal mail a token it did not issue, mail a link
twice, or revoke a link they may not send. Each refusal sends nothing and changes nothing."""

import pytest
from django.core import mail
from django.urls import reverse

from collab_portal.activity.models import Activity
from collab_portal.signoffs.models import ExternalLink
from requests_app import services
from tests.fixtures.inbox_cases import executing_case
from tests.requests_app.test_one_time_links import _plan_link, _token

pytestmark = pytest.mark.django_db

FORGED = "Zm9yZ2VkLXRva2VuLW9mLW5vLWxpbmstYXQtYWxsLTQz"


def _unchanged(before):
    assert list(ExternalLink.objects.order_by("pk").values()) == before
    assert mail.outbox == []
    assert not Activity.objects.filter(verb__in=["link_revoke", "link_email"]).exists()


@pytest.fixture
def two_cases(company, external_planning):
    """The planning case's live link, and another case of the same initiator (no links)."""
    token = _token(_plan_link(company, external_planning))
    other = executing_case(company, subject="另一个需求")
    return external_planning, token, other


def test_another_cases_link_cannot_be_revoked_through_a_case_one_sees(company, login, two_cases):
    _planning, _token, other = two_cases
    link = ExternalLink.objects.get()
    before = list(ExternalLink.objects.order_by("pk").values())
    client = login(company.sales_staff)  # the initiator of both cases
    response = client.post(reverse("requests_app:link_revoke", args=[other.code, link.pk]))
    assert response.status_code == 404
    _unchanged(before)


def test_another_cases_token_cannot_be_mailed_through_a_case_one_sees(company, login, two_cases):
    _planning, token, other = two_cases
    before = list(ExternalLink.objects.order_by("pk").values())
    client = login(company.sales_staff)
    response = client.post(
        reverse("requests_app:link_email", args=[other.code]),
        {"token": token},
        HTTP_HX_REQUEST="true",
    )
    assert "此链接无效" in response.content.decode()
    _unchanged(before)


@pytest.mark.parametrize("token", [FORGED, "", "x" * 5000, "../../etc/passwd", "\x00"])
def test_a_token_the_portal_did_not_issue_mails_nothing(company, login, two_cases, token):
    planning, _token, _other = two_cases
    before = list(ExternalLink.objects.order_by("pk").values())
    response = login(company.sales_staff).post(
        reverse("requests_app:link_email", args=[planning.code]),
        {"token": token},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "alert-danger" in response.content.decode()
    _unchanged(before)


def test_a_stranger_to_the_case_gets_404_for_both(company, login, two_cases):
    from tests.factories import DepartmentFactory, UserFactory

    planning, token, _other = two_cases
    hr = DepartmentFactory(code="HR", name="人事部", parent=company.division)
    stranger = UserFactory(username="stranger", display_name="路人", department=hr)
    link = ExternalLink.objects.get()
    before = list(ExternalLink.objects.order_by("pk").values())
    client = login(stranger)
    revoke = client.post(reverse("requests_app:link_revoke", args=[planning.code, link.pk]))
    email = client.post(reverse("requests_app:link_email", args=[planning.code]), {"token": token})
    assert (revoke.status_code, email.status_code) == (404, 404)
    _unchanged(before)


def test_someone_who_sees_the_case_but_may_not_send_cannot_mail_it(company, login, two_cases):
    planning, token, _other = two_cases
    before = list(ExternalLink.objects.order_by("pk").values())
    response = login(company.tech_head).post(
        reverse("requests_app:link_email", args=[planning.code]),
        {"token": token},
        HTTP_HX_REQUEST="true",
    )
    assert "只有可以发送此链接的人" in response.content.decode()
    _unchanged(before)


def test_a_revoked_link_is_not_mailed(company, login, two_cases):
    planning, token, _other = two_cases
    services.case_link_revoke(
        actor=company.sales_staff, request=planning, link=ExternalLink.objects.get()
    )
    response = login(company.sales_staff).post(
        reverse("requests_app:link_email", args=[planning.code]),
        {"token": token},
        HTTP_HX_REQUEST="true",
    )
    assert "此链接已被发送人撤销。" in response.content.decode()
    assert mail.outbox == [] and ExternalLink.objects.get().emailed_at is None
