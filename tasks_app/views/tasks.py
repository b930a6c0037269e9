"""A task's page, the owners' quick actions and 我的任务."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from collab_portal.lib.refusals import ActionRefused
from collab_portal.lib.urls import redirect_next
from tasks_app import services, task_links
from tasks_app.forms import BlockForm, DelayForm, DueChangeForm, ProgressForm
from tasks_app.selectors import my_tasks, task_for


def _refuse_form(request, task, form, message):
    """Back to the task with ``message``; a date outside its window says which dates are allowed
    instead."""
    refusals = [
        text
        for errors in form.errors.as_data().values()
        for error in errors
        if error.code == "outside_window"
        for text in error.messages
    ]
    messages.error(request, " ".join(refusals) or message)
    return redirect_next(request, task)


def _perform(request, task, action, success):
    try:
        action()
    except ActionRefused as refused:
        messages.error(request, refused.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect_next(request, task)


@require_GET
def task_detail(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    can_work = services.may_work_on(request.user, task) and task.request.stage == "executing"
    is_leaf = not task.children.exists()
    today = timezone.localdate()
    todays = task.updates.filter(day=today).first()
    return render(
        request,
        "tasks_app/task_detail.html",
        {
            "task": task,
            "case": task.request,
            "updates": task.updates.select_related("author")[:30],
            "date_changes": task.date_changes.select_related("changed_by"),
            "can_work": can_work and is_leaf,
            "can_urge": services.may_urge(request.user, task, is_leaf=is_leaf, today=today),
            "can_change_due": services.may_edit_wbs(request.user, task.request)
            and task.request.stage == "executing",
            "progress_form": ProgressForm(
                initial={
                    "percent": todays.percent if todays else task.progress,
                    "note": todays.note if todays else "",
                }
            ),
            "delay_form": DelayForm(),
            "block_form": BlockForm(),
            "due_form": DueChangeForm(initial={"new_due": task.due_on}),
            "links": task_links.links_for(task, request.user),
        },
    )


@require_POST
def task_start(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    return _perform(
        request, task, lambda: services.task_start(actor=request.user, task=task), _("Started.")
    )


@require_POST
def task_complete(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    return _perform(
        request,
        task,
        lambda: services.task_complete(actor=request.user, task=task),
        _("Marked as done."),
    )


@require_POST
def task_resume(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    return _perform(
        request, task, lambda: services.task_resume(actor=request.user, task=task), _("Resumed.")
    )


@require_POST
def task_progress(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Progress is a percentage from 0 to 100."))
        return redirect_next(request, task)
    return _perform(
        request,
        task,
        lambda: services.progress_save(
            actor=request.user,
            task=task,
            percent=form.cleaned_data["percent"],
            note=form.cleaned_data["note"],
        ),
        _("Today's progress is saved."),
    )


@require_POST
def task_delay(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    form = DelayForm(request.POST)
    if not form.is_valid():
        return _refuse_form(request, task, form, _("Give the reason and the new expected date."))
    return _perform(
        request,
        task,
        lambda: services.task_report_delay(
            actor=request.user,
            task=task,
            reason=form.cleaned_data["reason"],
            new_date=form.cleaned_data["new_date"],
        ),
        _("The delay is reported."),
    )


@require_POST
def task_block(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    form = BlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what blocks the task."))
        return redirect_next(request, task)
    return _perform(
        request,
        task,
        lambda: services.task_report_block(
            actor=request.user, task=task, reason=form.cleaned_data["reason"]
        ),
        _("The blocker is reported; the coordinator has been told."),
    )


@require_POST
def task_change_due(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    form = DueChangeForm(request.POST)
    if not form.is_valid():
        return _refuse_form(request, task, form, _("Give the new due date and the reason."))
    return _perform(
        request,
        task,
        lambda: services.task_change_due(
            actor=request.user,
            task=task,
            new_due=form.cleaned_data["new_due"],
            reason=form.cleaned_data["reason"],
        ),
        _("The due date is changed."),
    )


@require_POST
def task_urge(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    return _perform(
        request,
        task,
        lambda: services.task_urge(actor=request.user, task=task),
        _("The owner has been reminded."),
    )


@require_GET
def my_tasks_page(request):
    return render(
        request,
        "tasks_app/my_tasks.html",
        {
            "mine": my_tasks(user=request.user),
            "today": timezone.localdate(),
            "progress_form": ProgressForm(),
            "delay_form": DelayForm(),
            "block_form": BlockForm(),
        },
    )


urlpatterns = [
    path("tasks/mine/", my_tasks_page, name="my_tasks"),
    path("requests/<str:code>/tasks/<int:pk>/", task_detail, name="task"),
    path("requests/<str:code>/tasks/<int:pk>/start/", task_start, name="task_start"),
    path("requests/<str:code>/tasks/<int:pk>/done/", task_complete, name="task_done"),
    path("requests/<str:code>/tasks/<int:pk>/resume/", task_resume, name="task_resume"),
    path("requests/<str:code>/tasks/<int:pk>/progress/", task_progress, name="task_progress"),
    path("requests/<str:code>/tasks/<int:pk>/delay/", task_delay, name="task_delay"),
    path("requests/<str:code>/tasks/<int:pk>/block/", task_block, name="task_block"),
    path("requests/<str:code>/tasks/<int:pk>/due/", task_change_due, name="task_due"),
    path("requests/<str:code>/tasks/<int:pk>/urge/", task_urge, name="task_urge"),
]
