"""Task life in execution: the status machine, daily progress, due-date changes, roll-up."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from collab_portal.activity.models import Activity
from collab_portal.lib.refusals import ActionRefused
from collab_portal.notifications.models import Notification
from tasks_app import services
from tasks_app.models import ProgressUpdate, Task, TaskDateChange
from tasks_app.selectors import my_tasks, overall_progress, tracking_rows
from tests.fixtures.execution import day


@pytest.fixture
def interview(executing):
    return Task.objects.get(name="客户访谈")


def test_the_owner_starts_reports_progress_and_finishes(company, interview):
    services.task_start(actor=company.tech_staff, task=interview)
    services.progress_save(
        actor=company.tech_staff, task=interview, percent=40, note="完成 4 家访谈"
    )
    services.task_complete(actor=company.tech_staff, task=interview)
    interview.refresh_from_db()
    assert (interview.status, interview.progress) == ("done", 100) and interview.completed_at
    # The owner is the coordinator here: nobody is told of their own action.
    assert not Notification.objects.filter(
        recipient=company.tech_staff, title__contains="完成了"
    ).exists()


@pytest.mark.parametrize("who", ["tech_head", "sales_staff", "sales_head", "leader"])
def test_others_cannot_move_someone_elses_task(company, interview, who):
    actor = getattr(company, who)
    for action in (services.task_start, services.task_complete, services.task_resume):
        with pytest.raises(ActionRefused):
            action(actor=actor, task=interview)
    with pytest.raises(ActionRefused):
        services.progress_save(actor=actor, task=interview, percent=10)
    interview.refresh_from_db()
    assert interview.status == "not_started" and not ProgressUpdate.objects.exists()


def test_wrong_states_are_refused(company, interview):
    with pytest.raises(ActionRefused, match="延期或阻塞"):
        services.task_resume(actor=company.tech_staff, task=interview)
    services.task_complete(actor=company.tech_staff, task=interview)
    with pytest.raises(ActionRefused):
        services.task_start(actor=company.tech_staff, task=interview)
    with pytest.raises(ActionRefused):
        services.task_report_block(actor=company.tech_staff, task=interview, reason="晚了")
    with pytest.raises(ActionRefused, match="已完成"):
        services.progress_save(actor=company.tech_staff, task=interview, percent=50)


def test_a_delay_needs_a_reason_and_a_new_date_then_resumes(company, interview):
    services.task_start(actor=company.tech_staff, task=interview)
    with pytest.raises(ValidationError):
        services.task_report_delay(
            actor=company.tech_staff, task=interview, reason=" ", new_date=day(30)
        )
    with pytest.raises(ValidationError):
        services.task_report_delay(
            actor=company.tech_staff, task=interview, reason="客户方增加字段", new_date=day(-1)
        )
    services.task_report_delay(
        actor=company.tech_staff, task=interview, reason="客户方问卷增加 3 个字段", new_date=day(22)
    )
    interview.refresh_from_db()
    assert (interview.status, interview.status_reason, interview.expected_done_on) == (
        "delayed",
        "客户方问卷增加 3 个字段",
        day(22),
    )
    services.task_resume(actor=company.tech_staff, task=interview)
    interview.refresh_from_db()
    assert interview.status == "in_progress"


def test_a_blocker_needs_a_reason_and_tells_the_coordinator(company, executing):
    task = Task.objects.get(name="问卷设计")
    with pytest.raises(ValidationError):
        services.task_report_block(actor=company.tech_head, task=task, reason="")
    services.task_report_block(actor=company.tech_head, task=task, reason="等客户提供历史数据")
    task.refresh_from_db()
    assert task.status == "blocked" and task.status_reason == "等客户提供历史数据"
    assert Notification.objects.filter(
        recipient=company.tech_staff, title__contains="阻塞"
    ).exists()


def _task_page(client, task) -> str:
    return client.get(reverse("tasks_app:task", args=[task.request.code, task.pk])).content.decode()


def test_a_resumed_or_finished_task_no_longer_shows_its_old_reason(company, interview, login):
    """Issue 18, point 21: the blocker's (or the delay's) reason and date stand while the task
    is blocked (delayed); resumed or done, its page no longer shows them, and its history and
    the case's timeline still hold them."""
    client = login(company.tech_staff)
    services.task_report_delay(
        actor=company.tech_staff, task=interview, reason="专家出差", new_date=day(22)
    )
    assert "专家出差" in _task_page(client, interview) and day(22).isoformat() in _task_page(
        client, interview
    )
    services.task_report_block(actor=company.tech_staff, task=interview, reason="等客户数据")
    assert "等客户数据" in _task_page(client, interview)

    services.task_resume(actor=company.tech_staff, task=interview)
    interview.refresh_from_db()
    assert (interview.status_reason, interview.expected_done_on) == ("", None)
    assert 'data-testid="task-reason"' not in _task_page(client, interview)
    services.task_report_block(actor=company.tech_staff, task=interview, reason="再次阻塞")
    services.task_resume(actor=company.tech_staff, task=interview)
    services.task_complete(actor=company.tech_staff, task=interview)
    page = _task_page(client, interview)
    assert "再次阻塞" not in page and "等客户数据" not in page and "专家出差" not in page

    reasons = set(interview.history.values_list("status_reason", flat=True))
    assert {"专家出差", "等客户数据", "再次阻塞"} <= reasons
    timeline = " ".join(
        Activity.objects.filter(verb__in=["task_delay", "task_block"]).values_list(
            "comment", flat=True
        )
    )
    assert all(reason in timeline for reason in ("专家出差", "等客户数据", "再次阻塞"))


