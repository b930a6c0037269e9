"""Task rules (docs/process.md) — due soon, overdue, key task overdue, no progress update today —
as sweeps over the open leaf tasks of executing cases.

Working days follow the PRC calendar: around 2025's National Day, 09-28 (Sunday) and 10-11
(Saturday) are working days, 10-01 to 10-08 are not. The case of the ``executing`` fixture is
coordinated by 王五 (tech_staff); its leaves are 问卷设计 (赵六), 客户访谈 (王五) and the key
task 方案反馈 (王五), all dated in the future until a test dates them."""

from __future__ import annotations

import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from collab_portal.notifications.models import Notification
from collab_portal.org.models import User, WorkdayOverride
from collab_portal.reminders.models import Reminder
from collab_portal.reminders.registry import rule_spec
from collab_portal.reminders.services import reminders_deliver, reminders_sweep
from tasks_app.models import ProgressUpdate, Task
from tests.factories import DelegationFactory, UserFactory
from tests.fixtures.reminder_rules import at, only, plan, sent, settings_of, sweep
from tests.org.holiday_years import MADE_UP_2027, enter_year

DUE_SOON = rule_spec("task_due_soon")
OVERDUE = rule_spec("task_overdue")
KEY_OVERDUE = rule_spec("key_task_overdue")
NO_PROGRESS = rule_spec("no_progress_today")


def dated(task: Task, due: str | None, *, start: str | None = None, **fields) -> Task:
    """Date the task as a test needs (and set any other column), bypassing the services."""
    Task.objects.filter(pk=task.pk).update(
        due_on=datetime.date.fromisoformat(due) if due else None,
        start_on=datetime.date.fromisoformat(start) if start else None,
        **fields,
    )
    task.refresh_from_db()
    return task


@pytest.fixture
def survey(executing):
    """问卷设计: a leaf owned by 赵六 (tech_head), not the coordinator."""
    return Task.objects.get(request=executing, name="问卷设计")


@pytest.fixture
def interviews(executing):
    """客户访谈: a leaf owned by 王五, the coordinator."""
    return Task.objects.get(request=executing, name="客户访谈")


@pytest.fixture
def feedback(executing):
    """方案反馈: the key task, owned by 王五."""
    return Task.objects.get(request=executing, name="方案反馈")


@pytest.fixture
def research(executing):
    """需求调研: the parent of 问卷设计 and 客户访谈."""
    return Task.objects.get(request=executing, name="需求调研")


def periods(dues) -> list[tuple[int, int, str]]:
    """(task or other target id, recipient id, period) of each reminder, sorted."""
    return sorted((due.target.pk, due.recipient_id, due.period) for due in dues)


# --- task_due_soon --------------------------------------------------------------------------


def digest_of(dues, person):
    """The reminder about ``person``'s own tasks that they get from ``dues``."""
    [due] = [due for due in dues if due.recipient_id == person.pk and isinstance(due.target, User)]
    assert due.target.pk == person.pk
    return due


def test_it_reminds_the_owner_two_working_days_before_and_on_the_day(company, survey):
    dated(survey, "2025-10-09")  # the first working day after the holiday

    assert sweep(DUE_SOON, at("2025-09-26")) == []
    assert sweep(DUE_SOON, at("2025-09-28")) == []  # a working Sunday, still 3 working days
    before = digest_of(sweep(DUE_SOON, at("2025-09-29")), company.tech_head)
    assert before.period == "2025-09-29"
    assert before.url == f"/requests/{survey.request.code}/tasks/{survey.pk}/"
    assert "问卷设计" in before.title and survey.request.code in before.title
    assert "2025-10-09" in before.title and not before.escalation
    assert sweep(DUE_SOON, at("2025-09-30")) == []  # once before, then on the day
    on_the_day = digest_of(sweep(DUE_SOON, at("2025-10-09")), company.tech_head)
    assert on_the_day.period == "2025-10-09"
    assert on_the_day.title != before.title and "问卷设计" in on_the_day.title
    assert sweep(DUE_SOON, at("2025-10-10")) == []


def test_two_working_days_before_may_be_a_make_up_sunday(company, survey):
    dated(survey, "2025-09-30")

    assert sweep(DUE_SOON, at("2025-09-26")) == []  # Monday to Friday would say: now
    assert [d.period for d in sweep(DUE_SOON, at("2025-09-28"))] == ["2025-09-28"]
    assert sweep(DUE_SOON, at("2025-09-29")) == []
    assert [d.period for d in sweep(DUE_SOON, at("2025-09-30"))] == ["2025-09-30"]


