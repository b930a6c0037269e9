"""In Chromium: the coordinator builds the WBS from the manual's template, fixes what publishing
refuses and publishes; an owner reports progress, a delay and a finished task; the tracking
table, Excel, PDF and Gantt agree; the weekly summary reads right and is published."""

import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from cases.models import Case
from tasks_app.models import Task, WeeklySummary
from tests.browser.steps import confirm, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "tasks"
OWNER_LABEL = "韩雪 · 产品部 产品经理"


def test_the_wbs_is_built_published_worked_on_and_reported(live_server, page, demo):
    SHOTS.mkdir(parents=True, exist_ok=True)
    case = Case.objects.get(subject="瑞丰零售门店数字化需求调研")
    base, code = live_server.url, case.code
    start = timezone.localdate() + datetime.timedelta(days=1)

    # 1. The coordinator starts the breakdown from the manual's template.
    sign_in(page, base, case.coordinator.username)
    page.goto(f"{base}/requests/{code}/wbs/")
    page.select_option("#wbs-io-template", label="客户需求对接（手册示例） (10 项任务)")
    page.fill("#wbs-io-start", start.isoformat())
    page.click("[data-testid=apply-template] button[type=submit]")
    assert page.locator("[data-testid=wbs-row]").count() == 10
    assert page.is_disabled("[data-testid=publish]")
    missing = page.locator("[data-testid=publish-missing]").inner_text()
    assert "缺少负责人、主责部门" in missing
    page.screenshot(path=str(SHOTS / "01-from-template.png"), full_page=True)

    # 2. It fixes every leaf publishing refuses, in the side panel, without reloading the page.
    leaves = [t.wbs_code for t in Task.objects.filter(request=case, children__isnull=True)]
    for wbs_code in leaves:
        page.click(f"[data-code='{wbs_code}'] [data-testid=edit-task]")
        page.wait_for_selector("[data-testid=task-form]")
        page.select_option("#task-panel #id_owner", label=OWNER_LABEL)
        page.select_option("#task-panel #id_lead_department", label="产品部")
        page.click("[data-testid=save-task]")
        page.wait_for_selector("[data-testid=task-form]", state="detached")
    page.reload()
    assert page.locator("[data-testid=publish-missing]").count() == 0
    page.click("[data-testid=publish]")
    confirm(page)
    page.wait_for_url(f"**/requests/{code}/tracking/")
    assert Case.objects.get(pk=case.pk).stage == "executing"

    # 3. The owner reports progress on one task, a delay on another, and finishes a third.
    sign_in(page, base, "hanxue")
    page.goto(f"{base}/tasks/mine/")
    first, second, third = Task.objects.filter(request=case, children__isnull=True).order_by(
        "wbs_code"
    )[:3]
    actions = f"[data-testid=task-actions-{first.pk}]"
    page.click(f"{actions} summary:has-text('今日进展')")
    page.fill(f"{actions} input[name=percent]", "40")
    page.fill(f"{actions} input[name=note]", "问卷初稿完成")
    page.click(f"{actions} [data-testid=progress-form] button")
    assert "今日进展已保存" in page.locator(".alert").first.inner_text()
    actions = f"[data-testid=task-actions-{second.pk}]"
    page.click(f"{actions} summary:has-text('报告延期')")
    page.fill(f"{actions} input[name=reason]", "客户方反馈问卷需增加3个字段，导致设计时间增加2天")
    page.fill(
        f"{actions} input[name=new_date]", (second.due_on + datetime.timedelta(days=2)).isoformat()
    )
    page.click(f"{actions} summary:has-text('报告延期') + form button")
    assert "已报告延期" in page.locator(".alert").first.inner_text()
    page.click(f"[data-testid=task-actions-{third.pk}] [data-testid=done]")
    page.screenshot(path=str(SHOTS / "02-my-tasks.png"), full_page=True)
    statuses = dict(
        Task.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list("pk", "status")
    )
    assert statuses == {first.pk: "in_progress", second.pk: "delayed", third.pk: "done"}

    # 4. The tracking table, its Excel and PDF, and the Gantt chart agree.
    sign_in(page, base, case.coordinator.username)
    page.goto(f"{base}/requests/{code}/tracking/?status=delayed")
    rows = page.locator("[data-testid=tracking-table] tbody tr").all_inner_texts()
    ancestors = [second.parent.parent.name, second.parent.name]  # shown as delayed by roll-up
    names = [
        row.split("\t")[1].strip().splitlines()[0].replace("关键任务", "").strip() for row in rows
    ]
    assert names == [*ancestors, second.name]
    page.goto(f"{base}/requests/{code}/tracking/")
    table_names = page.locator(
        "[data-testid=tracking-table] tbody tr td:nth-child(2)"
    ).all_inner_texts()
    workbook = load_workbook(
        io.BytesIO(page.context.request.get(f"{base}/requests/{code}/tracking.xlsx").body())
    )
    sheet = workbook.active
    excel_names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    shown = [name.split("\n")[0].replace("关键任务", "").strip() for name in table_names]
    assert shown == [n.strip() for n in excel_names]
    pdf = PdfReader(
        io.BytesIO(page.context.request.get(f"{base}/requests/{code}/tracking.pdf").body())
    )
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "任务分配与跟踪表" in text and second.name in text and "延期" in text
    page.goto(f"{base}/requests/{code}/gantt/")
    page.wait_for_selector(".gantt .bar-wrapper")
    assert page.locator(".gantt .bar-wrapper").count() == Task.objects.filter(request=case).count()
    page.screenshot(path=str(SHOTS / "03-gantt.png"), full_page=True)

    # 5. The weekly summary is drafted from the data, reads right, and is published.
    page.goto(f"{base}/requests/{code}/weekly/")
    page.click("[data-testid=draft-this-week]")
    done = page.locator("[data-testid=section-done]").inner_text()
    delayed = page.locator("[data-testid=section-delayed]").inner_text()
    assert third.name in done
    assert second.name in delayed and "增加3个字段" in delayed
    page.click("[data-testid=weekly-publish]")
    assert WeeklySummary.objects.get(request=case).state == "published"
    page.screenshot(path=str(SHOTS / "04-weekly.png"), full_page=True)
