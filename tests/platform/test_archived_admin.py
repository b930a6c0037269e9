"""The admin keeps an archived case read-only too: no change, no delete (one by one or in bulk),
no add under it, no revert of a version; reading stays open. Checked on the portal's own admins
and on a writable test admin that uses ``ArchivedCaseAdminMixin`` alone."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cases.admin import ArchivedCaseAdminMixin
from cases.models import Case
from requests_app.models import CollabPlan, KickoffMeeting, SyncRecord
from risks_app import services as risk_services
from risks_app.models import Risk
from tasks_app import services as task_services
from tasks_app.models import Task
from tests.fixtures.execution import day
from tests.fixtures.risks import risk_data
from tests.fixtures.wbs_cases import case_in_breakdown
from tests.platform import archived_admin_urls
from tests.platform.archived import archive, fresh, snapshot

CASE_ADMINS = [Case, CollabPlan, SyncRecord, KickoffMeeting, Risk]


@pytest.fixture
def archived_records(company, executing):
    """One record of each kind with an admin, all of one archived case."""
    KickoffMeeting.objects.create(
        request=executing,
        mode="online",
        held_at=timezone.now(),
        location="腾讯会议",
        minutes="讲解需求",
        recorded_by=company.sales_staff,
    )
    risk_services.risk_raise(actor=company.sales_staff, request=executing, data=risk_data(company))
    case = archive(executing)
    return {
        Case: case,
        CollabPlan: case.plans.get(),
        SyncRecord: case.sync_records.get(),
        KickoffMeeting: KickoffMeeting.objects.get(request=case),
        Risk: Risk.objects.get(request=case),
    }


def _name(model, view):
    return f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"


def test_every_case_record_admin_says_how_it_reaches_the_case():
    for model in CASE_ADMINS:
        model_admin = admin.site._registry[model]
        assert isinstance(model_admin, ArchivedCaseAdminMixin), model
        for inline in model_admin.inlines:
            assert hasattr(inline, "case_path"), inline


@pytest.mark.parametrize("model", CASE_ADMINS, ids=lambda m: m._meta.model_name)
def test_the_admin_reads_but_never_changes_or_deletes_a_record_of_an_archived_case(
    company, archived_records, login, model
):
    obj = archived_records[model]
    client = login(company.admin)
    before = snapshot()

    page = client.get(reverse(_name(model, "change"), args=[obj.pk]))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert not page.context["has_delete_permission"]
    assert client.get(reverse(_name(model, "history"), args=[obj.pk])).status_code == 200

    assert client.post(reverse(_name(model, "change"), args=[obj.pk]), {}).status_code == 403
    assert client.get(reverse(_name(model, "delete"), args=[obj.pk])).status_code == 403
    assert (
        client.post(reverse(_name(model, "delete"), args=[obj.pk]), {"post": "yes"}).status_code
        == 403
    )
    bulk = client.post(
        reverse(_name(model, "changelist")),
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )
    assert bulk.status_code < 500
    revert, _data = _version_post(client, model, obj)
    assert revert.status_code == 403
    assert snapshot() == before


def _version_post(client, model, obj, **changes):
    """POST django-simple-history's version page of ``obj`` with the form as it shows it."""
    url = reverse(_name(model, "simple_history"), args=[obj.pk, obj.history.first().pk])
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, datetime.datetime):  # the admin's split date and time inputs
            value = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = f"{value:%Y-%m-%d}", f"{value:%H:%M:%S}"
        else:
            data[name] = "" if value is None else value
    data.update(changes)
    return client.post(url, data), data


def test_a_version_of_a_case_record_cannot_be_saved_back_through_the_admin(
    company, executing, login
):
    """django-simple-history's version page saves a POST for whoever may view; the read-only
    admins refuse it whatever the stage."""
    record = executing.sync_records.get()
    client = login(company.admin)
    before = snapshot()

    response, data = _version_post(client, SyncRecord, record, recipients="从版本页改写")

    request = RequestFactory().get("/")
    request.user = company.admin
    form_class = admin.site._registry[SyncRecord].get_form(request, record)
    assert form_class(data, instance=record).is_valid()  # it would have been saved
    assert response.status_code == 403
    assert snapshot() == before


# --- the mixin on a writable admin ------------------------------------------------------------


def _test_url(model, view, *args):
    name = f"archive_test_admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
    return reverse(name, args=args)


