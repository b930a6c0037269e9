"""Who may do what on a case in stages 1–2 (requests_app/policies.py), as a table: for each
person around a case — the initiator (张三, sales), the head of the initiating department
(李四, who reviews), the receiving department's head (赵六, tech) and staff (王五), someone of
another department, the leader in charge and an administrator — at each stage, what each policy
answers and, when it refuses, why. The cases are built through the services as people build
them; the stages after the plan's confirmation change nothing in stages 1–2 but the stage."""

import pytest
from django.utils import timezone, translation

from cases.models import OPEN_STAGES, Case
from collab_portal.org.models import Department
from requests_app import policies, services
from requests_app.models import CollabPlan
from tests.factories import (
    DelegationFactory,
    DepartmentFactory,
    ExternalContactFactory,
    UserFactory,
)
from tests.fixtures.registration import plan_data, registration

Stage = Case.Stage
ROLES = (
    "initiator",
    "initiator_head",
    "receiver_head",
    "receiver_staff",
    "outsider",
    "leader",
    "admin",
)
LATER_STAGES = (Stage.EXECUTING, Stage.ACCEPTING, Stage.RETROSPECTIVE)


@pytest.fixture(autouse=True)
def in_english():
    """The reasons are asserted as written in the code."""
    with translation.override("en"):
        yield


@pytest.fixture
def people(company):
    operations = DepartmentFactory(code="OPS", name="运营部", parent=company.division)
    return {
        "initiator": company.sales_staff,
        "initiator_head": company.sales_head,
        "receiver_head": company.tech_head,
        "receiver_staff": company.tech_staff,
        "outsider": UserFactory(username="ops_staff", display_name="孙八", department=operations),
        "leader": company.leader,
        "admin": company.admin,
    }


def answers(people, policy, *args):
    """``policy(person, *args)`` for every role: True, or the reason of a refusal."""
    table = {}
    for role, person in people.items():
        answer = policy(person, *args)
        table[role] = True if answer else answer.reason
    return table


def flags(people, case, plans=(), sync_records=()):
    """The case page's buttons each role sees (``case_actions``), by name."""
    table = {}
    for role, person in people.items():
        actions = policies.case_actions(
            user=person, request=case, sync_records=list(sync_records), plans=list(plans)
        )
        shown = {name for name, value in vars(actions).items() if value is True}
        if actions.acknowledge:
            shown.add("acknowledge")
        table[role] = shown
    return table


def nobody(**overrides):
    return {role: overrides.get(role, set()) for role in ROLES}


def at(case, stage):
    """``case`` as it reads at ``stage``, the stage written straight to its row: the case is
    the same, only its stage differs."""
    Case.objects.filter(pk=case.pk).update(stage=stage)
    return Case.objects.get(pk=case.pk)


def in_state(plan, state):
    """``plan`` as it reads in ``state`` (written straight to its row)."""
    CollabPlan.objects.filter(pk=plan.pk).update(state=state)
    return CollabPlan.objects.get(pk=plan.pk)


@pytest.fixture
def returned(company, pending):
    services.request_return(
        actor=company.sales_head,
        request=pending,
        reason_code="information_missing",
        comment="补充客户名单",
    )
    pending.refresh_from_db()
    return pending


@pytest.fixture
def sent(company, syncing):
    """The information sync with the material sent to 技术部, not yet acknowledged."""
    return services.sync_record_add(
        actor=company.sales_staff,
        request=syncing,
        receiver=syncing.receivers.get(),
        channel="email",
        sent_at=syncing.approved_at,
        recipients="赵六",
    )


@pytest.fixture
def confirmed(company, proposed):
    """The plan signed by both sides: the case moves to task breakdown."""
    for head in (company.sales_head, company.tech_head):
        services.plan_sign(actor=head, plan=proposed)
    case = Case.objects.get(pk=proposed.request_id)
    assert case.stage == Stage.BREAKDOWN
    return case


