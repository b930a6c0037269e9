"""A one-time link as the people sending it use it (issue 18, point 18): shown once with a copy
button, a QR code of exactly its URL and "send by e-mail to the contact"; the case page lists
every link of the case (the plan's and the deliveries') with its state, and who may send a link
may revoke it, after which it refuses with its own message."""

import datetime
import io
import re

import pytest
import segno
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from acceptance_app import services as acceptance_services
from collab_portal.activity.models import Activity
from collab_portal.signoffs.models import ExternalLink
from collab_portal.signoffs.services import external_link_consume
from requests_app import services


def _token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _plan_link(company, case, actor=None) -> str:
    return services.plan_external_link_create(
        actor=actor or company.sales_staff,
        plan=case.plans.get(),
        receiver=case.receivers.get(kind="external"),
    )


def _link_states(page: str) -> dict[str, str]:
    """{"方案确认 v1 #<pk>": "未使用", …} from the case page's list of one-time links."""
    rows = re.findall(
        r'data-testid="one-time-link" data-link="(\d+)">.*?<strong>(.*?)</strong>.*?'
        r'data-testid="link-state">(.*?)</span>',
        page,
        re.S,
    )
    return {f"{label} #{pk}": state for pk, label, state in rows}


def _shown(client, case) -> str:
    """The page that shows a new plan link once, as the initiator creates it."""
    receiver = case.receivers.get(kind="external")
    return client.post(reverse("requests_app:plan_link", args=[case.code, receiver.pk]))


# --- shown once ---------------------------------------------------------------------------------


def test_the_new_link_is_shown_once_with_copy_qr_and_e_mail(company, login, external_planning):
    response = _shown(login(company.sales_staff), external_planning)
    page = response.content.decode()
    url = re.search(r'value="([^"]+)" readonly data-testid="link-url"', page).group(1)
    link = ExternalLink.objects.get()
    assert url.startswith("http://testserver/x/plan/") and link.token_hash not in page
    assert 'data-testid="copy-link"' in page and "js/copy_link.js" in page
    # The QR code is the link's own URL, drawn on the server.
    svg = re.search(r'data-testid="link-qr"[^>]*>(<svg.*?</svg>)', page, re.S).group(1)
    expected = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        expected, kind="svg", xmldecl=False, nl=False, scale=4, border=4
    )
    drawn = re.search(r' d="([^"]+)"', svg).group(1)
    assert drawn == re.search(r' d="([^"]+)"', expected.getvalue().decode()).group(1)
    # The contact's address is offered, and the token rides in the form's body only.
    assert f'name="token" value="{_token(url)}"' in page
    assert external_planning.receivers.get(kind="external").contact.email in page
    assert "no-store" in response["Cache-Control"]


def test_the_link_is_e_mailed_to_the_contact_once_and_recorded(company, login, external_planning):
    client = login(company.sales_staff)
    page = _shown(client, external_planning).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    url = reverse("requests_app:link_email", args=[external_planning.code])

    answer = client.post(url, {"token": token}, HTTP_HX_REQUEST="true")
    assert 'data-testid="email-result"' in answer.content.decode()
    assert "alert-success" in answer.content.decode()
    (message,) = mail.outbox
    contact = external_planning.receivers.get(kind="external").contact
    assert message.to == [contact.email]
    assert f"http://testserver/x/plan/{token}/" in message.body
    assert "请你确认" in message.body and external_planning.code in message.body
    link = ExternalLink.objects.get()
    assert (link.emailed_to, link.emailed_by) == (contact.email, company.sales_staff)
    assert Activity.objects.filter(verb="link_email").count() == 1

    again = client.post(url, {"token": token}, HTTP_HX_REQUEST="true").content.decode()
    assert "alert-danger" in again and contact.email in again
    assert len(mail.outbox) == 1
    case_page = client.get(external_planning.get_absolute_url()).content.decode()
    assert f"通过邮件发送至 {contact.email}" in case_page


