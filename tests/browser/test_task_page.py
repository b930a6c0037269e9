"""In Chromium, a task's page (issue 18): 登记风险 is offered on every open task, not only a
blocked one (point 9), and a task that is resumed and finished no longer shows the blocker's
reason it once had (point 21). Screenshots go to var/screenshots/tasks/."""

from pathlib import Path

import pytest
from django.urls import reverse

from risks_app.models import Risk
from tasks_app.models import Task
from tests.browser.steps import sign_in, submit
from tests.factories import TEST_PASSWORD
from tests.fixtures.tracking import day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "tasks"
LINKS = "[data-testid=task-link]"


def _task_url(base, task):
    return base + reverse("tasks_app:task", args=[task.request.code, task.pk])


def test_any_open_task_offers_to_raise_a_risk(company, tracking_case, live_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    sign_in(page, base, company.sales_head.username, TEST_PASSWORD)  # a participant, no owner
    for name, label in (
        ("客户访谈", "登记风险"),  # in progress
        ("访谈纪要整理", "登记风险"),  # not started
        ("需求评审", "登记风险"),  # delayed
        ("方案反馈", "根据阻塞登记风险"),  # blocked
    ):
        page.goto(_task_url(base, Task.objects.get(name=name)))
        assert page.locator(LINKS).all_inner_texts() == [label], name
    page.goto(_task_url(base, Task.objects.get(name="问卷设计")))  # done
    assert page.locator(LINKS).count() == 0

    interview = Task.objects.get(name="客户访谈")
    page.goto(_task_url(base, interview))
    page.screenshot(path=str(SHOTS / "task-raise-risk.png"), full_page=True)
    page.click(LINKS)
    assert page.locator("#id_task").input_value() == str(interview.pk)
    assert page.locator("#id_impact").input_value() == "high"  # under the key task 需求调研
    page.fill("#id_description", "访谈对象临时出差，纪要可能延后")
    page.select_option("#id_likelihood", "medium")
    page.fill("#id_measures", "改为线上访谈")
    page.fill("#id_deadline", day(5).isoformat())
    submit(page, "form button[type=submit].btn-primary")
    assert Risk.objects.get().task == interview


def test_a_resumed_and_finished_task_drops_its_old_blocker(
    company, tracking_case, live_server, page
):
    base = live_server.url
    feedback = Task.objects.get(name="方案反馈")  # blocked: 等待客户提供资料
    sign_in(page, base, company.tech_staff.username, TEST_PASSWORD)  # the coordinator
    page.goto(_task_url(base, feedback))
    assert "等待客户提供资料" in page.locator("[data-testid=task-status]").inner_text()

    submit(page, "form[action$='/resume/'] button")
    assert page.locator("[data-testid=task-reason]").count() == 0
    submit(page, "[data-testid=done]")
    status = page.locator("[data-testid=task-status]").inner_text()
    assert "已完成" in status and "等待客户提供资料" not in status
    page.screenshot(path=str(SHOTS / "task-done-no-blocker.png"), full_page=True)
    assert Task.objects.get(pk=feedback.pk).history.filter(status_reason="等待客户提供资料")
