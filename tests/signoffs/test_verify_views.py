"""The public verification page: whoever holds a printed form checks its fingerprint; only
people allowed to see the record read what was signed."""

import pytest
from django.urls import reverse
from django.utils import timezone

from collab_portal.org.models import Department
from collab_portal.signoffs.models import SignOff
from collab_portal.signoffs.services import signoff_record
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.usefixtures("signable")

MATCHES = "The record is the same as when it was signed."
MODIFIED = "The record has been changed since it was signed."


@pytest.fixture
def signed(company):
    return signoff_record(
        target=company.sales,
        signer=company.sales_staff,
        on_behalf_of=company.sales_head,
        role="部门负责人",
        meaning=SignOff.Meaning.APPROVED,
        comment="同意，按计划推进",
        side_key="dept:sales",
    )


def _page(client, sha256):
    return client.get(reverse("signoffs:verify_hash", args=[sha256]))


def test_it_says_the_record_matches_and_then_that_it_was_modified(company, signed, english):
    response = _page(english, signed.sha256)
    page = response.content.decode()
    assert response.status_code == 200
    assert MATCHES in page and MODIFIED not in page
    assert "《部门信息确认表》SALES" in page
    assert "张三 (for 李四)" in page
    assert timezone.localtime(signed.signed_at).strftime("%Y-%m-%d %H:%M") in page

    company.sales.name = "销售一部"
    company.sales.save()
    row_before = SignOff.objects.values().get()

    page = _page(english, signed.sha256).content.decode()
    assert MODIFIED in page and MATCHES not in page
    assert SignOff.objects.values().get() == row_before  # verifying changes nothing
    assert row_before["snapshot"]["name"] == "销售部"


def test_the_time_is_shown_in_shanghai(company, signed, english):
    SignOff.objects.filter(pk=signed.pk).update(
        signed_at="2026-03-02T01:30:00+00:00"  # 09:30 in Shanghai
    )
    assert "2026-03-02 09:30" in _page(english, signed.sha256).content.decode()


def test_an_anonymous_visitor_sees_who_signed_but_not_the_content(client, company, signed):
    client.cookies["django_language"] = "en"
    response = _page(client, signed.sha256)
    page = response.content.decode()
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert MATCHES in page
    assert "《部门信息确认表》SALES" in page and "张三 (for 李四)" in page
    assert response.context["show_snapshot"] is False
    assert response.context["snapshot_rows"] == []
    assert "销售部" not in page  # the signed name
    assert "同意，按计划推进" not in page  # the comment
    assert "部门负责人" not in page  # the role
    assert 'data-testid="snapshot"' not in page


def test_an_admin_sees_the_signed_content(company, signed, english, login):
    login(company.admin)
    response = _page(english, signed.sha256)
    page = response.content.decode()
    assert response.context["show_snapshot"] is True
    assert ("name", "销售部") in response.context["snapshot_rows"]
    assert 'data-testid="snapshot"' in page
    assert "销售部" in page and "同意，按计划推进" in page and "部门负责人" in page


def test_without_is_visible_to_other_staff_see_only_role_and_meaning(
    company, signed, english, login
):
    login(company.sales_head)  # even a signer needs the record's permission to read it
    response = _page(english, signed.sha256)
    page = response.content.decode()
    assert response.context["show_snapshot"] is False
    assert "部门负责人" in page and "Approved" in page
    assert "同意，按计划推进" not in page
    assert "The signed content is shown only to people who may see the record." in page


def test_the_records_own_is_visible_to_decides_who_reads_the_content(
    company, signed, english, login, monkeypatch
):
    monkeypatch.setattr(
        Department,
        "is_visible_to",
        lambda self, user: user.department_id == self.pk,
        raising=False,
    )
    login(company.sales_staff)
    assert _page(english, signed.sha256).context["show_snapshot"] is True
    login(company.tech_staff)
    assert _page(english, signed.sha256).context["show_snapshot"] is False
    login(company.admin)  # the record's rule applies to admins too
    assert _page(english, signed.sha256).context["show_snapshot"] is False


