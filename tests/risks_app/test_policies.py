"""Who may do what on a risk, walked role by role through its states (open, being handled,
escalated, resolved, closed) and the case's stages.

The case (``executing``): initiated by the sales staff (张三); the tech department receives it
and its staff (王五) coordinates. The risk is the tech head's (赵六); it escalates to the leader
in charge of the division (钱总)."""

import pytest
from django.utils import translation

from cases.models import Case
from risks_app import policies, services
from risks_app.models import Risk
from tasks_app.models import Task
from tests.factories import UserFactory
from tests.fixtures.risks import risk_data

ACTIONS = ("start", "escalate", "resolve", "close", "reopen", "instruct", "override", "urge")
HANDLERS = {"owner", "coordinator", "admin"}  # the owner, the coordinator, an admin for them
COORDINATORS = {"coordinator", "admin"}


@pytest.fixture(autouse=True)
def english():
    """The refusals are read in English, as written."""
    with translation.override("en"):
        yield


@pytest.fixture
def people(company, finance_head):
    return {
        "initiator": company.sales_staff,
        "initiating_head": company.sales_head,
        "owner": company.tech_head,  # the receiving head owns the risk
        "coordinator": company.tech_staff,
        "receiving_staff": UserFactory(username="tech_member", department=company.tech),
        "outsider": finance_head,  # heads a third department, on no side of the case
        "leader": company.leader,  # leader in charge of the division
        "admin": company.admin,
    }


@pytest.fixture
def risk(company, executing):
    return services.risk_raise(
        actor=company.tech_staff,
        request=executing,
        data=risk_data(company, owner=company.tech_head),
    )


def who(people, answer) -> set[str]:
    return {role for role, user in people.items() if answer(user)}


def offered(people, risk) -> dict[str, set[str]]:
    """For each action, the roles ``risk_actions`` offers it to."""
    risk = Risk.objects.select_related("request", "escalated_to").get(pk=risk.pk)
    answers = {role: policies.risk_actions(user=user, risk=risk) for role, user in people.items()}
    return {action: {r for r, a in answers.items() if getattr(a, action)} for action in ACTIONS}


def test_it_names_who_handles_instructs_and_coordinates(people, risk):
    case = risk.request
    assert who(people, lambda u: policies.is_coordinator(u, case)) == COORDINATORS
    assert who(people, lambda u: policies.may_handle(u, risk)) == HANDLERS
    assert who(people, lambda u: policies.may_instruct(u, risk)) == set()  # not escalated
    assert who(people, lambda u: policies.may_urge(u, risk)) == set()
    assert who(people, lambda u: policies.may_see_case(u, case)) == set(people) - {"outsider"}
    assert policies.escalation_department(risk) == case.initiator_department


def test_it_escalates_to_the_leader_of_the_threatened_tasks_lead_department(
    company, executing, key_task
):
    risk = services.risk_raise(
        actor=company.tech_staff, request=executing, data=risk_data(company, task=key_task)
    )
    assert policies.escalation_department(risk) == company.tech


def test_it_offers_an_open_risks_handling_to_its_owner_and_the_coordinator(people, risk):
    assert offered(people, risk) == {
        "start": HANDLERS,
        "escalate": HANDLERS,
        "resolve": HANDLERS,
        "close": set(),
        "reopen": set(),
        "instruct": set(),
        "override": COORDINATORS,
        "urge": set(),
    }


def test_it_offers_escalation_and_resolution_while_the_risk_is_handled(people, company, risk):
    services.risk_start_handling(actor=company.tech_head, risk=risk)
    assert offered(people, risk) == {
        "start": set(),
        "escalate": HANDLERS,
        "resolve": HANDLERS,
        "close": set(),
        "reopen": set(),
        "instruct": set(),
        "override": COORDINATORS,
        "urge": set(),
    }


def test_it_waits_for_the_leaders_instruction_once_escalated(people, company, risk):
    services.risk_escalate(actor=company.tech_head, risk=risk, comment="需要领导协调")
    risk.refresh_from_db()
    assert risk.state == Risk.State.ESCALATED and risk.escalated_to == company.leader
    assert who(people, lambda u: policies.may_instruct(u, risk)) == {"leader"}
    assert who(people, lambda u: policies.may_urge(u, risk)) == HANDLERS
    assert offered(people, risk) == {
        "start": set(),
        "escalate": set(),
        "resolve": set(),
        "close": set(),
        "reopen": set(),
        "instruct": {"leader"},
        "override": COORDINATORS,
        "urge": HANDLERS,
    }


def test_it_lets_the_coordinator_close_a_resolved_risk(people, company, risk):
    services.risk_resolve(
        actor=company.tech_head, risk=risk, resolution="客户已提供文档", evidence="邮件 2026-11-02"
    )
    assert offered(people, risk) == {
        "start": set(),
        "escalate": set(),
        "resolve": set(),
        "close": COORDINATORS,
        "reopen": HANDLERS,
        "instruct": set(),
        "override": COORDINATORS,
        "urge": set(),
    }
    services.risk_close(actor=company.tech_staff, risk=risk)
    assert offered(people, risk) == {
        "start": set(),
        "escalate": set(),
        "resolve": set(),
        "close": set(),
        "reopen": HANDLERS,
        "instruct": set(),
        "override": COORDINATORS,
        "urge": set(),
    }


@pytest.mark.parametrize("stage", ["archived", "cancelled"])
def test_it_offers_nothing_once_the_case_is_closed(people, risk, stage):
    Case.objects.filter(pk=risk.request_id).update(stage=stage)
    assert offered(people, risk) == {action: set() for action in ACTIONS}


def _at_stage(case, stage):
    Case.objects.filter(pk=case.pk).update(stage=stage)
    return Case.objects.get(pk=case.pk)


def test_it_takes_risks_while_the_case_executes_or_is_being_accepted(executing, plain_task):
    for stage in ("executing", "accepting"):
        case = _at_stage(executing, stage)
        assert policies.may_raise(case) and policies.raise_refusal(case) == ""
        assert policies.may_raise_on(Task.objects.get(pk=plain_task.pk))
    for stage in ("breakdown", "retrospective", "cancelled"):
        case = _at_stage(executing, stage)
        assert not policies.may_raise(case)
        assert not policies.may_raise_on(Task.objects.get(pk=plain_task.pk))
        assert policies.raise_refusal(case) == "Risks are recorded while the request is executing."
    case = _at_stage(executing, "archived")
    assert not policies.may_raise(case)
    assert policies.raise_refusal(case) == "This request is archived; it can no longer be changed."


def test_it_takes_no_risk_on_a_task_already_done(plain_task):
    assert policies.may_raise_on(plain_task)
    Task.objects.filter(pk=plain_task.pk).update(status=Task.Status.DONE)
    assert not policies.may_raise_on(Task.objects.get(pk=plain_task.pk))
