"""Admins configure the organisation in the Django admin, in Chinese; staff are kept out."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import DelegationFactory, ExternalContactFactory
from tests.org.holiday_years import MADE_UP_2027, enter_year

ORG_MODELS = [model for model in admin.site._registry if model._meta.app_label == "org"]


def _admin_urls(model, obj):
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    urls = [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
    if obj is not None:
        urls.append(reverse(f"{prefix}_change", args=[obj.pk]))
        if hasattr(model, "history"):
            urls.append(reverse(f"{prefix}_history", args=[obj.pk]))
    return urls


@pytest.fixture
def one_of_each(company):
    contact = ExternalContactFactory()
    delegation = DelegationFactory(principal=company.sales_head, delegate=company.sales_staff)
    from collab_portal.org.models import WorkdayOverride

    override = WorkdayOverride.objects.create(date="2027-02-06", is_workday=True, note="春节调休")
    return {
        "workdayoverride": override,
        "holidayyear": enter_year(2027, MADE_UP_2027),
        "department": company.sales,
        "user": company.sales_staff,
        "delegation": delegation,
        "externalparty": contact.party,
        "externalcontact": contact,
    }


def test_every_org_model_is_registered():
    assert {m._meta.model_name for m in ORG_MODELS} == {
        "department",
        "user",
        "delegation",
        "externalparty",
        "externalcontact",
        "workdayoverride",
        "holidayyear",
    }


@pytest.mark.parametrize("model", ORG_MODELS, ids=lambda m: m._meta.model_name)
def test_an_admin_opens_every_page_with_chinese_labels(company, one_of_each, login, model):
    client = login(company.admin)
    for url in _admin_urls(model, one_of_each[model._meta.model_name]):
        response = client.get(url)
        assert response.status_code == 200, url
        assert str(model._meta.verbose_name) in response.content.decode(), url
    assert all("\u4e00" <= ch <= "\u9fff" for ch in str(model._meta.verbose_name))


@pytest.mark.parametrize("model", ORG_MODELS, ids=lambda m: m._meta.model_name)
def test_staff_are_refused_every_admin_page(company, one_of_each, login, model):
    client = login(company.sales_head)
    for url in _admin_urls(model, one_of_each[model._meta.model_name]):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def test_the_admin_searches_and_filters_departments(company, login):
    client = login(company.admin)
    response = client.get(reverse("admin:org_department_changelist"), {"q": "销售"})
    assert [d.name for d in response.context["cl"].result_list] == ["销售部"]
    response = client.get(reverse("admin:org_department_changelist"), {"kind__exact": "division"})
    assert response.context["cl"].result_count == 1


def test_the_admin_refuses_an_overlapping_delegation_with_a_message(company, login):
    DelegationFactory(principal=company.sales_head, delegate=company.sales_staff)
    client = login(company.admin)
    first = company.sales_head.delegations_given.get()
    response = client.post(
        reverse("admin:org_delegation_add"),
        {
            "principal": company.sales_head.pk,
            "delegate": company.tech_head.pk,
            "starts_on": first.starts_on.isoformat(),
            "ends_on": first.ends_on.isoformat(),
            "reason": "休假",
            "is_active": "on",
        },
    )
    assert "此人在这段日期内已有代理人。" in response.content.decode()
    assert company.sales_head.delegations_given.count() == 1


def test_history_cannot_be_reverted_from_the_admin(company, login):
    client = login(company.admin)
    company.sales.name = "销售一部"
    company.sales.save()
    record = company.sales.history.earliest()
    versions = company.sales.history.count()
    url = reverse("admin:org_department_simple_history", args=[company.sales.pk, record.history_id])
    client.post(url, {"name": "销售部", "code": "SALES", "kind": "department"})
    company.sales.refresh_from_db()
    assert company.sales.name == "销售一部"
    assert company.sales.history.count() == versions


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda m: f"{m._meta.app_label}.{m._meta.model_name}"
)
def test_every_admin_list_loads_for_an_admin(company, login, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = login(company.admin).get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == model._default_manager.count()


RULE = "你的密码必须包含至少 10 个字符"


@pytest.mark.parametrize(
    "url_name", ["admin:org_user_add", "admin:auth_user_password_change", "admin:password_change"]
)
def test_the_admins_password_forms_state_the_rule_before_anything_is_typed(
    company, login, url_name
):
    args = [company.sales_staff.pk] if url_name == "admin:auth_user_password_change" else []
    response = login(company.admin).get(reverse(url_name, args=args))
    assert response.status_code == 200
    assert RULE in response.content.decode()


def test_the_import_states_the_rule_for_the_initial_password_up_front(company, login):
    page = login(company.admin).get(reverse("admin:org_department_import"))
    assert RULE in page.content.decode()


def test_a_person_changing_their_password_sees_the_rule_up_front(company, login):
    page = login(company.sales_staff).get(reverse("password_change"))
    assert RULE in page.content.decode()
