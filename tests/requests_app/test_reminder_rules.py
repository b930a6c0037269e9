"""Reviews and plan confirmations waiting on someone (docs/process.md): the handler (their delegate
in force) is reminded after 1 working day, then daily; the leader in charge hears of it once
after 3. Working days follow the PRC calendar: around 2025's National Day, 09-28 (Sunday) and
10-11 (Saturday) are working days, 10-01 to 10-08 are not."""

import datetime

import pytest

from cases.models import Case
from collab_portal.reminders.models import Reminder
from collab_portal.reminders.services import reminders_sweep
from requests_app import policies, services
from requests_app.models import CollabPlan
from requests_app.reminder_rules import PLAN_CONFIRMATION_WAITING, REVIEW_WAITING
from tests.factories import DelegationFactory, UserFactory
from tests.fixtures.reminder_rules import (
    at,
    copies_of,
    only,
    plan,
    queries_of,
    recipients,
    sent,
    settings_of,
    sweep,
)

MONDAY = "2025-09-22"


def submitted_at(case: Case, when: datetime.datetime) -> Case:
    Case.objects.filter(pk=case.pk).update(submitted_at=when)
    case.refresh_from_db()
    return case


def proposed_at(plan_: CollabPlan, when: datetime.datetime) -> CollabPlan:
    CollabPlan.objects.filter(pk=plan_.pk).update(proposed_at=when)
    plan_.refresh_from_db()
    return plan_


def away(principal, delegate, first: str, last: str):
    return DelegationFactory(
        principal=principal,
        delegate=delegate,
        starts_on=datetime.date.fromisoformat(first),
        ends_on=datetime.date.fromisoformat(last),
    )


# --- review_waiting -------------------------------------------------------------------------


def test_it_reminds_the_reviewer_from_the_first_working_day_after_submission(company, pending):
    submitted_at(pending, at(MONDAY, "10:00"))

    assert sweep(REVIEW_WAITING, at(MONDAY, "23:00")) == []
    [due] = sweep(REVIEW_WAITING, at("2025-09-23", "09:00"))

    assert due.recipient_id == company.sales_head.pk and not due.escalation
    assert due.target == pending and due.period == "20250922100000:20250923"
    assert due.url == pending.get_absolute_url()
    assert pending.code in str(due.title) and "2025-09-22 10:00" in str(due.title)


def test_it_repeats_daily_and_escalates_to_the_leader_in_charge_once(company, pending):
    submitted_at(pending, at(MONDAY, "10:00"))

    for day in ("2025-09-23", "2025-09-24", "2025-09-25", "2025-09-26", "2025-09-29"):
        plan(REVIEW_WAITING, at(day, "09:00"))
        plan(REVIEW_WAITING, at(day, "17:00"))  # later the same day: nothing new

    head, leader = company.sales_head.pk, company.leader.pk
    assert sent(REVIEW_WAITING) == [
        (head, "20250922100000:20250923", False),
        (head, "20250922100000:20250924", False),
        (head, "20250922100000:20250925", False),
        (leader, "20250922100000:escalation", True),
        (head, "20250922100000:20250926", False),
        (head, "20250922100000:20250929", False),
    ]


@pytest.mark.parametrize(
    ("since", "today", "expected"),
    [
        # Friday → Saturday off → Sunday 09-28, a make-up working day.
        ("2025-09-26 15:00", "2025-09-27", []),
        ("2025-09-26 15:00", "2025-09-28", ["head"]),
        # Tuesday 09-30 → the holiday → Thursday 10-09 is the first working day after it.
        ("2025-09-30 10:00", "2025-10-01", []),
        ("2025-09-30 10:00", "2025-10-08", []),
        ("2025-09-30 10:00", "2025-10-09", ["head"]),
        ("2025-09-30 10:00", "2025-10-10", ["head"]),
        # Saturday 10-11 is a working day: the third one, so the leader hears of it.
        ("2025-09-30 10:00", "2025-10-11", ["head", "leader"]),
        ("2025-09-30 10:00", "2025-10-12", []),
        # Sent during the holiday: it starts waiting on 10-09.
        ("2025-10-03 11:00", "2025-10-09", []),
        ("2025-10-03 11:00", "2025-10-10", ["head"]),
        ("2025-10-03 11:00", "2025-10-13", ["head", "leader"]),
        # Sent on the make-up Sunday: that Sunday counts as its first day.
        ("2025-09-28 10:00", "2025-09-29", ["head"]),
    ],
)
def test_working_days_follow_the_prc_calendar_and_its_make_up_days(
    company, pending, since, today, expected
):
    day, time = since.split()
    submitted_at(pending, at(day, time))

    dues = sweep(REVIEW_WAITING, at(today, "10:00"))

    who = {company.sales_head.pk: "head", company.leader.pk: "leader"}
    assert sorted(who[due.recipient_id] for due in dues) == expected


