"""The risk rules (docs/process.md): the owner and the coordinator hear of a risk's deadline one
working day before it and daily after it; the leader in charge (or their delegate) hears of an
escalation at once — through a reminder written in the escalation's own transaction.

Working days follow the PRC calendar: around 2025's National Day, 09-28 (Sunday) and 10-11
(Saturday) are working days, 10-01 to 10-08 are not. The ``executing`` case is coordinated by
王五 (tech_staff); the risks here are owned by 赵六 (tech_head) unless a test says otherwise."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cases.models import Case
from collab_portal.notifications.models import Notification
from collab_portal.reminders.models import Reminder
from collab_portal.reminders.registry import rule_spec
from collab_portal.reminders.services import reminders_deliver, reminders_sweep
from risks_app import services
from risks_app.models import Risk
from tests.factories import DelegationFactory, UserFactory
from tests.fixtures.reminder_rules import at, only, plan, sent, settings_of, sweep
from tests.fixtures.risks import risk_data

DEADLINE = rule_spec("risk_deadline")
ESCALATED = rule_spec("major_risk_raised")


@pytest.fixture
def risk(company, executing):
    return services.risk_raise(
        actor=company.tech_staff,
        request=executing,
        data=risk_data(company, owner=company.tech_head),
    )


def due_by(risk: Risk, deadline: str, **fields) -> Risk:
    Risk.objects.filter(pk=risk.pk).update(deadline=datetime.date.fromisoformat(deadline), **fields)
    risk.refresh_from_db()
    return risk


def told(dues) -> list[tuple[int, str]]:
    return sorted((due.recipient_id, due.period) for due in dues)


# --- risk_deadline --------------------------------------------------------------------------


def test_the_owner_and_coordinator_hear_one_working_day_before_then_daily_after(company, risk):
    due_by(risk, "2025-10-09")
    both = (company.tech_head.pk, company.tech_staff.pk)

    assert sweep(DEADLINE, at("2025-09-29")) == []
    dues = sweep(DEADLINE, at("2025-09-30"))  # the working day before 10-09
    assert told(dues) == sorted((pk, "deadline-near:2025-10-09") for pk in both)
    assert {due.url for due in dues} == {risk.get_absolute_url()}
    assert all("R01" in due.title and risk.request.code in due.title for due in dues)
    assert told(sweep(DEADLINE, at("2025-10-09"))) == told(dues)  # the same, offered again
    assert told(sweep(DEADLINE, at("2025-10-10"))) == sorted((pk, "2025-10-10") for pk in both)
    assert told(sweep(DEADLINE, at("2025-10-11"))) == sorted((pk, "2025-10-11") for pk in both)


def test_the_working_day_before_may_be_a_make_up_sunday(company, risk):
    due_by(risk, "2025-09-29")

    assert sweep(DEADLINE, at("2025-09-26")) == []  # Monday to Friday would say: now
    assert {due.period for due in sweep(DEADLINE, at("2025-09-28"))} == {"deadline-near:2025-09-29"}


def test_it_repeats_every_n_working_days_or_once(company, risk):
    due_by(risk, "2025-09-26")  # behind: 09-28 1, 09-29 2, 09-30 3

    def periods(day, **changes):
        return {due.period for due in sweep(DEADLINE, at(day), **changes)}

    assert [periods(d, repeat_days=2) for d in ("2025-09-28", "2025-09-29", "2025-09-30")] == [
        {"2025-09-28"},
        set(),
        {"2025-09-30"},
    ]
    settings_of(DEADLINE, repeat_days=0)
    for day in ("2025-09-28", "2025-09-29", "2025-10-09"):
        plan(DEADLINE, at(day))
    assert sent(DEADLINE, recipient=company.tech_head) == [
        (company.tech_head.pk, "deadline-passed:2025-09-26", False)
    ]


def test_the_lead_time_is_the_admins(company, risk):
    due_by(risk, "2025-10-10")

    assert sweep(DEADLINE, at("2025-10-09"), lead_days=0) == []
    assert sweep(DEADLINE, at("2025-10-10"), lead_days=0) != []
    assert sweep(DEADLINE, at("2025-09-29"), lead_days=2) == []
    assert sweep(DEADLINE, at("2025-09-30"), lead_days=2) != []


def test_an_owner_who_coordinates_hears_once(company, executing):
    own = services.risk_raise(actor=company.tech_staff, request=executing, data=risk_data(company))
    due_by(own, "2025-09-30")

    assert told(sweep(DEADLINE, at("2025-09-30"))) == [
        (company.tech_staff.pk, "deadline-near:2025-09-30")
    ]


def test_only_open_risks_of_executing_or_accepting_cases_count(company, executing, risk):
    due_by(risk, "2025-09-30", state=Risk.State.ESCALATED)
    assert sweep(DEADLINE, at("2025-09-30")) != []

    Case.objects.filter(pk=executing.pk).update(stage=Case.Stage.ACCEPTING)
    assert sweep(DEADLINE, at("2025-09-30")) != []

    for state in (Risk.State.RESOLVED, Risk.State.CLOSED):
        due_by(risk, "2025-09-30", state=state)
        assert sweep(DEADLINE, at("2025-09-30")) == []

    due_by(risk, "2025-09-30", state=Risk.State.MITIGATING)
    Case.objects.filter(pk=executing.pk).update(stage=Case.Stage.ARCHIVED)
    assert sweep(DEADLINE, at("2025-09-30")) == []


def test_the_admins_settings_hold_through_the_sweep(company, risk, monkeypatch):
    only(monkeypatch, DEADLINE)
    due_by(risk, "2025-09-26")

    assert reminders_sweep(now=at("2025-09-29", "08:59")) == {}  # it goes out from 09:00
    assert reminders_sweep(now=at("2025-10-01")) == {}  # a holiday
    settings_of(DEADLINE, enabled=False)
    assert reminders_sweep(now=at("2025-09-29")) == {}
    settings_of(DEADLINE, enabled=True, on_rest_days=True)
    assert reminders_sweep(now=at("2025-10-01")) == {"risk_deadline": 2}

    reminders_sweep(now=at("2025-10-01", "10:05"))
    assert Reminder.objects.count() == 2  # swept twice: nothing new
    assert reminders_deliver() == 2
    assert Notification.objects.filter(
        recipient=company.tech_head, title__contains="2025-09-26"
    ).exists()


def _many_risks(case: Case, count: int, owners: list, raised_by) -> None:
    first = datetime.date(2025, 9, 15)
    Risk.objects.bulk_create(
        [
            Risk(
                request=case,
                number=100 + n,
                description=f"批量风险 {n}",
                category=Risk.Category.OTHER,
                impact="medium",
                likelihood="medium",
                measures="跟进",
                deadline=first + datetime.timedelta(days=n % 40),
                owner=owners[n % len(owners)],
                raised_by=raised_by,
            )
            for n in range(count)
        ],
        batch_size=2000,
    )


def _queries(now) -> tuple[int, int]:
    rule = settings_of(DEADLINE)
    list(DEADLINE.sweep(rule=rule, now=now - datetime.timedelta(days=1)))
    with CaptureQueriesContext(connection) as queries:
        dues = list(DEADLINE.sweep(rule=rule, now=now))
    return len(queries), len(dues)


@pytest.mark.postgres
def test_the_sweep_runs_the_same_queries_for_100_or_10_000_risks(company, executing):
    owners = [UserFactory(department=company.tech) for _ in range(20)]
    now = at("2025-10-09")

    _many_risks(executing, 100, owners, company.tech_staff)
    few = _queries(now)
    Risk.objects.all().delete()
    _many_risks(executing, 10_000, owners, company.tech_staff)
    many = _queries(now)

    assert few[0] == many[0] <= 3
    assert many[1] > few[1] > 0


# --- major_risk_raised ----------------------------------------------------------------------


def _major(company, executing, key_task, **overrides) -> Risk:
    return services.risk_raise(
        actor=company.tech_staff,
        request=executing,
        data=risk_data(company, impact="high", task=key_task, **overrides),
    )


def test_a_major_risk_writes_the_leaders_reminder_with_the_escalation(company, executing, key_task):
    risk = _major(company, executing, key_task)

    reminder = Reminder.objects.get(rule="major_risk_raised")
    assert (reminder.target, reminder.recipient, reminder.period, reminder.escalation) == (
        risk,
        company.leader,
        "escalated:1",
        True,
    )
    assert reminder.url == risk.get_absolute_url()
    assert "重大" in reminder.title and "R01" in reminder.title
    assert not Notification.objects.filter(recipient=company.leader).exists()
    assert reminders_deliver() == 1
    assert Notification.objects.filter(recipient=company.leader, title__contains="重大").exists()


def test_it_is_written_in_the_leaders_language(company, executing, key_task):
    company.leader.language = "en"
    company.leader.save()

    _major(company, executing, key_task)
    reminders_deliver()

    told = Notification.objects.get(recipient=company.leader, title__contains="R01")
    assert told.title.startswith("Escalated to you: major risk R01")
    with translation.override("en"):
        assert told.shown_title.startswith("Escalated to you: major risk R01")
    with translation.override("zh-hans"):  # had they switched to Chinese since
        assert told.shown_title.startswith("上报给你的")


def test_nothing_is_written_when_the_change_rolls_back(company, executing, key_task):
    with pytest.raises(RuntimeError), transaction.atomic():
        _major(company, executing, key_task)
        raise RuntimeError("the request failed after the service")

    assert not Reminder.objects.exists() and not Risk.objects.exists()


def test_the_delegate_in_force_gets_it(company, executing, key_task):
    stand_in = UserFactory(display_name="孙副总", department=company.company)
    DelegationFactory(principal=company.leader, delegate=stand_in)

    _major(company, executing, key_task)

    assert sent(ESCALATED) == [(stand_in.pk, "escalated:1", True)]


def test_each_escalation_of_a_risk_writes_its_own_reminder(company, executing, key_task):
    risk = _major(company, executing, key_task)
    services.risk_instruct(actor=company.leader, risk=risk, decision="adjust", text="先调整方案")
    services.risk_escalate(actor=company.tech_staff, risk=risk, comment="调整后仍无法解决")

    assert sent(ESCALATED) == [
        (company.leader.pk, "escalated:1", True),
        (company.leader.pk, "escalated:2", True),
    ]


def test_a_manual_escalation_and_a_coordinators_override_write_it_too(
    company, executing, plain_task
):
    risk = services.risk_raise(
        actor=company.tech_staff, request=executing, data=risk_data(company, task=plain_task)
    )
    assert not Reminder.objects.exists()
    services.risk_escalate(actor=company.tech_staff, risk=risk, comment="需要领导协调客户")
    other = services.risk_raise(
        actor=company.tech_staff, request=executing, data=risk_data(company)
    )
    services.risk_override_major(
        actor=company.tech_staff, risk=other, major=True, reason="影响上线"
    )

    assert sorted(
        Reminder.objects.filter(rule="major_risk_raised").values_list("target_id", "period")
    ) == sorted([(str(risk.pk), "escalated:1"), (str(other.pk), "escalated:1")])


def test_the_admins_can_switch_it_off(company, executing, key_task):
    settings_of(ESCALATED, enabled=False)

    risk = _major(company, executing, key_task)

    assert risk.state == "escalated" and not Reminder.objects.exists()
