"""Findings 2, 3, 11 and 15 of the attack run: what a signature proves.

2. Changing a sign-off's signer, role or time in the database left /verify/ saying the record
   matched: the fingerprint covered the content only. Now each signature is sealed (who, for
   whom, as what, meaning, when, over which content) and /verify/ names the field that changed.
3. Renaming a department made every form it appears on read "changed after signing": names are
   now frozen as signed, and the record compares by identity.
11. A signed record changed in the database showed as signed on the case page, the PDF and the
   archive bundle, and a delivered file swapped on disk was neither detected nor refused.
15. The name an external contact types is now compared with the contact the link was sent to.
"""

import datetime
import hashlib
import io
import zipfile

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import reverse
from pypdf import PdfReader

from acceptance_app.bundle import MANIFEST_TXT, archive_bundle
from acceptance_app.models import Delivery, DeliveryFile
from cases.models import Case
from collab_portal.org.models import User
from collab_portal.signoffs.models import SignOff
from requests_app import services

MATCHES = "记录与签字时一致"
CHANGED = "记录在签字后已被修改"
TAMPERED = "已被篡改"


def registration_signoff(case) -> SignOff:
    return SignOff.objects.get(
        target_type=ContentType.objects.get_for_model(Case), target_id=str(case.pk)
    )


def verify(client, signoff):
    return client.get(reverse("signoffs:verify_hash", args=[signoff.sha256])).content.decode()


def case_page(client, case):
    return client.get(reverse("requests_app:detail", args=[case.code])).content.decode()


def pdf_text(client, url) -> str:
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


# --- 2. the signature itself is sealed ---------------------------------------------------------

FORGED_SIGNATURES = [
    ("signer_name", "王五", "李四"),
    ("role", "总经理", None),
    ("signed_at", datetime.datetime(2026, 1, 1, 1, 0, tzinfo=datetime.UTC), None),
    ("on_behalf_of_name", "钱总", None),
    ("meaning", SignOff.Meaning.ACCEPTED, None),
    ("comment", "同意（已改）", None),
]


@pytest.mark.parametrize(("column", "forged", "_signed"), FORGED_SIGNATURES)
def test_a_signature_changed_in_the_database_is_named_on_verify(
    company, syncing, login, column, forged, _signed
):
    signoff = registration_signoff(syncing)
    SignOff.objects.filter(pk=signoff.pk).update(**{column: forged})
    client = login(company.sales_head)

    page = verify(client, signoff)

    assert MATCHES not in page
    assert TAMPERED in page
    assert f'data-field="{column}"' in page
    assert 'data-testid="changed-field"' in page


def test_the_signer_swapped_for_another_account_is_named(company, syncing, login):
    signoff = registration_signoff(syncing)
    SignOff.objects.filter(pk=signoff.pk).update(signer=company.tech_head, signer_name="赵六")

    page = verify(login(company.sales_head), signoff)

    assert 'data-field="signer"' in page and 'data-field="signer_name"' in page
    assert "李四" in page and "赵六" in page  # as signed, and now
    assert MATCHES not in page


def test_the_forged_signature_shows_on_the_case_page_and_the_pdf(company, syncing, login):
    SignOff.objects.filter(pk=registration_signoff(syncing).pk).update(role="总经理")
    client = login(company.sales_staff)

    page = case_page(client, syncing)
    text = pdf_text(client, reverse("requests_app:pdf_registration", args=[syncing.code]))

    assert 'data-testid="signature-mismatch"' in page and "总经理" in page
    assert "与签字内容不符" in text.replace("\n", "")


# --- 3. a lawful rename changes nothing that was signed ----------------------------------------


def test_renaming_the_departments_and_people_keeps_the_signed_form_as_signed(
    company, syncing, login
):
    signoff = registration_signoff(syncing)
    company.sales.name, company.tech.name = "市场营销部", "研发部"
    company.sales.save()
    company.tech.save()
    User.objects.filter(pk=company.sales_staff.pk).update(display_name="张三丰")
    client = login(company.sales_head)

    page = verify(client, signoff)

    assert MATCHES in page and CHANGED not in page and TAMPERED not in page
    rows = dict(
        client.get(reverse("signoffs:verify_hash", args=[signoff.sha256])).context["snapshot_rows"]
    )
    assert rows["initiator_department"] == "销售部"  # the name as signed
    assert rows["initiator"] == "张三" and rows["receivers"] == "技术部"
    assert 'data-testid="signature-mismatch"' not in case_page(client, syncing)


def test_a_real_change_of_the_signed_content_is_named(company, syncing, login):
    signoff = registration_signoff(syncing)
    Case.objects.filter(pk=syncing.pk).update(subject="改过的主题", goal="改过的目标")
    client = login(company.sales_head)

    page = verify(client, signoff)

    assert CHANGED in page and MATCHES not in page
    assert '<code data-testid="changed-path">subject</code>' in page
    assert '<code data-testid="changed-path">goal</code>' in page
    banner = case_page(client, syncing)
    assert 'data-testid="signature-mismatch"' in banner and "subject" in banner


