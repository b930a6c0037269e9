"""A task's page, the owners' quick actions and 我的任务."""

from django.contrib import messages
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from collab_portal.lib.urls import redirect_next
from collab_portal.lib.views import run_service
from tasks_app import services
from tasks_app.forms import BlockForm, DelayForm, DueChangeForm, ProgressForm
from tasks_app.pages.tasks import my_tasks_page as my_tasks_context
from tasks_app.pages.tasks import task_page
from tasks_app.selectors import task_for


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


@require_GET
def task_detail(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    return render(request, "tasks_app/task_detail.html", task_page(user=request.user, task=task))


@require_POST
def task_start(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    return run_service(
        request,
        lambda: services.task_start(actor=request.user, task=task),
        success=_("Started."),
        then=lambda: redirect_next(request, task),
    )


@require_POST
def task_complete(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    return run_service(
        request,
        lambda: services.task_complete(actor=request.user, task=task),
        success=_("Marked as done."),
        then=lambda: redirect_next(request, task),
    )


@require_POST
def task_resume(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    return run_service(
        request,
        lambda: services.task_resume(actor=request.user, task=task),
        success=_("Resumed."),
        then=lambda: redirect_next(request, task),
    )


@require_POST
def task_progress(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Progress is a percentage from 0 to 100."))
        return redirect_next(request, task)
    return run_service(
        request,
        lambda: services.progress_save(
            actor=request.user,
            task=task,
            percent=form.cleaned_data["percent"],
            note=form.cleaned_data["note"],
        ),
        success=_("Today's progress is saved."),
        then=lambda: redirect_next(request, task),
    )


@require_POST
def task_delay(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    form = DelayForm(request.POST)
    if not form.is_valid():
        return _refuse_form(request, task, form, _("Give the reason and the new expected date."))
    return run_service(
        request,
        lambda: services.task_report_delay(
            actor=request.user,
            task=task,
            reason=form.cleaned_data["reason"],
            new_date=form.cleaned_data["new_date"],
        ),
        success=_("The delay is reported."),
        then=lambda: redirect_next(request, task),
    )


@require_POST
def task_block(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    form = BlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what blocks the task."))
        return redirect_next(request, task)
    return run_service(
        request,
        lambda: services.task_report_block(
            actor=request.user, task=task, reason=form.cleaned_data["reason"]
        ),
        success=_("The blocker is reported; the coordinator has been told."),
        then=lambda: redirect_next(request, task),
    )


@require_POST
def task_change_due(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    form = DueChangeForm(request.POST)
    if not form.is_valid():
        return _refuse_form(request, task, form, _("Give the new due date and the reason."))
    return run_service(
        request,
        lambda: services.task_change_due(
            actor=request.user,
            task=task,
            new_due=form.cleaned_data["new_due"],
            reason=form.cleaned_data["reason"],
        ),
        success=_("The due date is changed."),
        then=lambda: redirect_next(request, task),
    )


@require_POST
def task_urge(request, code, pk):
    task = task_for(user=request.user, code=code, pk=pk)
    return run_service(
        request,
        lambda: services.task_urge(actor=request.user, task=task),
        success=_("The owner has been reminded."),
        then=lambda: redirect_next(request, task),
    )


@require_GET
def my_tasks_page(request):
    return render(request, "tasks_app/my_tasks.html", my_tasks_context(user=request.user))


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
