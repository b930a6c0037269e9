"""《成果交付清单》 and 《验收确认单》 as PDFs: the text extracted from each holds the case, the
items with their tasks and files, the verdicts, the decision and the acceptor's signature with
its hash; the draft watermark only until the delivery is submitted / decided.

Labels introduced with these forms are looked up with gettext, so the tests hold before and
after their Chinese translation; labels already translated are checked in Chinese."""

import hashlib
import io
import logging
import uuid

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from pypdf import PdfReader

from acceptance_app.models import (
    AcceptanceReview,
    Delivery,
    DeliveryFile,
    DeliveryItem,
    ItemVerdict,
)
from acceptance_app.printing import (
    acceptance_context,
    acceptance_pdf,
    delivery_list_context,
    delivery_list_pdf,
)
from collab_portal.signoffs.services import signoff_record
from tasks_app.models import Task

WATERMARK = "草稿"  # “DRAFT”, translated


# --- building a delivery with the ORM (also used by test_bundle) ------------------------------


def squash(text: str) -> str:
    return "".join(str(text).split())


def pdf_text(pdf: bytes) -> str:
    """The text of every page without whitespace: a narrow cell wraps its text over several
    lines, anywhere. Compare with ``has``."""
    return squash("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def has(text: str, value: str) -> bool:
    return squash(value) in text


def task_named(case, name: str) -> Task:
    return Task.objects.get(request=case, name=name)


def make_delivery(
    case, *, by, version: int = 1, state: str = Delivery.State.SUBMITTED, **fields
) -> Delivery:
    submitted = state != Delivery.State.DRAFT
    return Delivery.objects.create(
        request=case,
        version=version,
        state=state,
        prepared_by=by,
        submitted_by=by if submitted else None,
        submitted_at=timezone.now() if submitted else None,
        **fields,
    )


def attach(item: DeliveryItem, name: str, content: bytes, *, stored_as: str = "") -> DeliveryFile:
    """A delivered file as the service stores it: under a random name, the user's name kept."""
    row = DeliveryFile(
        item=item,
        name=name,
        size=len(content),
        content_type="application/pdf",
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=item.added_by,
    )
    if stored_as:  # the same stored file, carried over to the next version
        row.file = stored_as
    else:
        row.file.save(f"deliveries/{uuid.uuid4().hex}.pdf", ContentFile(content), save=False)
    row.save()
    return row


def add_item(delivery: Delivery, task: Task, name: str, *, files=(), **fields) -> DeliveryItem:
    item = DeliveryItem.objects.create(
        delivery=delivery,
        task=task,
        name=name,
        added_by=delivery.prepared_by,
        position=delivery.items.count(),
        **fields,
    )
    for file_name, content in files:
        attach(item, file_name, content)
    return item


def decide(delivery: Delivery, *, reviewer, verdicts: dict, comment: str = "", on_behalf_of=None):
    """The acceptor's decision as the service records it: the review and its verdicts, the
    delivery's state, then the signature over all of it. ``verdicts``: item → (passed, comment)."""
    accepted = all(passed for passed, _comment in verdicts.values())
    review = AcceptanceReview.objects.create(
        delivery=delivery,
        decision="accepted" if accepted else "rejected",
        comment=comment,
        reviewer=reviewer,
        on_behalf_of=on_behalf_of,
        reviewer_name=reviewer.name,
    )
    for item, (passed, verdict_comment) in verdicts.items():
        ItemVerdict.objects.create(review=review, item=item, passed=passed, comment=verdict_comment)
    Delivery.objects.filter(pk=delivery.pk).update(
        state="accepted" if accepted else "rejected", decided_at=timezone.now()
    )
    delivery = Delivery.objects.get(pk=delivery.pk)
    signoff = signoff_record(
        target=delivery,
        signer=reviewer,
        on_behalf_of=on_behalf_of,
        role="需求发起人",
        meaning="accepted" if accepted else "rejected",
        comment=comment,
    )
    return delivery, signoff


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def weasy_warnings(caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    return caplog


REPORT = b"%PDF-1.4 questionnaire"


@pytest.fixture
def submitted_v1(company, executing):
    """v1 with two items: the questionnaire (with its file) and the feedback plan."""
    delivery = make_delivery(
        executing, by=company.tech_staff, summary="问卷与方案反馈均已完成，请验收"
    )
    add_item(
        delivery,
        task_named(executing, "问卷设计"),
        "客户问卷",
        version="V1.0",
        quantity=2,
        notes="含纸质版与电子版",
        files=[("问卷终稿.pdf", REPORT)],
    )
    add_item(delivery, task_named(executing, "方案反馈"), "方案反馈报告", version="V2.1")
    return delivery


def _glyph_warnings(caplog) -> list:
    return [
        r
        for r in caplog.records
        if "notdef" in r.getMessage().lower() or "glyph" in r.getMessage().lower()
    ]


# --- 《成果交付清单》 ---------------------------------------------------------------------------


def test_it_lists_each_item_with_its_task_standard_and_files(
    company, executing, submitted_v1, weasy_warnings
):
    text = pdf_text(delivery_list_pdf(delivery=submitted_v1))

    digest = hashlib.sha256(REPORT).hexdigest()
    for value in (
        _("Delivery List"),
        executing.code,
        executing.subject,
        "v1",
        "问卷与方案反馈均已完成，请验收",
        "王五",  # prepared and submitted by
        "交付物标准",
        "客户问卷",
        "V1.0",
        "1.1 问卷设计",
        "交付物齐全",  # the task's deliverable standard
        "问卷终稿.pdf",
        digest[:12],
        "含纸质版与电子版",
        "方案反馈报告",
        "2 方案反馈",
    ):
        assert has(text, value), value
    assert digest[:13] not in text  # 12 characters, as on the other forms
    assert WATERMARK not in text
    assert not _glyph_warnings(weasy_warnings)


def test_what_changed_is_printed_from_the_second_version_on(company, executing, submitted_v1):
    changes_label = str(capfirst(Delivery._meta.get_field("changes").verbose_name))
    assert changes_label not in [
        label for label, _value in delivery_list_context(submitted_v1)["fields"]
    ]

    second = make_delivery(
        executing, by=company.tech_staff, version=2, changes="问卷补充了第 3 部分"
    )
    add_item(second, task_named(executing, "问卷设计"), "客户问卷 第二版")
    text = pdf_text(delivery_list_pdf(delivery=second))

    assert has(text, changes_label)
    assert has(text, "问卷补充了第 3 部分") and has(text, "客户问卷 第二版")
    assert "方案反馈报告" not in text  # v1's items are not on v2's list


def test_a_draft_delivery_list_carries_the_watermark(company, executing):
    draft = make_delivery(executing, by=company.tech_staff, state=Delivery.State.DRAFT)
    add_item(draft, task_named(executing, "问卷设计"), "客户问卷")

    context = delivery_list_context(draft)
    text = pdf_text(delivery_list_pdf(delivery=draft))

    assert context["is_draft"] is True
    # Once as the state (草稿) and once more as the watermark.
    assert text.count(WATERMARK) >= 2


# --- 《验收确认单》 -----------------------------------------------------------------------------


def test_the_acceptance_form_prints_verdicts_decision_and_the_acceptors_signature(
    company, executing, submitted_v1, weasy_warnings
):
    questionnaire, feedback = submitted_v1.items.all()
    delivery, signoff = decide(
        submitted_v1,
        reviewer=company.sales_staff,
        verdicts={
            questionnaire: (True, "问卷覆盖全部功能模块"),
            feedback: (True, ""),
        },
        comment="同意验收，辛苦了",
    )

    text = pdf_text(acceptance_pdf(delivery=delivery))

    for value in (
        _("Acceptance Confirmation Form"),
        executing.code,
        executing.subject,
        "客户问卷",
        "方案反馈报告",
        "1.1 问卷设计",
        "交付物齐全",
        _("Passed"),
        "问卷覆盖全部功能模块",
        "验收通过",  # the decision and the signature's meaning
        "同意验收，辛苦了",
        "张三",
        "需求发起人",
        signoff.sha256[:12],
        "/verify/",
    ):
        assert has(text, value), value
    assert not has(text, _("Not passed"))
    assert WATERMARK not in text
    assert not _glyph_warnings(weasy_warnings)


def test_a_rejection_prints_the_failed_items_and_is_signed_as_sent_back(
    company, executing, submitted_v1
):
    questionnaire, feedback = submitted_v1.items.all()
    delivery, signoff = decide(
        submitted_v1,
        reviewer=company.sales_staff,
        on_behalf_of=company.sales_head,
        verdicts={
            questionnaire: (True, ""),
            feedback: (False, "缺少对第 2 条建议的回应"),
        },
        comment="请补充后重新提交",
    )

    context = acceptance_context(delivery)
    text = pdf_text(acceptance_pdf(delivery=delivery))

    assert [box["meaning"] for box in context["signatures"]] == [_("Sent back for rework")]
    assert [line.failed for line in context["items"]] == [False, True]
    for value in (
        _("Not passed"),
        "缺少对第 2 条建议的回应",
        "请补充后重新提交",
        _("Sent back for rework"),
        "张三 (代 李四)",
        signoff.sha256[:12],
    ):
        assert has(text, value), value
    assert "要求修改" not in text  # the sign-off's generic “revision requested”
    assert WATERMARK not in text


def test_an_undecided_acceptance_form_is_a_draft_without_signature(company, submitted_v1):
    context = acceptance_context(submitted_v1)
    text = pdf_text(acceptance_pdf(delivery=submitted_v1))

    assert context["is_draft"] is True and context["signatures"] == []
    assert WATERMARK in text
    assert has(text, "客户问卷") and has(text, _("Not decided yet"))
    assert "/verify/" not in text
