"""工作台: the signed-in person's department, roles and what waits for them."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collab_portal.dashboard import inbox
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
    assert 'nav-link-title">看板</span>' not in body  # the dashboard comes with a later issue
    admin_body = login(company.admin).get("/").content.decode()
    assert 'href="/admin/"' in admin_body


def test_waiting_items_from_registered_sources_are_listed_oldest_first(company, login, monkeypatch):
    now = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)

    def source(*, user):
        if user != company.sales_head:
            return []
        return [
            inbox.WaitingItem("审核", "较新的申请", "/newer", now),
            inbox.WaitingItem("审核", "较早的申请", "/older", now - datetime.timedelta(days=2)),
        ]

    monkeypatch.setattr(inbox, "_sources", [source])
    body = login(company.sales_head).get("/").content.decode()
    assert body.index("较早的申请") < body.index("较新的申请")
    assert "暂无待办事项" not in body
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
    assert len(many) <= 22  # each stage app's waiting source asks at most a few queries
