"""The archive bundle of a case: every form as PDF, every attachment and delivered file with the
bytes that were stored, a manifest whose sizes and SHA-256 match the ZIP, and a missing file
reported rather than fatal."""

import datetime
import hashlib
import io
import json
import sys
import types
import uuid
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from acceptance_app.bundle import (
    MANIFEST_JSON,
    MANIFEST_TXT,
    archive_bundle,
    bundle_filename,
    safe_component,
)
from acceptance_app.models import Delivery, Retrospective
from cases.models import Case
from requests_app.models import Attachment
from risks_app.printing import TITLE as RISK_TITLE
from tasks_app.exports import TITLE as TRACKING_TITLE
from tasks_app.services import weekly_summary_draft, weekly_summary_publish
from tests.acceptance_app.test_printing import (
    add_item,
    attach,
    decide,
    has,
    make_delivery,
    pdf_text,
    task_named,
)

RETROSPECTIVE_PDF = b"%PDF-1.4 retrospective stand-in"
SPEC = b"%PDF-1.4 customer requirements"
SPEC_UPDATED = b"%PDF-1.4 customer requirements, second edition"
MINUTES = b"%PDF-1.4 sync materials"
QUESTIONNAIRE = b"%PDF-1.4 questionnaire v1"
QUESTIONNAIRE_V2 = b"%PDF-1.4 questionnaire v2"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def retrospective_stand_in(monkeypatch):
    """acceptance_app.retrospective_printing is written by another engineer; a stand-in with
    the agreed signature keeps these tests about the bundle."""
    calls = []

    def retrospective_pdf(*, retrospective):
        calls.append(retrospective)
        return RETROSPECTIVE_PDF

    module = types.ModuleType("acceptance_app.retrospective_printing")
    module.retrospective_pdf = retrospective_pdf
    monkeypatch.setitem(sys.modules, "acceptance_app.retrospective_printing", module)
    return calls


def _attachment(case, name: str, content: bytes, *, by, sync_record=None) -> Attachment:
    row = Attachment(
        request=case,
        sync_record=sync_record,
        name=name,
        size=len(content),
        content_type="application/pdf",
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=by,
    )
    row.file.save(f"requests/{uuid.uuid4().hex}.pdf", ContentFile(content), save=False)
    row.save()
    return row


@pytest.fixture
def bundled(company, executing, retrospective_stand_in):
    """An archived case built with the ORM: two registration attachments of the same name and
    a sync attachment; this week's summary published, last week's left a draft; v1 sent back
    for rework, v2 (its file carried over, one reworked) accepted; a retrospective."""
    case = executing
    by = company.sales_staff
    _attachment(case, "需求说明.pdf", SPEC, by=by)
    _attachment(case, "需求说明.pdf", SPEC_UPDATED, by=by)
    _attachment(case, "同步材料.pdf", MINUTES, by=by, sync_record=case.sync_records.get())

    first = make_delivery(case, by=company.tech_staff, summary="首次交付")
    questionnaire = add_item(
        first, task_named(case, "问卷设计"), "客户问卷", files=[("问卷.pdf", QUESTIONNAIRE)]
    )
    feedback = add_item(first, task_named(case, "方案反馈"), "方案反馈报告")
    decide(
        first,
        reviewer=company.sales_staff,
        verdicts={questionnaire: (True, ""), feedback: (False, "缺少结论")},
        comment="请补充",
    )

    second = make_delivery(case, by=company.tech_staff, version=2, changes="补充结论")
    carried = add_item(second, questionnaire.task, "客户问卷")
    attach(carried, "问卷.pdf", QUESTIONNAIRE, stored_as=questionnaire.files.get().file.name)
    reworked = add_item(
        second, feedback.task, "方案反馈报告", files=[("反馈报告.pdf", QUESTIONNAIRE_V2)]
    )
    decide(
        second,
        reviewer=company.sales_staff,
        verdicts={carried: (True, ""), reworked: (True, "已补充")},
    )
    year, week, _day = timezone.localdate().isocalendar()
    published = weekly_summary_draft(request=case, iso_year=year, iso_week=week)
    weekly_summary_publish(actor=company.tech_staff, summary=published)
    last_week = timezone.now() - datetime.timedelta(weeks=1)
    Case.objects.filter(pk=case.pk).update(created_at=last_week)
    last_year, last_week_number, _day = timezone.localtime(last_week).isocalendar()
    weekly_summary_draft(request=case, iso_year=last_year, iso_week=last_week_number)  # a draft
    Retrospective.objects.create(request=case, went_well="按期交付", filed_at=timezone.now())
    Case.objects.filter(pk=case.pk).update(stage=Case.Stage.ARCHIVED)
    case.refresh_from_db()
    return case