@pytest.fixture
def cancelled(company, pending):
    return services.request_cancel(actor=company.sales_staff, request=pending, reason="不再需要")


@pytest.fixture
def party_owner(company):
    """The internal owner of an external customer, in the sales department."""
    return UserFactory(username="owner", display_name="周九", department=company.sales)


@pytest.fixture
def with_customer(company, party_owner):
    """A draft for 技术部 and an external customer whose internal owner is 周九."""
    contact = ExternalContactFactory(name="高建华", party__name="远航物流集团")
    contact.party.internal_owner = party_owner
    contact.party.save()
    return services.request_create(
        initiator=company.sales_staff,
        data=registration(internal_departments=[company.tech], external_contacts=[contact]),
    )


# --- the case page's buttons (case_actions), stage by stage ---------------------------------


def test_a_draft_offers_its_initiator_the_form_and_an_admin_cancelling(people, draft):
    assert flags(people, draft) == nobody(
        initiator={"edit", "submit", "copy_in", "cancel"}, admin={"cancel"}
    )


def test_a_pending_review_offers_review_to_the_reviewer_and_chasing_to_the_initiator(
    people, pending
):
    assert flags(people, pending) == nobody(
        initiator={"withdraw", "urge", "copy_in", "cancel"},
        initiator_head={"review", "copy_in"},
        admin={"cancel"},
    )


def test_a_returned_request_opens_its_form_again(people, returned):
    assert returned.stage == Stage.RETURNED
    assert flags(people, returned) == nobody(
        initiator={"edit", "submit", "copy_in", "cancel"},
        initiator_head={"copy_in"},
        admin={"cancel"},
    )


def test_the_information_sync_is_the_initiators_and_receipt_the_receiving_departments(
    people, syncing, sent
):
    records = syncing.sync_records.all()
    assert flags(people, syncing, sync_records=records) == nobody(
        initiator={"record_sync", "record_kickoff", "finish_sync", "copy_in", "cancel"},
        initiator_head={"copy_in"},
        receiver_head={"acknowledge"},
        receiver_staff={"acknowledge"},
        admin={"cancel"},
    )
    actions = policies.case_actions(
        user=people["receiver_staff"], request=syncing, sync_records=list(records), plans=[]
    )
    assert actions.acknowledge == [sent.pk]


def test_planning_opens_the_plan_to_the_receiving_side(people, planning):
    records = planning.sync_records.all()
    assert all(record.is_acknowledged for record in records)
    assert flags(people, planning, sync_records=records) == nobody(
        initiator={"copy_in", "cancel"},
        initiator_head={"copy_in"},
        receiver_head={"edit_plan"},
        receiver_staff={"edit_plan"},
        admin={"cancel"},
    )


def test_a_draft_plan_is_edited_and_proposed_by_the_receiving_side(company, people, planning):
    plan = services.plan_save(actor=company.tech_staff, request=planning, data=plan_data(company))
    assert flags(people, planning, plans=[plan]) == nobody(
        initiator={"copy_in", "cancel"},
        initiator_head={"copy_in"},
        receiver_head={"edit_plan", "propose_plan"},
        receiver_staff={"edit_plan", "propose_plan"},
        admin={"cancel"},
    )


def test_a_proposed_plan_is_signed_by_each_sides_head_and_urged_by_author_or_initiator(
    people, proposed
):
    assert flags(people, proposed.request, plans=[proposed]) == nobody(
        initiator={"urge_plan", "copy_in", "cancel"},
        initiator_head={"sign_plan", "copy_in"},
        receiver_head={"sign_plan"},
        receiver_staff={"urge_plan"},
        admin={"cancel"},
    )


