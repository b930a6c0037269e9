"""In Chromium: an owner reports a blocker and raises a major risk from it; the leader in charge
finds it waiting and answers; the owner resolves it; the coordinator closes it; the register's
PDF and Excel match the page."""

import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from cases.models import Case
from risks_app.models import Risk
from tasks_app.models import Task
from tests.browser.steps import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "risks"


def test_a_blocker_becomes_a_major_risk_that_is_answered_resolved_and_closed(
    live_server, page, demo
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    case = Case.objects.get(subject="会员积分系统 V2 上线")
    task = Task.objects.get(request=case, name="性能测试")
    base, code = live_server.url, case.code

    # 1. The owner reports a blocker on a key task and raises a risk from it.
    sign_in(page, base, "zhangmin")
    page.goto(f"{base}/tasks/mine/")
    actions = f"[data-testid=task-actions-{task.pk}]"
    page.click(f"{actions} summary:has-text('报告阻塞')")
    page.fill(
        f"{actions} summary:has-text('报告阻塞') + form input[name=reason]",
        "压测环境被其他项目占用",
    )
    page.click(f"{actions} summary:has-text('报告阻塞') + form button")
    page.goto(f"{base}{task.get_absolute_url()}")
    page.click("[data-testid=task-link]")
    assert page.input_value("#id_description") == "压测环境被其他项目占用"
    page.select_option("#id_likelihood", value="high")
    page.fill("#id_measures", "协调运维释放压测环境，必要时租用云资源")
    page.fill("#id_deadline", (timezone.localdate() + datetime.timedelta(days=5)).isoformat())
    page.click("[data-testid=risk-form] button[type=submit]")
    risk = Risk.objects.get(request=case, task=task)
    assert risk.impact == "high" and risk.is_major and risk.state == "escalated"
    page.screenshot(path=str(SHOTS / "01-raised.png"), full_page=True)

    # 2. The leader in charge finds it waiting and gives an instruction.
    sign_in(page, base, "sunwei")
    waiting = page.locator("[data-testid=waiting]").inner_text()
    assert f"{risk.code} 压测环境被其他项目占用" in waiting
    page.goto(f"{base}{risk.get_absolute_url()}")
    page.select_option("[data-testid=instruct-form] [name=decision]", value="add_resources")
    page.fill("[data-testid=instruct-form] [name=text]", "同意租用云资源两周，费用由研发中心承担")
    page.click("[data-testid=instruct-form] button[type=submit]")
    assert "同意租用云资源两周" in page.locator("[data-testid=instructions]").inner_text()
    risk.refresh_from_db()
    assert risk.state == "mitigating"

    # 3. The owner resolves it with evidence.
    sign_in(page, base, "zhangmin")
    page.goto(f"{base}{risk.get_absolute_url()}")
    page.fill("[data-testid=resolve-form] [name=resolution]", "已租用云压测资源")
    page.fill("[data-testid=resolve-form] [name=evidence]", "云资源订单 2026-1127-01")
    page.click("[data-testid=resolve-form] button[type=submit]")
    risk.refresh_from_db()
    assert risk.state == "resolved"

    # 4. The coordinator confirms and closes it; the register's exports match the page.
    sign_in(page, base, "qinhao")
    page.goto(f"{base}{risk.get_absolute_url()}")
    page.click("[data-testid=close]")
    risk.refresh_from_db()
    assert risk.state == "closed"
    page.goto(f"{base}/requests/{code}/risks/")
    page_rows = page.locator("[data-testid=risk-table] tbody tr").count()
    cells = sum(
        int(c.get_attribute("data-count"))
        for c in page.locator("[data-testid=risk-matrix] td[data-count]").all()
    )
    assert cells == page_rows == Risk.objects.filter(request=case).count()
    workbook = load_workbook(
        io.BytesIO(page.context.request.get(f"{base}/requests/{code}/risks.xlsx").body())
    )
    descriptions = [row[1] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert len(descriptions) == page_rows and "压测环境被其他项目占用" in descriptions
    pdf = PdfReader(
        io.BytesIO(page.context.request.get(f"{base}/requests/{code}/risks.pdf").body())
    )
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "风险应对记录表" in text and "压测环境被其他项目占用" in text
    page.screenshot(path=str(SHOTS / "02-register.png"), full_page=True)
