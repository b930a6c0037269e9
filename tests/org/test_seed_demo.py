"""The demo company: believable, and the same after every run."""

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from collab_portal.org.models import Delegation, Department, ExternalContact, ExternalParty, User
from collab_portal.org.selectors import decider_for_department, leader_in_charge_of


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (Department, User, Delegation, ExternalParty, ExternalContact)
    }


def test_seeding_twice_gives_the_same_company(demo):
    first = _counts()
    call_command("seed_demo", quiet_logins=True)
    assert _counts() == first
    assert first["User"] >= 30


def test_the_demo_company_has_heads_leaders_and_external_parties(demo):
    names = set(Department.objects.values_list("name", flat=True))
    for expected in [
        "市场部",
        "产品部",
        "技术部",
        "测试部",
        "客户服务部",
        "采购部",
        "财务部",
        "总经办",
    ]:
        assert expected in names
    departments = Department.objects.filter(kind=Department.Kind.DEPARTMENT)
    assert departments.count() >= 8
    for department in departments:
        assert department.head is not None, department
        assert leader_in_charge_of(department) is not None, department
    kinds = list(ExternalParty.objects.values_list("kind", flat=True))
    assert kinds.count("customer") == 2 and kinds.count("supplier") == 1
    assert ExternalContact.objects.filter(is_primary=True).count() == 3


def test_the_printed_demo_logins_work_and_the_delegation_is_in_force(demo, capsys):
    call_command("seed_demo")  # again, on the demo: it prints the logins every time
    output = capsys.readouterr().out
    assert "demo12345" in output and "wufang" in output
    sign_in = RequestFactory().post("/accounts/login/")  # django-axes needs the request
    assert authenticate(sign_in, username="wufang", password="demo12345") is not None
    tech = Department.objects.get(code="TECH")
    decider = decider_for_department(tech)
    assert decider.label == "秦浩 (代 朱明)"


def test_seeding_queues_no_task_and_leaves_no_email_to_send(db, monkeypatch):
    from unittest import mock

    from collab_portal.notifications.models import Notification

    publish = mock.Mock(name="apply_async")
    monkeypatch.setattr("celery.app.task.Task.apply_async", publish)
    call_command("seed_demo", quiet_logins=True)
    publish.assert_not_called()  # the history's outbox rows are left to the sweeps
    assert Notification.objects.exists()
    assert not Notification.objects.filter(email_state="pending").exists()
