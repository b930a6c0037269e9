"""A real Celery worker process takes work from the real Redis and from the embedded broker.

Each test stores a notification, publishes its email task to the broker and lets a worker
started as its own process deliver it: the database row turns to sent and the email lands in
the worker's mail folder."""

import subprocess
import sys

import pytest
from django.conf import settings
from kombu import Connection

from collab_portal.notifications.models import Notification
from collab_portal.notifications.tasks import deliver_notification_emails
from tests.platform.processes import ROOT, child_env, start_worker, stop, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _delivered(notification) -> bool:
    notification.refresh_from_db()
    return notification.email_state == Notification.EmailState.SENT


def _run_worker_and_wait(notification, env, tmp_path):
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        delivered = wait_until(lambda: _delivered(notification), timeout=60)
    finally:
        stop(worker)
    log = (tmp_path / "worker.log").read_text()
    assert delivered, log
    emails = "".join(p.read_text() for p in (tmp_path / "mail").iterdir())
    assert notification.title in emails
    assert "deliver_notification_emails" in log and "succeeded" in log


@pytest.mark.redis
def test_a_worker_consumes_a_task_from_the_real_redis(company, tmp_path):
    notification = Notification.objects.create(
        recipient=company.sales_head, title="经 Redis 送达的通知", email_state="pending"
    )
    deliver_notification_emails.apply_async(args=[[notification.pk]])
    env = child_env(REDIS_URL=settings.REDIS_URL, EMAIL_URL=f"filemail:///{tmp_path / 'mail'}")
    _run_worker_and_wait(notification, env, tmp_path)


def test_a_worker_consumes_a_task_from_the_embedded_filesystem_broker(company, tmp_path):
    notification = Notification.objects.create(
        recipient=company.sales_head, title="经文件队列送达的通知", email_state="pending"
    )
    queue = tmp_path / "var" / "broker"
    options = {
        "data_folder_in": str(queue / "queue"),
        "data_folder_out": str(queue / "queue"),
        "control_folder": str(queue / "control"),
        "processed_folder": str(queue / "processed"),
        "store_processed": False,
    }
    for folder in ("queue", "control", "processed"):
        (queue / folder).mkdir(parents=True)
    with Connection("filesystem://", transport_options=options) as connection:
        deliver_notification_emails.apply_async(args=[[notification.pk]], connection=connection)
    assert len(list((queue / "queue").iterdir())) == 1
    env = child_env(VAR_DIR=str(tmp_path / "var"), EMAIL_URL=f"filemail:///{tmp_path / 'mail'}")
    _run_worker_and_wait(notification, env, tmp_path)
    assert list((queue / "queue").iterdir()) == []


def test_a_dead_broker_never_hangs_the_change_that_notifies(company, tmp_path):
    """The web side with Redis unreachable: the change commits, the email waits for the sweep."""
    script = (
        "import time; from django.db import transaction;"
        "from collab_portal.org.models import User;"
        "from collab_portal.notifications.services import notify;"
        "from collab_portal.notifications.models import Notification;"
        "start = time.monotonic();\n"
        "with transaction.atomic():\n"
        "    head = User.objects.get(username='sales_head')\n"
        "    n, = notify(recipients=[head], title='broker down')\n"
        "print(round(time.monotonic() - start, 2), Notification.objects.get(pk=n.pk).email_state)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env=child_env(REDIS_URL="redis://127.0.0.1:9/0"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    elapsed, state = result.stdout.split()[-2:]
    assert state == "pending"
    assert float(elapsed) < 5, result.stderr
    assert "broker unavailable" in result.stderr
