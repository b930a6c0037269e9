"""The WBS editor (htmx and plain forms), a task's page, and 我的任务."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks_app import policies, services
from tasks_app.models import ProgressUpdate, Task
from tests.factories import DepartmentFactory, UserFactory
from tests.fixtures.execution import day

HTMX = {"HTTP_HX_REQUEST": "true"}


def _task_post(**overrides):
    data = {
        "name": "客户访谈",
        "owner": "",
        "lead_department": "",
        "start_on": day(1).isoformat(),
        "due_on": day(5).isoformat(),
        "deliverable_standard": "访谈纪要",
    }
    data.update(overrides)
    return data


def test_the_coordinator_adds_a_task_through_htmx_and_gets_the_tree_back(company, breakdown, login):
    client = login(company.tech_staff)
    page = client.get(reverse("tasks_app:wbs", args=[breakdown.code])).content.decode()
    assert 'id="task-panel"' in page and "还没有任务" in page
    response = client.post(
        reverse("tasks_app:wbs_add", args=[breakdown.code]),
        _task_post(owner=company.tech_head.pk, lead_department=company.tech.pk),
        **HTMX,
    )
    body = response.content.decode()
    assert 'data-testid="wbs-tree"' in body and "客户访谈" in body and "<html" not in body
    task = Task.objects.get()
    assert (task.wbs_code, task.owner, task.lead_department) == (
        "1",
        company.tech_head,
        company.tech,
    )


def test_a_bad_task_comes_back_as_the_form_with_the_message(company, breakdown, login):
    response = login(company.tech_staff).post(
        reverse("tasks_app:wbs_add", args=[breakdown.code]),
        _task_post(start_on=day(5).isoformat(), due_on=day(1).isoformat()),
        **HTMX,
    )
    assert response["HX-Retarget"] == "#task-panel"
    assert "截止日期早于开始日期" in response.content.decode()
    assert not Task.objects.exists()


def test_indenting_through_htmx_renumbers_the_codes(company, breakdown, add_task, login):
    add_task(breakdown, "A")
    b = add_task(breakdown, "B")
    response = login(company.tech_staff).post(
        reverse("tasks_app:wbs_indent", args=[breakdown.code, b.pk]), **HTMX
    )
    assert 'data-code="1.1"' in response.content.decode()
    b.refresh_from_db()
    assert b.wbs_code == "1.1"


def test_a_refused_move_shows_the_reason_in_the_tree(company, breakdown, add_task, login):
    first = add_task(breakdown, "A")
    response = login(company.tech_staff).post(
        reverse("tasks_app:wbs_indent", args=[breakdown.code, first.pk]), **HTMX
    )
    assert "同级的第一项任务不能降级" in response.content.decode()


def _publish_button(body: str) -> str:
    """The 发布 button an htmx answer swaps in out of band (issue 18, point 5)."""
    match = re.search(r'<span id="wbs-publish" hx-swap-oob="true">.*?</span>', body, re.S)
    assert match, body
    return match.group(0)


def test_every_htmx_edit_swaps_the_publish_button_as_the_gate_allows(
    company, breakdown, add_task, login
):
    client = login(company.tech_staff)
    task = add_task(breakdown, "调研", lead_department=None)
    edit = reverse("tasks_app:wbs_edit", args=[breakdown.code, task.pk])

    fixed = client.post(
        edit, _task_post(owner=company.tech_staff.pk, lead_department=company.tech.pk), **HTMX
    )
    button = _publish_button(fixed.content.decode())
    assert 'data-testid="publish"' in button and "disabled" not in button
    assert not policies.publish_missing(breakdown)

    gap = client.post(edit, _task_post(owner=company.tech_staff.pk), **HTMX)
    body = gap.content.decode()
    assert "disabled" in _publish_button(body) and 'data-testid="publish-missing"' in body
    assert policies.publish_missing(breakdown)

    deleted = client.post(reverse("tasks_app:wbs_delete", args=[breakdown.code, task.pk]), **HTMX)
    assert "disabled" in _publish_button(deleted.content.decode())  # nothing left to publish
    viewer = login(company.sales_staff).get(reverse("tasks_app:wbs", args=[breakdown.code]))
    assert 'data-testid="publish"' not in viewer.content.decode()


def test_without_htmx_forms_redirect_back_to_the_editor(company, breakdown, login):
    response = login(company.tech_staff).post(
        reverse("tasks_app:wbs_add", args=[breakdown.code]), _task_post()
    )
    assert response["Location"] == reverse("tasks_app:wbs", args=[breakdown.code])
    assert Task.objects.count() == 1


def test_others_read_the_wbs_but_cannot_change_it(company, breakdown, add_task, login):
    add_task(breakdown, "A")
    client = login(company.tech_head)
    page = client.get(reverse("tasks_app:wbs", args=[breakdown.code])).content.decode()
    assert "A" in page and 'id="task-panel"' not in page
    response = client.post(
        reverse("tasks_app:wbs_add", args=[breakdown.code]), _task_post(name="越权"), **HTMX
    )
    assert "只有协调人" in response.content.decode()
    assert Task.objects.count() == 1


def test_another_departments_staff_get_404_everywhere(company, executing, login):
    finance = DepartmentFactory(code="FIN", name="财务部", parent=company.company)
    outsider = login(UserFactory(department=finance))
    task = Task.objects.get(name="客户访谈")
    for url in (
        reverse("tasks_app:wbs", args=[executing.code]),
        reverse("tasks_app:task", args=[executing.code, task.pk]),
    ):
        assert outsider.get(url).status_code == 404
    assert (
        outsider.post(reverse("tasks_app:task_done", args=[executing.code, task.pk])).status_code
        == 404
    )
    task.refresh_from_db()
    assert task.status == "not_started"


def test_publishing_through_the_page(company, breakdown, add_task, login):
    add_task(breakdown, "A")
    response = login(company.tech_staff).post(
        reverse("tasks_app:wbs_publish", args=[breakdown.code])
    )
    assert response["Location"] == reverse("tasks_app:tracking", args=[breakdown.code])
    breakdown.refresh_from_db()
    assert breakdown.stage == "executing"


def test_the_owner_works_from_the_task_page_and_my_tasks(company, executing, login):
    task = Task.objects.get(name="客户访谈")
    client = login(company.tech_staff)
    page = client.get(task.get_absolute_url()).content.decode()
    assert 'data-testid="task-actions' in page
    client.post(
        reverse("tasks_app:task_progress", args=[executing.code, task.pk]),
        {"percent": "30", "note": "访谈 3 家", "next": reverse("tasks_app:my_tasks")},
    )
    assert ProgressUpdate.objects.get().percent == 30
    bad = client.post(
        reverse("tasks_app:task_progress", args=[executing.code, task.pk]),
        {"percent": "300"},
        follow=True,
    )
    assert "0 到 100" in bad.content.decode()
    assert ProgressUpdate.objects.get().percent == 30
    mine = client.get(reverse("tasks_app:my_tasks")).content.decode()
    assert "客户访谈" in mine and "今日已更新" in mine
    other = login(company.tech_head).get(task.get_absolute_url()).content.decode()
    assert 'data-testid="task-actions' not in other


def test_a_finished_task_offers_its_owner_no_more_actions(company, executing, login):
    """The buttons follow the rules the services apply (``policies.task_actions``): a task that
    is done can be neither finished, blocked nor updated again, so its page offers none."""
    task = Task.objects.get(name="方案反馈")
    client = login(company.tech_staff)
    page = client.get(task.get_absolute_url()).content.decode()
    assert f'data-testid="task-actions-{task.pk}"' in page and 'data-testid="done"' in page
    services.task_complete(actor=company.tech_staff, task=task)
    page = client.get(task.get_absolute_url()).content.decode()
    assert 'data-testid="task-actions' not in page and 'data-testid="done"' not in page


def _bulk_tasks(case, parent, count, owners):
    """``count`` leaf tasks under ``parent``, owners taken in turn (bulk, then renumbered)."""
    offset = Task.objects.filter(parent=parent).count()
    Task.objects.bulk_create(
        [
            Task(
                request=case,
                parent=parent,
                name=f"细分任务{offset + i}",
                owner=owners[i % len(owners)],
                position=offset + i,
                start_on=day(21),
                due_on=day(25),
                lead_department=parent.lead_department,
                deliverable_standard="x",
            )
            for i in range(count)
        ]
    )
    services.renumber(case)


def test_my_tasks_runs_a_constant_number_of_queries(company, executing, login):
    """50 tasks in the case, then 2,000 (one in forty mine): the same number of queries."""
    parent = Task.objects.get(name="方案反馈")
    others = [company.tech_head] * 39
    _bulk_tasks(executing, parent, 46, [company.tech_staff, *others])
    client = login(company.tech_staff)
    client.get(reverse("tasks_app:my_tasks"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("tasks_app:my_tasks"))
    _bulk_tasks(executing, parent, 1950, [company.tech_staff, *others])
    assert Task.objects.filter(request=executing).count() == 2000
    with CaptureQueriesContext(connection) as many:
        body = client.get(reverse("tasks_app:my_tasks")).content.decode()
    assert (
        body.count('data-testid="task-actions-')
        == Task.objects.filter(owner=company.tech_staff, children__isnull=True)
        .exclude(status="done")
        .count()
    )
    assert len(few) == len(many)
