"""The reminder outbox: planned once per (rule, object, recipient, period), delivered once in
the portal (and by email to those who want it), whatever runs the relay again or at once."""

import datetime
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from collab_portal.notifications.models import Notification
from collab_portal.reminders import services
from collab_portal.reminders.models import Reminder, ReminderRule, WebhookEndpoint
from collab_portal.reminders.registry import Due, RuleDefaults, RuleSpec, _rules, register_rule

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def _due(company, period="2026-11-26", recipient=None, **fields):
    return Due(
        target=company.tech,
        recipient_id=(recipient or company.tech_staff).pk,
        period=period,
        title="任务已逾期",
        url="/tasks/mine/",
        **fields,
    )


@pytest.fixture
def test_rule():
    """A rule registered for the test only, whose sweep returns what the test puts in ``dues``."""
    dues = []
    spec = register_rule(
        RuleSpec(
            key="test_rule",
            label="测试规则",
            recipients="测试",
            defaults=RuleDefaults(send_at=datetime.time(17, 0)),
            sweep=lambda *, rule, now: list(dues),
        )
    )
    yield spec, dues
    _rules.pop("test_rule", None)


def test_a_reminder_is_planned_once_per_rule_object_recipient_and_period(company):
    for _ in range(3):
        services.reminders_plan(rule="task_overdue", dues=[_due(company)])
    services.reminders_plan(rule="task_overdue", dues=[_due(company, period="2026-11-27")])
    assert Reminder.objects.count() == 2


def test_delivery_notifies_in_the_portal_and_by_email_once(company):
    company.tech_staff.email = "wangwu@example.com"
    company.tech_staff.save()
    services.reminders_plan(rule="task_overdue", dues=[_due(company)])
    assert services.reminders_deliver() == 1
    assert services.reminders_deliver() == 0
    notification = Notification.objects.get(recipient=company.tech_staff)
    assert notification.title == "任务已逾期" and notification.email_state == "pending"
    reminder = Reminder.objects.get()
    assert reminder.state == "sent" and reminder.sent_at and reminder.channels == "in-app, email"
    assert reminder.robot_state == ""


def test_someone_who_declined_email_gets_it_in_the_portal_only(company):
    company.tech_staff.email = "wangwu@example.com"
    company.tech_staff.remind_by_email = False
    company.tech_staff.save()
    services.reminders_plan(rule="task_overdue", dues=[_due(company)])
    services.reminders_deliver()
    assert Notification.objects.get().email_state == "not_needed"
    assert Reminder.objects.get().channels == "in-app"


def test_a_department_robot_gets_it_next_unless_the_person_declined(company):
    WebhookEndpoint.objects.create(
        department=company.tech, platform="wecom", url="http://127.0.0.1:9/robot"
    )
    services.reminders_plan(
        rule="task_overdue",
        dues=[_due(company), _due(company, recipient=company.tech_head)],
    )
    company.tech_head.remind_by_robot = False
    company.tech_head.save()
    services.reminders_deliver()
    states = dict(Reminder.objects.values_list("recipient__username", "robot_state"))
    assert states["tech_staff"] in ("pending", "failed") and states["tech_head"] == ""
    assert Reminder.objects.get(recipient=company.tech_staff).channels.endswith(", wecom")


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_ten_minutes(company):
    services.reminders_plan(rule="task_overdue", dues=[_due(company)])
    Reminder.objects.update(state="sending", claimed_at=timezone.now())
    assert services.reminders_deliver() == 0
    Reminder.objects.update(claimed_at=timezone.now() - datetime.timedelta(minutes=11))
    assert services.reminders_deliver() == 1
    assert Notification.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_relays_at_once_deliver_each_reminder_once(company):
    services.reminders_plan(
        rule="task_overdue",
        dues=[_due(company, period=f"2026-11-{day:02d}") for day in range(1, 29)],
    )
    barrier = threading.Barrier(2)

    def relay():
        try:
            barrier.wait()
            services.reminders_deliver()
        finally:
            connection.close()

    threads = [threading.Thread(target=relay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert Notification.objects.count() == 28
    assert Reminder.objects.filter(state="sent").count() == 28


def test_the_rule_settings_start_from_the_rules_defaults(db, test_rule):
    spec, _dues = test_rule
    rule = services.rule_settings(spec)
    assert rule.send_at == datetime.time(17, 0) and rule.enabled and not rule.on_rest_days
    assert ReminderRule.objects.filter(key="test_rule").count() == 1
    services.rule_settings(spec)
    assert ReminderRule.objects.filter(key="test_rule").count() == 1


@pytest.mark.parametrize(
    ("moment", "due"),
    [
        (datetime.datetime(2026, 11, 26, 17, 0, tzinfo=SHANGHAI), True),  # a Thursday, 17:00
        (datetime.datetime(2026, 11, 26, 16, 59, tzinfo=SHANGHAI), False),  # before send time
        (datetime.datetime(2026, 11, 28, 17, 30, tzinfo=SHANGHAI), False),  # a Saturday
        (datetime.datetime(2025, 10, 3, 17, 30, tzinfo=SHANGHAI), False),  # National Day
        (datetime.datetime(2025, 9, 28, 17, 30, tzinfo=SHANGHAI), True),  # make-up Sunday
    ],
)
def test_a_sweep_runs_on_working_days_from_its_send_time(company, test_rule, moment, due):
    _spec, dues = test_rule
    dues.append(_due(company))
    offered = services.reminders_sweep(now=moment)
    assert ("test_rule" in offered) is due
    assert Reminder.objects.filter(rule="test_rule").exists() is due


def test_a_rule_switched_off_or_allowed_on_rest_days_is_honoured(company, test_rule):
    spec, dues = test_rule
    dues.append(_due(company))
    rule = services.rule_settings(spec)
    saturday = datetime.datetime(2026, 11, 28, 18, 0, tzinfo=SHANGHAI)
    rule.on_rest_days = True
    rule.save()
    assert "test_rule" in services.reminders_sweep(now=saturday)
    rule.enabled = False
    rule.save()
    Reminder.objects.all().delete()
    assert services.reminders_sweep(now=saturday) == {}
    assert not Reminder.objects.exists()


def test_the_admin_log_resends_a_failed_robot_message(company, login):
    services.reminders_plan(rule="task_overdue", dues=[_due(company)])
    Reminder.objects.update(state="sent", robot_state="failed", robot_attempts=5, robot_error="x")
    client = login(company.admin)
    changelist = reverse("admin:reminders_reminder_changelist")
    page = client.get(changelist)
    assert "任务已逾期" in page.content.decode()
    client.post(changelist, {"action": "resend", "_selected_action": [Reminder.objects.get().pk]})
    reminder = Reminder.objects.get()
    assert (reminder.robot_state, reminder.robot_attempts, reminder.robot_error) == (
        "pending",
        0,
        "",
    )


def test_a_person_chooses_their_reminder_channels(company, login):
    client = login(company.tech_staff)
    client.post(reverse("org:my_reminder_channels"), {"remind_by_email": "on"})
    company.tech_staff.refresh_from_db()
    assert company.tech_staff.remind_by_email and not company.tech_staff.remind_by_robot
