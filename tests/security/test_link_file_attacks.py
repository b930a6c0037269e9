"""The files behind a one-time link (issue 18, point 2).

A link's token lets its holder download exactly the files of what the link was made for: the
acceptance link the files of its delivery version, the plan link the case's registration
material and what was sent to the link's own party. Everything else is refused: another
version's file, another case's, another receiver's, a file of the other kind of link, and any
file once the link is used, expired or revoked. A file whose bytes changed on disk is withheld.
Every answer is stored nowhere and its token reaches no log."""

from __future__ import annotations

import datetime
import io
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from acceptance_app import services as acceptance_services
from acceptance_app.models import DeliveryFile
from collab_portal.lib.secret_urls import without_link_tokens
from collab_portal.signoffs.models import ExternalLink
from requests_app import services as request_services
from requests_app.models import Attachment, Receiver
from tasks_app.models import Task
from tests.acceptance_app.test_bundle import _attachment
from tests.fixtures.acceptance import (
    all_pass,
    finish_all_tasks,
    first_fails,
    pdf_file,
    rework_and_resubmit,
)
from tests.fixtures.inbox_cases import executing_case

pytestmark = pytest.mark.django_db


def _token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _file_url(token: str, file) -> str:
    return reverse("external:acceptance_file", args=[token, file.pk])


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _refused(response, status, *, secret: bytes = b"%PDF"):
    """Refused with ``status``: none of the file's bytes, stored nowhere."""
    assert response.status_code == status
    assert secret not in _body(response)
    assert "no-store" in response["Cache-Control"]


def _accept_link(company, delivery) -> str:
    return _token(
        acceptance_services.acceptance_link_create(actor=company.sales_staff, delivery=delivery)
    )


# --- the acceptance link ------------------------------------------------------------------------


@pytest.fixture
def second_round(company, external_submitted):
    """v1 sent back through its link (which is used up); v2 reworked, with a new file on the
    failed item (``rework_and_resubmit``), and its own link. Returns (v1, v1's token, v2,
    v2's token)."""
    first_token = _accept_link(company, external_submitted)
    acceptance_services.acceptance_external_decide(
        token=first_token, typed_name="高建华", ip=None, verdicts=first_fails(external_submitted)
    )
    v2 = rework_and_resubmit(company, external_submitted.request)
    return external_submitted, first_token, v2, _accept_link(company, v2)


def test_a_link_downloads_no_file_of_another_version(client, second_round):
    v1, first_token, v2, token = second_round
    v1_file = DeliveryFile.objects.get(item__delivery=v1)
    _refused(client.get(_file_url(token, v1_file)), 404)
    for file in DeliveryFile.objects.filter(item__delivery=v2):
        assert client.get(_file_url(token, file)).status_code == 200, file.name
        # the used link of v1 opens none of v2's files (nor its own any more)
        _refused(client.get(_file_url(first_token, file)), 410)
    _refused(client.get(_file_url(first_token, v1_file)), 410)


def test_a_link_downloads_no_file_of_another_case(company, client, external_submitted):
    other = executing_case(company, subject="另一个需求")
    finish_all_tasks(other)
    item = acceptance_services.delivery_item_add(
        actor=company.tech_staff,
        request=other,
        data=acceptance_services.ItemData(
            task=Task.objects.get(request=other, name="方案反馈"), name="机密"
        ),
        files=[pdf_file("机密.pdf", b"secret of another case")],
    )
    token = _accept_link(company, external_submitted)
    response = client.get(_file_url(token, item.files.get()))
    _refused(response, 404, secret=b"secret of another case")
    for pk in (0, 999999):
        _refused(client.get(reverse("external:acceptance_file", args=[token, pk])), 404)


def test_a_used_expired_or_revoked_link_downloads_nothing(company, client, external_submitted):
    file = DeliveryFile.objects.get(item__delivery=external_submitted)
    expired = _accept_link(company, external_submitted)
    ExternalLink.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = client.get(_file_url(expired, file))
    _refused(response, 410)
    assert "已过期" in response.content.decode()

    replaced = _accept_link(company, external_submitted)
    current = _accept_link(company, external_submitted)  # replaces the one before
    _refused(client.get(_file_url(replaced, file)), 410)
    assert client.get(_file_url(current, file)).status_code == 200

    acceptance_services.acceptance_external_decide(
        token=current, typed_name="高建华", ip=None, verdicts=all_pass(external_submitted)
    )
    response = client.get(_file_url(current, file))
    _refused(response, 410)
    assert "已使用过" in response.content.decode()
    _refused(client.get(_file_url("not-a-token", file)), 410)


