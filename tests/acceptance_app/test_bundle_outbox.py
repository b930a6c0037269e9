"""The archive bundle is built once, at archiving, by the worker (issue 18, point 14): the first
download after archiving took 10.3 s and built a different file than the stored one.

Archiving writes the bundle's outbox row and queues the task on commit; the task stores the
bundle; the download serves only that stored file and never builds; the retrospective page shows
“being prepared” (polling a small status endpoint) and then the link; a broker outage, a worker
that died or a failing build leave the row to the periodic sweep."""

import datetime
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from acceptance_app import bundle as bundle_module
from acceptance_app import services
from acceptance_app.bundle_outbox import (
    MAX_ATTEMPTS,
    STALE_CLAIM,
    archive_bundle_build,
    archive_bundles_sweep,
)
from acceptance_app.models import ArchiveBundle
from acceptance_app.tasks import build_archive_bundle
from requests_app.models import Receiver
from tests.factories import DepartmentFactory, UserFactory
from tests.fixtures.acceptance import WRITE_UP

State = ArchiveBundle.State


@pytest.fixture
def eager_celery(settings):
    """Tasks run in this process when queued, as a worker would run them."""
    from collab_portal.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def ready_to_file(company, in_retrospective):
    services.retrospective_save(
        actor=company.tech_staff, retrospective=in_retrospective, data=WRITE_UP
    )
    receiver = Receiver.objects.get(request=in_retrospective.request, department=company.tech)
    services.rating_save(
        actor=company.tech_head, retrospective=in_retrospective, receiver=receiver, score=5
    )
    return in_retrospective


class Builds:
    """Counts the bundles written; ``refuse()`` makes any further build fail the test."""

    def __init__(self, monkeypatch):
        self.count = 0
        self.refused = False
        self.monkeypatch = monkeypatch
        real = bundle_module.archive_bundle_write

        def counted(**kwargs):
            assert not self.refused, "a request built the archive bundle"
            self.count += 1
            return real(**kwargs)

        monkeypatch.setattr(bundle_module, "archive_bundle_write", counted)

    def refuse(self):
        self.refused = True


@pytest.fixture
def builds(monkeypatch):
    return Builds(monkeypatch)


def bundle_of(case) -> ArchiveBundle:
    return ArchiveBundle.objects.get(request=case)


def stored_bytes(bundle: ArchiveBundle) -> bytes:
    with default_storage.open(bundle.stored_name, "rb") as stored:
        return stored.read()


def test_archiving_stores_the_bundle_through_the_task(
    company, ready_to_file, eager_celery, django_capture_on_commit_callbacks, builds
):
    with django_capture_on_commit_callbacks(execute=True):
        services.retrospective_file(actor=company.tech_staff, retrospective=ready_to_file)
        assert bundle_of(ready_to_file.request).state == State.WAITING  # the outbox row
        assert builds.count == 0  # nothing before the archiving commits

    bundle = bundle_of(ready_to_file.request)
    assert builds.count == 1
    assert bundle.state == State.READY and bundle.attempts == 1
    content = stored_bytes(bundle)
    assert bundle.size == len(content) and zipfile.is_zipfile(io.BytesIO(content))
    assert bundle.files_total > 0 and bundle.files_done == bundle.files_total
    assert bundle.built_at is not None and bundle.error == ""


def test_the_download_serves_the_stored_file_and_never_builds(company, login, archived, builds):
    build_archive_bundle(archived.pk)  # the worker, once the archiving committed
    builds.refuse()
    stored = stored_bytes(bundle_of(archived))

    client = login(company.sales_staff)
    for _twice in range(2):
        response = client.get(reverse("acceptance_app:bundle", args=[archived.code]))
        assert response["Content-Type"] == "application/zip"
        assert b"".join(response.streaming_content) == stored
    assert builds.count == 1


def test_before_it_is_ready_the_download_says_so_and_builds_nothing(
    company, login, archived, builds
):
    builds.refuse()
    response = login(company.sales_staff).get(
        reverse("acceptance_app:bundle", args=[archived.code]), follow=True
    )

    retrospective = reverse("acceptance_app:retrospective", args=[archived.code])
    assert response.redirect_chain[-1][0] == retrospective
    assert "归档包仍在准备中" in " ".join(str(m) for m in response.context["messages"])
    assert bundle_of(archived).state == State.WAITING and bundle_of(archived).stored_name == ""
    assert not default_storage.exists("bundles") or default_storage.listdir("bundles") == ([], [])


