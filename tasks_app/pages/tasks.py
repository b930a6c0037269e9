"""What a task's page and 我的任务 show, and which of the owner's actions they offer."""

from __future__ import annotations

from django.utils import timezone

from collab_portal.org.models import User
from tasks_app import task_links
from tasks_app.forms import BlockForm, DelayForm, DueChangeForm, ProgressForm
from tasks_app.models import Task
from tasks_app.policies import may_change_due, may_urge, may_work_on_now, task_actions
from tasks_app.selectors import my_tasks


def task_page(*, user: User, task: Task) -> dict:
    """The task with its updates and date changes, and the actions ``user`` may take on it now:
    the owner's (``task.actions``), urging its owner, moving its due date."""
    is_leaf = not task.children.exists()
    today = timezone.localdate()
    todays = task.updates.filter(day=today).first()
    task.actions = task_actions(task)
    return {
        "task": task,
        "case": task.request,
        "updates": task.updates.select_related("author")[:30],
        "date_changes": task.date_changes.select_related("changed_by"),
        "can_work": may_work_on_now(user, task, is_leaf=is_leaf) and bool(task.actions),
        "can_urge": may_urge(user, task, is_leaf=is_leaf, today=today),
        "can_change_due": may_change_due(user, task),
        "progress_form": ProgressForm(
            initial={
                "percent": todays.percent if todays else task.progress,
                "note": todays.note if todays else "",
            }
        ),
        "delay_form": DelayForm(),
        "block_form": BlockForm(),
        "due_form": DueChangeForm(initial={"new_due": task.due_on}),
        "links": task_links.links_for(task, user),
    }


def my_tasks_page(*, user: User) -> dict:
    """我的任务: the open leaf tasks ``user`` owns, each with the actions its status allows
    (they own it: they may work on it), and those they help on."""
    mine = my_tasks(user=user)
    for task in mine.owned:
        task.actions = task_actions(task)
    return {
        "mine": mine,
        "today": timezone.localdate(),
        "progress_form": ProgressForm(),
        "delay_form": DelayForm(),
        "block_form": BlockForm(),
    }