def test_a_plan_sent_back_starts_its_next_version_on_the_receiving_side(company, people, proposed):
    services.plan_request_revision(actor=company.sales_head, plan=proposed, comment="里程碑提前")
    proposed.refresh_from_db()
    assert proposed.state == CollabPlan.State.REVISION_REQUESTED
    assert flags(people, proposed.request, plans=[proposed]) == nobody(
        initiator={"copy_in", "cancel"},
        initiator_head={"copy_in"},
        receiver_head={"new_plan_version"},
        receiver_staff={"new_plan_version"},
        admin={"cancel"},
    )


def test_a_proposed_plan_with_a_customer_offers_its_link_to_who_may_send_it(
    company, people, party_owner, with_customer
):
    case = with_customer
    services.request_submit(actor=company.sales_staff, request=case)
    services.request_approve(
        actor=company.sales_head,
        request=case,
        goal_quantifiable=True,
        receiver_clear=True,
        deadline_reasonable=True,
    )
    for receiver in case.receivers.all():
        record = services.sync_record_add(
            actor=company.sales_staff,
            request=case,
            receiver=receiver,
            channel="email",
            sent_at=timezone.now(),
            recipients=receiver.label,
        )
        if receiver.is_internal:
            services.sync_acknowledge(actor=company.tech_head, record=record)
    services.kickoff_record(
        actor=company.sales_staff,
        request=case,
        mode="online",
        held_at=timezone.now(),
        location="腾讯会议",
        invited=[company.tech_head],
        attended=[company.tech_head],
        minutes="讲解需求",
    )
    services.request_finish_sync(actor=company.sales_staff, request=case)
    plan = services.plan_save(actor=company.tech_staff, request=case, data=plan_data(company))
    services.plan_propose(actor=company.tech_staff, plan=plan)
    case = Case.objects.get(pk=case.pk)
    plan.refresh_from_db()
    table = flags({**people, "party_owner": party_owner}, case, plans=[plan])
    assert table == {
        **nobody(
            initiator={"urge_plan", "create_links", "copy_in", "cancel"},
            initiator_head={"sign_plan", "copy_in"},
            receiver_head={"sign_plan"},
            receiver_staff={"urge_plan"},
            admin={"create_links", "cancel"},
        ),
        # the owner of the customer may draft the plan with them, and send them its link
        "party_owner": {"create_links"},
    }


def test_after_the_plan_only_copying_in_and_cancelling_are_left(people, confirmed):
    plans = list(confirmed.plans.all())
    expected = nobody(initiator={"copy_in", "cancel"}, initiator_head={"copy_in"}, admin={"cancel"})
    assert flags(people, confirmed, plans=plans) == expected
    for stage in LATER_STAGES:
        assert flags(people, at(confirmed, stage), plans=plans) == expected, stage


def test_an_archived_case_offers_nobody_anything(people, confirmed):
    archived = at(confirmed, Stage.ARCHIVED)
    assert flags(people, archived, plans=list(archived.plans.all())) == nobody()


def test_a_cancelled_case_offers_nobody_anything(people, cancelled):
    assert cancelled.stage == Stage.CANCELLED
    assert flags(people, cancelled) == nobody()


# --- stage 1: the registration and its review -----------------------------------------------


def test_only_the_initiator_is_the_initiator(people, draft):
    assert {role: policies.is_initiator(p, draft) for role, p in people.items()} == {
        role: role == "initiator" for role in ROLES
    }


def test_the_registration_form_opens_to_its_initiator_while_draft_or_returned(people, confirmed):
    closed = "This request can no longer be edited."
    for stage in Stage.values:
        table = answers(people, policies.registration_form_open, at(confirmed, stage))
        editable = stage in (Stage.DRAFT, Stage.RETURNED)
        assert table == {
            role: True if editable and role == "initiator" else closed for role in ROLES
        }, stage


