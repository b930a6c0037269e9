"""工作台: the signed-in person's department, roles, notifications and the inbox around them
(the inbox's tabs themselves: test_inbox.py)."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from collab_portal.dashboard import inbox
from collab_portal.dashboard.navigation import NAV_ENTRIES
from collab_portal.notifications.services import notify
from tests.factories import DelegationFactory


def test_a_head_sees_their_department_roles_and_an_empty_inbox(company, login):
    body = login(company.sales_head).get(reverse("dashboard:home")).content.decode()
    assert "销售部" in body and "部门负责人" in body
    assert "暂无待办事项" in body
    assert "暂无通知" in body


def test_a_delegate_is_told_whom_they_act_for(company, login):
    DelegationFactory(
        principal=company.tech_head,
        delegate=company.tech_staff,
        ends_on=datetime.date.today() + datetime.timedelta(days=30),
    )
    body = login(company.tech_staff).get("/").content.decode()
    assert "你正在代理 赵六" in body


def test_the_navigation_hides_pages_that_do_not_exist_and_admin_for_staff(company, login):
    body = login(company.sales_staff).get("/").content.decode()
    assert 'href="/admin/"' not in body
    assert 'nav-link-title">沟通需求</span>' in body
    assert 'nav-link-title">任务</span>' in body
    assert 'nav-link-title">风险</span>' in body
    assert 'nav-link-title">验收</span>' in body
    for entry in NAV_ENTRIES:
        if entry.admin_only:
            continue
        try:
            reverse(entry.url_name)
        except NoReverseMatch:  # a page of a later issue: no dead link
            assert f'nav-link-title">{entry.label}</span>' not in body
        else:
            assert f'nav-link-title">{entry.label}</span>' in body
    admin_body = login(company.admin).get("/").content.decode()
    assert 'href="/admin/"' in admin_body


def test_rows_from_registered_inbox_sources_are_listed_longest_waiting_first(
    company, login, monkeypatch, pending
):
    now = timezone.now()

    def source(*, context):
        if context.user != company.sales_head:
            return []
        return [
            inbox.InboxRow("review", pending.pk, "/newer", since=now, title="较新的申请"),
            inbox.InboxRow(
                "review",
                pending.pk,
                "/older",
                since=now - datetime.timedelta(days=2),
                title="较早的申请",
            ),
        ]

    monkeypatch.setattr(inbox, "_inbox_sources", {**inbox._inbox_sources, "waiting": [source]})
    body = login(company.sales_head).get("/").content.decode()
    assert body.index("较早的申请") < body.index("较新的申请")
    assert "暂无待办事项" not in body
    assert 'data-testid="tab-count-waiting">2</span>' in body
    assert "较早的申请" not in login(company.sales_staff).get("/").content.decode()


def test_the_home_page_runs_a_constant_number_of_queries(company, login):
    client = login(company.sales_head)
    notify(recipients=[company.sales_head], title="一条")
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for index in range(30):
        notify(recipients=[company.sales_head], title=f"通知{index}", actor=company.tech_head)
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(few) == len(many)
    # The inbox asks each stage app's sources a few queries each (test_inbox.py measures it
    # with 10× the data); the profile and the notifications a few more.
    assert len(many) <= 45