def test_a_task_due_on_a_holiday_is_reminded_of_on_the_last_working_day_before_it(company, survey):
    dated(survey, "2025-10-04")

    assert [d.period for d in sweep(DUE_SOON, at("2025-09-29"))] == ["2025-09-29"]
    assert [d.period for d in sweep(DUE_SOON, at("2025-09-30"))] == ["2025-09-30"]
    assert sweep(DUE_SOON, at("2025-10-04"), on_rest_days=True) == []


def test_an_admin_override_moves_the_reminder(company, survey):
    dated(survey, "2025-10-09")
    WorkdayOverride.objects.create(date=datetime.date(2025, 10, 8), is_workday=True)

    assert sweep(DUE_SOON, at("2025-09-29")) == []
    assert [d.period for d in sweep(DUE_SOON, at("2025-09-30"))] == ["2025-09-30"]


def test_an_entered_holiday_year_moves_the_reminder(company, survey):
    # 2027 is not in the calendar package: until an administrator enters it, Monday to Friday.
    dated(survey, "2027-02-15")  # the Monday after the (made-up) Spring Festival of 2027

    assert sweep(DUE_SOON, at("2027-02-03")) == []
    assert [d.period for d in sweep(DUE_SOON, at("2027-02-11"))] == ["2027-02-11"]
    enter_year(2027, MADE_UP_2027)  # 5–13 February off
    assert sweep(DUE_SOON, at("2027-02-11")) == []  # a holiday now: no sweep
    assert sweep(DUE_SOON, at("2027-02-11"), on_rest_days=True) == []
    assert [d.period for d in sweep(DUE_SOON, at("2027-02-03"))] == ["2027-02-03"]
    assert sweep(DUE_SOON, at("2027-02-04")) == []
    assert [d.period for d in sweep(DUE_SOON, at("2027-02-15"))] == ["2027-02-15"]


def test_the_lead_time_and_the_repeat_are_the_admins(company, survey):
    dated(survey, "2025-10-09")

    assert sweep(DUE_SOON, at("2025-09-29"), lead_days=0) == []
    assert [d.period for d in sweep(DUE_SOON, at("2025-10-09"), lead_days=0)] == ["2025-10-09"]
    assert sweep(DUE_SOON, at("2025-09-26"), lead_days=3) == []
    assert [d.period for d in sweep(DUE_SOON, at("2025-09-28"), lead_days=3)] == ["2025-09-28"]
    # every working day from the first one within the lead time
    listed = [
        day
        for day in ("2025-09-28", "2025-09-29", "2025-09-30", "2025-10-09", "2025-10-10")
        if sweep(DUE_SOON, at(day), lead_days=3, repeat_days=1)
    ]
    assert listed == ["2025-09-28", "2025-09-29", "2025-09-30", "2025-10-09"]


def test_only_open_leaves_of_executing_cases_with_an_active_owner_count(
    company, executing, survey, interviews, research
):
    for task in (survey, interviews, research):
        dated(task, "2025-09-30")
    Task.objects.filter(pk=interviews.pk).update(status=Task.Status.DONE)

    # the parent follows its leaves; a done task is done
    [due] = sweep(DUE_SOON, at("2025-09-30"))
    assert due.recipient_id == company.tech_head.pk and "问卷设计" in due.title

    company.tech_head.is_active = False
    company.tech_head.save()
    assert sweep(DUE_SOON, at("2025-09-30")) == []
    company.tech_head.is_active = True
    company.tech_head.save()

    Case.objects.filter(pk=executing.pk).update(stage=Case.Stage.ACCEPTING)
    assert sweep(DUE_SOON, at("2025-09-30")) == []


def test_an_owner_of_several_tasks_gets_one_reminder_listing_them(
    company, executing, interviews, feedback
):
    dated(interviews, "2025-09-30")
    dated(feedback, "2025-10-04")

    mine = digest_of(sweep(DUE_SOON, at("2025-09-30")), company.tech_staff)

    assert "2" in mine.title and mine.url == "/tasks/mine/"
    assert mine.body.splitlines() == [
        f"{executing.code} · {interviews.wbs_code} 客户访谈 · 截止 2025-09-30",
        f"{executing.code} · {feedback.wbs_code} 方案反馈 · 截止 2025-10-04",
    ]