def test_the_delegate_in_force_that_day_gets_it(company, pending):
    deputy = UserFactory(display_name="周八", department=company.sales)
    away(company.sales_head, deputy, "2025-10-09", "2025-10-10")
    submitted_at(pending, at("2025-09-30", "10:00"))

    assert recipients(sweep(REVIEW_WAITING, at("2025-10-09"))) == [(deputy.pk, False)]
    assert recipients(sweep(REVIEW_WAITING, at("2025-10-13"))) == sorted(
        [(company.sales_head.pk, False), (company.leader.pk, True)]
    )


def test_it_goes_where_review_handler_says_not_to_a_delegates_own_delegate(company, pending):
    first, second = UserFactory(department=company.sales), UserFactory(department=company.sales)
    away(company.sales_head, first, "2025-01-01", "2030-12-31")
    away(first, second, "2025-01-01", "2030-12-31")
    submitted_at(pending, at(MONDAY))

    [due] = sweep(REVIEW_WAITING, at("2025-09-23"))

    assert due.recipient_id == first.pk == policies.review_handler(pending).pk


def test_a_delegate_of_a_receiving_side_is_passed_over_for_the_head(company, pending):
    away(company.sales_head, company.tech_staff, "2025-01-01", "2030-12-31")
    submitted_at(pending, at(MONDAY))

    [due] = sweep(REVIEW_WAITING, at("2025-09-23"))

    assert due.recipient_id == company.sales_head.pk == policies.review_handler(pending).pk


def test_a_delegate_who_is_the_initiator_does_not_review_their_own_request(company, pending):
    away(company.sales_head, company.sales_staff, "2025-01-01", "2030-12-31")
    submitted_at(pending, at(MONDAY))

    [due] = sweep(REVIEW_WAITING, at("2025-09-23"))

    assert due.recipient_id == company.sales_head.pk == policies.review_handler(pending).pk


def test_the_leaders_delegate_hears_of_the_escalation(company, pending):
    deputy = UserFactory(display_name="副总", department=company.company)
    away(company.leader, deputy, "2025-09-25", "2025-09-25")
    submitted_at(pending, at(MONDAY))

    assert recipients(sweep(REVIEW_WAITING, at("2025-09-25"))) == sorted(
        [(company.sales_head.pk, False), (deputy.pk, True)]
    )


def test_a_resubmission_starts_a_new_episode_that_escalates_again(company, pending):
    submitted_at(pending, at("2025-09-30"))
    plan(REVIEW_WAITING, at("2025-10-11"))
    submitted_at(pending, at("2025-10-13", "15:00"))  # returned, then sent again

    plan(REVIEW_WAITING, at("2025-10-15"))
    plan(REVIEW_WAITING, at("2025-10-16"))

    assert sent(REVIEW_WAITING, escalation=True) == [
        (company.leader.pk, "20250930100000:escalation", True),
        (company.leader.pk, "20251013150000:escalation", True),
    ]


def test_requests_that_no_longer_wait_are_left_alone(company, pending, syncing):
    assert sweep(REVIEW_WAITING, at("2025-10-13")) == []  # approved: syncing

    draft = services.request_create(
        initiator=company.sales_staff,
        data=services.RegistrationData(
            subject="撤回的需求",
            goal="目标",
            expected_deadline=datetime.date.today() + datetime.timedelta(days=30),
            initiator_role="project_liaison",
            internal_departments=[company.tech],
            external_contacts=[],
        ),
    )
    services.request_submit(actor=company.sales_staff, request=draft)
    services.request_withdraw(actor=company.sales_staff, request=draft)
    Case.objects.filter(pk=draft.pk).update(submitted_at=at(MONDAY))
    assert sweep(REVIEW_WAITING, at("2025-10-13")) == []


# --- the admins' settings, through the platform's sweep ----------------------------------------


