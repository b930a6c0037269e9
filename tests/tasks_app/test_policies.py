"""Who may do what now in stages 3–4 (``tasks_app.policies``), walked as tables: each role of a
case (the task's owner, the coordinator, another member of the owning department, its head, the
initiator, the head of the initiating department, an outsider, the leader in charge, an
administrator) against the case's stage and the task's status."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils.translation import gettext

from cases.models import Case
from collab_portal.lib.refusals import ActionRefused
from collab_portal.org.models import User
from tasks_app import policies, services
from tasks_app.models import Task, WeeklySummary
from tasks_app.weeks import iso_week_of, today
from tests.factories import DepartmentFactory, UserFactory
from tests.fixtures.execution import day
from tests.platform.archived import set_stage

ROLES = (
    "owner",
    "coordinator",
    "other_staff",
    "owning_head",
    "initiator",
    "initiating_head",
    "outsider",
    "leader",
    "admin",
)
STAGES = ("planning", "breakdown", "executing", "accepting", "retrospective", "archived")


@dataclass
class World:
    case: Case
    task: Task  # a leaf owned by ``owner``, led by the technology department
    parent: Task  # a task with a subtask
    people: dict[str, User]

    def allowed(self, answer) -> set[str]:
        """The roles ``answer(user)`` says yes for."""
        return {role for role, user in self.people.items() if answer(user)}

    def refusal(self, check, role: str) -> str:
        """The reason ``check(user)`` refuses ``role`` with ("" when it does not)."""
        try:
            check(self.people[role])
        except ActionRefused as refused:
            return refused.message
        return ""


def _task(pk: int) -> Task:
    return Task.objects.select_related("request", "request__coordinator").get(pk=pk)


@pytest.fixture
def world(company, breakdown, add_task) -> World:
    """The case of ``breakdown`` published: the sales staff initiated it, the technology staff
    coordinates it; the task 访谈 is owned by a third member of the technology department."""
    owner = UserFactory(username="task_owner", display_name="孙八", department=company.tech)
    other = UserFactory(username="tech_other", display_name="周九", department=company.tech)
    finance = DepartmentFactory(code="FIN", name="财务部", parent=company.company)
    outsider = UserFactory(username="outsider", display_name="吴十", department=finance)
    task = add_task(breakdown, "访谈", owner=owner, start_on=day(0), due_on=day(5))
    parent = add_task(breakdown, "调研", start_on=day(0), due_on=day(10))
    add_task(breakdown, "问卷", parent=parent, start_on=day(0), due_on=day(3))
    services.wbs_publish(actor=company.tech_staff, request=breakdown)
    people = {
        "owner": owner,
        "coordinator": company.tech_staff,
        "other_staff": other,
        "owning_head": company.tech_head,
        "initiator": company.sales_staff,
        "initiating_head": company.sales_head,
        "outsider": outsider,
        "leader": company.leader,
        "admin": company.admin,
    }
    assert set(people) == set(ROLES)
    return World(
        case=Case.objects.get(pk=breakdown.pk),
        task=_task(task.pk),
        parent=_task(parent.pk),
        people=people,
    )


def _at_stage(world: World, stage: str) -> Task:
    set_stage(world.case, stage)
    return _task(world.task.pk)


def _overdue(world: World, **changes) -> Task:
    Task.objects.filter(pk=world.task.pk).update(start_on=day(-5), due_on=day(-1), **changes)
    return _task(world.task.pk)


# --- The task breakdown ----------------------------------------------------------------------


def test_the_coordinator_and_admins_edit_the_breakdown_at_every_stage(world):
    for stage in STAGES:
        case = _at_stage(world, stage).request
        assert world.allowed(lambda user, c=case: policies.may_edit_wbs(user, c)) == {
            "coordinator",
            "admin",
        }, stage


def test_the_breakdown_changes_only_in_task_breakdown(world):
    for stage in STAGES:
        case = _at_stage(world, stage).request
        expected = {"coordinator", "admin"} if stage == "breakdown" else set()
        assert world.allowed(lambda user, c=case: policies.may_change_wbs(user, c)) == expected


def test_a_deactivated_coordinator_edits_nothing(world):
    User.objects.filter(pk=world.people["coordinator"].pk).update(is_active=False)
    coordinator = User.objects.get(pk=world.people["coordinator"].pk)
    case = _at_stage(world, "breakdown").request
    assert not policies.may_edit_wbs(coordinator, case)
    assert not policies.may_change_wbs(coordinator, case)


def test_the_breakdown_refuses_with_who_may_then_when(world):
    case = _at_stage(world, "breakdown").request
    editor_only = gettext("Only the coordinator (%(name)s) edits the task breakdown.") % {
        "name": "王五"
    }
    refusals = {
        role: world.refusal(lambda user: policies.refuse_unless_wbs_editor(user, case), role)
        for role in ROLES
    }
    assert refusals == {
        role: "" if role in ("coordinator", "admin") else editor_only for role in ROLES
    }
    case = _at_stage(world, "executing").request
    after = gettext("The task breakdown can be changed only before it is published.")
    assert world.refusal(lambda u: policies.refuse_unless_wbs_editor(u, case), "admin") == after
    assert (
        world.refusal(lambda u: policies.refuse_unless_wbs_editor(u, case), "owner") == editor_only
    )


def test_publishing_waits_for_every_leaf_to_be_fully_assigned(world, add_task):
    case = _at_stage(world, "breakdown").request
    assert policies.publish_missing(case) == []
    Task.objects.filter(pk=world.task.pk).update(owner=None, deliverable_standard=" ")
    [missing] = policies.publish_missing(case)
    assert missing.startswith(f"{world.task.wbs_code} 访谈")
    Task.objects.filter(request=case).delete()
    assert policies.publish_missing(case) == [gettext("Add at least one task.")]


# --- WBS templates ---------------------------------------------------------------------------


def test_a_breakdown_is_kept_as_a_template_once_the_plan_is_signed(world):
    for stage in STAGES:
        case = _at_stage(world, stage).request
        expected = set() if stage == "planning" else {"coordinator", "admin"}
        assert (
            world.allowed(lambda u, c=case: policies.may_save_template(u, c, has_tasks=True))
            == expected
        ), stage
        assert not world.allowed(
            lambda u, c=case: policies.may_save_template(u, c, has_tasks=False)
        )
    case = _at_stage(world, "planning").request
    assert world.refusal(lambda u: policies.refuse_unless_template_saver(u, case), "admin") == (
        gettext("A task breakdown can be saved as a template once the plan is confirmed.")
    )
    assert "王五" in world.refusal(
        lambda u: policies.refuse_unless_template_saver(u, case), "owner"
    )


def test_a_template_starts_an_empty_breakdown_and_says_why_not(world):
    case = _at_stage(world, "breakdown").request

    def allowed(**state):
        return world.allowed(lambda u: policies.may_apply_template(u, case, **state))

    def why(role, **state):
        return policies.why_no_template_applies(world.people[role], case, **state)

    assert allowed(has_tasks=False, has_templates=True) == {"coordinator", "admin"}
    assert allowed(has_tasks=True, has_templates=True) == set()
    assert allowed(has_tasks=False, has_templates=False) == set()
    delete_first = gettext("A template starts an empty task breakdown; delete the tasks first.")
    assert why("coordinator", has_tasks=True, has_templates=True) == delete_first
    assert why("coordinator", has_tasks=False, has_templates=False) == gettext("No templates yet.")
    assert why("coordinator", has_tasks=False, has_templates=True) == ""
    assert why("owner", has_tasks=True, has_templates=False) == ""  # nothing to explain
    case = _at_stage(world, "executing").request
    assert why("coordinator", has_tasks=True, has_templates=True) == ""


def test_only_administrators_delete_templates(world):
    assert world.allowed(policies.may_delete_wbs_template) == {"admin"}
    refused = gettext("Only an administrator deletes templates.")
    for role in ROLES:
        expected = "" if role == "admin" else refused
        assert world.refusal(policies.refuse_unless_template_deleter, role) == expected


# --- The tasks -------------------------------------------------------------------------------


def test_the_owner_the_coordinator_and_admins_work_on_a_task(world):
    for stage in STAGES:
        task = _at_stage(world, stage)
        assert world.allowed(lambda u, t=task: policies.may_work_on(u, t)) == {
            "owner",
            "coordinator",
            "admin",
        }
        expected = {"owner", "coordinator", "admin"} if stage == "executing" else set()
        assert (
            world.allowed(lambda u, t=task: policies.may_work_on_now(u, t, is_leaf=True))
            == expected
        ), stage
        assert not world.allowed(lambda u, t=task: policies.may_work_on_now(u, t, is_leaf=False))


def test_working_on_a_task_refuses_in_order_stage_person_subtasks(world):
    task = _at_stage(world, "accepting")
    executing_only = gettext("Tasks are worked on while the request is executing.")
    assert world.refusal(lambda u: policies.refuse_unless_worker(u, task), "owner") == (
        executing_only
    )
    task = _at_stage(world, "executing")
    owner_only = gettext("Only the task's owner or the coordinator can do this.")
    for role in ROLES:
        expected = "" if role in ("owner", "coordinator", "admin") else owner_only
        assert world.refusal(lambda u: policies.refuse_unless_worker(u, task), role) == expected
    parent = _task(world.parent.pk)
    assert world.refusal(lambda u: policies.refuse_unless_worker(u, parent), "coordinator") == (
        gettext("A parent task follows its subtasks; update those instead.")
    )


# The actions each status allows: start, complete, report_delay, report_block, resume,
# save_progress.
ACTIONS_BY_STATUS = {
    "not_started": (True, True, True, True, False, True),
    "in_progress": (False, True, True, True, False, True),
    "delayed": (False, True, False, True, True, True),
    "blocked": (False, False, False, False, True, True),
    "done": (False, False, False, False, False, False),
}
RULES = (
    policies.START,
    policies.COMPLETE,
    policies.REPORT_DELAY,
    policies.REPORT_BLOCK,
    policies.RESUME,
    policies.SAVE_PROGRESS,
)


@pytest.mark.parametrize("status", ACTIONS_BY_STATUS)
def test_the_status_decides_the_owners_actions(world, status):
    Task.objects.filter(pk=world.task.pk).update(status=status)
    task = _task(world.task.pk)
    actions = policies.task_actions(task)
    expected = ACTIONS_BY_STATUS[status]
    assert (
        actions.start,
        actions.complete,
        actions.report_delay,
        actions.report_block,
        actions.resume,
        actions.save_progress,
    ) == expected
    assert bool(actions) == any(expected)
    for rule, allowed in zip(RULES, expected, strict=True):
        if allowed:
            policies.refuse_unless_status(task, rule)
        else:
            with pytest.raises(ActionRefused) as refused:
                policies.refuse_unless_status(task, rule)
            assert refused.value.message == str(rule.refusal)


def test_the_coordinator_and_the_heads_in_charge_urge_an_overdue_task(world):
    _at_stage(world, "executing")
    task = _overdue(world)
    expected = {"coordinator", "owning_head", "leader", "admin"}  # not the owner themselves
    assert world.allowed(lambda u: policies.may_urge(u, task, is_leaf=True)) == expected
    only_those = gettext(
        "Only the coordinator, or a head or leader in charge of the task's department, "
        "urges its owner."
    )
    for role in ROLES:
        refusal = world.refusal(lambda u: policies.refuse_unless_urger(u, task), role)
        assert refusal == ("" if role in expected else only_those), role
    assert not world.allowed(lambda u: policies.may_urge(u, task, is_leaf=False))
    own = _overdue(world, owner=world.people["coordinator"])
    assert world.allowed(lambda u: policies.may_urge(u, own, is_leaf=True)) == expected - {
        "coordinator"
    }
    assert world.refusal(lambda u: policies.refuse_unless_urger(u, own), "coordinator") == (
        gettext("This task has nobody else to urge: assign an active owner first.")
    )


def test_without_a_lead_department_the_initiating_department_counts(world):
    _at_stage(world, "executing")
    task = _overdue(world, lead_department=None)
    assert world.allowed(lambda u: policies.may_urge(u, task, is_leaf=True)) == {
        "coordinator",
        "initiating_head",
        "leader",
        "admin",
    }


def test_nobody_urges_a_task_on_time_done_or_outside_execution(world):
    _at_stage(world, "executing")
    on_time = _task(world.task.pk)
    assert not world.allowed(lambda u: policies.may_urge(u, on_time, is_leaf=True))
    assert world.refusal(lambda u: policies.refuse_unless_urger(u, on_time), "admin") == gettext(
        "Only an overdue task that is not done can be urged."
    )
    done = _overdue(world, status="done")
    assert not world.allowed(lambda u: policies.may_urge(u, done, is_leaf=True))
    _overdue(world)
    for stage in ("accepting", "retrospective", "archived"):
        task = _at_stage(world, stage)
        assert not world.allowed(lambda u, t=task: policies.may_urge(u, t, is_leaf=True)), stage
    assert world.refusal(lambda u: policies.refuse_unless_urger(u, task), "admin") == gettext(
        "Tasks are worked on while the request is executing."
    )
    assert world.refusal(lambda u: policies.refuse_unless_urger(u, task), "outsider") == gettext(
        "Only the coordinator, or a head or leader in charge of the task's department, "
        "urges its owner."
    )


def test_the_coordinator_moves_due_dates_after_publishing(world):
    for stage in STAGES:
        task = _at_stage(world, stage)
        expected = {"coordinator", "admin"} if stage == "executing" else set()
        assert world.allowed(lambda u, t=task: policies.may_change_due(u, t)) == expected, stage
    task = _at_stage(world, "breakdown")
    assert world.refusal(lambda u: policies.refuse_unless_due_changer(u, task), "admin") == (
        gettext("Due dates change with a reason only after publishing.")
    )
    task = _at_stage(world, "executing")
    assert world.refusal(lambda u: policies.refuse_unless_due_changer(u, task), "owner") == (
        gettext("Only the coordinator changes due dates.")
    )


# --- Weekly summaries ------------------------------------------------------------------------


def _summary(world: World, state: str) -> WeeklySummary:
    year, week = iso_week_of(today() - datetime.timedelta(days=7 * (state == "published")))
    summary = WeeklySummary.objects.create(
        request=world.case, iso_year=year, iso_week=week, rag="green", facts={}
    )
    WeeklySummary.objects.filter(pk=summary.pk).update(state=state)
    summary = WeeklySummary.objects.get(pk=summary.pk)
    summary.request = Case.objects.select_related("coordinator").get(pk=world.case.pk)
    return summary


def test_the_coordinator_and_admins_manage_the_weekly_summaries(world):
    managers = {"coordinator", "admin"}
    for stage in STAGES:
        case = _at_stage(world, stage).request
        assert world.allowed(lambda u, c=case: policies.weekly_summary_may_manage(u, c)) == (
            managers
        )
        expected = managers if stage in ("executing", "accepting") else set()
        assert (
            world.allowed(lambda u, c=case: policies.weekly_summary_may_draft(u, c)) == expected
        ), stage


def test_a_draft_is_seen_and_edited_by_its_managers_only(world):
    for stage in ("executing", "accepting", "retrospective"):
        _at_stage(world, stage)
        draft, published = _summary(world, "draft"), _summary(world, "published")
        assert world.allowed(lambda u, s=draft: policies.weekly_summary_may_view(u, s)) == {
            "coordinator",
            "admin",
        }
        assert world.allowed(lambda u, s=published: policies.weekly_summary_may_view(u, s)) == (
            set(ROLES)
        )
        editors = {"coordinator", "admin"} if stage != "retrospective" else set()
        assert (
            world.allowed(lambda u, s=draft: policies.weekly_summary_may_edit(u, s)) == editors
        ), stage
        assert not world.allowed(lambda u, s=published: policies.weekly_summary_may_edit(u, s))
        WeeklySummary.objects.all().delete()


def test_writing_a_summary_refuses_with_who_may_then_when(world):
    case = _at_stage(world, "executing").request
    not_coordinator = gettext("Only the coordinator (%(name)s) writes the weekly summary.") % {
        "name": "王五"
    }
    for role in ROLES:
        refusal = world.refusal(lambda u: policies.refuse_unless_weekly_manager(u, case), role)
        assert refusal == ("" if role in ("coordinator", "admin") else not_coordinator), role
    case = _at_stage(world, "retrospective").request
    stage_refusal = gettext(
        "Weekly summaries are written while the request is executing or in acceptance."
    )
    assert (
        world.refusal(lambda u: policies.refuse_unless_weekly_manager(u, case), "admin")
        == stage_refusal
    )
    with pytest.raises(ActionRefused) as refused:
        policies.refuse_unless_weekly_stage(case)
    assert refused.value.message == stage_refusal

    _at_stage(world, "executing")
    draft, published = _summary(world, "draft"), _summary(world, "published")
    policies.refuse_unless_weekly_draft(draft)
    policies.refuse_unless_publishable(draft)
    with pytest.raises(ActionRefused) as refused:
        policies.refuse_unless_weekly_draft(published)
    assert published.label in refused.value.message
    with pytest.raises(ActionRefused) as refused:
        policies.refuse_unless_publishable(published)
    assert refused.value.message == gettext("The summary of %(week)s is already published.") % {
        "week": published.label
    }