def test_a_long_digest_lists_twenty_and_says_how_many_more(company, executing, survey):
    Task.objects.bulk_create(
        Task(
            request=executing,
            name=f"补充任务 {n}",
            wbs_code=f"8.{n}",
            position=800 + n,
            owner=company.tech_head,
            due_on=datetime.date(2025, 9, 30),
        )
        for n in range(25)
    )

    mine = digest_of(sweep(DUE_SOON, at("2025-09-30")), company.tech_head)

    lines = mine.body.splitlines()
    assert len(lines) == 21 and "25" in mine.title
    assert lines[-1] == "……另有 5 项"


def test_a_new_due_date_reminds_again(company, survey):
    dated(survey, "2025-09-30")
    plan(DUE_SOON, at("2025-09-30"))
    dated(survey, "2025-10-13")  # 2 working days before: 10-10, as 10-11 is a make-up Saturday
    plan(DUE_SOON, at("2025-10-10"))

    assert sent(DUE_SOON) == [
        (company.tech_head.pk, "2025-09-30", False),
        (company.tech_head.pk, "2025-10-10", False),
    ]


# --- task_overdue ---------------------------------------------------------------------------


def test_it_reminds_the_owner_daily_from_the_first_day_after_the_due_date(
    company, executing, survey
):
    dated(survey, "2025-09-30")

    assert sweep(OVERDUE, at("2025-09-30")) == []
    owner = digest_of(sweep(OVERDUE, at("2025-10-09")), company.tech_head)
    assert owner.period == "2025-10-09"
    assert "问卷设计" in owner.title
    assert owner.url == f"/requests/{executing.code}/tasks/{survey.pk}/"
    assert [d.period for d in sweep(OVERDUE, at("2025-10-10"))] == ["2025-10-10"] * 2


def test_the_coordinator_hears_once_a_day_per_case_of_the_others_overdue_tasks(
    company, executing, survey, interviews
):
    dated(survey, "2025-09-26")
    dated(interviews, "2025-09-29")  # the coordinator's own: its owner reminder is enough

    dues = sweep(OVERDUE, at("2025-10-09"))

    assert periods(dues) == sorted(
        [
            (company.tech_head.pk, company.tech_head.pk, "2025-10-09"),
            (company.tech_staff.pk, company.tech_staff.pk, "2025-10-09"),
            (executing.pk, company.tech_staff.pk, "2025-10-09"),
        ]
    )
    assert "客户访谈" in digest_of(dues, company.tech_staff).title
    [digest] = [due for due in dues if isinstance(due.target, Case)]
    assert executing.code in digest.title
    assert "问卷设计" in digest.body and "客户访谈" not in digest.body
    assert digest.url == f"/requests/{executing.code}/tracking/?overdue=on"


def test_it_repeats_every_n_working_days_or_once(company, survey):
    dated(survey, "2025-09-26")  # behind: 09-28 1, 09-29 2, 09-30 3, 10-09 4, 10-10 5

    def fired(day, **changes):
        return [
            d.period
            for d in sweep(OVERDUE, at(day), **changes)
            if d.recipient_id == company.tech_head.pk
        ]

    assert [fired(d, repeat_days=2) for d in ("2025-09-28", "2025-09-29", "2025-09-30")] == [
        ["2025-09-28"],
        [],
        ["2025-09-30"],
    ]
    assert fired("2025-10-09", repeat_days=2) == []
    assert fired("2025-10-10", repeat_days=2) == ["2025-10-10"]

    settings_of(OVERDUE, repeat_days=0)
    for day in ("2025-09-28", "2025-09-29", "2025-10-09"):
        plan(OVERDUE, at(day))
    # once, on its first working day overdue, to the owner and to the coordinator
    assert sent(OVERDUE, recipient=company.tech_head) == [
        (company.tech_head.pk, "2025-09-28", False)
    ]
    assert [period for _r, period, _e in sent(OVERDUE, recipient=company.tech_staff)] == [
        "2025-09-28"
    ]


# --- key_task_overdue -----------------------------------------------------------------------


