"""Admins read sign-offs and links but cannot add, change or delete them; the signing policy
is one row they may edit."""

import pytest
from django.urls import reverse

from collab_portal.signoffs.models import ExternalLink, SigningPolicy, SignOff
from collab_portal.signoffs.services import external_link_create, signoff_record
from tests.factories import ExternalContactFactory

pytestmark = pytest.mark.usefixtures("signable")


@pytest.fixture
def records(company):
    signoff = signoff_record(
        target=company.sales, signer=company.sales_head, role="部门负责人", meaning="approved"
    )
    link, token = external_link_create(
        target=company.sales,
        contact=ExternalContactFactory(),
        purpose="acceptance",
        created_by=company.sales_staff,
    )
    return {"signoff": signoff, "externallink": link, "token": token}


@pytest.mark.parametrize("model", [SignOff, ExternalLink], ids=lambda m: m._meta.model_name)
def test_an_admin_reads_but_cannot_add_change_or_delete(company, records, login, model):
    client = login(company.admin)
    obj = records[model._meta.model_name]
    prefix = f"admin:signoffs_{model._meta.model_name}"
    assert client.get(reverse(f"{prefix}_changelist")).status_code == 200
    change = client.get(reverse(f"{prefix}_change", args=[obj.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()  # the view-only page
    assert client.get(reverse(f"{prefix}_add")).status_code == 403
    assert (
        client.post(reverse(f"{prefix}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    )
    assert client.post(reverse(f"{prefix}_change", args=[obj.pk]), {}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_the_sign_off_list_searches_by_name_and_hash(company, records, login):
    client = login(company.admin)
    url = reverse("admin:signoffs_signoff_changelist")
    signoff = records["signoff"]
    assert client.get(url, {"q": "李四"}).context["cl"].result_count == 1
    assert client.get(url, {"q": signoff.sha256}).context["cl"].result_count == 1
    assert client.get(url, {"q": "无此人"}).context["cl"].result_count == 0
    assert client.get(url, {"meaning__exact": "accepted"}).context["cl"].result_count == 0


def test_the_link_pages_never_show_the_token_or_its_fingerprint(company, records, login):
    client = login(company.admin)
    link = records["externallink"]
    for url in (
        reverse("admin:signoffs_externallink_changelist"),
        reverse("admin:signoffs_externallink_change", args=[link.pk]),
    ):
        page = client.get(url).content.decode()
        assert records["token"] not in page
        assert link.token_hash not in page


def test_the_signing_policy_is_one_row_admins_edit_but_never_delete(company, login):
    client = login(company.admin)
    add = reverse("admin:signoffs_signingpolicy_add")
    assert client.get(add).status_code == 200
    response = client.post(add, {"require_password": "on"})
    assert response.status_code == 302
    assert SigningPolicy.current().require_password is True
    assert client.get(add).status_code == 403
    change = reverse("admin:signoffs_signingpolicy_change", args=[1])
    assert client.get(change).status_code == 200
    client.post(change, {})  # unticked
    assert SigningPolicy.current().require_password is False
    delete = reverse("admin:signoffs_signingpolicy_delete", args=[1])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert SigningPolicy.objects.count() == 1


def test_staff_are_kept_out(company, records, login):
    client = login(company.sales_head)
    response = client.get(reverse("admin:signoffs_signoff_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