@pytest.mark.parametrize(
    ("changes", "now", "expected"),
    [
        ({}, "2025-09-23 08:59", []),  # the default send time is 09:00
        ({}, "2025-09-23 09:00", ["head"]),
        ({"enabled": False}, "2025-09-23 10:00", []),
        ({"send_at": datetime.time(14, 0)}, "2025-09-23 13:59", []),
        ({"send_at": datetime.time(14, 0)}, "2025-09-23 14:00", ["head"]),
        ({"send_at": None}, "2025-09-23 00:05", ["head"]),
        ({}, "2025-09-27 10:00", []),  # Saturday
        ({"on_rest_days": True}, "2025-09-27 10:00", ["head", "leader"]),
        ({"lead_days": 2}, "2025-09-23 10:00", []),
        ({"lead_days": 2}, "2025-09-24 10:00", ["head"]),
        ({"repeat_days": 2}, "2025-09-24 10:00", []),
        ({"repeat_days": 2}, "2025-09-25 10:00", ["head", "leader"]),
        ({"escalate_after_days": None}, "2025-09-25 10:00", ["head"]),
        ({"escalate_after_days": 1}, "2025-09-23 10:00", ["head", "leader"]),
    ],
)
def test_reminders_sweep_honours_the_admins_settings(
    company, pending, monkeypatch, changes, now, expected
):
    only(monkeypatch, REVIEW_WAITING)
    submitted_at(pending, at(MONDAY, "10:00"))
    settings_of(REVIEW_WAITING, **changes)

    reminders_sweep(now=at(*now.split()))

    who = {company.sales_head.pk: "head", company.leader.pk: "leader"}
    assert sorted(who[r] for r, _period, _esc in sent(REVIEW_WAITING)) == expected


def test_repeat_0_reminds_once_per_episode(company, pending, monkeypatch):
    only(monkeypatch, REVIEW_WAITING)
    submitted_at(pending, at(MONDAY))
    settings_of(REVIEW_WAITING, repeat_days=0, escalate_after_days=None)

    for day in ("2025-09-23", "2025-09-24", "2025-09-25"):
        reminders_sweep(now=at(day, "10:00"))

    assert sent(REVIEW_WAITING) == [(company.sales_head.pk, "20250922100000:once", False)]


def test_sweeping_twice_plans_nothing_new(company, pending, monkeypatch):
    only(monkeypatch, REVIEW_WAITING)
    submitted_at(pending, at(MONDAY))

    reminders_sweep(now=at("2025-09-25", "09:00"))
    first = list(Reminder.objects.order_by("pk").values_list("pk", "recipient_id", "period"))
    reminders_sweep(now=at("2025-09-25", "09:05"))
    reminders_sweep(now=at("2025-09-25", "18:00"))

    assert len(first) == 2
    assert list(Reminder.objects.order_by("pk").values_list("pk", "recipient_id", "period")) == (
        first
    )


def test_the_review_sweep_runs_the_same_queries_for_5_or_200_requests(company, pending):
    deputy = UserFactory(department=company.sales)
    away(company.sales_head, deputy, "2025-09-01", "2025-09-30")
    submitted_at(pending, at(MONDAY))
    copies_of(pending, 4, tag="a")
    few = queries_of(REVIEW_WAITING, at("2025-09-25"))

    copies_of(pending, 195, tag="b")
    many = queries_of(REVIEW_WAITING, at("2025-09-25"))

    # the delegate and the leader in charge for each request
    assert (few[1], many[1]) == (5 * 2, 200 * 2)
    assert few[0] == many[0] <= 7


# --- plan_confirmation_waiting --------------------------------------------------------------


def test_each_side_that_has_not_signed_is_reminded(company, proposed):
    proposed_at(proposed, at(MONDAY, "10:00"))

    assert sweep(PLAN_CONFIRMATION_WAITING, at(MONDAY, "18:00")) == []
    dues = sweep(PLAN_CONFIRMATION_WAITING, at("2025-09-23"))
    assert recipients(dues) == sorted(
        [(company.sales_head.pk, False), (company.tech_head.pk, False)]
    )
    assert {due.period for due in dues} == {"20250922100000:20250923"}
    assert {due.url for due in dues} == {proposed.get_absolute_url()}

    services.plan_sign(actor=company.tech_head, plan=proposed)
    assert recipients(sweep(PLAN_CONFIRMATION_WAITING, at("2025-09-24"))) == [
        (company.sales_head.pk, False)
    ]