def test_whoever_is_the_principal_or_their_delegate_acts_for_them(company, people, sales_deputy):
    head = company.sales_head
    assert {role: policies.may_act_for(p, head) for role, p in people.items()} == {
        role: role == "initiator_head" for role in ROLES
    }
    DelegationFactory(principal=head, delegate=sales_deputy)
    assert policies.may_act_for(sales_deputy, head)
    assert policies.may_act_for(head, head)  # the principal keeps their own authority
    assert not any(policies.may_act_for(p, None) for p in people.values())
    sales_deputy.is_active = False
    assert not policies.may_act_for(sales_deputy, head)


def test_the_reviewer_reviews_and_nobody_of_a_receiving_side_or_elsewhere(people, pending):
    waiting = "This review is waiting for 李四, not for you."
    receiving = "You belong to a receiving side of this request, so you cannot review it."
    assert answers(people, policies.may_review, pending) == {
        "initiator": "Nobody reviews their own request.",
        "initiator_head": True,
        "receiver_head": receiving,
        "receiver_staff": receiving,
        "outsider": waiting,
        "leader": waiting,
        "admin": waiting,
    }


def test_the_reviewers_delegate_reviews_unless_they_are_on_another_side(
    company, pending, sales_deputy
):
    DelegationFactory(principal=company.sales_head, delegate=sales_deputy)
    assert policies.may_review(sales_deputy, pending)
    assert policies.review_handler(pending) == sales_deputy
    assert policies.may_review(company.sales_head, pending)  # and the reviewer still may


def test_a_delegate_on_the_receiving_side_is_passed_over_for_the_reviewer(company, pending):
    DelegationFactory(principal=company.sales_head, delegate=company.tech_staff)
    assert policies.review_handler(pending) == company.sales_head
    assert policies.may_review(company.tech_staff, pending).reason == (
        "You belong to a receiving side of this request, so you cannot review it."
    )


def test_the_review_is_handled_by_the_reviewer_without_a_delegate(company, pending):
    assert policies.review_handler(pending) == company.sales_head


def test_a_review_is_handed_over_to_heads_and_leaders_only(people, finance_head):
    qualified = {role: policies.may_receive_hand_over(p) for role, p in people.items()}
    assert qualified == {
        "initiator": False,
        "initiator_head": True,
        "receiver_head": True,
        "receiver_staff": False,
        "outsider": False,
        "leader": True,
        "admin": False,
    }
    assert policies.may_receive_hand_over(finance_head)
    Department.objects.filter(head=finance_head).update(is_active=False)
    assert not policies.may_receive_hand_over(finance_head)


def test_who_may_take_over_a_pending_review(people, pending, finance_head):
    assert answers(people, policies.may_receive_review, pending) == {
        "initiator": "Nobody reviews their own request.",
        "initiator_head": "The review is already with 李四.",
        "receiver_head": "赵六 belongs to a receiving side of this request and cannot review it.",
        "receiver_staff": "王五 is not a department head or leader in charge.",
        "outsider": "孙八 is not a department head or leader in charge.",
        "leader": True,
        "admin": "管理员 is not a department head or leader in charge.",
    }
    assert policies.may_receive_review(finance_head, pending)


def test_the_initiator_and_the_reviewer_copy_people_in_while_the_case_is_open(people, confirmed):
    not_theirs = "Only the initiator or the reviewer can copy people in."
    for stage in Stage.values:
        table = answers(people, policies.may_copy_in, at(confirmed, stage))
        theirs = True if stage in OPEN_STAGES else "This request is closed."
        assert table == {
            role: theirs if role in ("initiator", "initiator_head") else not_theirs
            for role in ROLES
        }, stage


def test_a_draft_without_a_reviewer_is_copied_in_by_its_initiator_alone(people, draft):
    assert draft.reviewer is None
    table = answers(people, policies.may_copy_in, draft)
    assert {role for role, answer in table.items() if answer is True} == {"initiator"}


def test_the_initiator_or_an_administrator_cancels(people, pending):
    refused = "Only the initiator or an administrator can cancel this request."
    assert answers(people, policies.may_cancel, pending) == {
        role: True if role in ("initiator", "admin") else refused for role in ROLES
    }


