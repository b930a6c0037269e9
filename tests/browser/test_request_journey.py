"""In Chromium, as the real roles: register → returned → fixed → approved → sync recorded and
acknowledged → kickoff → plan drafted → every side signs (the customer through the link) →
task breakdown; then every PDF downloads with the right Chinese text."""

import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader

from cases.models import Case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "requests"


class Journey:
    def __init__(self, page, live_server):
        self.page, self.base = page, live_server.url
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.step = 0

    def sign_in(self, username):
        self.page.context.clear_cookies()
        self.page.goto(f"{self.base}/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "demo12345")
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{self.base}/")

    def open_case(self, code):
        self.page.goto(f"{self.base}/requests/{code}/")

    def shot(self, name):
        self.step += 1
        self.page.screenshot(path=str(SHOTS / f"{self.step:02d}-{name}.png"), full_page=True)

    def flash(self) -> str:
        return self.page.locator(".alert").first.inner_text()


def test_a_request_goes_from_registration_to_task_breakdown(live_server, page, demo):
    journey = Journey(page, live_server)
    deadline = (timezone.localdate() + datetime.timedelta(days=40)).isoformat()

    # 1. A marketing specialist registers a multi-party request and submits it.
    journey.sign_in("zhengkai")
    page.goto(f"{live_server.url}/requests/new/")
    page.fill("#id_subject", "新品发布会客户邀约协作")
    page.fill("#id_goal", "邀约重点客户参加发布会")
    page.select_option("#id_internal_departments", label="技术部")
    page.select_option("#id_external_contacts", label="远航物流集团 · 高建华 · 信息化部总监")
    page.fill("#id_expected_deadline", deadline)
    page.select_option("#id_initiator_role", value="project_liaison")
    page.click("text=保存草稿")
    assert "已保存为草稿" in journey.flash()
    code = page.locator(".page-pretitle").inner_text().split()[0]
    page.click("[data-testid=submit]")
    assert "已提交审核" in journey.flash()
    assert page.locator("[data-testid=reviewer]").inner_text() == "吴芳"
    journey.shot("submitted")

    # 2. The head returns it: the goal is not quantified.
    journey.sign_in("wufang")
    assert code in page.locator("[data-testid=waiting]").inner_text()
    journey.open_case(code)
    page.select_option("#id_reason_code", value="goal_not_measurable")
    page.fill("#id_comment", "请量化邀约客户数量")
    page.click("[data-testid=return]")
    assert "已退回" in journey.flash()
    journey.shot("returned")

    # 3. The initiator fixes the goal and resubmits.
    journey.sign_in("zhengkai")
    journey.open_case(code)
    assert "请量化邀约客户数量" in page.locator("[data-testid=reviews]").inner_text()
    page.click("[data-testid=edit]")
    page.fill("#id_goal", "邀约 30 家重点客户参加发布会")
    page.fill("#id_metric", "到会客户数")
    page.fill("#id_target_value", "30")
    page.fill("#id_unit", "家")
    page.click("text=保存草稿")
    page.click("[data-testid=submit]")

    # 4. The head approves with the three checks: the registration form is signed.
    journey.sign_in("wufang")
    journey.open_case(code)
    for box in ("goal_quantifiable", "receiver_clear", "deadline_reasonable"):
        page.check(f"#id_{box}")
    page.click("[data-testid=approve]")
    assert "审核通过并签字" in journey.flash()
    assert "已签字" in page.locator("[data-testid=registration]").inner_text()
    journey.shot("approved")

    # 5. The initiator records how the form reached each receiver, and the kickoff meeting.
    journey.sign_in("zhengkai")
    for receiver, channel in (("技术部", "dingtalk"), ("远航物流集团（高建华）", "email")):
        page.goto(f"{live_server.url}/requests/{code}/sync/new/")
        page.select_option("#id_receiver", label=receiver)
        page.select_option("#id_channel", value=channel)
        page.fill("#id_recipients", "朱明、秦浩" if channel == "dingtalk" else "高建华")
        page.fill("#id_materials", "《沟通需求登记表》、发布会议程")
        page.click("text=保存")
        assert "已记录" in journey.flash()
    page.goto(f"{live_server.url}/requests/{code}/sync/kickoff/")
    page.select_option("#id_mode", value="online")
    page.fill("#id_held_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_location", "腾讯会议 888-123-456")
    page.select_option("#id_invited", label="秦浩 · 技术部 架构师")
    page.select_option("#id_attended", label="秦浩 · 技术部 架构师")
    page.fill("#id_minutes", "讲解发布会背景、邀约目标与分工")
    page.click("text=保存")
    assert "尚未确认收到" in page.locator("[data-testid=sync-missing]").inner_text()

    # 6. The tech department's acting head acknowledges receipt.
    journey.sign_in("qinhao")
    journey.open_case(code)
    page.click("[data-testid=acknowledge]")
    assert "已确认收到" in journey.flash()

    # 7. The initiator finishes the sync; planning starts.
    journey.sign_in("zhengkai")
    journey.open_case(code)
    page.click("[data-testid=finish-sync]")
    assert "信息同步已完成" in journey.flash()

    # 8. The receiver drafts the plan and sends it for confirmation.
    journey.sign_in("qinhao")
    journey.open_case(code)
    page.click("[data-testid=edit-plan]")
    page.fill("#id_content", "技术部搭建邀约报名页并对接短信平台；市场部负责客户名单与邀约话术。")
    page.fill("#id_resource_needs", "1 名前端、1 名后端，5 个工作日")
    page.select_option("#id_coordinator", label="秦浩 · 技术部 架构师")
    page.fill("#id_milestones-0-name", "报名页上线")
    page.fill(
        "#id_milestones-0-due_on", (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    )
    page.click("text=保存草稿")
    assert "方案草稿已保存" in journey.flash()
    page.click("[data-testid=propose-plan]")
    assert page.locator("[data-testid=plan-state]").inner_text() == "待确认"

    # 9. Both internal sides sign: the tech side by the delegate, for the head.
    page.click("text=确认并签字")
    assert "秦浩 (代 朱明)" in page.locator("[data-testid=plan-sides]").inner_text()
    journey.sign_in("wufang")
    journey.open_case(code)
    page.click("text=确认并签字")
    journey.shot("internal-sides-signed")

    # 10. The initiator creates the customer's one-time link; the customer confirms.
    journey.sign_in("zhengkai")
    journey.open_case(code)
    page.click("[data-testid=create-link]")
    link = page.locator("[data-testid=link-url]").input_value()
    page.context.clear_cookies()
    page.goto(link)
    page.fill("#id_typed_name", "高建华")
    page.click("[data-testid=external-confirm]")
    assert "已记录" in page.locator("[data-testid=external-done]").inner_text()
    page.goto(link)
    assert "已使用过" in page.locator("[data-testid=link-message]").inner_text()
    journey.shot("link-used")

    # 11. The case reaches task breakdown; the stepper shows step 3.
    journey.sign_in("zhengkai")
    journey.open_case(code)
    assert page.locator("[data-testid=stepper] .active").inner_text() == "任务拆解与责任分配"
    assert Case.objects.get(code=code).stage == "breakdown"
    journey.shot("breakdown")

    # 12. Every PDF downloads with its Chinese text and signatures.
    expected = {
        f"/requests/{code}/pdf/registration/": ["沟通需求登记表", "邀约 30 家重点客户", "吴芳"],
        f"/requests/{code}/pdf/sync/": ["信息同步记录表", "秦浩", "腾讯会议"],
        f"/requests/{code}/pdf/plan/v1/": [
            "协作方案确认表",
            "报名页上线",
            "高建华",
            "吴芳",
            "秦浩",
        ],
    }
    journey.sign_in("zhengkai")
    for path, values in expected.items():
        response = page.context.request.get(live_server.url + path)
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
        for value in values:
            assert value in text, (path, value)
