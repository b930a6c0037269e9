"""The customer opens what they are asked to accept (issue 18, point 2): the acceptance link's
page links every delivered file of its version, and the link's token downloads them, checked
against the SHA-256 recorded at upload, without using the link up."""

import pytest
from django.urls import reverse

from acceptance_app import services
from acceptance_app.models import DeliveryFile
from collab_portal.signoffs.models import ExternalLink
from tests.acceptance_app.test_printing import attach


def _token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def link_path(company, external_submitted) -> str:
    return services.acceptance_link_create(actor=company.sales_staff, delivery=external_submitted)


def _download(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_acceptance_page_links_each_delivered_file_through_the_link(
    client, link_path, external_submitted
):
    file = DeliveryFile.objects.get(item__delivery=external_submitted)
    page = client.get(link_path).content.decode()
    url = reverse("external:acceptance_file", args=[_token(link_path), file.pk])
    assert f'href="{url}"' in page
    assert url.startswith(link_path)  # under /x/accept/<token>/: no-store, token kept out of logs


def test_the_links_holder_downloads_the_file_as_delivered_and_the_link_stays_usable(
    client, link_path, external_submitted
):
    file = DeliveryFile.objects.get(item__delivery=external_submitted)
    response = client.get(reverse("external:acceptance_file", args=[_token(link_path), file.pk]))
    assert response.status_code == 200
    assert _download(response) == b"%PDF-1.4\nreport\n%%EOF"
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert ExternalLink.objects.get().used_at is None  # reading is not deciding


def test_every_file_of_the_version_downloads(client, link_path, external_submitted):
    attach(external_submitted.items.get(name="方案反馈报告"), "反馈.pdf", b"%PDF-1.4\nfeedback")
    downloaded = {
        file.name: _download(
            client.get(reverse("external:acceptance_file", args=[_token(link_path), file.pk]))
        )
        for file in DeliveryFile.objects.filter(item__delivery=external_submitted)
    }
    assert downloaded == {
        "问卷.pdf": b"%PDF-1.4\nreport\n%%EOF",
        "反馈.pdf": b"%PDF-1.4\nfeedback",
    }