# --- stage 2: the information sync ----------------------------------------------------------


def test_the_receiving_department_acknowledges_receipt(people, sent):
    refused = "Only the receiving department can acknowledge receipt."
    assert answers(people, policies.may_acknowledge, sent) == {
        role: True if role in ("receiver_head", "receiver_staff") else refused for role in ROLES
    }


def test_the_receiving_heads_delegate_acknowledges_unless_on_the_initiators_side(
    company, sent, sales_deputy, finance_head
):
    outside = DelegationFactory(principal=company.tech_head, delegate=finance_head)
    assert policies.may_acknowledge(finance_head, sent)
    outside.delete()
    DelegationFactory(principal=company.tech_head, delegate=sales_deputy)
    assert policies.may_acknowledge(sales_deputy, sent).reason == (
        "Only the receiving department can acknowledge receipt."
    )


def test_what_stands_between_the_sync_and_planning(company, syncing):
    assert policies.sync_missing(syncing) == ["No sync recorded for 技术部."]
    record = services.sync_record_add(
        actor=company.sales_staff,
        request=syncing,
        receiver=syncing.receivers.get(),
        channel="email",
        sent_at=syncing.approved_at,
        recipients="赵六",
    )
    assert policies.sync_missing(syncing) == ["技术部 has not acknowledged receipt yet."]
    services.sync_acknowledge(actor=company.tech_staff, record=record)
    assert policies.sync_missing(syncing) == []


def test_a_multi_party_sync_waits_for_its_kickoff_meeting(company, with_customer):
    case = with_customer
    assert policies.sync_missing(case) == [
        "No sync recorded for 技术部.",
        "No sync recorded for 远航物流集团（高建华）.",
        "A multi-party request needs a kickoff meeting record.",
    ]


@pytest.mark.parametrize(
    ("form_open", "refused"),
    [
        (policies.sync_form_open, "Only the initiator records the information sync."),
        (policies.kickoff_form_open, "Only the initiator records the kickoff meeting."),
    ],
)
def test_the_sync_forms_open_to_the_initiator_during_the_sync(
    people, confirmed, form_open, refused
):
    for stage in Stage.values:
        table = answers(people, form_open, at(confirmed, stage))
        assert table == {
            role: True if stage == Stage.SYNCING and role == "initiator" else refused
            for role in ROLES
        }, stage


# --- stage 2: the plan ------------------------------------------------------------------------


def test_the_receiving_side_drafts_the_plan(people, planning):
    refused = "Only the receiving side drafts the plan."
    assert answers(people, policies.may_edit_plan, planning) == {
        role: True if role in ("receiver_head", "receiver_staff") else refused for role in ROLES
    }


def test_for_a_customer_its_owner_and_the_initiator_draft_the_plan(
    people, party_owner, with_customer
):
    refused = "Only the receiving side drafts the plan."
    everyone = {**people, "party_owner": party_owner}
    table = answers(everyone, policies.may_edit_plan, with_customer)
    assert table == {
        "initiator": True,
        "initiator_head": refused,
        "receiver_head": True,
        "receiver_staff": True,
        "outsider": refused,
        "leader": refused,
        "admin": refused,
        "party_owner": True,
    }


def test_the_plan_form_opens_while_planning_for_a_first_version_or_a_draft(
    company, people, planning
):
    refused = "Only the receiving side drafts the plan."
    editors = ("receiver_head", "receiver_staff")
    plan = services.plan_save(actor=company.tech_staff, request=planning, data=plan_data(company))
    for latest in (None, plan):
        table = answers(people, policies.plan_form_open, planning, latest)
        assert table == {role: True if role in editors else refused for role in ROLES}
    for state in (
        CollabPlan.State.PROPOSED,
        CollabPlan.State.REVISION_REQUESTED,
        CollabPlan.State.CONFIRMED,
    ):
        table = answers(people, policies.plan_form_open, planning, in_state(plan, state))
        assert table == dict.fromkeys(ROLES, refused), state
    for stage in (Stage.SYNCING, Stage.BREAKDOWN, Stage.ARCHIVED):
        table = answers(people, policies.plan_form_open, at(planning, stage), None)
        assert table == dict.fromkeys(ROLES, refused), stage


