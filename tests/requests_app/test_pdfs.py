"""The three forms as PDFs: Chinese field values and signatures in the text, no missing glyphs,
a draft watermark until signed, and user text that tries to read a file stays text."""

import io
import logging

import pytest
from django.urls import reverse
from pypdf import PdfReader

from requests_app import services
from tests.fixtures.registration import registration


def _pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


@pytest.fixture
def weasy_warnings(caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    return caplog


def test_the_registration_form_carries_the_values_and_the_heads_signature(
    company, syncing, login, weasy_warnings
):
    response = login(company.sales_staff).get(
        reverse("requests_app:pdf_registration", args=[syncing.code])
    )
    text = _pdf_text(response)
    for value in (
        "沟通需求登记表",
        syncing.code,
        "Q3 产品上线客户需求对接",
        "收集 10 家重点客户",
        "技术部",
        "李四",
        "审核通过",
    ):
        assert value in text, value
    signoff = syncing.reviews.get()
    assert signoff.decision == "approved"
    assert "草稿" not in text
    assert not [
        r
        for r in weasy_warnings.records
        if "notdef" in r.getMessage().lower() or "glyph" in r.getMessage().lower()
    ]


def test_an_unsigned_form_is_marked_draft(company, draft, login):
    text = _pdf_text(
        login(company.sales_staff).get(reverse("requests_app:pdf_registration", args=[draft.code]))
    )
    assert "草稿" in text


def test_the_plan_form_lists_every_side_and_each_signature(company, proposed, login):
    services.plan_sign(actor=company.tech_head, plan=proposed)
    services.plan_sign(actor=company.sales_head, plan=proposed)
    response = login(company.tech_staff).get(
        reverse("requests_app:pdf_plan", args=[proposed.request.code, 1])
    )
    text = _pdf_text(response)
    for value in (
        "协作方案确认表",
        "技术部 15 个工作日完成开发",
        "需求确认",
        "销售部",
        "技术部",
        "赵六",
        "李四",
    ):
        assert value in text, value
    assert "草稿" not in text


def test_the_sync_record_form_lists_the_receipts(company, planning, login):
    text = _pdf_text(
        login(company.sales_staff).get(reverse("requests_app:pdf_sync", args=[planning.code]))
    )
    for value in ("信息同步记录表", "钉钉", "登记表、客户需求文档", "王五"):
        assert value in text, value


def _verify_hint_printed(text: str) -> bool:
    """The hint's address, whatever line it wrapped onto."""
    return "核验签字" in text and "/verify/" in "".join(text.split())


def test_every_signed_form_prints_how_to_verify_it_and_an_unsigned_one_does_not(
    company, proposed, login
):
    services.plan_sign(actor=company.tech_head, plan=proposed)
    signed = proposed.request  # its registration was approved and signed
    draft = services.request_create(
        initiator=company.sales_staff, data=registration(internal_departments=[company.tech])
    )
    client = login(company.sales_staff)
    signed_registration = _pdf_text(
        client.get(reverse("requests_app:pdf_registration", args=[signed.code]))
    )
    signed_plan = _pdf_text(
        client.get(reverse("requests_app:pdf_plan", args=[proposed.request.code, 1]))
    )
    unsigned_registration = _pdf_text(
        client.get(reverse("requests_app:pdf_registration", args=[draft.code]))
    )
    sync_record = _pdf_text(client.get(reverse("requests_app:pdf_sync", args=[signed.code])))

    assert _verify_hint_printed(signed_registration)
    assert _verify_hint_printed(signed_plan)  # one side has signed so far
    assert not _verify_hint_printed(unsigned_registration)
    assert not _verify_hint_printed(sync_record)  # the sync record carries no signature


def test_a_file_url_typed_into_a_field_is_printed_as_text_and_nothing_is_read(
    company, login, tmp_path, monkeypatch
):
    canary = tmp_path / "canary.css"
    canary.write_text("body::before { content: 'CANARY-LEAKED-7f3a'; }")
    hostile = (
        f'<img src="file://{canary}"><link rel="stylesheet" href="file://{canary}">'
        '<img src="file:///etc/passwd">'
    )
    case = services.request_create(
        initiator=company.sales_staff,
        data=registration(background=hostile, internal_departments=[company.tech]),
    )
    opened = []
    real_open = open

    def spy(path, *args, **kwargs):
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy)
    text = _pdf_text(
        login(company.sales_staff).get(reverse("requests_app:pdf_registration", args=[case.code]))
    )
    assert "CANARY-LEAKED" not in text
    assert "file:///etc/passwd" in text.replace("\n", "")
    assert str(canary) not in opened and "/etc/passwd" not in opened
