"""《风险应对记录表》 as Excel and PDF: the register's rows with the form's columns, the same
filters as the page, landscape, and Chinese file names."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from openpyxl import load_workbook
from pypdf import PdfReader

from risks_app import services
from risks_app.models import Risk
from tests.fixtures.risks import risk_data

COLUMNS_ZH = [
    "编号",
    "风险描述",
    "类别",
    "影响程度",
    "可能性",
    "应对措施",
    "解决时限",
    "责任人",
    "状态",
    "批示",
]


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def _url(name, case, query=""):
    return reverse(f"risks_app:{name}", args=[case.code]) + (f"?{query}" if query else "")


def _title() -> str:
    with translation.override("zh-hans"):
        return translation.gettext("Risk Response Record")


@pytest.fixture
def register_case(company, executing, key_task, plain_task):
    """R01 escalated and instructed twice over (major, on the key task); R02 open and overdue;
    R03 resolved."""
    first = services.risk_raise(
        actor=company.tech_staff,
        request=executing,
        data=risk_data(company, impact="high", likelihood="high", task=key_task),
    )
    services.risk_instruct(
        actor=company.leader, risk=first, decision="adjust", text="先与客户确认接口范围"
    )
    services.risk_escalate(actor=company.tech_staff, risk=first, comment="范围仍未确认")
    services.risk_instruct(
        actor=company.leader,
        risk=first,
        decision="add_resources",
        text="增派两名开发，本周内完成联调",
        extra_resources="2 名开发",
    )
    late = services.risk_raise(
        actor=company.sales_staff,
        request=executing,
        data=risk_data(
            company,
            description="演示环境未就绪",
            category="resources",
            impact="medium",
            likelihood="low",
            measures="向运维申请临时环境",
            owner=company.tech_head,
            task=plain_task,
        ),
    )
    Risk.objects.filter(pk=late.pk).update(deadline=day(-3))
    done = services.risk_raise(
        actor=company.sales_staff,
        request=executing,
        data=risk_data(company, description="测试数据不足", category="quality", impact="low"),
    )
    services.risk_resolve(
        actor=company.tech_staff, risk=done, resolution="补齐测试数据", evidence="测试报告 v2"
    )
    return executing


def _page_rows(client, case, query=""):
    response = client.get(_url("case_register", case, query))
    assert response.status_code == 200
    return response.context["register"].rows


def _plain(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    return None if value == "" else value


@pytest.mark.parametrize("query", ["", "open=on", "category=quality", "overdue=on"])
def test_the_excel_cells_equal_the_page_rows(company, register_case, login, query):
    client = login(company.sales_staff)
    rows = _page_rows(client, register_case, query)
    response = client.get(_url("case_register_xlsx", register_case, query))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    cells = [[_plain(v) for v in row] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(cells) == len(rows) > 0
    for cells_row, row in zip(cells, rows, strict=True):
        assert cells_row == [
            row.code,
            row.description,
            row.category,
            row.impact,
            row.likelihood,
            row.measures,
            row.deadline,
            row.owner,
            row.state_label,
            row.instruction or None,
        ]


def test_the_excel_file_has_the_forms_columns_and_the_latest_instruction(
    company, register_case, login
):
    response = login(company.tech_head).get(_url("case_register_xlsx", register_case))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    with translation.override("zh-hans"):
        expected = [
            str(capfirst(translation.gettext(label)))
            for label in (
                "number",
                "risk description",
                "category",
                "impact",
                "likelihood",
                "response measures",
                "resolution deadline",
                "Responsible person",
                "state",
                "instruction",
            )
        ]
    assert header == expected and len(header) == len(COLUMNS_ZH)
    first, late, done = list(sheet.iter_rows(min_row=2, values_only=True))
    assert first[0] == "R01" and first[9] == "增派两名开发，本周内完成联调"  # the latest one
    assert late[0] == "R02" and late[9] is None and late[7] == "赵六"
    assert sheet["G3"].is_date and _plain(sheet["G3"].value) == day(-3)
    assert sheet["G3"].font.color.rgb.endswith("B42318")  # overdue: red
    assert done[0] == "R03"


def test_the_excel_file_name_is_the_forms_chinese_title(company, register_case, login):
    response = login(company.tech_staff).get(_url("case_register_xlsx", register_case))
    assert response["Content-Disposition"] == content_disposition_header(
        True, f"{_title()}-{register_case.code}.xlsx"
    )
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_the_pdf_is_landscape_and_holds_the_registers_rows(company, register_case, login):
    response = login(company.leader).get(_url("case_register_pdf", register_case))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == content_disposition_header(
        True, f"{_title()}-{register_case.code}.pdf"
    )
    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    for value in (
        register_case.code,
        "客户接口文档延迟提供",
        "演示环境未就绪",
        "测试数据不足",
        "向运维申请临时环境",
        "增派两名开发",
        "赵六",
        day(-3).isoformat(),
    ):
        assert value in text, value
    assert "先与客户确认接口范围" not in text  # only the latest instruction
    assert "草稿" not in text


def test_the_pdf_takes_the_pages_filters(company, register_case, login):
    response = login(company.tech_staff).get(_url("case_register_pdf", register_case, "open=on"))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = text.replace("\n", "")
    assert "客户接口文档延迟提供" in text and "演示环境未就绪" in text
    assert "测试数据不足" not in text
