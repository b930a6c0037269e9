"""A submitted delivery waiting for acceptance (docs/process.md): the acceptor (the initiator or
their delegate in force) or, for external work, those who send the customer the link are
reminded after 1 working day, then daily; the leader in charge of the initiating department
hears of it once after 3. Around 2025's National Day: 10-01..10-08 off, 10-11 (Saturday) on."""

import datetime

from acceptance_app import policies, services
from acceptance_app.models import Delivery
from acceptance_app.reminder_rules import ACCEPTANCE_WAITING
from collab_portal.reminders.services import reminders_sweep
from requests_app.models import Receiver
from tests.factories import DelegationFactory, UserFactory
from tests.fixtures.acceptance import all_pass
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


def submitted_at(delivery: Delivery, when: datetime.datetime) -> Delivery:
    Delivery.objects.filter(pk=delivery.pk).update(submitted_at=when)
    delivery.refresh_from_db()
    return delivery


def make_external(delivery: Delivery, contact) -> Receiver:
    return Receiver.objects.create(
        request=delivery.request,
        kind=Receiver.Kind.EXTERNAL,
        party=contact.party,
        contact=contact,
        position=5,
    )


def test_the_initiator_is_reminded_then_the_leader_in_charge_once(company, submitted):
    submitted_at(submitted, at("2025-09-30", "11:00"))

    assert sweep(ACCEPTANCE_WAITING, at("2025-10-08")) == []  # the holiday
    [due] = sweep(ACCEPTANCE_WAITING, at("2025-10-09"))
    assert due.recipient_id == company.sales_staff.pk and due.target == submitted
    assert due.period == "20250930110000:20251009"
    assert due.url == submitted.get_absolute_url()
    assert submitted.request.code in str(due.title)

    for day in ("2025-10-09", "2025-10-10", "2025-10-11", "2025-10-13"):
        plan(ACCEPTANCE_WAITING, at(day))
    # sales is in the division: its leader hears of it on the third working day, Saturday 10-11
    assert sent(ACCEPTANCE_WAITING, escalation=True) == [
        (company.leader.pk, "20250930110000:escalation", True)
    ]
    assert len(sent(ACCEPTANCE_WAITING, recipient=company.sales_staff)) == 4


def test_the_initiators_delegate_in_force_accepts_so_gets_it(company, submitted):
    DelegationFactory(
        principal=company.sales_staff,
        delegate=company.sales_head,
        starts_on=datetime.date(2025, 10, 9),
        ends_on=datetime.date(2025, 10, 9),
    )
    submitted_at(submitted, at("2025-09-30"))

    assert recipients(sweep(ACCEPTANCE_WAITING, at("2025-10-09"))) == [
        (company.sales_head.pk, False)
    ]
    assert recipients(sweep(ACCEPTANCE_WAITING, at("2025-10-10"))) == [
        (company.sales_staff.pk, False)
    ]


def test_external_work_reminds_those_who_send_the_link(company, submitted, external_contact):
    make_external(submitted, external_contact)
    owner = UserFactory(display_name="客户经理", department=company.sales)
    external_contact.party.internal_owner = owner
    external_contact.party.save()
    submitted_at(submitted, at("2025-09-22"))

    dues = sweep(ACCEPTANCE_WAITING, at("2025-09-23"))

    assert recipients(dues) == sorted([(company.sales_staff.pk, False), (owner.pk, False)])
    assert [p.pk for p in policies.acceptance_handlers(submitted.request)] == [
        company.sales_staff.pk,
        owner.pk,
    ]
    assert all(external_contact.party.name in str(due.title) for due in dues)


def test_deliveries_no_longer_waiting_are_left_alone(company, submitted):
    submitted_at(submitted, at("2025-09-22"))
    services.acceptance_decide(
        actor=company.sales_staff, delivery=submitted, verdicts=all_pass(submitted)
    )
    assert sweep(ACCEPTANCE_WAITING, at("2025-09-25")) == []


def test_reminders_sweep_honours_the_settings_and_plans_nothing_new_twice(
    company, submitted, monkeypatch
):
    only(monkeypatch, ACCEPTANCE_WAITING)
    submitted_at(submitted, at("2025-09-22"))

    reminders_sweep(now=at("2025-09-23", "08:59"))
    assert sent(ACCEPTANCE_WAITING) == []
    reminders_sweep(now=at("2025-09-23", "09:00"))
    reminders_sweep(now=at("2025-09-23", "09:05"))
    assert len(sent(ACCEPTANCE_WAITING)) == 1

    settings_of(ACCEPTANCE_WAITING, enabled=False)
    reminders_sweep(now=at("2025-09-25", "10:00"))
    assert len(sent(ACCEPTANCE_WAITING)) == 1

    settings_of(ACCEPTANCE_WAITING, enabled=True, escalate_after_days=None)
    reminders_sweep(now=at("2025-09-25", "10:00"))
    assert sent(ACCEPTANCE_WAITING, escalation=True) == []
    assert len(sent(ACCEPTANCE_WAITING)) == 2


def test_the_acceptance_sweep_runs_the_same_queries_for_5_or_200_deliveries(
    company, submitted, external_contact
):
    submitted_at(submitted, at("2025-09-22"))
    DelegationFactory(
        principal=company.sales_staff,
        delegate=company.sales_head,
        starts_on=datetime.date(2025, 9, 1),
        ends_on=datetime.date(2025, 9, 30),
    )

    def more(count, tag, external=False):
        cases = copies_of(submitted.request, count, tag=tag)
        if external:
            for case in cases:
                Receiver.objects.create(
                    request=case,
                    kind=Receiver.Kind.EXTERNAL,
                    party=external_contact.party,
                    contact=external_contact,
                    position=5,
                )
        Delivery.objects.bulk_create(
            [
                Delivery(
                    request=case,
                    version=1,
                    state=Delivery.State.SUBMITTED,
                    prepared_by=company.tech_staff,
                    submitted_by=company.tech_staff,
                    submitted_at=at("2025-09-22"),
                )
                for case in cases
            ]
        )

    more(2, "a")
    more(2, "e", external=True)
    few = queries_of(ACCEPTANCE_WAITING, at("2025-09-25"))
    more(195, "b")
    many = queries_of(ACCEPTANCE_WAITING, at("2025-09-25"))

    # each: the acceptor (or the initiator for external work, the party having no owner)
    # and the leader in charge
    assert (few[1], many[1]) == (5 * 2, 200 * 2)
    assert few[0] == many[0] <= 7


def test_the_rule_is_registered_with_the_waiting_defaults():
    from collab_portal.reminders.registry import rule_spec

    defaults = rule_spec("acceptance_waiting").defaults
    assert (defaults.lead_days, defaults.repeat_days, defaults.escalate_after_days) == (1, 1, 3)
