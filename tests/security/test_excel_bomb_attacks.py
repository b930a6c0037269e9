"""Issue 17, finding 5: Excel bombs.

A 939 KB workbook declaring 6,000,000 rows held a worker for 60 s at 706–786 MB and answered 500;
a 2.5 MB one whose shared strings unpack to 1.2 GB took 27 s and 1.5 GB. Each bomb is sent here
the way people send workbooks: to the WBS import as the coordinator, and to the administrators'
import of departments and people. Each must be refused with a message in the user's language,
change nothing, and be refused before openpyxl reads what the bomb inflates: the workbook is not
opened at all when its parts unpack too far, and not one row is parsed when its sheet declares
too many (the timings are in benchmarks/excel_bombs.py, not here)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl.worksheet._reader import WorkSheetParser

from collab_portal.activity.models import Activity
from collab_portal.org.models import User
from tasks_app.models import Task
from tests.security import excel_bombs
from tests.security.excel_bombs import PEOPLE_HEADER, people_rows

WBS_TOO_MANY_ROWS = "工作表“WBS”表头以下超过 5000 行，请拆分为较小的文件。"
UNPACKS_TOO_FAR = "工作簿解压后超过 50 MB，最多只能导入 50 MB。"


@pytest.fixture
def openpyxl_spy(monkeypatch):
    """How many workbooks openpyxl opened and how many sheet rows it parsed."""
    seen = {"opened": 0, "rows": 0}
    open_workbook, parse_row = openpyxl.load_workbook, WorkSheetParser.parse_row

    def counted_open(*args, **kwargs):
        seen["opened"] += 1
        return open_workbook(*args, **kwargs)

    def counted_row(self, row):
        seen["rows"] += 1
        return parse_row(self, row)

    monkeypatch.setattr(openpyxl, "load_workbook", counted_open)
    monkeypatch.setattr(WorkSheetParser, "parse_row", counted_row)
    return seen


# --- the WBS import, as the coordinator uploads it ---------------------------------------------


def _tasks(case):
    return list(Task.objects.filter(request=case).values_list("pk", "wbs_code", "name"))


def _upload_wbs(client, case, content: bytes) -> str:
    """Post ``content`` to the WBS import; the message the editor then shows."""
    response = client.post(
        reverse("tasks_app:wbs_import", args=[case.code]),
        {"file": SimpleUploadedFile("任务分解.xlsx", content)},
    )
    assert response.status_code == 302
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


@pytest.fixture
def coordinator(company, breakdown, add_task, login):
    """The coordinator's client on a case whose breakdown already holds two tasks."""
    add_task(breakdown, "需求调研")
    add_task(breakdown, "方案反馈")
    return login(company.tech_staff)


def _refused_wbs(client, case, content, message, openpyxl_spy):
    before = _tasks(case)
    assert _upload_wbs(client, case, content) == message
    assert _tasks(case) == before
    assert not Activity.objects.filter(verb="wbs_import").exists()


def test_a_sheet_declaring_six_million_rows_is_refused_before_a_row_is_read(
    coordinator, breakdown, openpyxl_spy
):
    bomb = excel_bombs.declared_rows_bomb(declared=6_000_000, written=6_000)
    _refused_wbs(coordinator, breakdown, bomb, WBS_TOO_MANY_ROWS, openpyxl_spy)
    assert openpyxl_spy["rows"] == 0


def test_shared_strings_unpacking_past_the_limit_are_refused_before_the_workbook_is_opened(
    coordinator, breakdown, openpyxl_spy
):
    bomb = excel_bombs.shared_strings_bomb(unpacked=60 * 1024 * 1024)
    assert len(bomb) < 200_000
    _refused_wbs(coordinator, breakdown, bomb, UNPACKS_TOO_FAR, openpyxl_spy)
    assert openpyxl_spy["opened"] == 0


def test_a_row_of_twenty_thousand_cells_is_refused_before_the_workbook_is_opened(
    coordinator, breakdown, openpyxl_spy
):
    message = "工作簿中有一行超过 1000 个单元格，最多只能导入 1000 个。"
    _refused_wbs(coordinator, breakdown, excel_bombs.wide_row_bomb(), message, openpyxl_spy)
    assert openpyxl_spy["opened"] == 0


def test_an_xml_entity_bomb_is_refused_before_the_workbook_is_opened(
    coordinator, breakdown, openpyxl_spy
):
    message = "工作簿含有 XML 文档类型声明（DOCTYPE），电子表格不需要它，已拒绝。"
    _refused_wbs(coordinator, breakdown, excel_bombs.entity_bomb(), message, openpyxl_spy)
    assert openpyxl_spy["opened"] == 0


def test_more_rows_than_the_cap_without_a_dimension_stop_at_the_cap(
    coordinator, breakdown, openpyxl_spy
):
    rows = [excel_bombs.row_xml(1, excel_bombs.WBS_HEADER), *excel_bombs.task_rows(6_000)]
    _refused_wbs(coordinator, breakdown, excel_bombs.xlsx(rows), WBS_TOO_MANY_ROWS, openpyxl_spy)
    assert openpyxl_spy["rows"] <= 5_002


# --- the administrators' import of departments and people --------------------------------------


def _upload_org(client, content: bytes, name: str = "人员.xlsx") -> list[str]:
    upload = io.BytesIO(content)
    upload.name = name
    response = client.post(reverse("admin:org_department_import"), {"file": upload})
    assert response.status_code == 200
    return [str(error) for error in response.context["errors"]]


def test_the_org_import_refuses_a_sheet_declaring_six_million_rows_before_reading_it(
    company, login, openpyxl_spy
):
    people = User.objects.count()
    bomb = excel_bombs.declared_rows_bomb(
        written=6_000, header=PEOPLE_HEADER, body=people_rows, title="人员"
    )

    errors = _upload_org(login(company.admin), bomb)

    assert errors == ["人员.xlsx：工作表“人员”表头以下超过 5000 行，请拆分为较小的文件。"]
    assert User.objects.count() == people
    assert openpyxl_spy["rows"] == 0


def test_the_org_import_refuses_shared_strings_that_unpack_past_the_limit_unopened(
    company, login, openpyxl_spy
):
    people = User.objects.count()
    bomb = excel_bombs.shared_strings_bomb(header=PEOPLE_HEADER)

    errors = _upload_org(login(company.admin), bomb)

    assert errors == [f"人员.xlsx：{UNPACKS_TOO_FAR}"]
    assert User.objects.count() == people
    assert openpyxl_spy["opened"] == 0


def test_the_org_import_caps_a_csv_file_too(company, login):
    people = User.objects.count()
    lines = ["工号,姓名", *(f"C{n:05d},某人{n}" for n in range(5_001))]

    errors = _upload_org(login(company.admin), "\n".join(lines).encode(), name="人员.csv")

    assert errors == ["人员.csv 表头以下超过 5000 行，请拆分为较小的文件。"]
    assert User.objects.count() == people


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04" + b"\x00" * 64,  # a zip's first bytes, then nothing
        excel_bombs.declared_rows_bomb(written=3)[:-30],  # cut short
    ],
    ids=["not_a_zip", "truncated"],
)
def test_a_broken_workbook_is_refused_with_a_message_not_a_500(
    coordinator, breakdown, content, openpyxl_spy
):
    message = _upload_wbs(coordinator, breakdown, content)
    assert message in {"无法将该文件读取为 Excel 工作簿（.xlsx）。", "文件已损坏或无法读取。"}
