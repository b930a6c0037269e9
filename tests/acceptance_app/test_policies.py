"""Who may do what in stages 5–6, walked role by role through the case's states: executing
(nothing listed, a draft, a delivery sent back), awaiting acceptance (in the portal or by the
customer's link), in its retrospective, archived.

The case (``executing``): initiated by the sales staff (张三); the tech department receives it;
its staff (王五) coordinates and owns every task but 问卷设计, which its head (赵六) owns."""

import pytest
from django.utils import translation

from acceptance_app import policies, services
from acceptance_app.models import Delivery
from acceptance_app.services import ItemData
from requests_app.models import Receiver
from tests.factories import UserFactory
from tests.fixtures.acceptance import WRITE_UP, first_fails

NOBODY: set[str] = set()
EVERYONE = {
    "initiator",
    "initiating_head",
    "receiving_head",
    "coordinator",
    "receiving_staff",
    "outsider",
    "leader",
    "admin",
}


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
        "receiving_head": company.tech_head,  # owns the task 问卷设计
        "coordinator": company.tech_staff,  # owns the other tasks
        "receiving_staff": UserFactory(username="tech_member", department=company.tech),
        "outsider": finance_head,  # heads a third department, on no side of the case
        "leader": company.leader,
        "admin": company.admin,
    }


def who(people, answer) -> set[str]:
    """The roles for whom ``answer(user)`` is true."""
    return {role for role, user in people.items() if answer(user)}


def actions(people, case, delivery=None):
    """Each role's ``DeliveryActions`` on ``case``'s ``delivery``."""
    items = list(delivery.items.select_related("task")) if delivery else []
    return {
        role: policies.delivery_actions(user=user, request=case, delivery=delivery, items=items)
        for role, user in people.items()
    }


def offered(table, action) -> set[str]:
    return {role for role, answer in table.items() if getattr(answer, action)}


# --- who does what, whatever the state ---------------------------------------------------------


def test_it_names_the_coordinator_and_the_task_owners_as_preparers(people, executing):
    assert who(people, lambda u: policies.is_coordinator(u, executing)) == {"coordinator"}
    assert who(people, lambda u: policies.may_prepare_delivery(u, executing)) == {
        "coordinator",
        "receiving_head",
    }
    questionnaire = executing.tasks.get(name="问卷设计")
    feedback = executing.tasks.get(name="方案反馈")
    assert who(people, lambda u: policies.may_add_item_for(u, questionnaire)) == {
        "coordinator",
        "receiving_head",
    }
    assert who(people, lambda u: policies.may_add_item_for(u, feedback)) == {"coordinator"}


def test_it_has_the_initiator_accept_work_done_inside_the_company(people, executing):
    assert policies.acceptance_receiver(executing) is None
    assert policies.acceptor_for(executing) == people["initiator"]
    assert policies.acceptance_handlers(executing) == [people["initiator"]]
    assert who(people, lambda u: policies.may_accept(u, executing)) == {"initiator"}
    assert who(people, lambda u: policies.may_send_link(u, executing)) == NOBODY


def test_it_has_the_customer_accept_external_work_through_a_link(
    people, executing, external_contact
):
    external_contact.party.internal_owner = people["initiating_head"]
    external_contact.party.save()
    receiver = Receiver.objects.create(
        request=executing,
        kind=Receiver.Kind.EXTERNAL,
        party=external_contact.party,
        contact=external_contact,
        position=5,
    )
    assert policies.acceptance_receiver(executing) == receiver
    assert policies.acceptor_for(executing) is None
    assert policies.acceptance_handlers(executing) == [
        people["initiator"],
        people["initiating_head"],
    ]
    assert who(people, lambda u: policies.may_accept(u, executing)) == NOBODY
    assert who(people, lambda u: policies.may_send_link(u, executing)) == {
        "initiator",
        "initiating_head",  # the party's internal owner
        "coordinator",
        "admin",
    }


def test_it_has_each_receiving_head_rate_for_their_department(people, company, executing):
    tech = Receiver.objects.get(request=executing, department=company.tech)
    assert policies.rating_receivers(executing) == [tech]
    assert who(people, lambda u: policies.receivers_rated_by(u, executing)) == {"receiving_head"}
    assert policies._raters(executing) == [people["receiving_head"]]


# --- executing ------------------------------------------------------------------------------


def test_it_offers_the_preparers_to_start_the_list_while_the_case_executes(people, executing):
    table = actions(people, executing)
    assert offered(table, "add_item") == {"coordinator", "receiving_head"}
    for action in ("start_version", "submit", "withdraw", "urge", "accept", "send_link"):
        assert offered(table, action) == NOBODY, action
    assert all(not answer.editable_item_ids for answer in table.values())


def test_it_says_why_the_item_form_does_not_open_while_the_case_executes(people, executing):
    refusals = {
        role: policies.item_form_refusal(user=user, request=executing)
        for role, user in people.items()
    }
    assert {role for role, refusal in refusals.items() if not refusal} == {
        "coordinator",
        "receiving_head",
    }
    for role in EVERYONE - {"coordinator", "receiving_head"}:
        assert refusals[role] == "Task owners and the coordinator prepare the delivery.", role


