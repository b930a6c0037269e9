"""One-time, expiring links let an external contact confirm without an account: each works
once, until it expires or a newer one replaces it, and only its fingerprint is stored."""

import datetime
import hashlib
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone, translation

from collab_portal.signoffs.models import ExternalLink, SignOff
from collab_portal.signoffs.services import (
    ExternalLinkInvalid,
    external_link_consume,
    external_link_create,
    external_link_resolve,
    signoff_record,
)
from tests.factories import ExternalContactFactory

PURPOSE = "plan_confirmation"


@pytest.fixture
def contact(db):
    return ExternalContactFactory(name="陈经理")


@pytest.fixture
def issued(company, contact):
    """A fresh link for the contact to confirm the sales department's record: (link, token)."""
    return external_link_create(
        target=company.sales, contact=contact, purpose=PURPOSE, created_by=company.sales_staff
    )


def _refusal(**kwargs) -> ExternalLinkInvalid:
    with pytest.raises(ExternalLinkInvalid) as refused:
        if "typed_name" in kwargs:
            external_link_consume(**kwargs)
        else:
            external_link_resolve(**kwargs)
    return refused.value


def test_a_new_link_is_stored_by_its_fingerprint_only(company, contact, issued):
    link, token = issued
    row = ExternalLink.objects.values().get()
    assert len(token) >= 43
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert all(token not in str(value) for value in row.values())
    assert (link.target, link.contact, link.purpose, link.created_by) == (
        company.sales,
        contact,
        PURPOSE,
        company.sales_staff,
    )
    assert link.expires_at - link.created_at == datetime.timedelta(days=7)
    assert link.state == ExternalLink.State.ACTIVE
    assert external_link_resolve(token=token, purpose=PURPOSE) == link


def test_it_is_used_once_and_remembers_who_typed_what_from_where(company, contact, issued):
    link, token = issued
    used = external_link_consume(
        token=token, purpose=PURPOSE, typed_name=" 陈大明 ", ip="203.0.113.9"
    )
    link.refresh_from_db()
    assert used == link
    assert link.used_at is not None
    assert (link.typed_name, link.used_ip) == ("陈大明", "203.0.113.9")
    assert link.state == ExternalLink.State.USED

    refusal = _refusal(token=token, purpose=PURPOSE, typed_name="陈大明", ip="203.0.113.10")
    assert refusal.reason == "used"
    with translation.override("en"):
        assert refusal.message == "This link has already been used."
    link.refresh_from_db()
    assert link.used_ip == "203.0.113.9"
    assert _refusal(token=token, purpose=PURPOSE).reason == "used"


def test_the_caller_records_the_signature_in_the_same_transaction(
    company, contact, issued, signable
):
    _link, token = issued
    with transaction.atomic():
        link = external_link_consume(
            token=token, purpose=PURPOSE, typed_name="陈大明", ip="203.0.113.9"
        )
        signoff_record(
            target=link.target,
            external_contact=link.contact,
            typed_name=link.typed_name,
            role="客户代表",
            meaning="confirmed",
            side_key=f"party:{contact.party_id}",
            ip=link.used_ip,
        )
    signoff = SignOff.objects.get()
    assert (signoff.external_contact, signoff.signer_name, signoff.ip) == (
        contact,
        "陈大明",
        "203.0.113.9",
    )


def test_a_failure_after_consuming_leaves_the_link_usable(company, contact, issued):
    link, token = issued
    with pytest.raises(RuntimeError), transaction.atomic():
        external_link_consume(token=token, purpose=PURPOSE, typed_name="陈大明", ip=None)
        raise RuntimeError("recording the sign-off failed")
    link.refresh_from_db()
    assert link.used_at is None
    assert external_link_resolve(token=token, purpose=PURPOSE) == link


def test_an_expired_link_is_refused(company, contact, issued):
    link, token = issued
    ExternalLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert _refusal(token=token, purpose=PURPOSE).reason == "expired"
    refusal = _refusal(token=token, purpose=PURPOSE, typed_name="陈大明", ip=None)
    assert refusal.reason == "expired"
    with translation.override("en"):
        assert refusal.message == "This link has expired. Ask your contact for a new one."
    link.refresh_from_db()
    assert link.used_at is None and link.state == ExternalLink.State.EXPIRED


@pytest.mark.parametrize(
    ("token", "purpose"),
    [("made-up-token", PURPOSE), ("", PURPOSE), ("x" * 5000, PURPOSE), (None, "acceptance")],
    ids=["made-up", "empty", "huge", "other-purpose"],
)
def test_an_unknown_token_is_refused(issued, token, purpose):
    _link, real_token = issued
    token = real_token if token is None else token
    refusal = _refusal(token=token, purpose=purpose)
    assert refusal.reason == "unknown"
    assert _refusal(token=token, purpose=purpose, typed_name="陈大明", ip=None).reason == "unknown"
    with translation.override("en"):
        assert refusal.message == "This link is not valid."
    assert not ExternalLink.objects.filter(used_at__isnull=False).exists()


def test_a_new_link_replaces_the_old_one(company, contact, issued):
    old, old_token = issued
    other_purpose, _ = external_link_create(
        target=company.sales, contact=contact, purpose="acceptance", created_by=company.admin
    )
    new, new_token = external_link_create(
        target=company.sales,
        contact=contact,
        purpose=PURPOSE,
        created_by=company.sales_staff,
        valid_for=datetime.timedelta(days=2),
    )
    old.refresh_from_db()
    other_purpose.refresh_from_db()
    assert old.revoked_at is not None and old.state == ExternalLink.State.REPLACED
    assert other_purpose.revoked_at is None  # another purpose is another link
    refusal = _refusal(token=old_token, purpose=PURPOSE)
    assert refusal.reason == "replaced"
    with translation.override("en"):
        assert refusal.message == "This link was replaced by a newer one."
    assert _refusal(token=old_token, purpose=PURPOSE, typed_name="x", ip=None).reason == "replaced"
    assert external_link_consume(token=new_token, purpose=PURPOSE, typed_name="陈", ip=None) == new


def test_a_used_link_is_not_revoked_by_a_new_one(company, contact, issued):
    old, old_token = issued
    external_link_consume(token=old_token, purpose=PURPOSE, typed_name="陈大明", ip=None)
    external_link_create(
        target=company.sales, contact=contact, purpose=PURPOSE, created_by=company.sales_staff
    )
    old.refresh_from_db()
    assert old.revoked_at is None and old.state == ExternalLink.State.USED


def test_a_name_must_be_typed(issued):
    link, token = issued
    with translation.override("en"), pytest.raises(Exception) as refused:
        external_link_consume(token=token, purpose=PURPOSE, typed_name="  ", ip=None)
    assert refused.value.message_dict == {"typed_name": ["Type your full name to sign."]}
    link.refresh_from_db()
    assert link.used_at is None


@pytest.mark.django_db(transaction=True)
def test_of_two_simultaneous_submissions_exactly_one_wins(company, contact):
    _link, token = external_link_create(
        target=company.sales, contact=contact, purpose=PURPOSE, created_by=company.sales_staff
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def submit(name):
        try:
            barrier.wait(timeout=10)
            external_link_consume(token=token, purpose=PURPOSE, typed_name=name, ip=None)
            outcomes.append("won")
        except ExternalLinkInvalid as refused:
            outcomes.append(refused.reason)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(name,)) for name in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["used", "won"]
    link = ExternalLink.objects.get()
    assert link.typed_name in {"甲", "乙"} and link.used_at is not None