def test_a_withdrawn_delivery_serves_nothing_through_its_link(company, client, external_submitted):
    token = _accept_link(company, external_submitted)
    acceptance_services.delivery_withdraw(actor=company.tech_staff, delivery=external_submitted)
    file = DeliveryFile.objects.get(item__delivery=external_submitted)
    _refused(client.get(_file_url(token, file)), 404)


def test_a_file_changed_on_disk_is_withheld_from_the_link(company, client, external_submitted):
    token = _accept_link(company, external_submitted)
    file = DeliveryFile.objects.get(item__delivery=external_submitted)
    with file.file.storage.open(file.file.name, "wb") as stored:
        stored.write(b"%PDF-1.4\nswapped\n%%EOF")
    response = client.get(_file_url(token, file))
    _refused(response, 409)
    assert "问卷.pdf" in response.content.decode() and b"swapped" not in _body(response)


def test_the_acceptance_token_opens_no_plan_material(company, client, external_submitted):
    token = _accept_link(company, external_submitted)
    attachment = _attach(external_submitted.request, "登记材料.pdf")
    _refused(client.get(reverse("external:plan_file", args=[token, attachment.pk])), 410)


def test_a_file_download_keeps_its_token_out_of_the_logs(company, client, external_submitted):
    token = _accept_link(company, external_submitted)
    path = reverse("external:acceptance_file", args=[token, 999999])
    assert without_link_tokens(f"GET {path} 404") == "GET /x/accept/***/files/999999/ 404"
    console = next(h for h in logging.getLogger("django").handlers if h.name == "console")
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        assert client.get(path).status_code == 404  # django.request logs “Not Found: <path>”
    finally:
        console.setStream(previous)
    assert "/x/accept/***/files/999999/" in stream.getvalue()
    assert token not in stream.getvalue()


# --- the plan link ------------------------------------------------------------------------------


def _attach(case, name, *, record=None, body=b"material") -> Attachment:
    return _attachment(case, name, b"%PDF-1.4\n" + body, by=case.initiator, sync_record=record)


@pytest.fixture
def plan_material(company, external_planning):
    """The registration's attachment, the material synced to the customer, the material synced
    to the internal receiver, and the plan link's token."""
    records = {
        r.receiver.kind: r for r in external_planning.sync_records.select_related("receiver")
    }
    files = {
        "registration": _attach(external_planning, "登记表附件.pdf", body=b"registration"),
        "customer": _attach(
            external_planning,
            "客户资料.pdf",
            record=records[Receiver.Kind.EXTERNAL],
            body=b"customer",
        ),
        "internal": _attach(
            external_planning,
            "内部资料.pdf",
            record=records[Receiver.Kind.INTERNAL],
            body=b"internal",
        ),
    }
    path = request_services.plan_external_link_create(
        actor=company.sales_staff,
        plan=external_planning.plans.get(),
        receiver=external_planning.receivers.get(kind="external"),
    )
    return files, _token(path)


def test_the_plan_link_shows_and_serves_the_registration_and_the_partys_material(
    client, plan_material
):
    files, token = plan_material
    page = client.get(reverse("external:plan", args=[token])).content.decode()
    for key in ("registration", "customer"):
        url = reverse("external:plan_file", args=[token, files[key].pk])
        assert f'href="{url}"' in page, key
        response = client.get(url)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"]
        assert _body(response) == b"%PDF-1.4\n" + key.encode()
    assert "内部资料.pdf" not in page


def test_the_plan_link_serves_no_other_receivers_or_cases_file(company, client, plan_material):
    files, token = plan_material
    _refused(
        client.get(reverse("external:plan_file", args=[token, files["internal"].pk])),
        404,
        secret=b"internal",
    )
    other = _attach(executing_case(company, subject="另一个需求"), "别的.pdf", body=b"other case")
    _refused(
        client.get(reverse("external:plan_file", args=[token, other.pk])), 404, secret=b"other"
    )
    delivery_like = reverse("external:acceptance_file", args=[token, files["customer"].pk])
    _refused(client.get(delivery_like), 410)  # a plan token is no acceptance token


def test_the_used_plan_link_serves_nothing(client, plan_material):
    files, token = plan_material
    client.post(
        reverse("external:plan", args=[token]), {"typed_name": "高建华", "decision": "confirm"}
    )
    assert ExternalLink.objects.get().used_at is not None
    response = client.get(reverse("external:plan_file", args=[token, files["registration"].pk]))
    _refused(response, 410, secret=b"registration")
