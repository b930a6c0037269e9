"""In Chromium, as the real roles, stages 5–6: the coordinator lists the deliverables and
submits them; the initiator sends one back; its owner redoes the task; version 2 shows what
changed and is accepted; the receiving head rates, the coordinator writes and files the
retrospective and downloads the archive bundle. An external customer accepts through the
one-time link. An archived case offers nothing to change.

New stage 5–6 labels are still being translated: the steps select by data-testid and check the
data people typed (names, comments), the states in the database and the badges' CSS classes."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from acceptance_app.bundle_outbox import archive_bundles_sweep
from acceptance_app.models import AcceptanceReview, Delivery, SatisfactionRating
from cases.models import Case
from collab_portal.signoffs.models import ExternalLink
from requests_app.models import Receiver
from tasks_app.models import Task
from tests.browser.steps import assert_read_only, confirm, pdf_payload
from tests.factories import TEST_PASSWORD
from tests.fixtures.acceptance import finish_all_tasks, leaf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "acceptance"
QUESTIONNAIRE = b"%PDF-1.4\nquestionnaire, first edition\n%%EOF"
QUESTIONNAIRE_V2 = b"%PDF-1.4\nquestionnaire, 12 more questions\n%%EOF"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


class Journey:
    def __init__(self, page, live_server, case):
        self.page, self.base, self.case = page, live_server.url, case
        self.code = case.code
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.step = 0

    def sign_in(self, user):
        self.page.context.clear_cookies()
        self.page.goto(f"{self.base}/accounts/login/")
        self.page.fill("#id_username", user.username)
        self.page.fill("#id_password", TEST_PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{self.base}/")

    def go(self, path):
        response = self.page.goto(self.base + path)
        assert response.status == 200, (path, response.status)
        return response

    def shot(self, name):
        self.step += 1
        self.page.screenshot(path=str(SHOTS / f"{self.step:02d}-{name}.png"), full_page=True)

    def text(self, selector) -> str:
        return self.page.locator(selector).inner_text()

    def count(self, selector) -> int:
        return self.page.locator(selector).count()

    def refreshed(self) -> Case:
        return Case.objects.get(pk=self.case.pk)

    def sign_with_password_if_asked(self):
        if self.count("#id_password"):
            self.page.fill("#id_password", TEST_PASSWORD)


def test_delivery_rework_acceptance_retrospective_and_archive(
    live_server, page, company, executing
):
    finish_all_tasks(executing)
    journey = Journey(page, live_server, executing)
    code = journey.code
    questionnaire, feedback = leaf(executing, "问卷设计"), leaf(executing, "方案反馈")

    # 1. The coordinator finds the delivery page from the case page and lists two items.
    journey.sign_in(company.tech_staff)
    journey.go(f"/requests/{code}/")
    page.click("[data-testid=case-tab-delivery]")  # the case opens on its stage's tab, 任务
    page.click(f"[data-testid=case-links] a[href='/requests/{code}/delivery/']")
    page.wait_for_url(f"**/requests/{code}/delivery/")
    assert journey.count("[data-testid=no-delivery]") == 1
    page.click("[data-testid=add-item]")
    page.select_option("#id_task", value=str(questionnaire.pk))
    page.fill("#id_name", "调研问卷")
    page.fill("#id_version", "v1.0")
    page.set_input_files("#id_files", pdf_payload("问卷.pdf", QUESTIONNAIRE))
    page.click("[data-testid=save-item]")
    page.wait_for_url(f"**/requests/{code}/delivery/")
    page.click("[data-testid=add-item]")
    page.select_option("#id_task", value=str(feedback.pk))
    page.fill("#id_name", "方案反馈报告")
    page.fill("#id_quantity", "2")
    page.fill("#id_notes", "含客户签字页")
    page.click("[data-testid=save-item]")
    page.wait_for_url(f"**/requests/{code}/delivery/")
    items = page.locator("[data-testid=delivery-item]")
    assert items.count() == 2
    assert "调研问卷" in items.nth(0).inner_text() and "问卷.pdf" in items.nth(0).inner_text()
    assert "方案反馈报告" in items.nth(1).inner_text() and "方案反馈" in items.nth(1).inner_text()
    assert journey.count("[data-testid=submit-panel]") == 1
    assert journey.count("[data-testid=submit-missing]") == 0
    v1 = Delivery.objects.get(request=executing, version=1)
    stored = v1.items.get(name="调研问卷").files.get()
    assert stored.sha256 == hashlib.sha256(QUESTIONNAIRE).hexdigest()
    page.fill("#id_summary", "请按任务交付标准验收")
    journey.shot("v1-listed")
    page.click("[data-testid=submit-delivery]")
    confirm(page)
    page.wait_for_url(f"**/requests/{code}/delivery/v1/")
    v1.refresh_from_db()
    assert v1.state == "submitted" and v1.submitted_by == company.tech_staff
    assert journey.refreshed().stage == "accepting"

    # 2. The initiator finds it waiting on the workbench, fails the questionnaire, passes the
    #    report and signs: the delivery goes back, the questionnaire's task reopens.
    journey.sign_in(company.sales_staff)
    assert journey.count("[data-testid=bell] [data-testid=unread-count]") == 1
    waiting = f"[data-testid=waiting] a.text-reset[href='/requests/{code}/delivery/v1/']"
    assert code in journey.text(waiting)  # the row links to version 1
    page.click(waiting)
    page.wait_for_url(f"**/requests/{code}/delivery/v1/")
    first, second = v1.items.order_by("position")
    assert "请按任务交付标准验收" in page.content()
    page.check(f"[data-testid=verdict-{first.pk}] input[value=fail]")
    page.fill(f"[data-testid=verdict-{first.pk}] textarea", "问卷题目不全，缺少门店规模")
    page.check(f"[data-testid=verdict-{second.pk}] input[value=pass]")
    journey.sign_with_password_if_asked()
    page.click("[data-testid=decide-acceptance]")
    page.wait_for_url(f"**/requests/{code}/delivery/v1/")
    assert journey.count("[data-testid=acceptance-form]") == 0
    assert "bg-orange-lt" in page.get_attribute("[data-testid=review-decision]", "class")
    verdicts = page.locator("[data-testid=delivery-item]")
    assert "bg-red-lt" in verdicts.nth(0).locator("[data-testid=item-verdict]").get_attribute(
        "class"
    )
    assert "问卷题目不全，缺少门店规模" in verdicts.nth(0).inner_text()
    assert "bg-green-lt" in verdicts.nth(1).locator("[data-testid=item-verdict]").get_attribute(
        "class"
    )
    assert company.sales_staff.display_name in journey.text("[data-testid=acceptance-review]")
    journey.shot("v1-sent-back")
    v1.refresh_from_db()
    assert v1.state == "rejected" and v1.review.decision == "rejected"
    assert journey.refreshed().stage == "executing"
    journey.go(f"/requests/{code}/")
    assert journey.count(".page-pretitle .stage-executing") == 1
    journey.go(f"/requests/{code}/tasks/{questionnaire.pk}/")
    assert journey.count("[data-testid=task-status] .task-status-in_progress") == 1
    assert "问卷题目不全，缺少门店规模" in journey.text("[data-testid=task-status]")
    questionnaire.refresh_from_db()
    assert questionnaire.status == Task.Status.IN_PROGRESS
    assert leaf(executing, "方案反馈").status == Task.Status.DONE

    # 3. The questionnaire's owner redoes it and marks it done from 我的任务.
    journey.sign_in(company.tech_head)
    journey.go("/tasks/mine/")
    page.click(f"[data-testid=task-actions-{questionnaire.pk}] [data-testid=done]")
    page.wait_for_url("**/tasks/mine/")
    questionnaire.refresh_from_db()
    assert questionnaire.status == Task.Status.DONE

    # 4. The coordinator reworks the failed item (new version, new file) into version 2 and
    #    submits it saying what changed; the page shows the change badges and why.
    #    The rejected version 1 offers to start version 2 as its copy; the interview notes
    #    are added to it as a new item.
    journey.sign_in(company.tech_staff)
    journey.go(f"/requests/{code}/delivery/")
    page.click("[data-testid=start-version]")
    page.wait_for_url(f"**/requests/{code}/delivery/")
    assert Delivery.objects.get(request=executing, version=2).state == "draft"
    page.click("[data-testid=add-item]")
    page.select_option("#id_task", value=str(leaf(executing, "客户访谈").pk))
    page.fill("#id_name", "客户访谈记录")
    page.click("[data-testid=save-item]")
    page.wait_for_url(f"**/requests/{code}/delivery/")
    rework = page.locator("[data-testid=delivery-item]").nth(0)
    assert "调研问卷" in rework.inner_text()
    rework.locator("[data-testid=edit-item]").click()
    page.wait_for_selector("[data-testid=item-form]")
    assert page.input_value("#id_name") == "调研问卷"
    page.fill("#id_version", "v1.1")
    page.set_input_files("#id_files", pdf_payload("问卷-v1.1.pdf", QUESTIONNAIRE_V2))
    page.click("[data-testid=save-item]")
    page.wait_for_url(f"**/requests/{code}/delivery/")
    rows = page.locator("[data-testid=delivery-item]")
    assert "v1.1" in rows.nth(0).inner_text() and "问卷-v1.1.pdf" in rows.nth(0).inner_text()
    assert journey.count("[data-testid=submit-missing]") == 0
    page.fill("#id_summary", "已按意见补充")
    page.fill("#id_changes", "问卷补充门店规模等 12 题")
    page.click("[data-testid=submit-delivery]")
    confirm(page)
    page.wait_for_url(f"**/requests/{code}/delivery/v2/")
    v2 = Delivery.objects.get(request=executing, version=2)
    assert v2.state == "submitted" and v2.changes == "问卷补充门店规模等 12 题"
    assert "问卷补充门店规模等 12 题" in page.content()
    rows = page.locator("[data-testid=delivery-item]")
    reworked_badge = rows.nth(0).locator("[data-testid=item-change]")
    assert "bg-blue-lt" in reworked_badge.get_attribute("class")
    assert (
        "问卷题目不全，缺少门店规模"
        in rows.nth(0).locator("[data-testid=rework-comment]").inner_text()
    )
    unchanged_badge = rows.nth(1).locator("[data-testid=item-change]")
    assert "bg-secondary-lt" in unchanged_badge.get_attribute("class")
    assert rows.nth(1).locator("[data-testid=rework-comment]").count() == 0
    assert "客户访谈记录" in rows.nth(2).inner_text()
    assert "bg-blue-lt" in rows.nth(2).locator("[data-testid=item-change]").get_attribute("class")
    journey.shot("v2-submitted")
    assert journey.refreshed().stage == "accepting"

    # 5. The initiator passes both items: accepted, the retrospective follows.
    journey.sign_in(company.sales_staff)
    page.click(f"[data-testid=waiting] a.text-reset[href='/requests/{code}/delivery/v2/']")
    page.wait_for_url(f"**/requests/{code}/delivery/v2/")
    for item in v2.items.all():
        page.check(f"[data-testid=verdict-{item.pk}] input[value=pass]")
    page.fill("#id_comment", "验收通过")
    journey.sign_with_password_if_asked()
    page.click("[data-testid=decide-acceptance]")
    page.wait_for_url(f"**/requests/{code}/delivery/v2/")
    assert "bg-green-lt" in page.get_attribute("[data-testid=review-decision]", "class")
    assert "验收通过" in journey.text("[data-testid=acceptance-review]")
    v2.refresh_from_db()
    assert v2.state == "accepted"
    assert journey.refreshed().stage == "retrospective"

    # 6. The receiving department's head rates the collaboration.
    receiver = Receiver.objects.get(request=executing, department=company.tech)
    journey.sign_in(company.tech_head)
    page.click(f"[data-testid=waiting] a.text-reset[href='/requests/{code}/retrospective/']")
    page.wait_for_url(f"**/requests/{code}/retrospective/")
    rating = f"[data-testid=rating-{receiver.pk}]"
    assert journey.count("[data-testid=save-write-up]") == 0
    page.select_option(f"{rating} select[name=score]", value="4")
    page.fill(f"{rating} textarea[name=comment]", "需求清晰，返工一次")
    page.click(f"{rating} [data-testid=rate]")
    page.wait_for_url(f"**/requests/{code}/retrospective/")
    assert journey.text(f"{rating} [data-testid=rating-score]") == "4 / 5"
    assert "需求清晰，返工一次" in journey.text(rating)
    saved = SatisfactionRating.objects.get(receiver=receiver)
    assert (saved.score, saved.rated_by) == (4, company.tech_head)

    # 7. The coordinator writes the four parts, files the retrospective and downloads the
    #    archive bundle, whose manifest matches every file in it.
    journey.sign_in(company.tech_staff)
    journey.go(f"/requests/{code}/")
    page.click(f"[data-testid=case-links] a[href='/requests/{code}/retrospective/']")
    page.wait_for_url(f"**/requests/{code}/retrospective/")
    assert page.is_disabled("[data-testid=file-retrospective]")  # nothing written yet
    write_up = {
        "went_well": "两周内交付，客户满意",
        "problems": "问卷初稿遗漏门店规模",
        "lessons": "问卷定稿前先请销售过目",
        "improvements": "沉淀调研问卷模板",
    }
    for name, value in write_up.items():
        page.fill(f"#id_{name}", value)
    page.click("[data-testid=save-write-up]")
    page.wait_for_url(f"**/requests/{code}/retrospective/")
    assert journey.count("[data-testid=file-missing]") == 0
    assert journey.count("[data-testid=filed-badge]") == 0
    page.click("[data-testid=file-retrospective]")
    with page.expect_navigation():
        confirm(page)
    assert journey.count("[data-testid=filed-badge]") == 1
    assert journey.count("[data-testid=save-write-up]") == 0
    written = journey.text("[data-testid=write-up]")
    assert all(value in written for value in write_up.values())
    journey.shot("archived")
    case = journey.refreshed()
    assert case.stage == "archived"
    retrospective = case.retrospective
    assert retrospective.filed_by == company.tech_staff and retrospective.metrics
    assert {name: getattr(retrospective, name) for name in write_up} == write_up

    # The worker prepares the bundle, never the page: it says so, polling, until it is ready.
    assert journey.count("[data-testid=bundle-link]") == 0
    assert "归档包正在准备" in journey.text("[data-testid=bundle-status]")
    archive_bundles_sweep()  # what make run's worker does by itself
    page.wait_for_selector("[data-testid=bundle-link]")
    journey.shot("bundle-ready")
    with page.expect_download() as download_info:
        page.click("[data-testid=bundle-link]")
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as bundle:
        names = set(bundle.namelist())
        manifest = json.loads(bundle.read("manifest.json"))
        listed = {entry["path"]: entry for entry in manifest["files"]}
        assert manifest["missing"] == []
        assert names - {"manifest.json"} == set(listed)
        for path, entry in listed.items():
            content = bundle.read(path)
            assert entry["size"] == len(content), path
            assert entry["sha256"] == hashlib.sha256(content).hexdigest(), path
            assert entry["status"] == "ok", path
        delivered = {
            bundle.read(path) for path, e in listed.items() if e["kind"] == "delivered_file"
        }
    assert {QUESTIONNAIRE, QUESTIONNAIRE_V2} <= delivered
    assert manifest["case"]["code"] == code

    # 8. The archived case is read-only: the coordinator's delivery and retrospective pages
    #    offer no form or button to change anything.
    assert_read_only(journey, versions=(1, 2))


@pytest.fixture
def external_submitted(company, submitted, external_contact):
    """The submitted delivery of a case whose work is for an external customer (as in
    tests/acceptance_app/test_external_acceptance.py)."""
    Receiver.objects.create(
        request=submitted.request,
        kind=Receiver.Kind.EXTERNAL,
        party=external_contact.party,
        contact=external_contact,
        position=5,
    )
    return submitted


def test_the_customer_accepts_through_the_one_time_link(
    live_server, browser, page, company, external_submitted, external_contact
):
    delivery = external_submitted
    journey = Journey(page, live_server, delivery.request)
    code = journey.code

    # 1. The initiator finds the delivery waiting for a link and creates it.
    journey.sign_in(company.sales_staff)
    page.click(f"[data-testid=waiting] a.text-reset[href='/requests/{code}/delivery/v1/']")
    page.wait_for_url(f"**/requests/{code}/delivery/v1/")
    assert journey.count("[data-testid=acceptance-form]") == 0  # not accepted in the portal
    journey.go(f"/requests/{code}/delivery/")
    assert "高建华" in journey.text("[data-testid=current-delivery]")
    assert journey.count("[data-testid=go-accept]") == 0
    page.click("[data-testid=create-acceptance-link]")
    link = page.input_value("[data-testid=link-url]")
    assert link.startswith(f"{live_server.url}/x/accept/")
    assert ExternalLink.objects.get().used_at is None

    # 2. The customer, not signed in, passes every item, types a name and signs.
    visitor = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    try:
        anonymous = visitor.new_page()
        anonymous.set_default_timeout(10_000)
        assert anonymous.goto(link).status == 200
        form = anonymous.locator("[data-testid=external-form]")
        assert "调研问卷" in form.inner_text() and "问卷.pdf" in form.inner_text()
        for item in delivery.items.all():
            anonymous.check(f"[data-testid=verdict-{item.pk}] input[value=pass]")
        anonymous.fill("#id_comment", "资料齐全")
        anonymous.fill("#id_typed_name", "高建华")
        anonymous.click("[data-testid=external-decide]")
        anonymous.wait_for_selector("[data-testid=external-done]")
        assert f"{code} v1" in anonymous.content()

        # 3. The link works once: opening it again says it was used.
        again = anonymous.goto(link)
        assert again.status == 410
        assert "已使用过" in anonymous.locator("[data-testid=link-message]").inner_text()
        assert anonymous.locator("[data-testid=external-form]").count() == 0
    finally:
        visitor.close()

    delivery.refresh_from_db()
    assert delivery.state == "accepted"
    review = AcceptanceReview.objects.get(delivery=delivery)
    assert review.external_contact == external_contact and review.reviewer is None
    assert review.comment == "资料齐全" and review.reviewer_name.startswith("高建华")
    assert ExternalLink.objects.get().typed_name == "高建华"
    assert journey.refreshed().stage == "retrospective"

    # 4. Back in the portal, the initiator sees the customer's decision on the delivery.
    journey.go(f"/requests/{code}/delivery/v1/")
    assert "bg-green-lt" in page.get_attribute("[data-testid=review-decision]", "class")
    assert "高建华" in journey.text("[data-testid=acceptance-review]")
