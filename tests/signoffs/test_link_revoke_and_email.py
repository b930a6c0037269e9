"""Revoking a one-time link and e-mailing it to its contact (issue 18, point 18), at the signing
platform: a revoked link refuses with its own message (not the replaced one's), and a link is
e-mailed once — in the portal's default language, whatever the sender's — and that is recorded
so a second click is told it went already."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.utils import timezone, translation

from collab_portal.lib.refusals import ActionRefused
from collab_portal.signoffs.models import ExternalLink
from collab_portal.signoffs.services import (
    ExternalLinkInvalid,
    external_link_consume,
    external_link_create,
    external_link_email,
    external_link_resolve,
    external_link_revoke,
)
from tests.factories import ExternalContactFactory

PURPOSE = "plan_confirmation"
URL = "https://portal.example.com/x/plan/{token}/"


@pytest.fixture
def contact(db):
    return ExternalContactFactory(name="陈经理", email="chen@customer.example.com")


@pytest.fixture
def issued(company, contact):
    return external_link_create(
        target=company.sales, contact=contact, purpose=PURPOSE, created_by=company.sales_staff
    )


def _email(link, token, actor, **overrides):
    arguments = {
        "link": link,
        "token": token,
        "url": URL.format(token=token),
        "subject": "方案确认 · CR-2026-0001",
        "invitation": "销售部请你确认协作方案。",
        "actor": actor,
    }
    arguments.update(overrides)
    return external_link_email(**arguments)


def test_a_revoked_link_refuses_with_its_own_message(company, issued):
    link, token = issued
    external_link_revoke(link=link, actor=company.sales_staff)
    link.refresh_from_db()
    assert link.state == ExternalLink.State.REVOKED and link.revoked_by == company.sales_staff
    with pytest.raises(ExternalLinkInvalid) as refused:
        external_link_resolve(token=token, purpose=PURPOSE)
    assert refused.value.reason == "revoked"
    with translation.override("zh-hans"):
        assert refused.value.message == "此链接已被发送人撤销。"
    with pytest.raises(ExternalLinkInvalid):
        external_link_consume(token=token, purpose=PURPOSE, typed_name="陈经理", ip=None)


@pytest.mark.parametrize("state", ["used", "revoked", "replaced", "expired"])
def test_only_an_unused_link_can_be_revoked(company, contact, issued, state):
    link, token = issued
    if state == "used":
        external_link_consume(token=token, purpose=PURPOSE, typed_name="陈经理", ip=None)
    elif state == "revoked":
        external_link_revoke(link=link, actor=company.admin)
    elif state == "replaced":
        external_link_create(
            target=company.sales, contact=contact, purpose=PURPOSE, created_by=company.admin
        )
    else:
        ExternalLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    before = ExternalLink.objects.values().get(pk=link.pk)
    with pytest.raises(ActionRefused):
        external_link_revoke(link=link, actor=company.sales_staff)
    assert ExternalLink.objects.values().get(pk=link.pk) == before


def test_a_link_is_e_mailed_once_in_the_portals_language(company, issued):
    link, token = issued
    with translation.override("en"):  # the sender reads English; the contact gets Chinese
        _email(link, token, company.sales_staff)
    (message,) = mail.outbox
    assert message.to == ["chen@customer.example.com"]
    assert message.subject == "【沟通协作门户】方案确认 · CR-2026-0001"
    assert URL.format(token=token) in message.body
    assert message.body.startswith("陈经理:")
    assert "销售部请你确认协作方案。" in message.body
    assert "只能使用一次" in message.body
    link.refresh_from_db()
    assert link.emailed_to == "chen@customer.example.com"
    assert link.emailed_by == company.sales_staff and link.emailed_at is not None

    with pytest.raises(ActionRefused) as again:
        _email(link, token, company.admin)
    assert "chen@customer.example.com" in again.value.message
    assert len(mail.outbox) == 1


def test_a_message_the_server_refuses_is_not_recorded(company, issued, monkeypatch):
    link, token = issued

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection closed")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(ActionRefused) as refused:
        _email(link, token, company.sales_staff)
    assert "connection closed" in refused.value.message
    link.refresh_from_db()
    assert link.emailed_at is None and link.emailed_to == ""


def test_no_address_a_wrong_token_or_a_dead_link_sends_nothing(company, contact, issued):
    link, token = issued
    with pytest.raises(ExternalLinkInvalid):
        _email(link, "not-this-links-token", company.sales_staff)
    contact.email = ""
    contact.save()
    with pytest.raises(ActionRefused):
        _email(link, token, company.sales_staff)
    contact.email = "chen@customer.example.com"
    contact.save()
    external_link_revoke(link=link, actor=company.sales_staff)
    with pytest.raises(ExternalLinkInvalid):
        _email(link, token, company.sales_staff)
    assert mail.outbox == []
    assert ExternalLink.objects.get().emailed_at is None
