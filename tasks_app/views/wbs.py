"""The WBS editor: the coordinator builds the tree without full page reloads (htmx swaps the
tree and the task panel); without JavaScript every form still works by redirecting back."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from cases.selectors import case_for
from collab_portal.lib.forms import apply_validation_error
from collab_portal.lib.refusals import ActionRefused
from tasks_app import services
from tasks_app.forms import TaskForm
from tasks_app.models import Task
from tasks_app.pages.wbs import wbs_editor_page


def _tree_response(request, case, *, error="", reset_panel=False):
    """After a change: the tree partial for htmx with its list of what publishing still needs,
    and, swapped out of band, the 发布 button as that list allows it (and, after a save, the
    side panel back to its start); a redirect to the editor otherwise."""
    if request.htmx:
        context = wbs_editor_page(user=request.user, case=case, error=error)
        context["reset_panel"] = reset_panel
        context["oob"] = True
        return render(request, "tasks_app/_wbs_tree.html", context)
    if error:
        messages.error(request, error)
    return redirect("tasks_app:wbs", code=case.code)


@require_GET
def wbs_editor(request, code):
    case = case_for(user=request.user, code=code)
    return render(request, "tasks_app/wbs.html", wbs_editor_page(user=request.user, case=case))


def _task_of(case, pk) -> Task:
    if not str(pk).isdecimal():  # ?parent= comes from the query string or the form
        raise Http404
    return get_object_or_404(Task.objects.select_related("request"), pk=pk, request=case)


@require_http_methods(["GET", "POST"])
def wbs_task_form(request, code, pk=None):
    """Add (under ?parent=<pk> or at the top) or edit a task in the side panel."""
    case = case_for(user=request.user, code=code)
    task = _task_of(case, pk) if pk else None
    parent_pk = request.POST.get("parent") or request.GET.get("parent")
    parent = _task_of(case, parent_pk) if parent_pk and not task else None
    initial = TaskForm.initial_from(task) if task else {}
    form = TaskForm(request.POST or None, request=case, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if task:
                services.wbs_task_update(actor=request.user, task=task, data=form.task_data())
            else:
                services.wbs_task_add(
                    actor=request.user, request=case, parent=parent, data=form.task_data()
                )
        except ValidationError as error:
            apply_validation_error(form, error)
        except ActionRefused as refused:
            return _tree_response(request, case, error=refused.message)
        else:
            if not request.htmx:
                messages.success(request, _("The task is saved."))
            return _tree_response(request, case, reset_panel=True)
    context = {"case": case, "form": form, "task": task, "parent": parent}
    if request.htmx:
        response = render(request, "tasks_app/_task_form.html", context)
        return reswap(retarget(response, "#task-panel"), "innerHTML")
    return render(request, "tasks_app/task_form.html", context)


def _tree_action(request, code, pk, action, success):
    case = case_for(user=request.user, code=code)
    task = _task_of(case, pk)
    try:
        action(task)
    except ActionRefused as refused:
        return _tree_response(request, case, error=refused.message)
    except ValidationError as error:
        return _tree_response(request, case, error=" ".join(error.messages))
    if not request.htmx:
        messages.success(request, success)
    return _tree_response(request, case)


@require_POST
def wbs_task_delete(request, code, pk):
    return _tree_action(
        request,
        code,
        pk,
        lambda t: services.wbs_task_delete(actor=request.user, task=t),
        _("Deleted."),
    )


@require_POST
def wbs_task_indent(request, code, pk):
    return _tree_action(
        request,
        code,
        pk,
        lambda t: services.wbs_task_indent(actor=request.user, task=t),
        _("Moved."),
    )


@require_POST
def wbs_task_outdent(request, code, pk):
    return _tree_action(
        request,
        code,
        pk,
        lambda t: services.wbs_task_outdent(actor=request.user, task=t),
        _("Moved."),
    )


@require_POST
def wbs_task_up(request, code, pk):
    return _tree_action(
        request,
        code,
        pk,
        lambda t: services.wbs_task_shift(actor=request.user, task=t, offset=-1),
        _("Moved."),
    )


@require_POST
def wbs_task_down(request, code, pk):
    return _tree_action(
        request,
        code,
        pk,
        lambda t: services.wbs_task_shift(actor=request.user, task=t, offset=1),
        _("Moved."),
    )


@require_POST
def wbs_publish(request, code):
    case = case_for(user=request.user, code=code)
    try:
        services.wbs_publish(actor=request.user, request=case)
    except ActionRefused as refused:
        messages.error(request, refused.message)
        return redirect("tasks_app:wbs", code=case.code)
    messages.success(request, _("Published: the owners have been told and execution starts."))
    return redirect(reverse("tasks_app:tracking", args=[case.code]))


urlpatterns = [
    path("requests/<str:code>/wbs/", wbs_editor, name="wbs"),
    path("requests/<str:code>/wbs/add/", wbs_task_form, name="wbs_add"),
    path("requests/<str:code>/wbs/<int:pk>/edit/", wbs_task_form, name="wbs_edit"),
    path("requests/<str:code>/wbs/<int:pk>/delete/", wbs_task_delete, name="wbs_delete"),
    path("requests/<str:code>/wbs/<int:pk>/indent/", wbs_task_indent, name="wbs_indent"),
    path("requests/<str:code>/wbs/<int:pk>/outdent/", wbs_task_outdent, name="wbs_outdent"),
    path("requests/<str:code>/wbs/<int:pk>/up/", wbs_task_up, name="wbs_up"),
    path("requests/<str:code>/wbs/<int:pk>/down/", wbs_task_down, name="wbs_down"),
    path("requests/<str:code>/wbs/publish/", wbs_publish, name="wbs_publish"),
]