@pytest.fixture
def tech_leader(company):
    """The tech department's own leader in charge (sales keeps the division's, 钱总)."""
    leader = UserFactory(display_name="周总", department=company.company)
    company.tech.leader_in_charge = leader
    company.tech.save()
    return leader


def test_the_leader_in_charge_hears_once_of_a_key_task_2_working_days_overdue(
    company, feedback, tech_leader
):
    dated(feedback, "2025-09-26")

    assert sweep(KEY_OVERDUE, at("2025-09-28")) == []  # 1 working day (a make-up Sunday)
    [due] = sweep(KEY_OVERDUE, at("2025-09-29"))
    assert (due.target, due.recipient_id, due.period, due.escalation) == (
        tech_leader,
        tech_leader.pk,
        "2025-09-29",
        True,
    )
    assert "方案反馈" in due.title and "2" in due.title
    assert due.url == f"/requests/{feedback.request.code}/tasks/{feedback.pk}/"
    for day in ("2025-09-29", "2025-09-30", "2025-10-09"):
        plan(KEY_OVERDUE, at(day))
    assert sent(KEY_OVERDUE) == [(tech_leader.pk, "2025-09-29", True)]


def test_the_holiday_does_not_count_towards_the_escalation(company, feedback, tech_leader):
    dated(feedback, "2025-09-30")

    assert sweep(KEY_OVERDUE, at("2025-10-09")) == []
    assert [d.recipient_id for d in sweep(KEY_OVERDUE, at("2025-10-10"))] == [tech_leader.pk]


def test_without_a_lead_department_the_initiating_departments_leader_hears_of_it(
    company, executing, feedback, tech_leader
):
    dated(feedback, "2025-09-26", lead_department=None)

    [due] = sweep(KEY_OVERDUE, at("2025-09-29"))

    assert executing.initiator_department == company.sales
    assert due.recipient_id == company.leader.pk  # the division's, inherited by sales


def test_the_leaders_delegate_in_force_hears_of_it(company, feedback):
    stand_in = UserFactory(display_name="孙副总", department=company.company)
    DelegationFactory(
        principal=company.leader,
        delegate=stand_in,
        starts_on=datetime.date(2025, 9, 29),
        ends_on=datetime.date(2025, 9, 29),
    )
    dated(feedback, "2025-09-26")

    assert [d.recipient_id for d in sweep(KEY_OVERDUE, at("2025-09-29"))] == [stand_in.pk]
    assert [d.recipient_id for d in sweep(KEY_OVERDUE, at("2025-09-30"), repeat_days=1)] == [
        company.leader.pk
    ]


def test_a_leaf_under_a_key_parent_is_key_and_plain_tasks_are_not(
    company, executing, survey, interviews, research
):
    dated(survey, "2025-09-26")
    dated(interviews, "2025-09-26")
    assert sweep(KEY_OVERDUE, at("2025-09-29")) == []

    Task.objects.filter(pk=research.pk).update(is_key=True)
    [digest] = sweep(KEY_OVERDUE, at("2025-09-29"))
    assert "2" in digest.title and digest.escalation
    assert "问卷设计" in digest.body and "客户访谈" in digest.body
    assert digest.url == f"/requests/{executing.code}/tracking/?overdue=on"


def test_tasks_of_departments_with_one_leader_reach_them_in_one_reminder(
    company, executing, survey, interviews, feedback
):
    for task in (survey, interviews, feedback):
        dated(task, "2025-09-26", is_key=True)
    Task.objects.filter(pk=survey.pk).update(lead_department=company.sales)

    [digest] = sweep(KEY_OVERDUE, at("2025-09-29"))  # sales and tech: both 钱总's

    assert digest.recipient_id == company.leader.pk
    assert len(digest.body.splitlines()) == 3 and "3" in digest.title


def test_no_escalation_when_the_admins_leave_it_empty_and_repeats_when_they_ask(company, feedback):
    dated(feedback, "2025-09-26")

    assert sweep(KEY_OVERDUE, at("2025-09-29"), escalate_after_days=None) == []
    assert [d.period for d in sweep(KEY_OVERDUE, at("2025-09-28"), escalate_after_days=1)] == [
        "2025-09-28"
    ]
    settings_of(KEY_OVERDUE, escalate_after_days=2, repeat_days=1)
    for day in ("2025-09-28", "2025-09-29", "2025-09-30"):
        plan(KEY_OVERDUE, at(day))
    assert [period for _r, period, _e in sent(KEY_OVERDUE)] == ["2025-09-29", "2025-09-30"]


