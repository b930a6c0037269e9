"""In Chromium, one case from registration to archive, as the real roles — each signs in through
the login form in a browser of their own: the initiator registers and submits; their head
approves; the receiving department's head acknowledges the hand-over; the coordinator drafts
the plan; every side signs it, the customer through the one-time link; the coordinator breaks it
down with one owner per task; the owners report progress and finish; a major risk goes to the
leader in charge, who instructs; the customer opens the delivered file through the acceptance
link and sends an item back; the reworked version 2 shows them what failed before and what
changed, and they accept it and rate the collaboration; the receiving head rates; the
coordinator files the retrospective, which counts the customer's score, and the case is
archived. Each one-time link is shown once with its QR code and a copy button, and the case
page lists every link with its state (issue 18, points 2, 7, 10 and 18: the steps marked so).

At each step the test checks what that role sees (the row waiting for them, the stage, the
buttons they must and must not have); at the end it downloads every PDF of the case and the
archive bundle. A screenshot of each step goes to $JOURNEY_SCREENSHOTS (default
var/screenshots/journey/) as NN-<role>-<step>.png; scripts/refresh_guide_screenshots.sh copies
the ones the user guides show into docs/img/journey/."""

import datetime
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone

from acceptance_app.bundle_outbox import archive_bundles_sweep
from acceptance_app.models import Delivery
from cases.models import Case
from collab_portal.signoffs.models import SignOff
from requests_app.models import Receiver
from risks_app.models import Risk
from tasks_app.models import Task
from tests.browser.steps import (
    assert_read_only,
    link_states,
    open_waiting,
    pdf_payload,
    pdf_text,
    qr_modules,
    sign_in,
    submit,
    waiting_row,
)
from tests.factories import TEST_PASSWORD, ExternalContactFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REPO = Path(__file__).resolve().parents[2]
TODAY = timezone.localdate()
INVITATION_LIST = b"%PDF-1.4\ninvitation list, 30 customers\n%%EOF"


def day(offset: int) -> str:
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


def screenshot_dir() -> Path:
    folder = Path(os.environ.get("JOURNEY_SCREENSHOTS") or REPO / "var/screenshots/journey")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class CaseView:
    """What ``assert_read_only`` needs: one person's page on one case."""

    page: object
    base: str
    code: str

    def go(self, path):
        response = self.page.goto(self.base + path)
        assert response.status == 200, (path, response.status)

    def count(self, selector) -> int:
        return self.page.locator(selector).count()


class Journey:
    """One browser context per role, signed in through the login form on first use; the
    external contact's context never signs in. Every Content-Security-Policy violation the
    browser reports fails the test, as with the shared ``page`` fixture."""

    def __init__(self, browser, base):
        self.browser, self.base = browser, base
        self.pages, self.shots, self.code = {}, 0, ""
        self.violations: list[str] = []
        self.folder = screenshot_dir()

    def open(self, role, user=None):
        if role not in self.pages:
            context = self.browser.new_context(
                viewport={"width": 1280, "height": 860},
                locale="zh-CN",
                permissions=["clipboard-read", "clipboard-write"],  # the links' copy button
            )
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.on("console", lambda message: self._watch(page, message))
            if user is not None:
                sign_in(page, self.base, user.username, TEST_PASSWORD)
            self.pages[role] = page
        return self.pages[role]

    def _watch(self, page, message):
        if "Content Security Policy" in message.text:
            self.violations.append(f"{page.url}: {message.text}")

    def go(self, page, path):
        response = page.goto(self.base + path)
        assert response.status == 200, (path, response.status)
        return page

    def case(self, page):
        return self.go(page, f"/requests/{self.code}/")

    def home(self, page):
        return self.go(page, "/")

    def shot(self, role, step, focus=None):
        """A viewport screenshot (what the guides show), scrolled to ``focus`` if given."""
        page = self.pages[role]
        if focus:
            page.locator(focus).first.scroll_into_view_if_needed()
        self.shots += 1
        page.screenshot(path=str(self.folder / f"{self.shots:02d}-{role}-{step}.png"))

    def close(self):
        for page in self.pages.values():
            page.context.close()

    def stored(self) -> Case:
        return Case.objects.get(code=self.code)


