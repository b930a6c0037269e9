"""Never twice, never lost: 500 reminders go out through real processes while things break.

A Redis of the test's own (the machine's shared one stays untouched), two ``celery beat``
processes that run the relay every second, and a worker killed with SIGKILL halfway through
delivering. Redis is then stopped: the web keeps answering, and keeps planning reminders and
notifying, while it is down; a new worker starts and waits for it. Redis comes back on the same
port with an empty memory (no persistence, so every queued task is gone), a second new worker
joins, and the beats' relay finishes the job from the outbox. Every reminder ends as exactly one
notification."""

import collections
import datetime
import shutil
import signal
import time

import pytest
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from collab_portal.celery import app as celery_app
from collab_portal.notifications.models import Notification
from collab_portal.notifications.services import notify
from collab_portal.reminders.models import Reminder
from collab_portal.reminders.registry import Due
from collab_portal.reminders.services import reminders_plan
from tests.factories import UserFactory
from tests.platform.processes import (
    PrivateRedis,
    child_env,
    kill_hard,
    start_celery,
    stop,
    wait_until,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

RULE = "failure_drill"
TITLE = "故障演练"
PEOPLE, PERIODS = 50, 10  # 500 reminders
BEFORE_OUTAGE = 400  # the other 100 are planned while Redis is down
KILL_AFTER = 100  # deliveries seen before the worker is killed
FAST = 3.0  # seconds a web request or a planning transaction may take while Redis is down


def _point_celery_at(url: str) -> None:
    """Make this (the web's) process publish to ``url`` from now on."""
    celery_app.conf.broker_url = url
    celery_app._pool = None  # the connection pools are keyed by the old URL: drop them
    celery_app.amqp._producer_pool = None


@pytest.fixture
def private_redis(tmp_path, transactional_db):
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server on PATH")
    redis = PrivateRedis(tmp_path)
    redis.start()
    shared = celery_app.conf.broker_url
    _point_celery_at(redis.url)
    try:
        yield redis
    finally:
        redis.stop()
        _point_celery_at(shared)


@pytest.fixture
def celery_processes(transactional_db):
    """Every Celery process the test starts; all are killed before the database is flushed."""
    started = []
    yield started
    for process in started:
        if process.poll() is None:
            kill_hard(process)


def _dues(company, people) -> list[Due]:
    return [
        Due(
            target=company.tech,
            recipient_id=person.pk,
            period=f"2026-11-{day:02d}",
            title=f"{TITLE} {person.username} 2026-11-{day:02d}",
            url="/",
        )
        for day in range(1, PERIODS + 1)
        for person in people
    ]


def _delivered() -> int:
    return Notification.objects.filter(title__startswith=TITLE).count()


def _rounded(times: dict[str, float]) -> dict[str, float]:
    return {key: round(value, 2) for key, value in times.items()}


def _beat_recovered(log: str) -> bool:
    """The beat failed to send the relay at least once, then sent it after its last failure."""
    records = [line for line in log.splitlines() if line.startswith("[")]
    failed = [i for i, line in enumerate(records) if "Couldn't apply scheduled task" in line]
    sent = [
        i
        for i, line in enumerate(records)
        if "Sending due task deliver-pending-reminders" in line
        and (i + 1 == len(records) or "Couldn't apply" not in records[i + 1])
    ]
    return bool(failed) and any(i > failed[-1] for i in sent)


def _timed(call):
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def test_reminders_go_out_once_through_a_killed_worker_a_redis_restart_and_two_beats(
    company, client, private_redis, celery_processes, tmp_path
):
    began = time.monotonic()
    people = UserFactory.create_batch(PEOPLE, department=company.tech, remind_by_email=False)
    dues = _dues(company, people)
    assert len(dues) == PEOPLE * PERIODS == 500
    env = child_env(
        REDIS_URL=private_redis.url,
        REMINDER_RELAY_SECONDS="1",
        VAR_DIR=str(tmp_path / "var"),
        EMAIL_URL=f"filemail:///{tmp_path / 'mail'}",
    )
    logs = {name: tmp_path / f"{name}.log" for name in ("beat-a", "beat-b", "w1", "w2", "w3")}

    def celery(name, *args):
        process = start_celery(*args, env=env, log_path=logs[name])
        celery_processes.append(process)
        return process

    def worker(name):
        return celery(
            name,
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-mingle",
            "--without-gossip",
            f"--hostname={name}@%h",
        )

    def ready(name) -> bool:
        return "ready." in logs[name].read_text()

    def log_tail(name) -> str:
        return f"--- {name} ---\n" + logs[name].read_text()[-3000:]

    for name in ("beat-a", "beat-b"):
        celery(name, "beat", "--loglevel=INFO", f"--schedule={tmp_path / name}-schedule")
    first = worker("w1")
    assert wait_until(lambda: ready("w1"), timeout=30), log_tail("w1")

    # Both beats up and sending before the outage (a slow start would otherwise meet it while
    # still connecting, and back off past the end of the test).
    def beating(name) -> bool:
        return "Sending due task deliver-pending-reminders" in logs[name].read_text()

    for name in ("beat-a", "beat-b"):
        assert wait_until(lambda name=name: beating(name), timeout=30), log_tail(name)

    # The web with Redis up, warmed (the first page of a run compiles its templates).
    client.get("/")
    normal_times = {}
    changed, normal_times["POST delegation"] = _timed(
        lambda: _delegate(client, company.tech_head, company.tech_staff)
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]
    _, normal_times["GET /"] = _timed(lambda: client.get("/"))

    # 400 reminders due: the change's transaction writes them and queues the relay.
    with transaction.atomic():
        reminders_plan(rule=RULE, dues=dues[:BEFORE_OUTAGE])

    # Kill the worker (SIGKILL, no goodbye) while it is delivering them.
    assert wait_until(lambda: _delivered() >= KILL_AFTER, timeout=30, interval=0.005), log_tail(
        "w1"
    )
    first.send_signal(signal.SIGKILL)
    first.wait()
    at_kill = _delivered()
    assert 0 < at_kill < BEFORE_OUTAGE, f"killed after {at_kill} of {BEFORE_OUTAGE} deliveries"
    # Claiming, notifying and marking sent share one transaction: the kill leaves no claim.
    assert not Reminder.objects.filter(rule=RULE, state=Reminder.State.SENDING).exists()
    assert Reminder.objects.filter(rule=RULE, state=Reminder.State.SENT).count() == at_kill

    # Redis goes down. A new worker starts anyway and waits for it.
    private_redis.stop()
    worker("w2")
    outage_began = time.monotonic()

    # The web answers normally while Redis is down. (The first publish after the outage fails at
    # once on the pool's dead connection; the later ones are what every request then meets.)
    outage_times = {}
    changed, outage_times["POST delegation"] = _timed(
        lambda: _delegate(client, company.sales_head, company.sales_staff)
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]
    notice = Notification.objects.get(recipient=company.sales_staff)
    assert notice.email_state == Notification.EmailState.PENDING  # left for the email sweep
    page, outage_times["GET /"] = _timed(lambda: client.get("/"))
    assert page.status_code == 200
    # A change that plans reminders (all 500: the 400 again are dropped by the unique key) and
    # notifies someone, in one transaction.
    offered, outage_times["plan + notify"] = _timed(lambda: _change(dues, company.leader))
    assert offered == 500
    assert Reminder.objects.filter(rule=RULE).count() == 500
    time.sleep(max(0.0, 3 - (time.monotonic() - outage_began)))  # the beats fire into the void

    # Redis is back, empty; one more worker joins. The beats' relay delivers the rest.
    private_redis.start()
    outage = time.monotonic() - outage_began
    worker("w3")
    done = wait_until(
        lambda: not Reminder.objects.filter(rule=RULE).exclude(state=Reminder.State.SENT).exists(),
        timeout=120,
        interval=0.5,
    )
    recovered = time.monotonic() - outage_began - outage
    for process in celery_processes:  # graceful: a task in flight finishes first
        if process.poll() is None:
            stop(process)
    assert done, "\n".join(log_tail(name) for name in logs)

    # Every reminder delivered once: exactly one notification for each, none twice.
    reminders = Reminder.objects.filter(rule=RULE)
    assert reminders.count() == 500
    assert (
        reminders.values("target_type", "target_id", "recipient", "period")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
        == 0
    )
    assert set(reminders.values_list("state", flat=True)) == {Reminder.State.SENT}
    assert set(reminders.values_list("attempts", flat=True)) == {1}
    notifications = collections.Counter(
        Notification.objects.filter(title__startswith=TITLE).values_list("recipient", "title")
    )
    expected = {(due.recipient_id, due.title) for due in dues}
    assert set(notifications) == expected
    twice = {key: n for key, n in notifications.items() if n > 1}
    assert not twice, twice
    assert sum(notifications.values()) == 500

    # Both beats fired the relay into the outage and got through again once Redis was back, and
    # the new workers ran it.
    for beat in ("beat-a", "beat-b"):
        assert _beat_recovered(logs[beat].read_text()), log_tail(beat)
    for name in ("w2", "w3"):
        assert "deliver_reminders" in logs[name].read_text(), log_tail(name)
    by_worker = {
        name: logs[name].read_text().count("collab_portal.reminders.tasks.deliver_reminders[")
        for name in ("w1", "w2", "w3")
    }
    rounded = _rounded(outage_times)
    print(
        f"\n{TITLE}: {at_kill} of {BEFORE_OUTAGE} delivered when w1 was killed; "
        f"Redis down {outage:.1f}s; web with Redis up {_rounded(normal_times)}, "
        f"down {_rounded(outage_times)}; rest delivered {recovered:.1f}s after Redis came back; "
        f"{sum(notifications.values())} notifications for {reminders.count()} reminders; "
        f"deliver tasks per worker {by_worker}; total {time.monotonic() - began:.1f}s"
    )

    # The web never waits on the broker: nothing above took long while it was down.
    slow = {key: value for key, value in rounded.items() if value >= FAST}
    assert not slow, f"slow while Redis was down: {slow}"


def _delegate(client, principal, to):
    """A real POST whose service notifies (and queues the email after commit)."""
    client.force_login(principal)
    today = timezone.localdate()
    return client.post(
        reverse("org:my_delegations"),
        {
            "delegate": to.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=3)).isoformat(),
            "reason": "出差",
        },
    )


def _change(dues, someone) -> int:
    with transaction.atomic():
        notify(recipients=[someone], title="变更通知", url="/")
        return reminders_plan(rule=RULE, dues=dues)