# --- no_progress_today ----------------------------------------------------------------------


def test_owners_without_todays_update_get_one_reminder_listing_their_tasks(
    company, survey, interviews, feedback
):
    dated(survey, "2025-10-20", start="2025-09-22", status=Task.Status.IN_PROGRESS)
    dated(interviews, "2025-10-20", start="2025-09-29")  # not started, but its start has come
    dated(feedback, "2025-10-20", start="2025-09-30")  # starts tomorrow

    dues = sweep(NO_PROGRESS, at("2025-09-29", "17:00"))

    assert periods(dues) == sorted(
        [
            (company.tech_head.pk, company.tech_head.pk, "2025-09-29"),
            (company.tech_staff.pk, company.tech_staff.pk, "2025-09-29"),
        ]
    )
    mine = next(due for due in dues if due.recipient_id == company.tech_staff.pk)
    assert "客户访谈" in mine.body and "方案反馈" not in mine.body
    assert mine.url == "/tasks/mine/"


def test_an_update_today_or_a_blocker_silences_it(company, survey, interviews):
    dated(survey, "2025-10-20", start="2025-09-22", status=Task.Status.IN_PROGRESS)
    dated(interviews, "2025-10-20", start="2025-09-22", status=Task.Status.BLOCKED)
    ProgressUpdate.objects.create(
        task=survey, author=company.tech_head, day=datetime.date(2025, 9, 28), percent=20
    )

    assert [d.recipient_id for d in sweep(NO_PROGRESS, at("2025-09-29", "17:00"))] == [
        company.tech_head.pk
    ]
    ProgressUpdate.objects.create(
        task=survey, author=company.tech_head, day=datetime.date(2025, 9, 29), percent=30
    )
    assert sweep(NO_PROGRESS, at("2025-09-29", "17:00")) == []


# --- the admins' settings, through reminders_sweep ------------------------------------------


@pytest.fixture
def overdue_survey(survey):
    return dated(survey, "2025-09-26", start="2025-09-22", status=Task.Status.IN_PROGRESS)


def test_a_rule_switched_off_plans_nothing(company, overdue_survey, monkeypatch):
    only(monkeypatch, OVERDUE)
    settings_of(OVERDUE, enabled=False)

    assert reminders_sweep(now=at("2025-09-29")) == {}
    assert not Reminder.objects.exists()


def test_the_progress_reminder_waits_for_17_00_on_working_days(
    company, overdue_survey, monkeypatch
):
    only(monkeypatch, NO_PROGRESS)

    assert reminders_sweep(now=at("2025-09-29", "16:59")) == {}
    assert reminders_sweep(now=at("2025-09-27", "17:30")) == {}  # a Saturday off
    assert reminders_sweep(now=at("2025-09-28", "17:00")) == {"no_progress_today": 1}  # 调休
    settings_of(NO_PROGRESS, send_at=datetime.time(15, 0))
    assert reminders_sweep(now=at("2025-09-29", "15:00")) == {"no_progress_today": 1}


def test_rest_days_are_skipped_unless_the_admins_ask(company, overdue_survey, monkeypatch):
    only(monkeypatch, OVERDUE)

    assert reminders_sweep(now=at("2025-10-01")) == {}
    settings_of(OVERDUE, on_rest_days=True)
    assert reminders_sweep(now=at("2025-10-01")) == {"task_overdue": 2}
    assert sent(OVERDUE, recipient=company.tech_head) == [
        (company.tech_head.pk, "2025-10-01", False)
    ]


def test_the_lead_time_is_honoured_through_the_sweep(company, survey, monkeypatch):
    only(monkeypatch, DUE_SOON)
    dated(survey, "2025-10-09")
    settings_of(DUE_SOON, lead_days=1)

    reminders_sweep(now=at("2025-09-29"))
    assert not Reminder.objects.exists()
    reminders_sweep(now=at("2025-09-30"))
    assert sent(DUE_SOON) == [(company.tech_head.pk, "2025-09-30", False)]