@pytest.fixture
def journey(browser, live_server):
    journey = Journey(browser, live_server.url)
    yield journey
    journey.close()
    assert journey.violations == [], "\n".join(journey.violations)


def has(page, testid) -> bool:
    return page.locator(f"[data-testid={testid}]").count() > 0


def stage_shown(page) -> str:
    """The stage the case page's title shows, by its badge's class (stage-<value>)."""
    classes = page.locator(".page-pretitle .stage-badge").get_attribute("class").split()
    return next(
        c.removeprefix("stage-") for c in classes if c.startswith("stage-") and c != "stage-badge"
    )


def admin_row(page, name) -> str:
    """The text of the admin change list's row whose name column is ``name``."""
    return page.locator(f"#result_list tr:has(th.field-name :text-is('{name}'))").inner_text()


def test_a_case_goes_from_registration_to_archive_as_the_real_roles(journey, company):
    tech_dev = UserFactory(username="tech_dev", display_name="孙七", department=company.tech)
    customer = ExternalContactFactory(name="高建华", party__name="远航物流集团")
    initiator, head = company.sales_staff, company.sales_head
    receiver_head, coordinator, leader = company.tech_head, company.tech_staff, company.leader

    # 0. The administrator checks the organisation the routing relies on; staff have no admin.
    admin = journey.open("admin", company.admin)
    journey.go(admin, "/admin/org/department/")
    assert receiver_head.display_name in admin_row(admin, "技术部")
    assert head.display_name in admin_row(admin, "销售部")
    assert leader.display_name in admin_row(admin, "业务中心")
    journey.shot("admin", "departments")

    # 1. The initiator registers a case with two receivers and submits it.
    staff = journey.open("initiator", initiator)
    staff.goto(journey.base + "/admin/")
    assert "/admin/login/" in staff.url  # no way into the admin site
    journey.go(staff, "/requests/new/")
    staff.fill("#id_subject", "新品发布会客户邀约协作")
    staff.fill("#id_goal", "邀约 30 家重点客户参加发布会")
    staff.fill("#id_metric", "到会客户数")
    staff.fill("#id_target_value", "30")
    staff.fill("#id_unit", "家")
    staff.select_option("#id_internal_departments", value=str(company.tech.pk))
    staff.select_option("#id_external_contacts", value=str(customer.pk))
    staff.fill("#id_expected_deadline", day(40))
    staff.select_option("#id_initiator_role", value="project_liaison")
    journey.shot("initiator", "register", focus="[data-testid=registration-form]")
    submit(staff, "[data-testid=save-draft]")
    journey.code = staff.locator(".page-pretitle").inner_text().split()[0]
    assert stage_shown(staff) == "draft" and has(staff, "edit")
    submit(staff, "[data-testid=submit]")
    assert staff.locator("[data-testid=reviewer]").inner_text() == head.display_name
    assert stage_shown(staff) == "pending_review"
    assert not has(staff, "submit") and not has(staff, "edit") and not has(staff, "review-panel")
    assert journey.stored().stage == "pending_review"
    code = journey.code

    # 2. The initiator's head finds it waiting, checks the three points and signs (on their
    #    phone, step 2a).
    reviewer = journey.open("head", head)
    row = waiting_row(reviewer, code, "review")
    assert row.locator(".stage-pending_review").count() == 1
    assert reviewer.locator("[data-testid=title-waiting-count]").inner_text() == "1"
    journey.shot("head", "inbox")
    open_waiting(reviewer, code, "review")
    assert reviewer.url.endswith(f"/requests/{code}/")
    assert has(reviewer, "approve") and has(reviewer, "return")
    assert not has(reviewer, "edit") and not has(reviewer, "submit")
    for box in ("goal_quantifiable", "receiver_clear", "deadline_reasonable"):
        reviewer.check(f"#id_{box}")
    journey.shot("head", "review", focus="[data-testid=review-panel]")
    review_on_a_phone(journey, head)
    journey.case(reviewer)
    assert not has(reviewer, "review-panel")
    assert stage_shown(reviewer) == "syncing"
    assert journey.stored().stage == "syncing"
    assert SignOff.objects.filter(signer=head).count() == 1

    # 3. The initiator records how the form reached each receiver, and the kickoff meeting.
    receivers = {r.is_internal: r for r in Receiver.objects.filter(request__code=code)}
    for receiver, channel, recipients in (
        (receivers[True], "dingtalk", receiver_head.display_name),
        (receivers[False], "email", customer.name),
    ):
        journey.go(staff, f"/requests/{code}/sync/new/")
        staff.select_option("#id_receiver", value=str(receiver.pk))
        staff.select_option("#id_channel", value=channel)
        staff.fill("#id_recipients", recipients)
        staff.fill("#id_materials", "《沟通需求登记表》、发布会议程")
        submit(staff, ".page-body form button.btn-primary[type=submit]")
    journey.go(staff, f"/requests/{code}/sync/kickoff/")
    staff.select_option("#id_mode", value="online")
    staff.fill("#id_held_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    staff.fill("#id_location", "腾讯会议 888-123-456")
    people = [str(receiver_head.pk), str(coordinator.pk)]
    staff.select_option("#id_invited", value=people)
    staff.select_option("#id_attended", value=people)
    staff.fill("#id_minutes", "讲解发布会背景、邀约目标与分工")
    submit(staff, ".page-body form button.btn-primary[type=submit]")
    assert has(staff, "sync-missing") and staff.is_disabled("[data-testid=finish-sync]")
    assert not has(staff, "acknowledge")  # only the receiving department acknowledges
    journey.shot("initiator", "sync", focus="[data-testid=sync]")

    # 4. The receiving department's head acknowledges the hand-over.
    receiving = journey.open("receiver-head", receiver_head)
    open_waiting(receiving, code, "sync_ack")
    assert not has(receiving, "finish-sync") and not has(receiving, "review-panel")
    journey.shot("receiver-head", "acknowledge", focus="[data-testid=sync]")
    submit(receiving, "[data-testid=acknowledge]")
    assert not has(receiving, "acknowledge")
    assert receivers[True].sync_records.get().acknowledged_by == receiver_head

    # 5. The initiator finishes the sync: planning starts.
    journey.case(staff)
    assert not has(staff, "sync-missing")
    submit(staff, "[data-testid=finish-sync]")
    assert journey.stored().stage == "planning"

    # 6. The coordinator (receiving side) drafts the plan, names themself and proposes it.
    pm = journey.open("coordinator", coordinator)
    journey.case(pm)
    submit(pm, "[data-testid=edit-plan]")
    pm.fill("#id_content", "技术部搭建邀约报名页并对接短信平台；市场部负责客户名单与邀约话术。")
    pm.fill("#id_resource_needs", "1 名前端、1 名后端，5 个工作日")
    pm.fill("#id_risk_points", "短信平台审批可能延迟")
    pm.select_option("#id_coordinator", value=str(coordinator.pk))
    pm.fill("#id_milestones-0-name", "报名页上线")
    pm.fill("#id_milestones-0-due_on", day(10))
    submit(pm, "[data-testid=plan-form] .card-footer button[type=submit]")
    submit(pm, "[data-testid=propose-plan]")
    assert pm.locator("[data-testid=plan-state]").count() == 1 and not has(pm, "propose-plan")
    assert not has(pm, "sign-plan")  # the head signs for the department, not the coordinator
    journey.shot("coordinator", "plan", focus="[data-testid=plan]")

    # 7. Every internal side signs: the receiving head, then the initiator's head.
    for role, person in (("receiver-head", receiver_head), ("head", head)):
        signer = journey.pages[role]
        journey.home(signer)
        open_waiting(signer, code, "plan_confirmation")
        if role == "receiver-head":
            journey.shot(role, "sign-plan", focus="[data-testid=sign-plan]")
        submit(signer, "[data-testid=sign-plan] button[value=sign]")
        assert not has(signer, "sign-plan")
        assert person.display_name in signer.locator("[data-testid=plan-sides]").inner_text()

    # 8. The initiator creates the customer's one-time link (the portal shows it once, to
    #    send by WeChat or email; only its hash is stored); the customer confirms through it.
    journey.case(staff)
    submit(staff, "[data-testid=create-link]")
    plan_link = staff.locator("[data-testid=link-url]").input_value()
    assert plan_link.startswith(f"{journey.base}/x/plan/")
    outside = journey.open("external")
    assert outside.goto(plan_link).status == 200
    assert "邀约报名页" in outside.locator("body").inner_text()
    outside.fill("#id_typed_name", customer.name)
    journey.shot("external", "confirm-plan", focus="[data-testid=external-form]")
    submit(outside, "[data-testid=external-confirm]")
    assert outside.locator("[data-testid=external-done]").count() == 1
    assert outside.goto(plan_link).status == 410  # it works once
    assert outside.locator("[data-testid=external-form]").count() == 0
    case = journey.stored()
    assert case.stage == "breakdown" and case.coordinator == coordinator

    # 8a. (issue 18, point 18) The link was shown once with its QR code, drawn on the server
    #     from exactly the link, and a copy button that puts exactly the link on the clipboard;
    #     the case page lists it, used now.
    assert staff.locator("[data-testid=link-qr] svg path").get_attribute("d") == qr_modules(
        plan_link
    )
    staff.click("[data-testid=copy-link]")
    staff.wait_for_selector("[data-testid=copy-link].btn-success")
    assert staff.evaluate("navigator.clipboard.readText()") == plan_link
    journey.shot("initiator", "plan-link", focus="[data-testid=new-link]")
    journey.case(staff)
    assert link_states(staff) == [("方案确认 v1", "已使用")]

    # 9. The coordinator breaks the plan down: one owner per task, then publishes.
    journey.case(pm)
    assert stage_shown(pm) == "breakdown"
    journey.go(pm, f"/requests/{code}/wbs/")
    tasks = (
        ("报名页开发与短信对接", tech_dev, company.tech, True),
        ("重点客户邀约", initiator, company.sales, False),
    )
    for number, (name, owner, department, key) in enumerate(tasks, start=1):
        pm.click("[data-testid=add-top]")
        pm.wait_for_selector("#task-panel [data-testid=task-form]")
        pm.fill("#task-panel #id_name", name)
        pm.select_option("#task-panel #id_owner", value=str(owner.pk))
        pm.select_option("#task-panel #id_lead_department", value=str(department.pk))
        pm.fill("#task-panel #id_start_on", day(0))
        pm.fill("#task-panel #id_due_on", day(8))
        pm.fill("#task-panel #id_deliverable_standard", f"{name}完成并经发起人确认")
        if key:
            pm.check("#task-panel #id_is_key")
        pm.click("#task-panel [data-testid=save-task]")
        pm.locator("[data-testid=wbs-row]").nth(number - 1).wait_for()
    pm.reload()
    assert not has(pm, "publish-missing")
    journey.shot("coordinator", "wbs", focus="[data-testid=wbs-tree]")
    submit(pm, "[data-testid=publish]")
    assert pm.url.endswith(f"/requests/{code}/tracking/")
    assert journey.stored().stage == "executing"
    build, invite = Task.objects.filter(request__code=code).order_by("wbs_code")
    assert (build.owner, invite.owner) == (tech_dev, initiator)

    # 10. The owner finds today's update waiting and reports progress.
    owner = journey.open("task-owner", tech_dev)
    assert waiting_row(owner, code, "task_update").count() == 1
    journey.go(owner, "/tasks/mine/")
    actions = f"[data-testid=task-actions-{build.pk}]"
    assert owner.locator(f"[data-testid=task-actions-{invite.pk}]").count() == 0  # not theirs
    owner.click(f"{actions} details:has([data-testid=progress-form]) summary")
    owner.fill(f"{actions} input[name=percent]", "60")
    owner.fill(f"{actions} input[name=note]", "报名页完成，短信模板待审批")
    submit(owner, f"{actions} [data-testid=progress-form] button")
    build.refresh_from_db()
    assert (build.status, build.progress) == ("in_progress", 60)
    journey.home(owner)
    assert waiting_row(owner, code, "task_update").count() == 0
    journey.go(owner, "/tasks/mine/")
    journey.shot("task-owner", "progress", focus=actions)

    # 11. The owner raises a risk on the key task: high impact makes it major, escalated.
    journey.go(owner, f"/requests/{code}/risks/new/?task={build.pk}")
    owner.fill("#id_description", "短信平台模板审批未通过，邀约短信无法发送")
    owner.select_option("#id_impact", value="high")
    owner.select_option("#id_likelihood", value="medium")
    owner.fill("#id_measures", "改用邮件邀约并申请加急审批")
    owner.fill("#id_deadline", day(3))
    submit(owner, "[data-testid=risk-form] button[type=submit]")
    risk = Risk.objects.get(request__code=code)
    assert risk.is_major and risk.state == "escalated" and risk.escalated_to == leader
    assert not has(owner, "instruct-form")

    # 12. The leader in charge finds the escalation waiting and gives an instruction.
    chief = journey.open("leader", leader)
    open_waiting(chief, code, "escalation")
    assert not has(chief, "resolve-form") and not has(chief, "close")
    chief.select_option("[data-testid=instruct-form] [name=decision]", value="add_resources")
    chief.fill("[data-testid=instruct-form] [name=text]", "同意加急，市场部同步准备邮件邀约")
    journey.shot("leader", "instruct", focus="[data-testid=instruct-form]")
    submit(chief, "[data-testid=instruct-form] button[type=submit]")
    assert not has(chief, "instruct-form")
    assert "同意加急" in chief.locator("[data-testid=instructions]").inner_text()
    risk.refresh_from_db()
    assert risk.state == "mitigating"

    # 13. The owner resolves the risk and finishes the task; the other owner finishes theirs.
    journey.go(owner, risk.get_absolute_url())
    owner.fill("[data-testid=resolve-form] [name=resolution]", "模板审批已通过")
    owner.fill("[data-testid=resolve-form] [name=evidence]", "审批单 SMS-0412")
    submit(owner, "[data-testid=resolve-form] button[type=submit]")
    for page, task in ((owner, build), (staff, invite)):
        journey.go(page, "/tasks/mine/")
        submit(page, f"[data-testid=task-actions-{task.pk}] [data-testid=done]")
        task.refresh_from_db()
        assert task.status == "done"

    # 14. The coordinator closes the risk, publishes the weekly summary and submits the
    #     delivery list.
    journey.go(pm, risk.get_absolute_url())
    submit(pm, "[data-testid=close]")
    risk.refresh_from_db()
    assert risk.state == "closed"
    journey.go(pm, f"/requests/{code}/weekly/")
    submit(pm, "[data-testid=draft-this-week]")
    assert build.name in pm.locator("[data-testid=section-done]").inner_text()
    submit(pm, "[data-testid=weekly-publish]")
    assert not has(pm, "weekly-publish")
    weekly_pdf = pm.get_attribute("[data-testid=weekly-pdf]", "href")
    journey.go(pm, f"/requests/{code}/delivery/")
    for task, item, upload in (
        (build, "邀约报名页", pdf_payload("报名页说明.pdf", INVITATION_LIST)),
        (invite, "到会客户名单", None),
    ):
        submit(pm, "[data-testid=add-item]")
        pm.select_option("#id_task", value=str(task.pk))
        pm.fill("#id_name", item)
        if upload:
            pm.set_input_files("#id_files", upload)
        submit(pm, "[data-testid=save-item]")
    assert pm.locator("[data-testid=delivery-item]").count() == 2
    assert not has(pm, "submit-missing")
    pm.fill("#id_summary", "报名页与客户名单，请验收")
    journey.shot("coordinator", "delivery", focus="[data-testid=submit-panel]")
    submit(pm, "[data-testid=submit-delivery]")
    assert pm.url.endswith(f"/requests/{code}/delivery/v1/")
    assert not has(pm, "acceptance-form")  # the coordinator does not accept their own work
    assert journey.stored().stage == "accepting"

    # 15. External work is accepted by the customer: the initiator sends the link.
    journey.home(staff)
    assert waiting_row(staff, code, "acceptance_link").count() == 1
    journey.go(staff, f"/requests/{code}/delivery/")
    assert not has(staff, "go-accept") and not has(staff, "acceptance-form")
    submit(staff, "[data-testid=create-acceptance-link]")
    accept_link = staff.locator("[data-testid=link-url]").input_value()
    assert accept_link.startswith(f"{journey.base}/x/accept/")

    # 16. (issue 18, point 2) The customer opens the delivered file through the link itself:
    #     the bytes uploaded, under their name. They pass the sign-up page, send the guest
    #     list back (it lacks phone numbers) and sign.
    assert outside.goto(accept_link).status == 200
    delivery = Delivery.objects.get(request__code=code)
    page_item, list_item = delivery.items.order_by("position")
    with outside.expect_download() as download:
        outside.click(f"[data-testid=verdict-{page_item.pk}] [data-testid=link-file]")
    assert download.value.suggested_filename == "报名页说明.pdf"
    assert Path(download.value.path()).read_bytes() == INVITATION_LIST
    outside.check(f"[data-testid=verdict-{page_item.pk}] input[value=pass]")
    outside.check(f"[data-testid=verdict-{list_item.pk}] input[value=fail]")
    outside.fill(f"[data-testid=verdict-{list_item.pk}] textarea", "名单缺少联系人电话")
    outside.fill("#id_comment", "报名页可用，名单需补充")
    outside.fill("#id_typed_name", customer.name)
    journey.shot("external", "accept", focus="[data-testid=external-form]")
    submit(outside, "[data-testid=external-decide]")
    assert outside.locator("[data-testid=external-done]").count() == 1
    delivery.refresh_from_db()
    assert delivery.state == "rejected" and journey.stored().stage == "executing"

    # 16a. The list's owner (the initiator) finishes it again; the coordinator starts version
    #      2, adds the phone numbers and submits it; the initiator sends the customer its link.
    journey.go(staff, "/tasks/mine/")
    submit(staff, f"[data-testid=task-actions-{invite.pk}] [data-testid=done]")
    journey.go(pm, f"/requests/{code}/delivery/")
    submit(pm, "[data-testid=start-version]")
    pm.locator("[data-testid=delivery-item]").nth(1).locator("[data-testid=edit-item]").click()
    pm.wait_for_selector("[data-testid=item-form]")
    pm.fill("#id_notes", "已补充 30 家客户的联系人电话")
    submit(pm, "[data-testid=save-item]")
    pm.fill("#id_summary", "名单已补充，请再次验收")
    pm.fill("#id_changes", "名单补充联系人电话")
    submit(pm, "[data-testid=submit-delivery]")
    assert pm.url.endswith(f"/requests/{code}/delivery/v2/")
    journey.go(staff, f"/requests/{code}/delivery/")
    submit(staff, "[data-testid=create-acceptance-link]")
    accept_link = staff.locator("[data-testid=link-url]").input_value()

    # 16b. (issue 18, point 7) The second round shows the customer what failed before and what
    #      changed: the list's verdict and their comment, what changed in it; the unchanged
    #      sign-up page, which passed, is offered as passed.
    assert outside.goto(accept_link).status == 200
    second = Delivery.objects.get(request__code=code, version=2)
    page_item, list_item = second.items.order_by("position")
    reworked = f"[data-testid=verdict-{list_item.pk}]"
    kept = f"[data-testid=verdict-{page_item.pk}]"
    earlier = outside.inner_text(f"{reworked} [data-testid=earlier-verdict]")
    assert " ".join(earlier.split()) == "第 1 版的结论：不通过 · 名单缺少联系人电话"
    assert outside.inner_text(f"{reworked} [data-testid=item-change]") == "已修改：备注"
    assert outside.inner_text(f"{kept} [data-testid=item-change]") == "未改动"
    assert outside.is_checked(f"{kept} input[value=pass]")
    assert "名单补充联系人电话" in outside.inner_text("body")
    journey.shot("external", "second-round", focus="[data-testid=previous-round]")

    # 16c. (issue 18, point 10) The customer passes the list, rates the collaboration 4 of 5
    #      and signs: version 2 is accepted with their score.
    outside.check(f"{reworked} input[value=pass]")
    outside.check("[data-testid=satisfaction] input[value='4']")
    outside.fill("#id_satisfaction_comment", "响应及时，名单补充很快")
    outside.fill("#id_typed_name", customer.name)
    submit(outside, "[data-testid=external-decide]")
    assert outside.locator("[data-testid=external-done]").count() == 1
    second.refresh_from_db()
    assert second.state == "accepted" and second.review.satisfaction_score == 4
    assert journey.stored().stage == "retrospective"

    # 17. The receiving head rates the collaboration; they write no retrospective.
    journey.home(receiving)
    open_waiting(receiving, code, "rating")
    assert not has(receiving, "save-write-up") and not has(receiving, "file-retrospective")
    rating = f"[data-testid=rating-{receivers[True].pk}]"
    receiving.select_option(f"{rating} select[name=score]", value="5")
    receiving.fill(f"{rating} textarea[name=comment]", "目标清晰，配合顺畅")
    submit(receiving, f"{rating} [data-testid=rate]")
    assert receiving.locator(f"{rating} [data-testid=rating-score]").inner_text() == "5 / 5"

    # 17a. (issue 18, point 10) The retrospective counts the customer's score beside the
    #      receiving head's: in the ratings and in the acceptance figures.
    assert receiving.inner_text("[data-testid=customer-score]") == "4 / 5"
    assert "响应及时，名单补充很快" in receiving.inner_text("[data-testid=customer-rating]")
    assert "4 / 5" in receiving.inner_text("[data-testid=round-customer-score] >> nth=1")

    # 18. The coordinator writes the retrospective and files it: the case is archived.
    journey.home(pm)
    open_waiting(pm, code, "retrospective")
    for field, text in (
        ("went_well", "一周内上线报名页，到会 32 家"),
        ("problems", "短信模板审批耗时"),
        ("lessons", "短信模板提前报备"),
        ("improvements", "沉淀邀约报名页模板"),
    ):
        pm.fill(f"#id_{field}", text)
    submit(pm, "[data-testid=save-write-up]")
    assert not has(pm, "file-missing")
    journey.shot("coordinator", "retrospective", focus="[data-testid=file-panel]")
    submit(pm, "[data-testid=file-retrospective]")
    assert has(pm, "filed-badge")
    assert journey.stored().stage == "archived"
    assert_read_only(CaseView(pm, journey.base, code), versions=(1, 2))

    # 19. Everyone sees it archived with nothing left to do.
    for role in ("initiator", "head", "receiver-head", "coordinator", "task-owner", "leader"):
        page = journey.home(journey.pages[role])
        assert waiting_row(page, code).count() == 0, role
    journey.case(staff)
    assert stage_shown(staff) == "archived"
    assert staff.locator("[data-testid=case-actions] form").count() == 0
    journey.shot("initiator", "archived", focus="[data-testid=stepper]")

    # 19a. (issue 18, point 18) The case page lists every one-time link of the case with its
    #      state, newest first.
    assert link_states(staff) == [
        ("验收 v2", "已使用"),
        ("验收 v1", "已使用"),
        ("方案确认 v1", "已使用"),
    ]

    # 20. Every PDF of the case downloads and carries its code; so does the archive bundle.
    pdfs = [
        f"/requests/{code}/pdf/registration/",
        f"/requests/{code}/pdf/sync/",
        f"/requests/{code}/pdf/plan/v1/",
        f"/requests/{code}/tracking.pdf",
        weekly_pdf,
        f"/requests/{code}/risks.pdf",
        f"/requests/{code}/delivery/v1/pdf/",
        f"/requests/{code}/delivery/v1/acceptance.pdf",
        f"/requests/{code}/delivery/v2/pdf/",
        f"/requests/{code}/delivery/v2/acceptance.pdf",
        f"/requests/{code}/retrospective/pdf/",
    ]
    for path in pdfs:
        response = staff.context.request.get(journey.base + path)
        assert response.status == 200, path
        assert code in pdf_text(response.body()), path
    # 20a. (issue 18, point 10) The retrospective's PDF prints the customer's score.
    report = pdf_text(
        staff.context.request.get(f"{journey.base}/requests/{code}/retrospective/pdf/").body()
    )
    assert "客户满意度" in "".join(report.split()) and "响应及时" in report
    archive_bundles_sweep()  # the worker prepares the bundle once (make run's does it itself)
    journey.go(staff, f"/requests/{code}/retrospective/")
    bundle_url = journey.base + staff.get_attribute("[data-testid=bundle-link]", "href")
    response = staff.context.request.get(bundle_url, timeout=60_000)
    assert response.status == 200
    assert ".zip" in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.body())) as bundle:
        names = bundle.namelist()
        folders = sorted({name.split("/")[0] for name in names if name[:2].isdigit()})
        assert [folder[:2] for folder in folders] == [f"{n:02d}" for n in range(1, 10)]
        assert {"manifest.json", "MANIFEST.txt"} <= set(names)
        assert any(name.startswith("deliveries/v1/") for name in names)
        forms = [name for name in names if name.endswith(".pdf") and name[:2].isdigit()]
        assert len(forms) == len(pdfs)
        for name in forms:
            assert code in name and bundle.read(name).startswith(b"%PDF"), name


