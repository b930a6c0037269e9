"""Who may do what now in stages 3–4: the task breakdown, the tasks, their templates and the
weekly summaries.

Each rule is answered here once. A ``may_…`` function answers yes or no (the pages show their
buttons from it); a ``refuse_unless_…`` function asks the same question inside a service and
raises ``ActionRefused`` with the reason when the answer is no. The refusals are checked in the
order the person should hear them: who they are, then the case's stage, then the task's state."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import astuple, dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case
from collab_portal.lib.language import join_list
from collab_portal.lib.refusals import ActionRefused, refuse_unless
from collab_portal.org.models import User
from collab_portal.org.selectors import departments_overseen_by
from tasks_app.models import Task, WeeklySummary

Stage = Case.Stage
Status = Task.Status
State = WeeklySummary.State

# A case's breakdown can be kept as a template once the plan is signed.
TEMPLATE_SOURCE_STAGES = frozenset(
    {Stage.BREAKDOWN, Stage.EXECUTING, Stage.ACCEPTING, Stage.RETROSPECTIVE, Stage.ARCHIVED}
)

# A summary is drafted, edited and published while the work runs or is being accepted.
WEEKLY_STAGES = (Stage.EXECUTING, Stage.ACCEPTING)


# ---------------------------------------------------------------------------------------------
# The task breakdown (stage 3)


def may_edit_wbs(user: User, request: Case) -> bool:
    return user.is_active and (user == request.coordinator or user.is_portal_admin)


def may_change_wbs(user: User, request: Case) -> bool:
    """The coordinator (or an admin) changes the breakdown until it is published."""
    return may_edit_wbs(user, request) and request.stage == Stage.BREAKDOWN


def refuse_unless_wbs_editor(actor: User, request: Case) -> None:
    refuse_unless(
        may_edit_wbs(actor, request),
        _("Only the coordinator (%(name)s) edits the task breakdown.")
        % {"name": request.coordinator.name if request.coordinator else "—"},
    )
    refuse_unless(
        request.stage == Stage.BREAKDOWN,
        _("The task breakdown can be changed only before it is published."),
    )


def publish_missing(request: Case) -> list[str]:
    """What stops publishing: every leaf task needs an owner, a lead department, both dates
    and a deliverable standard (the manual's 100% clear responsibility)."""
    tasks = list(Task.objects.filter(request=request).order_by("wbs_code"))
    if not tasks:
        return [_("Add at least one task.")]
    parents = {t.parent_id for t in tasks if t.parent_id}
    missing = []
    for task in tasks:
        if task.pk in parents:
            continue
        checks = [
            (task.owner_id, _("owner")),
            (task.lead_department_id, _("lead department")),
            (task.start_on, _("start date")),
            (task.due_on, _("due date")),
            (task.deliverable_standard.strip(), _("deliverable standard")),
        ]
        lacking = [label for value, label in checks if not value]
        if lacking:
            missing.append(
                _("%(code)s %(name)s: no %(fields)s")
                % {"code": task.wbs_code, "name": task.name, "fields": join_list(lacking)}
            )
    return missing


# ---------------------------------------------------------------------------------------------
# WBS templates


def may_save_template(user: User, request: Case, *, has_tasks: bool) -> bool:
    return may_edit_wbs(user, request) and has_tasks and request.stage in TEMPLATE_SOURCE_STAGES


def refuse_unless_template_saver(actor: User, request: Case) -> None:
    """The case's breakdown is only read: an archived case is a good source too."""
    if not may_edit_wbs(actor, request):
        raise ActionRefused(
            _(
                "Only the coordinator (%(name)s) or an administrator may save this task "
                "breakdown as a template."
            )
            % {"name": request.coordinator.name if request.coordinator else "—"}
        )
    if request.stage not in TEMPLATE_SOURCE_STAGES:
        raise ActionRefused(
            _("A task breakdown can be saved as a template once the plan is confirmed.")
        )


def may_apply_template(user: User, request: Case, *, has_tasks: bool, has_templates: bool) -> bool:
    """A template starts an empty breakdown only."""
    return may_change_wbs(user, request) and not has_tasks and has_templates


def why_no_template_applies(
    user: User, request: Case, *, has_tasks: bool, has_templates: bool
) -> str:
    """Why the breakdown's editor cannot start it from a template now; "" when they can, or
    when they may not change the breakdown at all."""
    if may_change_wbs(user, request) and has_tasks:
        return _("A template starts an empty task breakdown; delete the tasks first.")
    if may_change_wbs(user, request) and not has_templates:
        return _("No templates yet.")
    return ""


def may_delete_wbs_template(user: User) -> bool:
    """Administrators tidy the template list."""
    return user.is_portal_admin


def refuse_unless_template_deleter(actor: User) -> None:
    if not may_delete_wbs_template(actor):
        raise ActionRefused(_("Only an administrator deletes templates."))


# ---------------------------------------------------------------------------------------------
# The tasks (stage 4)


def may_work_on(user: User, task: Task) -> bool:
    """The owner moves a task along; the coordinator and admins may too."""
    return user.is_active and (
        user.pk == task.owner_id or user == task.request.coordinator or user.is_portal_admin
    )


def may_work_on_now(user: User, task: Task, *, is_leaf: bool) -> bool:
    """``refuse_unless_worker`` as a yes or no; ``is_leaf`` as the caller read it."""
    return task.request.stage == Stage.EXECUTING and may_work_on(user, task) and is_leaf


def refuse_unless_worker(actor: User, task: Task) -> None:
    refuse_unless(
        task.request.stage == Stage.EXECUTING,
        _("Tasks are worked on while the request is executing."),
    )
    refuse_unless(
        may_work_on(actor, task), _("Only the task's owner or the coordinator can do this.")
    )
    refuse_unless(
        not task.children.exists(), _("A parent task follows its subtasks; update those instead.")
    )


@dataclass(frozen=True)
class StatusRule:
    """The task statuses one of the owner's actions starts from, and what it says otherwise."""

    statuses: frozenset[str]
    refusal: str

    def allows(self, task: Task) -> bool:
        return task.status in self.statuses


START = StatusRule(
    frozenset({Status.NOT_STARTED}), gettext_lazy("Only a task that has not started can start.")
)
COMPLETE = StatusRule(
    frozenset({Status.NOT_STARTED, Status.IN_PROGRESS, Status.DELAYED}),
    gettext_lazy("A blocked task is unblocked first; a finished one is finished."),
)
REPORT_DELAY = StatusRule(
    frozenset({Status.NOT_STARTED, Status.IN_PROGRESS}),
    gettext_lazy("Only an open, unblocked task can be reported delayed."),
)
REPORT_BLOCK = StatusRule(
    frozenset({Status.NOT_STARTED, Status.IN_PROGRESS, Status.DELAYED}),
    gettext_lazy("Only an open task can be blocked."),
)
RESUME = StatusRule(
    frozenset({Status.DELAYED, Status.BLOCKED}),
    gettext_lazy("Only a delayed or blocked task can be resumed."),
)
SAVE_PROGRESS = StatusRule(
    frozenset(Status.values) - {Status.DONE}, gettext_lazy("The task is finished.")
)


def refuse_unless_status(task: Task, rule: StatusRule) -> None:
    refuse_unless(rule.allows(task), rule.refusal)


@dataclass(frozen=True)
class TaskActions:
    """The owner's actions a task's status allows: the buttons of ``_task_actions.html``, for
    someone who may work on the task now."""

    start: bool
    complete: bool
    report_delay: bool
    report_block: bool
    resume: bool
    save_progress: bool

    def __bool__(self) -> bool:
        """Whether any is allowed: a finished task allows none."""
        return any(astuple(self))


def task_actions(task: Task) -> TaskActions:
    return TaskActions(
        start=START.allows(task),
        complete=COMPLETE.allows(task),
        report_delay=REPORT_DELAY.allows(task),
        report_block=REPORT_BLOCK.allows(task),
        resume=RESUME.allows(task),
        save_progress=SAVE_PROGRESS.allows(task),
    )


def may_urge(
    user: User,
    task: Task,
    *,
    is_leaf: bool,
    today: datetime.date | None = None,
    overseen: Collection[int] | None = None,
) -> bool:
    """催办 an overdue leaf task's owner: the coordinator, an admin, or a head or leader in
    charge of the department the task counts for (its lead department, else the case's
    initiating one — as on the managers' dashboard). ``overseen``: the user's
    ``departments_overseen_by``, when the caller has read it for many tasks."""
    today = today or timezone.localdate()
    if not (
        is_leaf
        and user.is_active
        and task.request.stage == Stage.EXECUTING
        and task.status != Status.DONE
        and task.due_on is not None
        and task.due_on < today
        and task.owner_id is not None
        and task.owner_id != user.pk
    ):
        return False
    if may_edit_wbs(user, task.request):
        return True
    if overseen is None:
        overseen = departments_overseen_by(user)
    return (task.lead_department_id or task.request.initiator_department_id) in overseen


def refuse_unless_urger(actor: User, task: Task) -> None:
    request = task.request
    refuse_unless(
        may_edit_wbs(actor, request)
        or (task.lead_department_id or request.initiator_department_id)
        in departments_overseen_by(actor),
        _(
            "Only the coordinator, or a head or leader in charge of the task's department, "
            "urges its owner."
        ),
    )
    refuse_unless(
        request.stage == Stage.EXECUTING, _("Tasks are worked on while the request is executing.")
    )
    refuse_unless(
        not task.children.exists(), _("A parent task follows its subtasks; urge those instead.")
    )
    refuse_unless(
        task.status != Status.DONE and task.is_overdue,
        _("Only an overdue task that is not done can be urged."),
    )
    owner = task.owner
    refuse_unless(
        owner is not None and owner.is_active and owner != actor,
        _("This task has nobody else to urge: assign an active owner first."),
    )


def may_change_due(user: User, task: Task) -> bool:
    return may_edit_wbs(user, task.request) and task.request.stage == Stage.EXECUTING


def refuse_unless_due_changer(actor: User, task: Task) -> None:
    """After publishing, the coordinator moves a due date (with a reason)."""
    request = task.request
    refuse_unless(
        request.stage == Stage.EXECUTING, _("Due dates change with a reason only after publishing.")
    )
    refuse_unless(may_edit_wbs(actor, request), _("Only the coordinator changes due dates."))


# ---------------------------------------------------------------------------------------------
# Weekly summaries (周报)


def weekly_summary_may_manage(user: User, request: Case) -> bool:
    """The coordinator (or an admin) drafts, edits and publishes; they alone see drafts."""
    return user.is_active and (
        user.pk == request.coordinator_id or getattr(user, "is_portal_admin", False)
    )


def weekly_summary_may_draft(user: User, request: Case) -> bool:
    return weekly_summary_may_manage(user, request) and request.stage in WEEKLY_STAGES


def weekly_summary_may_edit(user: User, summary: WeeklySummary) -> bool:
    """A draft, by its managers, while the case is in a weekly stage."""
    request = summary.request
    return (
        summary.state == State.DRAFT
        and weekly_summary_may_manage(user, request)
        and request.stage in WEEKLY_STAGES
    )


def weekly_summary_may_view(user: User, summary: WeeklySummary) -> bool:
    """For someone who may see the case: published summaries, and drafts if they manage them."""
    return summary.state == State.PUBLISHED or weekly_summary_may_manage(user, summary.request)


def refuse_unless_weekly_stage(request: Case) -> None:
    refuse_unless(
        request.stage in WEEKLY_STAGES,
        _("Weekly summaries are written while the request is executing or in acceptance."),
    )


def refuse_unless_weekly_manager(actor: User, request: Case) -> None:
    refuse_unless(
        weekly_summary_may_manage(actor, request),
        _("Only the coordinator (%(name)s) writes the weekly summary.")
        % {"name": request.coordinator.name if request.coordinator else "—"},
    )
    refuse_unless_weekly_stage(request)


def refuse_unless_weekly_draft(summary: WeeklySummary) -> None:
    refuse_unless(
        summary.state == State.DRAFT,
        _("The summary of %(week)s is published; it stays as it was published.")
        % {"week": summary.label},
    )


def refuse_unless_publishable(summary: WeeklySummary) -> None:
    refuse_unless(
        summary.state == State.DRAFT,
        _("The summary of %(week)s is already published.") % {"week": summary.label},
    )
