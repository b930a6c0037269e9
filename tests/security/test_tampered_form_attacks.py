"""Tampered forms (issue 17, finding 10): every ``next`` and every hidden field of a form is
input like any other. A ``next`` that is not a path of this site is never followed (the page's
own default is); a tampered hidden field or id is refused with a message and writes nothing;
nothing answers 500. The payloads are BAD_NEXT, GOOD_NEXT and BAD_IDS of
tests/security/bad_input_corpus.py."""

from __future__ import annotations

import pytest
from django.contrib.messages import constants, get_messages
from django.db import transaction
from django.test import Client
from django.urls import reverse

from collab_portal.notifications.models import Notification
from collab_portal.notifications.services import notify
from tasks_app.models import ProgressUpdate
from tests.factories import TEST_PASSWORD
from tests.security.bad_input_corpus import BAD_IDS, BAD_NEXT, GOOD_NEXT, IN_TWO_WEEKS
from tests.security.test_bad_input import CHINESE, changed_tables, table_counts

pytestmark = pytest.mark.django_db


def _errors(response) -> list[str]:
    storage = get_messages(response.wsgi_request)
    return [str(m) for m in storage._queued_messages if m.level >= constants.WARNING]


def _is_local_path(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\"))


# (view, actor, payload): each posted by the task's owner on 客户访谈, which starts as planned.
TASK_ACTIONS = {
    "task_start": ("tech_staff", {}),
    "task_progress": ("tech_staff", {"percent": "40", "note": "完成访谈 3 家"}),
    "task_delay": ("tech_staff", {"reason": "客户改期", "new_date": IN_TWO_WEEKS}),
    "task_block": ("tech_staff", {"reason": "等待客户"}),
    "task_done": ("tech_staff", {}),
    "task_resume": ("tech_staff", {}),
    "task_due": ("tech_staff", {"new_due": IN_TWO_WEEKS, "reason": "客户改期"}),
    "task_urge": ("sales_staff", {}),
}


def _post_rolled_back(client, url, data):
    """POST ``data``; return the response and the tables it changed, then undo the change."""
    with transaction.atomic():
        before = table_counts()
        response = client.post(url, data)
        changed = changed_tables(before, table_counts())
        transaction.set_rollback(True)
    return response, changed


@pytest.mark.parametrize("view", TASK_ACTIONS, ids=list(TASK_ACTIONS))
def test_a_tampered_next_falls_back_to_the_task_and_the_action_still_happens_once(
    view, company, executing, client
):
    actor, payload = TASK_ACTIONS[view]
    client.force_login(getattr(company, actor))
    task = executing.tasks.get(name="客户访谈")
    url = reverse(f"tasks_app:{view}", args=[executing.code, task.pk])
    own_page = task.get_absolute_url()
    # The same action with an honest next: what it writes, and where it goes.
    honest, honest_changes = _post_rolled_back(client, url, {**payload, "next": GOOD_NEXT[0]})
    assert honest.status_code == 302 and honest["Location"] == GOOD_NEXT[0]

    for item, bad_next in BAD_NEXT.items():
        response, changes = _post_rolled_back(client, url, {**payload, "next": bad_next})
        assert response.status_code == 302, (view, item)
        assert response["Location"] == own_page, (view, item, response["Location"][:80])
        assert changes == honest_changes, (view, item)


def test_a_saved_progress_update_with_next_abc_is_kept_and_lands_on_the_task(
    company, executing, client
):
    """The attack as found: the write went through, then the redirect answered 500."""
    client.force_login(company.tech_staff)
    task = executing.tasks.get(name="客户访谈")
    response = client.post(
        reverse("tasks_app:task_progress", args=[executing.code, task.pk]),
        {"percent": "40", "note": "完成访谈 3 家", "next": "abc"},
    )
    assert response.status_code == 302
    assert response["Location"] == task.get_absolute_url()
    assert ProgressUpdate.objects.get(task=task).percent == 40
    page = client.get(response["Location"]).content.decode()
    assert "今日进展已保存" in page


@pytest.mark.parametrize("good_next", GOOD_NEXT)
def test_a_local_next_is_followed_with_its_query(good_next, company, executing, client):
    client.force_login(company.tech_staff)
    task = executing.tasks.get(name="客户访谈")
    response = client.post(
        reverse("tasks_app:task_progress", args=[executing.code, task.pk]),
        {"percent": "20", "next": good_next},
    )
    assert response["Location"] == good_next


def test_an_invalid_form_with_a_tampered_next_says_why_and_writes_nothing(
    company, executing, client
):
    client.force_login(company.tech_staff)
    task = executing.tasks.get(name="客户访谈")
    for view, data in (
        ("task_progress", {"percent": "abc"}),
        ("task_delay", {"reason": "", "new_date": "x"}),
        ("task_block", {"reason": ""}),
        ("task_due", {"new_due": "", "reason": ""}),
    ):
        url = reverse(f"tasks_app:{view}", args=[executing.code, task.pk])
        for item, bad_next in BAD_NEXT.items():
            response, changes = _post_rolled_back(client, url, {**data, "next": bad_next})
            assert response.status_code == 302, (view, item)
            assert _is_local_path(response["Location"]), (view, item)
            errors = _errors(response)
            assert errors and all(CHINESE.search(e) for e in errors), (view, item, errors)
            assert changes == {}, (view, item)


def test_the_dashboard_list_urge_form_falls_back_to_the_task(company, executing, client):
    """The 看板 list's urge button carries its page as next (templates/insights_app/drill.html)."""
    task = executing.tasks.get(name="客户访谈")
    client.force_login(company.sales_staff)
    url = reverse("tasks_app:task_urge", args=[executing.code, task.pk])
    for item, bad_next in BAD_NEXT.items():
        response, _changes = _post_rolled_back(client, url, {"next": bad_next})
        assert response["Location"] == task.get_absolute_url(), item


def test_task_ids_tampered_in_the_action_urls_are_refused_and_write_nothing(
    company, executing, client
):
    """Someone else's task, a parent task, another case's code, ids of nothing: a refusal
    with its reason, or 404."""
    from requests_app import services as request_services
    from tests.fixtures.registration import registration

    other_case = request_services.request_create(
        initiator=company.sales_staff, data=registration(internal_departments=[company.tech])
    )
    interview = executing.tasks.get(name="客户访谈")  # the tech staff's; sales staff collaborate
    parent = executing.tasks.get(name="需求调研")
    before = table_counts()
    actions = (
        ("progress", {"percent": "40"}),
        ("delay", {"reason": "客户改期", "new_date": IN_TWO_WEEKS}),
        ("block", {"reason": "等待客户"}),
    )
    for actor, task in ((company.sales_staff, interview), (company.tech_staff, parent)):
        client.force_login(actor)
        for action, payload in actions:
            response = client.post(
                f"/requests/{executing.code}/tasks/{task.pk}/{action}/",
                {**payload, "next": "/tasks/mine/"},
            )
            assert response.status_code == 302, (action, task.name)
            errors = _errors(response)
            assert errors and all(CHINESE.search(e) for e in errors), (action, task.name, errors)
    client.force_login(company.tech_staff)
    for action, payload in actions:
        for code, pk in (
            (other_case.code, interview.pk),
            *((executing.code, bad) for bad in BAD_IDS if bad),
        ):
            response = client.post(f"/requests/{code}/tasks/{pk}/{action}/", payload)
            assert response.status_code == 404, (action, code, pk)
    assert changed_tables(before, table_counts()) == {}


def test_the_weekly_summarys_hidden_year_and_week_refuse_garbage(company, executing, client):
    client.force_login(company.tech_staff)
    url = reverse("tasks_app:weekly_draft", args=[executing.code])
    for year, week in (
        *((bad, "10") for bad in BAD_IDS if bad),
        *(("2026", bad) for bad in BAD_IDS if bad),
        ("2026", "54"),
        ("99999999999999999999", "99999999999999999999"),
        ("1", "1"),
        ("9999", "52"),
    ):
        response, changes = _post_rolled_back(client, url, {"year": year, "week": week})
        assert response.status_code == 302, (year, week)
        assert response["Location"] == reverse("tasks_app:weekly_list", args=[executing.code])
        errors = _errors(response)
        assert errors and all(CHINESE.search(e) for e in errors), (year, week, errors)
        assert changes == {}, (year, week)


@pytest.mark.parametrize("item", BAD_NEXT, ids=list(BAD_NEXT))
def test_the_language_switch_and_sign_in_never_follow_a_tampered_next(item, company, client):
    bad_next = BAD_NEXT[item]
    response = client.post(reverse("set_language"), {"language": "en", "next": bad_next})
    assert response.status_code == 302 and _is_local_path(response["Location"])
    response = Client().post(
        reverse("login"),
        {
            "username": company.sales_staff.username,
            "password": TEST_PASSWORD,
            "next": bad_next,
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:home")


def test_a_notification_whose_link_is_not_a_local_path_opens_the_list(company, login):
    client = login(company.sales_head)
    stored = {k: v for k, v in BAD_NEXT.items() if k not in ("nul", "oversized")}  # by the portal
    for item, bad_url in stored.items():
        (notification,) = notify(recipients=[company.sales_head], title=item, url=bad_url)
        response = client.post(reverse("notifications:open", args=[notification.pk]))
        assert response.status_code == 302, item
        assert response["Location"] == reverse("notifications:list"), item
        notification.refresh_from_db()
        assert notification.read_at is not None
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