# --- 11. wherever signed content is shown ------------------------------------------------------


def test_a_changed_plan_is_marked_on_its_pdf_and_in_the_archive_bundle(company, archived, login):
    plan = archived.plans.get()
    plan.milestones.update(name="被改过的里程碑")
    client = login(company.sales_staff)

    text = pdf_text(client, reverse("requests_app:pdf_plan", args=[archived.code, 1]))
    manifest = zipfile.ZipFile(io.BytesIO(archive_bundle(request=archived))).read(MANIFEST_TXT)

    assert "与签字内容不符" in text.replace("\n", "")
    manifest = manifest.decode()
    assert "milestones[1].name" in manifest
    assert f"《协作方案确认表》{archived.code} v1" in manifest or archived.code in manifest


def test_an_intact_case_has_no_mismatch_anywhere(company, archived, login):
    client = login(company.sales_staff)
    manifest = zipfile.ZipFile(io.BytesIO(archive_bundle(request=archived))).read(MANIFEST_TXT)

    assert "与签字内容不符" not in manifest.decode()
    assert "与签字内容不符" not in pdf_text(
        client, reverse("requests_app:pdf_plan", args=[archived.code, 1])
    ).replace("\n", "")
    assert 'data-testid="signature-mismatch"' not in case_page(client, archived)


def test_a_delivered_file_swapped_on_disk_is_detected_and_never_served(
    company, in_retrospective, login
):
    case = in_retrospective.request
    delivery = case.deliveries.get()
    delivered = DeliveryFile.objects.get(item__delivery=delivery)
    with open(delivered.file.path, "wb") as disk:
        disk.write(b"%PDF-1.4\nswapped\n%%EOF")
    signoff = SignOff.objects.get(
        target_type=ContentType.objects.get_for_model(Delivery), target_id=str(delivery.pk)
    )
    client = login(company.sales_staff)

    page = verify(client, signoff)
    response = client.get(
        reverse("acceptance_app:file", args=[case.code, delivered.pk]), follow=True
    )

    assert 'data-testid="changed-file"' in page and "问卷.pdf" in page and MATCHES not in page
    assert b"swapped" not in response.content
    assert "问卷.pdf" in " ".join(str(m) for m in response.context["messages"])


def test_an_attachment_swapped_on_disk_is_refused_on_download(company, syncing, login):
    attachment = syncing.attachments.create(
        file=ContentFile(b"%PDF-1.4 original", name="x.pdf"),
        name="需求说明.pdf",
        size=17,
        content_type="application/pdf",
        sha256=hashlib.sha256(b"%PDF-1.4 original").hexdigest(),
        uploaded_by=company.sales_staff,
    )
    client = login(company.sales_staff)
    url = reverse("requests_app:attachment", args=[syncing.code, attachment.pk])
    assert b"".join(client.get(url).streaming_content) == b"%PDF-1.4 original"

    with open(attachment.file.path, "wb") as disk:
        disk.write(b"%PDF-1.4 swapped!")

    response = client.get(url)
    assert response.status_code == 302 and not hasattr(response, "streaming_content")


# --- 15. the name typed on a link --------------------------------------------------------------


def test_a_name_other_than_the_contacts_is_recorded_and_shown(
    company, external_planning, external_contact, login
):
    plan = external_planning.plans.get()
    receiver = external_planning.receivers.get(kind="external")
    path = services.plan_external_link_create(
        actor=company.sales_staff, plan=plan, receiver=receiver
    )
    link_page = login(company.sales_staff).get(path).content.decode()
    token = path.rstrip("/").rsplit("/", 1)[-1]

    services.plan_external_decide(token=token, typed_name="李 雷", ip="203.0.113.7", agree=True)

    signoff = SignOff.objects.get(external_contact__isnull=False)
    assert f"此链接发送给 {external_contact.name}" in link_page
    assert signoff.typed_name_matches is False and signoff.typed_name_differs
    assert signoff.seal["typed_name_matches"] is False
    page = case_page(login(company.sales_staff), external_planning)
    assert 'data-testid="typed-name-differs"' in page


def test_the_contacts_own_name_matches_whatever_the_spacing(company, external_planning):
    plan = external_planning.plans.get()
    receiver = external_planning.receivers.get(kind="external")
    path = services.plan_external_link_create(
        actor=company.sales_staff, plan=plan, receiver=receiver
    )
    token = path.rstrip("/").rsplit("/", 1)[-1]

    services.plan_external_decide(token=token, typed_name=" 高 建华 ", ip=None, agree=True)

    assert SignOff.objects.get(external_contact__isnull=False).typed_name_matches is True