def test_sweeping_twice_plans_nothing_new_and_the_relay_delivers_once(
    company, overdue_survey, interviews, feedback, monkeypatch
):
    dated(interviews, "2025-10-09", start="2025-09-22", status=Task.Status.IN_PROGRESS)
    dated(feedback, "2025-09-26", start="2025-09-22")
    rules = [DUE_SOON, OVERDUE, KEY_OVERDUE, NO_PROGRESS]
    monkeypatch.setattr("collab_portal.reminders.services.rules", lambda: rules)

    reminders_sweep(now=at("2025-09-29", "17:30"))
    planned = Reminder.objects.count()
    reminders_sweep(now=at("2025-09-29", "17:35"))

    assert planned == Reminder.objects.count()
    assert set(Reminder.objects.values_list("rule", flat=True)) == {
        "task_due_soon",
        "task_overdue",
        "key_task_overdue",
        "no_progress_today",
    }
    assert reminders_deliver() == planned
    assert reminders_deliver() == 0
    assert Notification.objects.filter(
        recipient=company.leader, title__contains="方案反馈"
    ).exists()


def test_the_rules_are_registered_with_their_defaults():
    defaults = {
        spec.key: (
            spec.defaults.lead_days,
            spec.defaults.repeat_days,
            spec.defaults.escalate_after_days,
            spec.defaults.send_at,
        )
        for spec in (DUE_SOON, OVERDUE, KEY_OVERDUE, NO_PROGRESS)
    }
    nine, five = datetime.time(9, 0), datetime.time(17, 0)
    assert defaults == {
        "task_due_soon": (2, 0, None, nine),
        "task_overdue": (0, 1, None, nine),
        "key_task_overdue": (0, 0, 2, nine),
        "no_progress_today": (0, 1, None, five),
    }


# --- a bounded number of queries ------------------------------------------------------------


def _many_tasks(case: Case, count: int, owners: list, departments: list) -> None:
    """``count`` leaves of ``case`` spread over the weeks around the holiday: every rule finds
    some of them due."""
    first = datetime.date(2025, 9, 15)
    Task.objects.bulk_create(
        [
            Task(
                request=case,
                name=f"批量任务 {n}",
                wbs_code=f"9.{n}",
                position=1000 + n,
                owner=owners[n % len(owners)],
                lead_department=departments[n % len(departments)],
                start_on=first,
                due_on=first + datetime.timedelta(days=n % 40),
                is_key=n % 7 == 0,
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    Task.objects.filter(name__startswith="批量任务").update(status=Task.Status.IN_PROGRESS)


def _queries(spec, now) -> tuple[int, int, float]:
    """(queries, reminders, seconds) of one sweep, once the rule's settings and the content
    types are read."""
    rule = settings_of(spec)
    list(spec.sweep(rule=rule, now=now - datetime.timedelta(days=1)))
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        dues = list(spec.sweep(rule=rule, now=now))
        seconds = time.perf_counter() - started
    return len(queries), len(dues), seconds


@pytest.mark.postgres
def test_each_sweep_runs_the_same_queries_for_100_or_10_000_open_tasks(company, executing, capsys):
    owners = [UserFactory(department=company.tech) for _ in range(20)]
    departments = [company.tech, company.sales]
    now = at("2025-10-09", "17:30")
    rules = (DUE_SOON, OVERDUE, KEY_OVERDUE, NO_PROGRESS)

    _many_tasks(executing, 100, owners, departments)
    few = {spec.key: _queries(spec, now) for spec in rules}
    Task.objects.filter(name__startswith="批量任务").delete()
    _many_tasks(executing, 10_000, owners, departments)
    many = {spec.key: _queries(spec, now) for spec in rules}
    for spec in rules:
        plan(spec, now)
    again = {spec.key: _queries(spec, now) for spec in rules}

    for spec in rules:
        assert few[spec.key][0] == many[spec.key][0] == again[spec.key][0] <= 6, spec.key
        assert many[spec.key][1] >= few[spec.key][1] > 0, spec.key  # digests: one per owner
        assert again[spec.key][1] == 0, spec.key  # planned already: nothing is built again
    with capsys.disabled():
        print()
        for key in few:
            print(
                f"{key}: {few[key][0]} queries; 100 tasks: {few[key][1]} reminders "
                f"{few[key][2] * 1000:.0f} ms; 10,000 tasks: {many[key][1]} reminders "
                f"{many[key][2] * 1000:.0f} ms, swept again {again[key][2] * 1000:.0f} ms"
            )