def test_only_a_proposed_plan_awaits_confirmation(proposed):
    for state in CollabPlan.State.values:
        answer = policies.plan_awaits_confirmation(in_state(proposed, state))
        if state == CollabPlan.State.PROPOSED:
            assert answer
        else:
            assert answer.reason == "This plan version is not awaiting confirmation.", state


def test_each_sides_head_signs_for_their_side_once(company, people, proposed):
    sides = {
        role: [side.key for side in policies.sides_to_sign_for(p, proposed)]
        for role, p in people.items()
    }
    assert sides == {
        **{role: [] for role in ROLES},
        "initiator_head": [f"dept:{company.sales.pk}"],
        "receiver_head": [f"dept:{company.tech.pk}"],
    }
    services.plan_sign(actor=company.sales_head, plan=proposed)
    assert policies.sides_to_sign_for(company.sales_head, proposed) == []
    assert policies.signed_side_keys(proposed) == {f"dept:{company.sales.pk}"}


def test_the_plans_author_or_the_initiator_urge_a_proposed_plan(people, proposed):
    refused = "Only the plan's author or the initiator can urge its confirmation."
    assert answers(people, policies.may_urge_plan, proposed) == {
        role: True if role in ("initiator", "receiver_staff") else refused for role in ROLES
    }
    draft = in_state(proposed, CollabPlan.State.DRAFT)
    assert answers(people, policies.may_urge_plan, draft) == dict.fromkeys(
        ROLES, "This plan version is not awaiting confirmation."
    )


def test_the_plans_link_is_sent_to_a_customer_by_initiator_owner_or_admin(
    people, party_owner, with_customer
):
    internal, external = with_customer.receivers.all()
    assert internal.is_internal and not external.is_internal
    everyone = {**people, "party_owner": party_owner}
    senders = {
        role
        for role, p in everyone.items()
        if policies.may_send_plan_link(p, with_customer, external)
    }
    assert senders == {"initiator", "admin", "party_owner"}
    assert not any(
        policies.may_send_plan_link(p, with_customer, internal) for p in everyone.values()
    )
    assert not any(policies.may_send_plan_link(p, with_customer, None) for p in everyone.values())


def test_the_plan_has_a_side_for_the_initiators_department_and_each_receiver(
    company, with_customer
):
    sides = policies.plan_sides(with_customer)
    assert [(side.label, side.is_external) for side in sides] == [
        ("销售部", False),
        ("技术部", False),
        ("远航物流集团（高建华）", True),
    ]


# --- the sides --------------------------------------------------------------------------------


def test_who_belongs_to_which_side_of_the_case(company, people, pending):
    sales, tech = f"dept:{company.sales.pk}", f"dept:{company.tech.pk}"
    assert {role: policies.sides_belonged_to(p, pending) for role, p in people.items()} == {
        "initiator": {sales},
        "initiator_head": {sales},
        "receiver_head": {tech},
        "receiver_staff": {tech},
        "outsider": set(),
        "leader": set(),
        "admin": set(),
    }


def test_who_decides_for_each_department_of_the_case(company, people, pending):
    decides = {
        role: {
            department.code
            for department in (company.sales, company.tech)
            if policies.may_decide_for_department(p, pending, department)
        }
        for role, p in people.items()
    }
    assert decides == {
        **{role: set() for role in ROLES},
        "initiator_head": {"SALES"},
        "receiver_head": {"TECH"},
    }
    assert policies.side_decider(pending, company.sales).person == company.sales_head
    assert policies.side_decider(pending, company.tech).person == company.tech_head