@pytest.fixture
def two_cases(company, executing, second_executing):
    """Leaf tasks of an open case and of an archived one."""
    archived_case = archive(second_executing)
    return {
        "open": Task.objects.get(request=executing, name="方案反馈"),
        "archived": Task.objects.get(request=archived_case, name="方案反馈"),
    }


@pytest.fixture
def second_executing(company, add_task):
    """Another executing case with a task of the same name."""
    case = case_in_breakdown(company)
    add_task(case, "方案反馈", start_on=day(1), due_on=day(5))
    task_services.wbs_publish(actor=company.tech_staff, request=case)
    return fresh(case)


with_test_admin = pytest.mark.urls("tests.platform.archived_admin_urls")


@with_test_admin
def test_the_mixin_leaves_records_of_open_cases_to_the_other_bases(company, two_cases, login):
    task = two_cases["open"]
    client = login(company.admin)
    page = client.get(_test_url(Task, "change", task.pk))
    assert page.context["has_change_permission"] and page.context["has_delete_permission"]
    inline = page.context["inline_admin_formsets"][0]
    assert inline.has_add_permission and inline.has_change_permission
    response = client.post(
        _test_url(Task, "change", task.pk),
        {
            "name": "方案反馈（改）",
            "description": "",
            "updates-TOTAL_FORMS": "0",
            "updates-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert fresh(task).name == "方案反馈（改）"


@with_test_admin
def test_the_mixin_refuses_change_delete_and_inline_rows_of_an_archived_case(
    company, two_cases, login
):
    task = two_cases["archived"]
    client = login(company.admin)
    before = snapshot()

    page = client.get(_test_url(Task, "change", task.pk))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert not page.context["has_delete_permission"]
    inline = page.context["inline_admin_formsets"][0]
    assert not (
        inline.has_add_permission or inline.has_change_permission or inline.has_delete_permission
    )
    changed = client.post(
        _test_url(Task, "change", task.pk),
        {"name": "改", "description": "", "updates-TOTAL_FORMS": "0", "updates-INITIAL_FORMS": "0"},
    )
    assert changed.status_code == 403
    assert client.get(_test_url(Task, "delete", task.pk)).status_code == 403
    assert client.post(_test_url(Task, "delete", task.pk), {"post": "yes"}).status_code == 403

    case = task.request
    assert client.post(_test_url(Case, "change", case.pk), {"subject": "改"}).status_code == 403
    case_page = client.get(_test_url(Case, "change", case.pk))
    assert not case_page.context["inline_admin_formsets"][0].has_add_permission
    assert snapshot() == before


@with_test_admin
def test_bulk_delete_never_deletes_a_record_of_an_archived_case(company, two_cases, login):
    client = login(company.admin)
    changelist = _test_url(Task, "changelist")
    both = [two_cases["open"].pk, two_cases["archived"].pk]

    confirm = client.post(changelist, {"action": "delete_selected", "_selected_action": both})
    assert confirm.status_code == 200
    assert confirm.context["perms_lacking"]  # the page says what may not be deleted
    refused = client.post(
        changelist, {"action": "delete_selected", "_selected_action": both, "post": "yes"}
    )
    assert refused.status_code == 403
    assert Task.objects.filter(pk__in=both).count() == 2

    done = client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [both[0]], "post": "yes"},
    )
    assert done.status_code == 302
    assert list(Task.objects.filter(pk__in=both).values_list("pk", flat=True)) == [both[1]]


@with_test_admin
def test_delete_queryset_leaves_the_records_of_archived_cases_and_says_so(company, two_cases):
    request = RequestFactory().post("/")
    request.user = company.admin
    request._messages = CookieStorage(request)
    model_admin = archived_admin_urls.site._registry[Task]
    both = [two_cases["open"].pk, two_cases["archived"].pk]

    model_admin.delete_queryset(request, Task.objects.filter(pk__in=both))

    assert list(Task.objects.filter(pk__in=both).values_list("pk", flat=True)) == [both[1]]
    [warning] = list(request._messages)
    assert "1" in str(warning) and warning.level_tag == "warning"


@with_test_admin
def test_list_editable_cannot_change_a_record_of_an_archived_case(company, two_cases, login):
    task = two_cases["archived"]
    before = snapshot()
    response = login(company.admin).post(
        _test_url(Task, "changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(task.pk),
            "form-0-name": "列表里改",
            "_save": "Save",
        },
    )
    assert response.status_code == 403
    assert snapshot() == before
