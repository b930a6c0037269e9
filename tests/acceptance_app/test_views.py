"""The stage 5–6 pages as people use them: who sees what (404 for everyone else), the forms'
messages, and that a refused action changes nothing."""

import io
import json
import re
import zipfile

import pytest
from django.urls import reverse

from acceptance_app.bundle_outbox import archive_bundle_build
from acceptance_app.models import AcceptanceReview, Delivery, DeliveryItem, SatisfactionRating
from collab_portal.signoffs.models import ExternalLink
from requests_app.models import Receiver
from tests.factories import DepartmentFactory, UserFactory
from tests.fixtures.acceptance import WRITE_UP, leaf, pdf_file


@pytest.fixture
def outsider(company):
    hr = DepartmentFactory(code="HR", name="人事部", parent=company.division)
    return UserFactory(username="outsider", display_name="路人", department=hr)


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def _pages(case, delivery=None):
    code = case.code
    pages = [
        reverse("acceptance_app:overview", args=[code]),
        reverse("acceptance_app:item_add", args=[code]),
    ]
    if delivery is not None:
        pages += [
            reverse("acceptance_app:delivery", args=[code, delivery.version]),
            reverse("acceptance_app:delivery_pdf", args=[code, delivery.version]),
            reverse("acceptance_app:file", args=[code, delivery.items.first().files.first().pk]),
        ]
    return pages


def test_an_outsider_gets_404_on_every_page_and_action(company, login, submitted, outsider):
    client = login(outsider)
    case = submitted.request
    for url in _pages(case, submitted):
        assert client.get(url).status_code == 404, url
    for name in ("submit", "withdraw", "urge", "accept", "link"):
        url = reverse(f"acceptance_app:{name}", args=[case.code, submitted.version])
        assert client.post(url).status_code == 404, url
    submitted.refresh_from_db()
    assert submitted.state == Delivery.State.SUBMITTED


@pytest.mark.parametrize(
    "who", ["sales_staff", "sales_head", "tech_head", "tech_staff", "leader", "admin"]
)
def test_everyone_involved_reads_the_delivery(company, login, submitted, who):
    client = login(getattr(company, who))
    response = client.get(reverse("acceptance_app:delivery", args=[submitted.request.code, 1]))
    assert response.status_code == 200
    assert "调研问卷" in response.content.decode()
    # Only the initiator is offered the acceptance form.
    assert (response.context["form"] is not None) == (who == "sales_staff")


def test_a_task_owner_adds_an_item_with_a_file_through_the_form(company, login, executing):
    client = login(company.tech_head)
    task = leaf(executing, "问卷设计")
    response = client.post(
        reverse("acceptance_app:item_add", args=[executing.code]),
        {"task": task.pk, "name": "调研问卷", "version": "v1", "quantity": 1, "files": pdf_file()},
        follow=True,
    )
    item = DeliveryItem.objects.get()
    assert (item.task, item.added_by, item.files.count()) == (task, company.tech_head, 1)
    assert "调研问卷" in _messages(response)


def test_the_item_form_offers_an_owner_only_their_tasks(company, login, executing):
    response = login(company.tech_head).get(
        reverse("acceptance_app:item_add", args=[executing.code])
    )
    names = [t.name for t in response.context["form"].fields["task"].queryset]
    assert names == ["问卷设计"]