def test_the_leader_in_charge_hears_once_of_a_plan_waiting_3_working_days(company, proposed):
    proposed_at(proposed, at("2025-09-30", "16:00"))

    for day in ("2025-10-09", "2025-10-10", "2025-10-11", "2025-10-13"):
        plan(PLAN_CONFIRMATION_WAITING, at(day))

    # both sides are in the division: its leader is told once, on Saturday 10-11
    assert sent(PLAN_CONFIRMATION_WAITING, escalation=True) == [
        (company.leader.pk, "20250930160000:escalation", True)
    ]
    assert len(sent(PLAN_CONFIRMATION_WAITING, recipient=company.sales_head)) == 4


def test_a_head_of_two_sides_is_reminded_once_and_a_delegate_in_their_place(company, proposed):
    company.sales.head = company.tech_head
    company.sales.save()
    proposed_at(proposed, at(MONDAY))
    assert recipients(sweep(PLAN_CONFIRMATION_WAITING, at("2025-09-23"))) == [
        (company.tech_head.pk, False)
    ]

    deputy = UserFactory(department=company.division)  # on neither side of the case
    away(company.tech_head, deputy, "2025-09-24", "2025-09-24")
    assert recipients(sweep(PLAN_CONFIRMATION_WAITING, at("2025-09-24"))) == [(deputy.pk, False)]


def test_the_internal_owner_is_asked_to_chase_an_external_party(
    company, external_planning, external_contact
):
    plan_ = proposed_at(external_planning.plans.get(), at(MONDAY))
    services.plan_sign(actor=company.tech_head, plan=plan_)
    services.plan_sign(actor=company.sales_head, plan=plan_)

    # no internal owner: the initiator chases the party
    [due] = sweep(PLAN_CONFIRMATION_WAITING, at("2025-09-23"))
    assert due.recipient_id == company.sales_staff.pk
    assert external_contact.party.name in str(due.title)

    owner = UserFactory(display_name="客户经理", department=company.sales)
    external_contact.party.internal_owner = owner
    external_contact.party.save()
    [due] = sweep(PLAN_CONFIRMATION_WAITING, at("2025-09-24"))
    assert due.recipient_id == owner.pk


def test_plans_no_longer_proposed_are_left_alone(company, proposed):
    proposed_at(proposed, at(MONDAY))
    services.plan_request_revision(actor=company.tech_head, plan=proposed, comment="再细化")
    assert sweep(PLAN_CONFIRMATION_WAITING, at("2025-09-25")) == []


def test_the_plan_sweep_runs_the_same_queries_for_5_or_200_plans(company, proposed):
    proposed_at(proposed, at(MONDAY))
    services.plan_sign(actor=company.tech_head, plan=proposed)

    def more(count, tag):
        cases = copies_of(proposed.request, count, tag=tag)
        CollabPlan.objects.bulk_create(
            [
                CollabPlan(
                    request=case,
                    version=1,
                    state=CollabPlan.State.PROPOSED,
                    content="方案",
                    author=company.tech_staff,
                    coordinator=company.tech_staff,
                    proposed_at=at(MONDAY),
                )
                for case in cases
            ]
        )

    more(4, "a")
    few = queries_of(PLAN_CONFIRMATION_WAITING, at("2025-09-25"))
    more(195, "b")
    many = queries_of(PLAN_CONFIRMATION_WAITING, at("2025-09-25"))

    # the original: one side left + the leader; each copy: two sides + the leader
    assert (few[1], many[1]) == (2 + 4 * 3, 2 + 199 * 3)
    assert few[0] == many[0] <= 7


def test_the_rules_are_registered_at_start_up_with_their_defaults():
    from collab_portal.reminders.registry import rule_spec

    for key in ("review_waiting", "plan_confirmation_waiting"):
        defaults = rule_spec(key).defaults
        assert (defaults.lead_days, defaults.repeat_days, defaults.escalate_after_days) == (1, 1, 3)
        assert defaults.send_at == datetime.time(9, 0) and not defaults.on_rest_days
        assert rule_spec(key).sweep is not None


def test_titles_are_rendered_in_each_recipients_language(company, pending):
    from django.utils.translation import gettext_lazy

    from collab_portal.reminders.registry import Due
    from collab_portal.reminders.sweeps import in_their_language

    company.tech_head.language = "en"
    company.tech_head.save()
    dues = [
        Due(target=pending, recipient_id=person.pk, period="p", title=gettext_lazy("Urge"))
        for person in (company.sales_head, company.tech_head)
    ]

    assert [due.title for due in in_their_language(dues)] == ["催办", "Urge"]
    submitted_at(pending, at(MONDAY))
    [due] = sweep(REVIEW_WAITING, at("2025-09-23"))
    assert isinstance(due.title, str)