def test_a_done_task_kept_with_a_reason_does_not_show_it(company, interview, login):
    services.task_report_block(actor=company.tech_staff, task=interview, reason="旧的阻塞原因")
    Task.objects.filter(pk=interview.pk).update(status=Task.Status.DONE)  # as older data holds it
    interview.refresh_from_db()
    assert interview.open_reason == "" and interview.delayed_to is None
    assert "旧的阻塞原因" not in _task_page(login(company.tech_staff), interview)


def test_parent_tasks_follow_their_subtasks(company, executing):
    with pytest.raises(ActionRefused, match="上级任务"):
        services.task_start(actor=company.tech_staff, task=Task.objects.get(name="需求调研"))


def test_one_progress_update_per_task_per_day_editable_that_day(company, interview):
    services.progress_save(actor=company.tech_staff, task=interview, percent=20, note="上午")
    services.progress_save(actor=company.tech_staff, task=interview, percent=35, note="下午补充")
    update = ProgressUpdate.objects.get()
    assert (update.percent, update.note, update.day) == (35, "下午补充", timezone.localdate())
    interview.refresh_from_db()
    assert interview.status == "in_progress" and interview.progress == 35
    with pytest.raises(ValidationError):
        services.progress_save(actor=company.tech_staff, task=interview, percent=120)


def test_parent_progress_rolls_up_weighted_by_planned_working_days(company, executing):
    design, interview = Task.objects.get(name="问卷设计"), Task.objects.get(name="客户访谈")
    services.task_complete(actor=company.tech_head, task=design)
    services.progress_save(actor=company.tech_staff, task=interview, percent=50)
    rows = {row.task.name: row for row in tracking_rows(request=executing)}
    w_design, w_interview = rows["问卷设计"].weight, rows["客户访谈"].weight
    expected = round((100 * w_design + 50 * w_interview) / (w_design + w_interview))
    assert rows["需求调研"].progress == expected
    assert rows["需求调研"].weight == w_design + w_interview
    top = [rows["需求调研"], rows["方案反馈"]]
    assert overall_progress(list(rows.values())) == round(
        sum(r.progress * r.weight for r in top) / sum(r.weight for r in top)
    )


def test_overdue_is_computed_not_stored(company, interview):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Task.objects.filter(pk=interview.pk).update(start_on=yesterday, due_on=yesterday)
    interview.refresh_from_db()
    assert interview.is_overdue and interview.status == "not_started"
    assert interview in my_tasks(user=company.tech_staff).overdue
    services.task_complete(actor=company.tech_staff, task=interview)
    interview.refresh_from_db()
    assert not interview.is_overdue


def test_due_date_changes_after_publishing_keep_the_plan_and_the_reason(company, interview):
    with pytest.raises(ValidationError):
        services.task_change_due(
            actor=company.tech_staff, task=interview, new_due=day(19), reason=""
        )
    with pytest.raises(ActionRefused, match="只有协调人"):
        services.task_change_due(
            actor=company.tech_head, task=interview, new_due=day(19), reason="提前"
        )
    services.task_change_due(
        actor=company.tech_staff, task=interview, new_due=day(18), reason="客户提前安排访谈"
    )
    interview.refresh_from_db()
    assert (interview.planned_due_on, interview.due_on, interview.variance_days) == (
        day(20),
        day(18),
        -2,
    )
    assert TaskDateChange.objects.get().reason == "客户提前安排访谈"
    with pytest.raises(ValidationError, match="不能晚于上级任务"):
        services.task_change_due(
            actor=company.tech_staff, task=interview, new_due=day(21), reason="延后"
        )


def test_my_tasks_sorts_what_i_own_and_help_on(company, executing):
    mine = my_tasks(user=company.tech_staff)
    assert [t.name for t in mine.owned] == ["客户访谈", "方案反馈"]
    assert [t.name for t in my_tasks(user=company.sales_staff).assisting] == ["客户访谈"]
    assert {t.name for t in mine.no_update_today} == {"客户访谈", "方案反馈"}
    services.progress_save(
        actor=company.tech_staff, task=Task.objects.get(name="客户访谈"), percent=10
    )
    assert [t.name for t in my_tasks(user=company.tech_staff).no_update_today] == ["方案反馈"]