def test_a_bad_upload_shows_the_reason_and_stores_nothing(company, login, executing):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(company.tech_staff)
    bad = SimpleUploadedFile("a.pdf", b"<html><script>alert(1)</script>", "application/pdf")
    response = client.post(
        reverse("acceptance_app:item_add", args=[executing.code]),
        {"task": leaf(executing, "问卷设计").pk, "name": "x", "quantity": 1, "files": bad},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["files"]
    assert not DeliveryItem.objects.exists() and not Delivery.objects.exists()


def test_submitting_too_early_says_which_key_task_is_open(company, login, executing):
    client = login(company.tech_staff)
    client.post(
        reverse("acceptance_app:item_add", args=[executing.code]),
        {"task": leaf(executing, "问卷设计").pk, "name": "调研问卷", "quantity": 1},
    )
    response = client.post(
        reverse("acceptance_app:submit", args=[executing.code, 1]), {"summary": ""}, follow=True
    )
    assert "方案反馈" in _messages(response)
    assert Delivery.objects.get().state == Delivery.State.DRAFT


def test_the_initiator_accepts_item_by_item_through_the_form(company, login, submitted):
    items = list(submitted.items.all())
    data = {f"item_{item.pk}": "pass" for item in items}
    response = login(company.sales_staff).post(
        reverse("acceptance_app:accept", args=[submitted.request.code, 1]), data, follow=True
    )
    submitted.refresh_from_db()
    assert submitted.state == Delivery.State.ACCEPTED
    assert response.redirect_chain[-1][0] == submitted.get_absolute_url()


def test_a_fail_without_comment_is_shown_on_the_form_and_changes_nothing(company, login, submitted):
    items = list(submitted.items.all())
    data = {f"item_{items[0].pk}": "fail", f"item_{items[1].pk}": "pass"}
    response = login(company.sales_staff).post(
        reverse("acceptance_app:accept", args=[submitted.request.code, 1]), data
    )
    assert response.status_code == 400
    assert response.context["form"].errors[f"item_{items[0].pk}"]
    submitted.refresh_from_db()
    assert submitted.state == Delivery.State.SUBMITTED and not AcceptanceReview.objects.exists()


def test_the_coordinator_posting_an_acceptance_is_told_no(company, login, submitted):
    data = {f"item_{item.pk}": "pass" for item in submitted.items.all()}
    response = login(company.tech_staff).post(
        reverse("acceptance_app:accept", args=[submitted.request.code, 1]), data, follow=True
    )
    assert _messages(response)
    submitted.refresh_from_db()
    assert submitted.state == Delivery.State.SUBMITTED


def test_the_external_page_accepts_once_then_says_the_link_was_used(
    company, login, client, submitted, external_contact
):
    Receiver.objects.create(
        request=submitted.request,
        kind=Receiver.Kind.EXTERNAL,
        party=external_contact.party,
        contact=external_contact,
        position=5,
    )
    response = login(company.sales_staff).post(
        reverse("acceptance_app:link", args=[submitted.request.code, 1])
    )
    url = response.context["new_link"].url
    client.logout()
    path = url.split("testserver", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and "调研问卷" in page.content.decode()
    data = {f"item_{item.pk}": "pass" for item in submitted.items.all()}
    done = client.post(path, {**data, "typed_name": "陈经理"})
    assert done.status_code == 200 and ExternalLink.objects.get().used_at
    submitted.refresh_from_db()
    assert submitted.state == Delivery.State.ACCEPTED
    again = client.get(path)
    assert again.status_code == 410


def test_an_unknown_token_is_refused_without_detail(client, db):
    response = client.get(reverse("external:acceptance", args=["nonsense"]))
    assert response.status_code == 410


def test_the_retrospective_page_rates_and_files(company, login, in_retrospective):
    case = in_retrospective.request
    receiver = Receiver.objects.get(request=case, department=company.tech)
    head = login(company.tech_head)
    head.post(
        reverse("acceptance_app:retrospective_rate", args=[case.code, receiver.pk]),
        {"score": 5, "comment": "顺畅"},
    )
    assert SatisfactionRating.objects.get().score == 5
    coordinator = login(company.tech_staff)
    coordinator.post(
        reverse("acceptance_app:retrospective_save", args=[case.code]),
        {
            name: getattr(WRITE_UP, name)
            for name in ("went_well", "problems", "lessons", "improvements")
        },
    )
    page = coordinator.get(reverse("acceptance_app:retrospective", args=[case.code]))
    assert page.context["page"].can_file and not page.context["page"].file_missing
    coordinator.post(reverse("acceptance_app:retrospective_file", args=[case.code]))
    case.refresh_from_db()
    assert case.stage == "archived"


def test_an_invalid_rating_is_refused_with_the_form(company, login, in_retrospective):
    case = in_retrospective.request
    receiver = Receiver.objects.get(request=case, department=company.tech)
    response = login(company.tech_head).post(
        reverse("acceptance_app:retrospective_rate", args=[case.code, receiver.pk]),
        {"score": 9},
    )
    assert response.status_code == 400 and response.context["rating_form"].errors["score"]
    assert not SatisfactionRating.objects.exists()


def test_the_archive_bundle_downloads_with_a_manifest(company, login, archived):
    archive_bundle_build(request_id=archived.pk)  # as the worker does once the archive commits
    response = login(company.sales_staff).get(
        reverse("acceptance_app:bundle", args=[archived.code])
    )
    assert response["Content-Type"] == "application/zip"
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        names = set(bundle.namelist())
    listed = {entry["path"] for entry in manifest["files"] if not entry.get("missing")}
    assert listed and listed <= names


def test_the_bundle_waits_for_the_archive(company, login, in_retrospective):
    response = login(company.sales_staff).get(
        reverse("acceptance_app:bundle", args=[in_retrospective.request.code]), follow=True
    )
    assert response.redirect_chain and _messages(response)


def test_the_list_finds_archived_cases_by_subject(company, login, archived, outsider):
    client = login(company.sales_staff)
    found = client.get(reverse("acceptance_app:list"), {"tab": "archived", "q": archived.subject})
    assert [row.case for row in found.context["rows"]] == [archived]
    missed = client.get(reverse("acceptance_app:list"), {"tab": "archived", "q": "不存在的主题"})
    assert missed.context["rows"] == []
    hidden = login(outsider).get(reverse("acceptance_app:list"), {"tab": "archived"})
    assert hidden.context["rows"] == []


def test_an_unknown_version_leads_back_to_the_overview(company, login, archived):
    response = login(company.sales_staff).get(
        reverse("acceptance_app:delivery", args=[archived.code, 99])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("acceptance_app:overview", args=[archived.code])


def test_after_a_rejection_the_page_offers_the_next_version(company, login, submitted):
    from acceptance_app import services
    from tests.fixtures.acceptance import first_fails

    services.acceptance_decide(
        actor=company.sales_staff, delivery=submitted, verdicts=first_fails(submitted)
    )
    client = login(company.tech_staff)
    overview = reverse("acceptance_app:overview", args=[submitted.request.code])
    page = client.get(overview)
    assert page.context["page"].can_start_version
    assert "不通过" in page.content.decode() and "发送失败" not in page.content.decode()
    # The rejected version's items cannot be edited: the form says why instead of saving.
    item = submitted.items.first()
    edit = reverse("acceptance_app:item_edit", args=[submitted.request.code, item.pk])
    refused = client.post(edit, {"task": item.task_id, "name": "改名", "quantity": 1}, follow=True)
    assert refused.redirect_chain[-1][0] == overview
    item.refresh_from_db()
    assert item.name == "调研问卷"
    client.post(reverse("acceptance_app:new_version", args=[submitted.request.code]))
    assert submitted.request.deliveries.get(version=2).items.count() == 2


def test_the_item_forms_of_an_archived_case_say_it_is_archived(company, login, archived):
    client = login(company.tech_staff)
    item = archived.deliveries.get().items.first()
    for url in (
        reverse("acceptance_app:item_add", args=[archived.code]),
        reverse("acceptance_app:item_edit", args=[archived.code, item.pk]),
    ):
        for response in (
            client.get(url, follow=True),
            client.post(url, {"task": item.task_id, "name": "补充", "quantity": 1}, follow=True),
        ):
            assert response.status_code == 200
            assert "此需求已归档，不能再修改。" in _messages(response)
    assert DeliveryItem.objects.filter(delivery__request=archived).count() == 2


def test_a_kept_bundle_of_an_earlier_case_with_the_same_code_is_not_served(
    company, login, archived
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    default_storage.save(f"bundles/{archived.code}.zip", ContentFile(b"an old database's bundle"))
    archive_bundle_build(request_id=archived.pk)
    response = login(company.sales_staff).get(
        reverse("acceptance_app:bundle", args=[archived.code])
    )
    content = b"".join(response.streaming_content)
    assert zipfile.is_zipfile(io.BytesIO(content))


@pytest.fixture
def reworked(company, submitted):
    """Version 1 failed on the questionnaire; version 2 changes its version and its file."""
    from acceptance_app import services
    from acceptance_app.services import ItemData
    from tests.fixtures.acceptance import first_fails

    services.acceptance_decide(
        actor=company.sales_staff, delivery=submitted, verdicts=first_fails(submitted)
    )
    case = submitted.request
    services.delivery_new_version(actor=company.tech_staff, request=case)
    copied = case.deliveries.get(version=2).items.get(name="调研问卷")
    services.delivery_item_update(
        actor=company.tech_staff,
        item=copied,
        data=ItemData(task=copied.task, name="调研问卷", version="v1.1"),
        files=[pdf_file("问卷-v1.1.pdf", b"more questions")],
    )
    return case.deliveries.get(version=2)


@pytest.mark.parametrize(
    "language, shown",
    [("en", "Changed: version, files"), ("zh-hans", "已修改：版本、文件")],
)
def test_what_changed_in_an_item_is_listed_in_the_readers_language(
    company, client, reworked, language, shown
):
    client.force_login(company.tech_staff)
    client.cookies["django_language"] = language
    page = client.get(reverse("acceptance_app:delivery", args=[reworked.request.code, 2]))
    badges = re.findall(r'data-testid="item-change">([^<]*)<', page.content.decode())
    assert shown in badges, badges