def _open(content: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None  # every entry's CRC is right
    return archive


def _manifest(archive: zipfile.ZipFile) -> dict:
    return json.loads(archive.read(MANIFEST_JSON).decode("utf-8"))


def _form(number: int, title: str, name: str) -> str:
    return f"{number:02d}-{title}/{name}"


def test_it_holds_every_form_attachment_and_delivered_file(
    company, bundled, retrospective_stand_in
):
    code = bundled.code
    archive = _open(archive_bundle(request=bundled))
    names = set(archive.namelist())

    registration, sync, plan = (
        _("Registration form"),
        _("Information sync record"),
        _("Plan confirmation form"),
    )
    delivery_list, acceptance = _("Delivery list"), _("Acceptance confirmation")
    retrospective, weekly = _("Retrospective report"), _("Weekly summary")
    year, week, _day = timezone.localdate().isocalendar()
    expected = {
        _form(1, registration, f"{registration}-{code}.pdf"),
        _form(2, sync, f"{sync}-{code}.pdf"),
        _form(3, plan, f"{plan}-{code}-v1.pdf"),
        _form(4, TRACKING_TITLE, f"{TRACKING_TITLE}-{code}.pdf"),
        _form(5, weekly, f"{weekly}-{code}-{year}-W{week:02d}.pdf"),
        _form(6, RISK_TITLE, f"{RISK_TITLE}-{code}.pdf"),
        _form(7, delivery_list, f"{delivery_list}-{code}-v1.pdf"),
        _form(7, delivery_list, f"{delivery_list}-{code}-v2.pdf"),
        _form(8, acceptance, f"{acceptance}-{code}-v1.pdf"),
        _form(8, acceptance, f"{acceptance}-{code}-v2.pdf"),
        _form(9, retrospective, f"{retrospective}-{code}.pdf"),
        "attachments/registration/需求说明.pdf",
        "attachments/registration/需求说明 (2).pdf",
        "attachments/sync/技术部/同步材料.pdf",
        "deliveries/v1/01-客户问卷/问卷.pdf",
        "deliveries/v2/01-客户问卷/问卷.pdf",
        "deliveries/v2/02-方案反馈报告/反馈报告.pdf",
        MANIFEST_TXT,
        MANIFEST_JSON,
    }
    assert names == expected, names ^ expected
    assert [r.pk for r in retrospective_stand_in] == [bundled.retrospective.pk]

    for name in names:
        if name.startswith("0"):
            assert archive.read(name).startswith(b"%PDF"), name
    acceptance_text = pdf_text(archive.read(_form(8, acceptance, f"{acceptance}-{code}-v1.pdf")))
    assert has(acceptance_text, "缺少结论") and has(acceptance_text, _("Sent back for rework"))
    tracking_text = pdf_text(archive.read(_form(4, TRACKING_TITLE, f"{TRACKING_TITLE}-{code}.pdf")))
    assert has(tracking_text, "问卷设计") and has(tracking_text, "方案反馈")


def test_the_manifest_lists_every_other_entry_with_its_size_and_hash(bundled):
    archive = _open(archive_bundle(request=bundled))
    manifest = _manifest(archive)

    assert manifest["case"] == {"code": bundled.code, "subject": bundled.subject}
    assert manifest["generated_at"]
    assert manifest["missing"] == []
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == set(archive.namelist()) - {MANIFEST_JSON}
    for path, entry in listed.items():
        content = archive.read(path)
        assert entry["size"] == len(content) == archive.getinfo(path).file_size, path
        assert entry["sha256"] == hashlib.sha256(content).hexdigest(), path
        assert entry["status"] == "ok", path

    text = archive.read(MANIFEST_TXT).decode("utf-8")
    assert bundled.code in text and bundled.subject in text
    for path, entry in listed.items():
        if path != MANIFEST_TXT:
            assert f"{entry['sha256']}  {entry['size']:>12}  {path}" in text


def test_attachments_and_delivered_files_are_the_stored_bytes(bundled):
    archive = _open(archive_bundle(request=bundled))

    assert archive.read("attachments/registration/需求说明.pdf") == SPEC
    assert archive.read("attachments/registration/需求说明 (2).pdf") == SPEC_UPDATED
    assert archive.read("attachments/sync/技术部/同步材料.pdf") == MINUTES
    stored = bundled.attachments.filter(sync_record__isnull=True).first()
    with stored.file.open("rb") as original:
        assert archive.read("attachments/registration/需求说明.pdf") == original.read()
    assert archive.read("deliveries/v1/01-客户问卷/问卷.pdf") == QUESTIONNAIRE
    assert archive.read("deliveries/v2/01-客户问卷/问卷.pdf") == QUESTIONNAIRE
    assert archive.read("deliveries/v2/02-方案反馈报告/反馈报告.pdf") == QUESTIONNAIRE_V2


def test_a_missing_file_is_reported_not_fatal(bundled):
    lost = Attachment.objects.get(name="同步材料.pdf")
    lost.file.storage.delete(lost.file.name)

    archive = _open(archive_bundle(request=bundled))
    manifest = _manifest(archive)

    path = "attachments/sync/技术部/同步材料.pdf"
    assert path not in archive.namelist()
    assert manifest["missing"] == [
        {
            "path": path,
            "kind": "attachment",
            "title": "同步材料.pdf",
            "status": "missing",
            "recorded_size": len(MINUTES),
            "recorded_sha256": hashlib.sha256(MINUTES).hexdigest(),
        }
    ]
    assert path not in {entry["path"] for entry in manifest["files"]}
    assert path in archive.read(MANIFEST_TXT).decode("utf-8")
    assert archive.read("attachments/registration/需求说明.pdf") == SPEC  # the rest is there


def test_a_file_changed_on_disk_goes_in_marked_as_changed(bundled, media):
    changed = Attachment.objects.get(name="同步材料.pdf")
    with open(changed.file.path, "wb") as disk:
        disk.write(b"%PDF-1.4 edited behind the portal's back")

    manifest = _manifest(_open(archive_bundle(request=bundled)))

    entry = next(e for e in manifest["files"] if e["path"].endswith("同步材料.pdf"))
    assert entry["status"] == "changed"
    assert entry["recorded_sha256"] == hashlib.sha256(MINUTES).hexdigest() != entry["sha256"]


def test_an_undecided_delivery_has_a_list_but_no_acceptance_confirmation(
    company, executing, retrospective_stand_in
):
    delivery = make_delivery(executing, by=company.tech_staff)
    add_item(delivery, task_named(executing, "问卷设计"), "客户问卷")
    assert delivery.state == Delivery.State.SUBMITTED

    names = _open(archive_bundle(request=executing)).namelist()

    assert any(name.startswith(f"07-{_('Delivery list')}/") for name in names)
    assert not any(name.startswith("08-") for name in names)
    assert not any(name.startswith("09-") for name in names)  # no retrospective yet


def test_the_bundle_is_named_after_the_case(bundled):
    assert bundle_filename(bundled) == f"{_('Archive bundle')}-{bundled.code}.zip"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("报告.pdf", "报告.pdf"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("a\\b:c*?.pdf", "a_b_c__.pdf"),
        ("  .hidden. ", "hidden"),
        ("CON.txt", "_CON.txt"),
        ("evil\u202etxt.exe", "eviltxt.exe"),
        ("", "file"),
        ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
    ],
)
def test_names_inside_the_zip_are_safe(name, safe):
    assert safe_component(name) == safe


def test_a_case_archived_through_the_services_bundles_its_signed_forms(archived):
    """The lead's stage 5–6 fixtures: accepted by 张三, retrospective filed (the real
    《协作复盘报告》 producer)."""
    code = archived.code
    archive = _open(archive_bundle(request=archived))
    names = archive.namelist()
    manifest = _manifest(archive)

    retrospective, acceptance = _("Retrospective report"), _("Acceptance confirmation")
    retrospective_pdf = archive.read(_form(9, retrospective, f"{retrospective}-{code}.pdf"))
    assert has(pdf_text(retrospective_pdf), "按期交付")
    acceptance_text = pdf_text(archive.read(_form(8, acceptance, f"{acceptance}-{code}-v1.pdf")))
    assert has(acceptance_text, "张三") and has(acceptance_text, "调研问卷")
    assert "deliveries/v1/01-调研问卷/问卷.pdf" in names
    assert manifest["missing"] == []
    assert {e["path"] for e in manifest["files"]} == set(names) - {MANIFEST_JSON}