def test_it_lets_a_task_owner_change_only_the_items_of_their_own_tasks(people, delivered):
    case = delivered.request
    table = actions(people, case, delivered)
    questionnaire = delivered.items.get(name="调研问卷")  # task 问卷设计, the head's
    report = delivered.items.get(name="方案反馈报告")  # task 方案反馈, the coordinator's
    assert table["coordinator"].editable_item_ids == {questionnaire.pk, report.pk}
    assert table["receiving_head"].editable_item_ids == {questionnaire.pk}
    for role in EVERYONE - {"coordinator", "receiving_head"}:
        assert table[role].editable_item_ids == set(), role
    assert offered(table, "add_item") == {"coordinator", "receiving_head"}
    assert offered(table, "submit") == {"coordinator"}
    for action in ("start_version", "withdraw", "urge", "accept", "send_link"):
        assert offered(table, action) == NOBODY, action
    assert policies.item_form_refusal(user=people["receiving_head"], request=case, item=report) == (
        "Task owners change the items of their own tasks; the coordinator changes any."
    )
    assert policies.item_form_refusal(user=people["coordinator"], request=case, item=report) == ""


def test_it_tells_what_is_missing_before_the_delivery_can_be_submitted(company, executing):
    item = services.delivery_item_add(
        actor=company.tech_staff,
        request=executing,
        data=ItemData(task=executing.tasks.get(name="客户访谈"), name="访谈纪要"),
    )
    draft = item.delivery
    assert policies.submit_missing(draft) == [
        "Key task 2 方案反馈 is not done.",
        "Task 1.2 客户访谈, which “访谈纪要” answers, is not done.",
    ]
    services.delivery_item_remove(actor=company.tech_staff, item=item)
    assert policies.submit_missing(draft) == [
        "The delivery list has no items.",
        "Key task 2 方案反馈 is not done.",
    ]
    assert [task.name for task in policies.key_tasks_not_done(executing)] == ["方案反馈"]


def test_it_has_nothing_missing_once_every_task_is_done(delivered):
    assert policies.submit_missing(delivered) == []
    assert policies.key_tasks_not_done(delivered.request) == []


def test_it_offers_a_new_version_after_a_rejection(people, company, submitted):
    services.acceptance_decide(
        actor=company.sales_staff, delivery=submitted, verdicts=first_fails(submitted)
    )
    case = submitted.request
    case.refresh_from_db()
    submitted.refresh_from_db()
    assert case.stage == "executing" and submitted.state == Delivery.State.REJECTED
    table = actions(people, case, submitted)
    assert offered(table, "start_version") == {"coordinator", "receiving_head"}
    assert offered(table, "add_item") == {"coordinator", "receiving_head"}
    for action in ("submit", "withdraw", "urge", "accept", "send_link"):
        assert offered(table, action) == NOBODY, action


# --- awaiting acceptance --------------------------------------------------------------------


def test_it_offers_acceptance_to_the_initiator_and_withdrawal_to_the_coordinator(people, submitted):
    case = submitted.request
    table = actions(people, case, submitted)
    assert offered(table, "accept") == {"initiator"}
    assert offered(table, "withdraw") == {"coordinator"}
    assert offered(table, "urge") == {"coordinator"}
    for action in ("add_item", "start_version", "submit", "send_link"):
        assert offered(table, action) == NOBODY, action
    for role, user in people.items():
        assert policies.item_form_refusal(user=user, request=case) == (
            "Deliverables are listed while the request is executing."
        ), role


def test_it_offers_the_customers_link_instead_of_acceptance_for_external_work(
    people, external_submitted
):
    case = external_submitted.request
    table = actions(people, case, external_submitted)
    assert offered(table, "accept") == NOBODY
    assert offered(table, "send_link") == {"initiator", "coordinator", "admin"}
    assert offered(table, "withdraw") == {"coordinator"}
    assert offered(table, "urge") == {"coordinator"}


# --- the retrospective and the archive --------------------------------------------------------


def test_it_offers_the_retrospective_to_the_coordinator_and_rating_to_the_head(
    people, company, in_retrospective
):
    case = in_retrospective.request
    tech = Receiver.objects.get(request=case, department=company.tech)
    answers = {
        role: policies.retrospective_actions(user=user, retrospective=in_retrospective)
        for role, user in people.items()
    }
    assert all(answer.is_open for answer in answers.values())
    assert {role for role, answer in answers.items() if answer.write} == {"coordinator"}
    assert {role for role, answer in answers.items() if answer.file} == {"coordinator"}
    assert {role for role, answer in answers.items() if answer.rated_receiver_ids} == {
        "receiving_head"
    }
    assert answers["receiving_head"].rated_receiver_ids == {tech.pk}
    table = actions(people, case, case.deliveries.get())
    assert all(not any(vars(answer).values()) for answer in table.values())
    assert not policies.may_download_bundle(case)


def test_it_tells_what_is_missing_before_the_retrospective_can_be_filed(company, in_retrospective):
    assert policies.file_missing(in_retrospective) == [
        "“What went well” is not written.",
        "“Problems” is not written.",
        "“Lessons learned” is not written.",
        "“Improvements” is not written.",
        "技术部 has not rated the collaboration.",
    ]
    services.retrospective_save(
        actor=company.tech_staff, retrospective=in_retrospective, data=WRITE_UP
    )
    in_retrospective.refresh_from_db()
    assert policies.file_missing(in_retrospective) == ["技术部 has not rated the collaboration."]


def test_it_offers_nothing_but_the_bundle_once_the_case_is_archived(people, archived):
    retrospective = archived.retrospective
    for role, user in people.items():
        answer = policies.retrospective_actions(user=user, retrospective=retrospective)
        assert not (answer.is_open or answer.write or answer.file or answer.rated_receiver_ids)
        assert policies.item_form_refusal(user=user, request=archived) == (
            "This request is archived; it can no longer be changed."
        ), role
    table = actions(people, archived, archived.deliveries.get())
    assert all(not any(vars(answer).values()) for answer in table.values())
    assert policies.may_download_bundle(archived)