def test_a_link_to_the_record_is_offered_to_signed_in_people(
    company, signed, english, login, monkeypatch
):
    monkeypatch.setattr(
        Department, "get_absolute_url", lambda self: f"/departments/{self.pk}/", raising=False
    )
    assert f"/departments/{company.sales.pk}/" not in _page(english, signed.sha256).content.decode()
    login(company.tech_staff)
    assert f"/departments/{company.sales.pk}/" in _page(english, signed.sha256).content.decode()


def test_a_deleted_record_is_reported_as_gone(company, english, login):
    temporary = DepartmentFactory(code="TMP", name="临时项目组", parent=company.division)
    signoff = signoff_record(
        target=temporary, signer=company.admin, role="管理员", meaning="approved"
    )
    temporary.delete()
    login(company.admin)
    response = _page(english, signoff.sha256)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The signature is on record, but the signed record no longer exists." in page
    assert MATCHES not in page and MODIFIED not in page
    assert "《部门信息确认表》TMP" in page  # the title as signed
    assert response.context["show_snapshot"] is True
    assert ("name", "临时项目组") in response.context["snapshot_rows"]


def test_a_tampered_stored_snapshot_is_reported(company, signed, english):
    SignOff.objects.filter(pk=signed.pk).update(snapshot={**signed.snapshot, "name": "伪造部门"})
    page = _page(english, signed.sha256).content.decode()
    assert "The stored signature does not match its fingerprint" in page
    assert MATCHES not in page


@pytest.mark.parametrize("bad", ["not-a-hash", "abc123", "g" * 64, "a" * 63, "a" * 65, "<script>"])
def test_a_malformed_hash_gets_a_clear_message_not_an_error(company, english, bad):
    response = _page(english, bad)
    page = response.content.decode()
    assert response.status_code == 404
    assert "This is not a SHA-256 fingerprint" in page
    assert "<script>" not in page


def test_an_unknown_hash_says_nothing_was_signed_with_it(company, english):
    response = _page(english, "0" * 64)
    assert response.status_code == 404
    assert "No signature with this fingerprint is on record." in response.content.decode()


def test_an_upper_case_hash_is_redirected_to_its_canonical_address(company, signed, client):
    response = _page(client, signed.sha256.upper())
    assert response.status_code == 302
    assert response["Location"] == reverse("signoffs:verify_hash", args=[signed.sha256])


def test_the_form_sends_a_pasted_hash_to_its_page(company, signed, client):
    assert client.get(reverse("signoffs:verify")).status_code == 200
    pasted = " " + signed.sha256.upper()[:32] + " " + signed.sha256.upper()[32:] + "\n"
    response = client.get(reverse("signoffs:verify"), {"sha256": pasted})
    assert response.status_code == 302
    assert response["Location"] == reverse("signoffs:verify_hash", args=[signed.sha256])


def test_the_form_explains_a_malformed_hash(company, english):
    response = english.get(reverse("signoffs:verify"), {"sha256": "12345"})
    assert response.status_code == 200
    assert "This is not a SHA-256 fingerprint" in response.content.decode()


def test_both_pages_answer_strangers_and_use_the_sign_in_layout(company, signed, client):
    for url in (reverse("signoffs:verify"), reverse("signoffs:verify_hash", args=[signed.sha256])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "registration/auth_base.html" in [t.name for t in response.templates]
        assert "nav_links" not in response.context


def test_signed_in_people_get_the_portal_layout(company, signed, login):
    client = login(company.tech_staff)
    response = client.get(reverse("signoffs:verify_hash", args=[signed.sha256]))
    names = [t.name for t in response.templates]
    assert "base.html" in names and "registration/auth_base.html" not in names


def test_the_pages_only_answer_get(company, signed, client):
    assert client.post(reverse("signoffs:verify")).status_code == 405
    assert client.post(reverse("signoffs:verify_hash", args=[signed.sha256])).status_code == 405


def test_a_record_whose_snapshot_fails_still_gets_an_answer(company, signed, english, monkeypatch):
    def broken(self):
        raise AttributeError("the plan lost its milestones")

    monkeypatch.setattr(Department, "signing_snapshot", broken)
    response = _page(english, signed.sha256)
    assert response.status_code == 200
    assert MODIFIED in response.content.decode()
    assert "《部门信息确认表》SALES" in response.content.decode()
