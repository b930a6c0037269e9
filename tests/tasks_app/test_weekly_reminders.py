"""The weekly summary rule (docs/process.md): on Fridays at 16:00 the week's 周报 of every executing
case is drafted from the data and its coordinator is told, once per case and ISO week."""

import pytest

from cases.models import Case
from collab_portal.reminders.models import Reminder
from collab_portal.reminders.services import reminders_sweep
from tasks_app import selectors, services, weekly_reminders
from tasks_app.models import WeeklySummary
from tasks_app.weekly_reminders import WEEKLY_SUMMARY
from tests.fixtures.reminder_rules import at, only, sent, settings_of, sweep

FRIDAY = "2025-10-10"  # ISO week 2025-W41; 10-11 is a make-up working Saturday


@pytest.fixture
def case(executing):
    """The executing case, registered well before 2025-W41 (coordinator: tech_staff)."""
    Case.objects.filter(pk=executing.pk).update(created_at=at("2025-09-01"))
    executing.refresh_from_db()
    return executing


@pytest.fixture
def generated(monkeypatch):
    """How many times the sweep drafted the week's summaries."""
    calls = []
    real = weekly_reminders.weekly_summary_generate

    def counting(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(weekly_reminders, "weekly_summary_generate", counting)
    return calls


def test_on_friday_at_16_the_draft_is_made_and_the_coordinator_told(company, case, monkeypatch):
    only(monkeypatch, WEEKLY_SUMMARY)

    reminders_sweep(now=at(FRIDAY, "15:59"))
    assert not WeeklySummary.objects.exists() and sent(WEEKLY_SUMMARY) == []

    reminders_sweep(now=at(FRIDAY, "16:00"))

    summary = WeeklySummary.objects.get(request=case)
    assert (summary.iso_year, summary.iso_week, summary.state) == (2025, 41, "draft")
    assert sent(WEEKLY_SUMMARY) == [(company.tech_staff.pk, "2025-W41", False)]
    reminder = Reminder.objects.get(rule="weekly_summary")
    assert reminder.target == summary
    assert reminder.url == selectors.weekly_summary_url(summary)
    assert case.code in reminder.title


@pytest.mark.parametrize("day", ["2025-10-09", "2025-10-11", "2025-10-13"])
def test_on_other_days_the_sweep_does_nothing(case, generated, day):
    assert sweep(WEEKLY_SUMMARY, at(day, "17:00")) == []
    assert generated == [] and not WeeklySummary.objects.exists()


def test_a_friday_off_sends_nothing_unless_the_admins_say_so(company, case, monkeypatch):
    only(monkeypatch, WEEKLY_SUMMARY)
    holiday = "2025-10-03"  # National Day, a Friday

    reminders_sweep(now=at(holiday, "16:30"))
    assert sent(WEEKLY_SUMMARY) == []

    settings_of(WEEKLY_SUMMARY, on_rest_days=True)
    reminders_sweep(now=at(holiday, "16:30"))
    assert sent(WEEKLY_SUMMARY) == [(company.tech_staff.pk, "2025-W40", False)]


def test_the_admins_send_time_and_switch_are_honoured(company, case, monkeypatch):
    only(monkeypatch, WEEKLY_SUMMARY)
    settings_of(WEEKLY_SUMMARY, enabled=False)
    reminders_sweep(now=at(FRIDAY, "17:00"))
    assert sent(WEEKLY_SUMMARY) == [] and not WeeklySummary.objects.exists()

    settings_of(WEEKLY_SUMMARY, enabled=True, send_at=at(FRIDAY, "18:00").time())
    reminders_sweep(now=at(FRIDAY, "17:00"))
    assert sent(WEEKLY_SUMMARY) == []
    reminders_sweep(now=at(FRIDAY, "18:00"))
    assert len(sent(WEEKLY_SUMMARY)) == 1


def test_sweeping_again_drafts_nothing_more_and_plans_nothing_new(
    company, case, generated, monkeypatch
):
    only(monkeypatch, WEEKLY_SUMMARY)

    for time in ("16:00", "16:05", "21:00"):
        reminders_sweep(now=at(FRIDAY, time))

    assert len(generated) == 1
    assert len(sent(WEEKLY_SUMMARY)) == 1 and WeeklySummary.objects.count() == 1

    reminders_sweep(now=at("2025-10-17", "16:00"))  # the next Friday: the next week
    assert len(generated) == 2
    assert [period for _r, period, _e in sent(WEEKLY_SUMMARY)] == ["2025-W41", "2025-W42"]


def test_a_published_summary_needs_no_reminder(company, case, generated):
    summary = services.weekly_summary_draft(request=case, iso_year=2025, iso_week=41)
    services.weekly_summary_publish(actor=company.tech_staff, summary=summary)

    assert sweep(WEEKLY_SUMMARY, at(FRIDAY, "16:00")) == []
    assert generated == []  # every case is settled: nothing is computed again


def test_only_executing_cases_are_drafted(case, generated):
    Case.objects.filter(pk=case.pk).update(stage=Case.Stage.ACCEPTING)
    assert sweep(WEEKLY_SUMMARY, at(FRIDAY, "16:00")) == []
    assert generated == []


def test_the_coordinator_reads_it_in_their_language(company, case):
    [due] = sweep(WEEKLY_SUMMARY, at(FRIDAY, "16:00"))
    assert "2025年第41周" in due.title

    company.tech_staff.language = "en"
    company.tech_staff.save()
    WeeklySummary.objects.all().delete()
    [due] = sweep(WEEKLY_SUMMARY, at(FRIDAY, "16:00"))
    assert "2025 week 41" in due.title


def test_the_rule_is_registered_for_friday_16():
    from collab_portal.reminders.registry import rule_spec

    assert rule_spec("weekly_summary").defaults.send_at == at(FRIDAY, "16:00").time()