def test_without_htmx_the_e_mail_answer_goes_back_to_the_case(company, login, external_planning):
    client = login(company.sales_staff)
    token = _token(_plan_link(company, external_planning))
    response = client.post(
        reverse("requests_app:link_email", args=[external_planning.code]),
        {"token": token},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == external_planning.get_absolute_url()
    assert "已通过邮件发送给" in response.content.decode() and len(mail.outbox) == 1


# --- listed on the case page with their state ---------------------------------------------------


def test_the_case_page_lists_each_link_with_its_state(company, login, external_planning):
    _plan_link(company, external_planning)
    _plan_link(company, external_planning)  # replaces the first
    replaced, revoked = ExternalLink.objects.order_by("pk")
    services.case_link_revoke(actor=company.sales_staff, request=external_planning, link=revoked)
    token = _token(_plan_link(company, external_planning))
    external_link_consume(token=token, purpose="plan_confirmation", typed_name="高建华", ip=None)
    _plan_link(company, external_planning)
    expired = ExternalLink.objects.order_by("pk").last()
    ExternalLink.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    used = ExternalLink.objects.get(used_at__isnull=False)

    page = login(company.tech_head).get(external_planning.get_absolute_url()).content.decode()
    assert _link_states(page) == {
        f"方案确认 v1 #{replaced.pk}": "已被取代",
        f"方案确认 v1 #{revoked.pk}": "已撤销",
        f"方案确认 v1 #{used.pk}": "已使用",
        f"方案确认 v1 #{expired.pk}": "已过期",
    }
    assert f"{company.sales_staff.name} 于" in page and "签名为 高建华" in page
    assert 'data-testid="revoke-link"' not in page  # nothing left to revoke


def test_acceptance_links_are_listed_on_the_case_page_too(company, login, external_submitted):
    acceptance_services.acceptance_link_create(
        actor=company.sales_staff, delivery=external_submitted
    )
    page = login(company.sales_staff).get(external_submitted.request.get_absolute_url())
    link = ExternalLink.objects.get()
    assert _link_states(page.content.decode()) == {f"验收 v1 #{link.pk}": "未使用"}
    assert 'data-testid="revoke-link"' in page.content.decode()


# --- revoking -----------------------------------------------------------------------------------


def test_who_may_send_the_link_revokes_it_and_it_then_refuses(
    company, login, client, external_planning
):
    path = _plan_link(company, external_planning)
    link = ExternalLink.objects.get()
    response = login(company.sales_staff).post(
        reverse("requests_app:link_revoke", args=[external_planning.code, link.pk]), follow=True
    )
    assert "链接已撤销" in response.content.decode()
    link.refresh_from_db()
    assert link.state == ExternalLink.State.REVOKED and link.revoked_by == company.sales_staff
    assert Activity.objects.filter(verb="link_revoke", actor=company.sales_staff).count() == 1
    client.logout()
    refused = client.get(path)
    assert refused.status_code == 410
    assert "此链接已被发送人撤销。" in refused.content.decode()


def test_the_coordinator_may_revoke_an_acceptance_link(company, login, external_submitted):
    acceptance_services.acceptance_link_create(
        actor=company.sales_staff, delivery=external_submitted
    )
    link = ExternalLink.objects.get()
    login(company.tech_staff).post(
        reverse("requests_app:link_revoke", args=[external_submitted.request.code, link.pk])
    )
    link.refresh_from_db()
    assert link.revoked_by == company.tech_staff


def test_someone_who_may_not_send_the_link_cannot_revoke_it(company, login, external_planning):
    _plan_link(company, external_planning)
    link = ExternalLink.objects.get()
    client = login(company.tech_head)  # sees the case; does not send the customer's link
    page = client.get(external_planning.get_absolute_url()).content.decode()
    assert 'data-testid="revoke-link"' not in page
    response = client.post(
        reverse("requests_app:link_revoke", args=[external_planning.code, link.pk]), follow=True
    )
    assert "只有可以发送此链接的人才能撤销" in response.content.decode()
    link.refresh_from_db()
    assert link.is_active and not Activity.objects.filter(verb="link_revoke").exists()


def test_revoking_twice_says_so_and_changes_nothing(company, login, external_planning):
    _plan_link(company, external_planning)
    link = ExternalLink.objects.get()
    client = login(company.sales_staff)
    url = reverse("requests_app:link_revoke", args=[external_planning.code, link.pk])
    client.post(url)
    revoked_at = ExternalLink.objects.get().revoked_at
    response = client.post(url, follow=True)
    assert "无需撤销" in response.content.decode()
    assert ExternalLink.objects.get().revoked_at == revoked_at
    assert Activity.objects.filter(verb="link_revoke").count() == 1


@pytest.mark.parametrize("method", ["get", "head"])
def test_revoking_and_e_mailing_are_posts(company, login, external_planning, method):
    _plan_link(company, external_planning)
    link = ExternalLink.objects.get()
    client = login(company.sales_staff)
    for url in (
        reverse("requests_app:link_revoke", args=[external_planning.code, link.pk]),
        reverse("requests_app:link_email", args=[external_planning.code]),
    ):
        assert getattr(client, method)(url).status_code == 405
    assert ExternalLink.objects.get().is_active and mail.outbox == []