def test_the_page_shows_being_prepared_then_the_link(company, login, archived):
    client = login(company.sales_staff)
    page = client.get(reverse("acceptance_app:retrospective", args=[archived.code]))
    body = page.content.decode()
    status_url = reverse("acceptance_app:bundle_status", args=[archived.code])

    assert 'data-testid="bundle-status"' in body and "归档包正在准备" in body
    assert f'hx-get="{status_url}"' in body and 'hx-trigger="every 2s"' in body
    assert 'data-testid="bundle-link"' not in body

    ArchiveBundle.objects.filter(request=archived).update(
        state=State.BUILDING, claimed_at=timezone.now(), files_done=3, files_total=12
    )
    building = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert "3 / 12" in building and 'hx-trigger="every 2s"' in building

    ArchiveBundle.objects.filter(request=archived).update(state=State.WAITING, claimed_at=None)
    archive_bundle_build(request_id=archived.pk)
    ready = client.get(status_url, HTTP_HX_REQUEST="true")
    assert 'data-testid="bundle-link"' in ready.content.decode()
    assert "hx-trigger" not in ready.content.decode()  # the polling stops
    assert "no-cache" in ready["Cache-Control"]
    page = client.get(reverse("acceptance_app:retrospective", args=[archived.code]))
    assert reverse("acceptance_app:bundle", args=[archived.code]) in page.content.decode()


def test_the_status_is_only_for_whoever_sees_the_case(company, login, archived):
    hr = DepartmentFactory(code="HR", name="人事部", parent=company.division)
    outsider = UserFactory(username="outsider", display_name="路人", department=hr)
    url = reverse("acceptance_app:bundle_status", args=[archived.code])

    assert login(outsider).get(url).status_code == 404
    assert login(company.sales_staff).get(url).status_code == 200


def test_a_case_not_archived_has_no_bundle_status(company, login, in_retrospective):
    url = reverse("acceptance_app:bundle_status", args=[in_retrospective.request.code])
    assert login(company.sales_staff).get(url).status_code == 404
    assert not ArchiveBundle.objects.exists()


def test_the_sweep_builds_what_a_broker_outage_left_waiting(
    company,
    ready_to_file,
    eager_celery,
    django_capture_on_commit_callbacks,
    monkeypatch,
    builds,
    caplog,
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(build_archive_bundle, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        services.retrospective_file(actor=company.tech_staff, retrospective=ready_to_file)
    case = ready_to_file.request
    assert bundle_of(case).state == State.WAITING and builds.count == 0
    assert "broker unavailable" in caplog.text

    assert archive_bundles_sweep() == 1
    assert bundle_of(case).state == State.READY and builds.count == 1
    assert archive_bundles_sweep() == 0 and builds.count == 1  # never built twice


def test_the_sweep_gives_an_archived_case_without_a_row_its_bundle(archived, builds):
    ArchiveBundle.objects.filter(request=archived).delete()  # archived before bundles were kept

    assert archive_bundles_sweep() == 1
    assert bundle_of(archived).state == State.READY


def test_a_bundle_being_built_is_not_built_again_unless_its_worker_died(archived, builds):
    now = timezone.now()
    ArchiveBundle.objects.filter(request=archived).update(state=State.BUILDING, claimed_at=now)

    assert archive_bundle_build(request_id=archived.pk) is None
    assert archive_bundles_sweep() == 0 and builds.count == 0

    ArchiveBundle.objects.filter(request=archived).update(
        claimed_at=now - STALE_CLAIM - datetime.timedelta(minutes=1)
    )
    assert archive_bundles_sweep() == 1 and builds.count == 1


def test_a_failing_build_is_tried_again_then_given_up_and_said(
    company, login, archived, monkeypatch, caplog
):
    def broken(**kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(bundle_module, "archive_bundle_write", broken)
    archive_bundle_build(request_id=archived.pk)
    bundle = bundle_of(archived)
    assert (bundle.state, bundle.attempts) == (State.WAITING, 1)
    assert "disk full" in bundle.error

    for _attempt in range(MAX_ATTEMPTS - 1):
        archive_bundles_sweep()
    bundle = bundle_of(archived)
    assert (bundle.state, bundle.attempts) == (State.FAILED, MAX_ATTEMPTS)
    assert archive_bundles_sweep() == 0  # given up: an administrator has it prepared again
    assert any(r.levelname == "ERROR" and "given up" in r.getMessage() for r in caplog.records)
    page = login(company.sales_staff).get(
        reverse("acceptance_app:retrospective", args=[archived.code])
    )
    body = page.content.decode()
    assert 'data-state="failed"' in body and "hx-trigger" not in body


def test_an_administrator_has_a_bundle_prepared_again(
    company, login, archived, eager_celery, django_capture_on_commit_callbacks, builds
):
    archive_bundle_build(request_id=archived.pk)
    first = bundle_of(archived)
    client = login(company.admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:acceptance_app_archivebundle_changelist"),
            {"action": "prepare_again", "_selected_action": [first.pk]},
            follow=True,
        )

    assert response.status_code == 200
    again = bundle_of(archived)
    assert again.state == State.READY and builds.count == 2  # rebuilt by the task
    assert default_storage.exists(again.stored_name)
    page = client.get(reverse("admin:acceptance_app_archivebundle_change", args=[first.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]
