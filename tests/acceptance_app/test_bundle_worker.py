"""The archive bundle gets built with no one asking for it, through real Celery processes (issue
18, point 14): with the embedded defaults of ``make run`` (the filesystem broker, a worker) the
task queued when the archiving commits builds it; with the broker down at that moment, the
beat's sweep builds it once a worker runs."""

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from acceptance_app import services
from acceptance_app.models import ArchiveBundle
from collab_portal.celery import app as celery_app
from requests_app.models import Receiver
from tests.fixtures.acceptance import WRITE_UP
from tests.platform.processes import child_env, free_port, kill_hard, start_celery, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WORKER = ("worker", "--pool=solo", "--loglevel=INFO", "--without-mingle", "--without-gossip")


def _publish_to(url: str, options: dict) -> None:
    """Make this (the web's) process publish to ``url`` from now on."""
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = options
    celery_app._pool = None  # the connection pools are keyed by the old broker: drop them
    celery_app.amqp._producer_pool = None


@pytest.fixture
def embedded_broker(tmp_path):
    """A filesystem broker of the test's own, as ``make run`` has under var/broker/."""
    folders = tmp_path / "var" / "broker"
    options = {
        "data_folder_in": str(folders / "queue"),
        "data_folder_out": str(folders / "queue"),
        "control_folder": str(folders / "control"),
        "processed_folder": str(folders / "processed"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
    for name in ("queue", "control", "processed"):
        (folders / name).mkdir(parents=True)
    shared = celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options or {})
    _publish_to("filesystem://", options)
    yield folders
    _publish_to(*shared)


@pytest.fixture
def processes():
    started = []
    yield started
    for process in started:
        if process.poll() is None:
            kill_hard(process)


def _file(company, retrospective):
    services.retrospective_save(
        actor=company.tech_staff, retrospective=retrospective, data=WRITE_UP
    )
    receiver = Receiver.objects.get(request=retrospective.request, department=company.tech)
    services.rating_save(
        actor=company.tech_head, retrospective=retrospective, receiver=receiver, score=4
    )
    services.retrospective_file(actor=company.tech_staff, retrospective=retrospective)
    return retrospective.request


def _ready(case) -> bool:
    return ArchiveBundle.objects.get(request=case).state == ArchiveBundle.State.READY


def _env(tmp_path, **more):
    return child_env(VAR_DIR=str(tmp_path / "var"), MEDIA_ROOT=str(settings.MEDIA_ROOT), **more)


def test_with_the_embedded_broker_the_worker_builds_the_bundle_by_itself(
    company, in_retrospective, embedded_broker, processes, tmp_path
):
    case = _file(company, in_retrospective)  # commits: the task is queued on the filesystem
    assert len(list((embedded_broker / "queue").iterdir())) >= 1
    assert not _ready(case)

    log = tmp_path / "worker.log"
    processes.append(start_celery(*WORKER, env=_env(tmp_path), log_path=log))

    assert wait_until(lambda: _ready(case), timeout=120), log.read_text()[-3000:]
    bundle = ArchiveBundle.objects.get(request=case)
    assert default_storage.size(bundle.stored_name) == bundle.size > 0
    assert "build_archive_bundle" in log.read_text()


def test_with_the_broker_down_at_archiving_the_beats_sweep_builds_it(
    company, in_retrospective, embedded_broker, processes, tmp_path, caplog
):
    _publish_to(f"redis://127.0.0.1:{free_port()}/0", {"socket_connect_timeout": 1})
    case = _file(company, in_retrospective)  # commits; the broker refuses the task
    assert "broker unavailable" in caplog.text
    assert ArchiveBundle.objects.get(request=case).state == ArchiveBundle.State.WAITING

    env = _env(tmp_path, ARCHIVE_BUNDLE_SWEEP_SECONDS="1")  # the broker is back: embedded
    log = tmp_path / "worker.log"
    processes.append(
        start_celery(*WORKER, "--beat", f"--schedule={tmp_path / 'beat'}", env=env, log_path=log)
    )

    assert wait_until(lambda: _ready(case), timeout=120), log.read_text()[-3000:]
    assert "build_waiting_archive_bundles" in log.read_text()