# --- Issue 18, point 15: the review decided on a phone, from its decision bar ----------------

PHONE = {"width": 390, "height": 844}
DECISION_BAR = "[data-testid=action-bar]"


def review_on_a_phone(journey, head):
    """2a. The head opens the case on a 390 px phone: the decision bar is on the first screen
    while the form's own approve button is further down; 退回修改 in the bar takes them to the
    form, where they tick the three points, and 审核通过并签字 in the bar signs."""
    phone = journey.open("head-phone", head)
    phone.set_viewport_size(PHONE)
    journey.case(phone)
    bar = phone.locator(DECISION_BAR).bounding_box()
    assert bar["y"] >= 0 and bar["y"] + bar["height"] <= PHONE["height"]
    assert phone.locator("[data-testid=approve]").bounding_box()["y"] > PHONE["height"]
    phone.click(f"{DECISION_BAR} [data-testid=action-bar-to-form]")
    for box in ("goal_quantifiable", "receiver_clear", "deadline_reasonable"):
        phone.check(f"#id_{box}")
    journey.shot("head-phone", "review-bar")
    submit(phone, f"{DECISION_BAR} [data-testid=action-bar-submit]")
    assert phone.locator(DECISION_BAR).count() == 0
    assert stage_shown(phone) == "syncing"
