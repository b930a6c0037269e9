"""Reading uploaded workbooks within bounds, and writing text into cells as text.

The bombs themselves, sent through the imports, are in tests/security/test_excel_bomb_attacks.py."""

from __future__ import annotations

import datetime
import io
import itertools
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import Workbook, load_workbook

from collab_portal.lib import spreadsheets
from collab_portal.lib.spreadsheets import append_row, read_xlsx
from tests.security import excel_bombs


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def refusal(content: bytes, **options) -> str:
    options.setdefault("max_rows", 100)
    with pytest.raises(ValidationError) as refused:
        read_xlsx(content, **options)
    return " ".join(refused.value.messages)


# --- reading -------------------------------------------------------------------------------------


def test_it_reads_values_as_openpyxl_does_with_excels_row_numbers():
    book = Workbook()
    book.active.title = "说明"
    wbs = book.create_sheet("WBS")
    for row in (["任务ID", "任务名称", None, None], [1, "调研", datetime.date(2026, 3, 2)]):
        wbs.append(row)
    wbs.append([])
    wbs.append(["2", "=SUM(1,1)"])

    [sheet] = read_xlsx(saved(book), max_rows=10, sheet="WBS")

    assert sheet.title == "WBS"
    assert sheet.rows == [
        (1, ("任务ID", "任务名称")),  # trailing empty cells dropped
        (2, (1, "调研", datetime.datetime(2026, 3, 2))),
        (3, ()),
        (4, ("2",)),  # a formula without a computed value reads as nothing
    ]


def test_it_takes_the_first_sheet_when_the_named_one_is_missing_and_every_sheet_when_asked():
    book = Workbook()
    book.active.append(["第一"])
    book.create_sheet("第二").append(["第二"])
    content = saved(book)

    assert [s.rows for s in read_xlsx(content, max_rows=5, sheet="WBS")] == [[(1, ("第一",))]]
    assert [s.title for s in read_xlsx(content, max_rows=5)] == ["Sheet", "第二"]


def test_a_sheet_that_declares_fewer_rows_than_it_holds_is_read_to_its_end():
    rows = [excel_bombs.row_xml(1, excel_bombs.WBS_HEADER), *excel_bombs.task_rows(5)]
    [sheet] = read_xlsx(excel_bombs.xlsx(rows, dimension="A1:C2"), max_rows=10)
    assert [number for number, _cells in sheet.rows] == [1, 2, 3, 4, 5, 6]


def test_cells_beyond_the_column_limit_are_not_read():
    rows = [excel_bombs.row_xml(1, [f"列{n}" for n in range(1, 101)])]
    [sheet] = read_xlsx(excel_bombs.xlsx(rows), max_rows=10, max_columns=12)
    assert sheet.rows[0][1] == tuple(f"列{n}" for n in range(1, 13))


def test_the_row_cap_counts_the_rows_below_the_header():
    rows = [excel_bombs.row_xml(1, excel_bombs.WBS_HEADER), *excel_bombs.task_rows(3)]
    content = excel_bombs.xlsx(rows)
    assert len(read_xlsx(content, max_rows=3)[0].rows) == 4
    assert refusal(content, max_rows=2) == (
        "The sheet “WBS” has more than 2 rows below its header; split it into smaller files."
    )


def test_a_declared_size_over_the_cap_is_refused_before_any_row():
    content = excel_bombs.declared_rows_bomb(declared=1_048_576, written=1)
    assert "more than 100 rows" in refusal(content)


def test_reading_stops_when_its_time_is_up(monkeypatch):
    clock = itertools.count(step=1.0)  # every look at the clock is a second later
    monkeypatch.setattr(spreadsheets, "_now", lambda: next(clock))
    rows = [excel_bombs.row_xml(1, excel_bombs.WBS_HEADER), *excel_bombs.task_rows(50)]
    assert refusal(excel_bombs.xlsx(rows), seconds=8) == (
        "Reading the workbook took more than 8 seconds; split it into smaller files."
    )


def test_a_part_packed_a_thousand_to_one_is_refused_even_under_the_size_limit():
    bomb = excel_bombs.shared_strings_bomb(unpacked=5 * 1024 * 1024)
    message = refusal(bomb)
    assert message.startswith("Part xl/sharedStrings.xml of the workbook unpacks to ")
    assert message.endswith("times its packed size, as a zip bomb does; the file is refused.")


def test_more_shared_strings_than_the_limit_are_refused(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_SHARED_STRINGS", 3)
    strings = [f"<si><t>{n}</t></si>".encode() for n in range(4)]
    content = excel_bombs.xlsx([excel_bombs.row_xml(1, ["A"])], shared_strings=strings)
    assert refusal(content) == (
        "The workbook holds more than 3 different texts; at most 3 can be imported."
    )


def _repacked(content: bytes, edit=lambda name, data: data, **changes) -> bytes:
    """``content`` with every part written again through ``edit`` and zipfile's ``changes``."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", **changes) as target:
        for part in source.infolist():
            target.writestr(part.filename, edit(part.filename, source.read(part)))
    return buffer.getvalue()


def test_a_document_type_behind_blank_lines_is_found_too():
    def blank_lines_first(name, data):
        if name != "xl/sharedStrings.xml":
            return data
        return b"\n" * 100_000 + data.removeprefix(b'<?xml version="1.0" encoding="UTF-8"?>')

    bomb = _repacked(excel_bombs.entity_bomb(), blank_lines_first, compression=zipfile.ZIP_DEFLATED)
    assert refusal(bomb).startswith("The workbook holds an XML document type declaration")


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"PK\x05\x06" + b"\x00" * 18,  # an empty zip
        _repacked(excel_bombs.declared_rows_bomb(written=1), compression=zipfile.ZIP_BZIP2),
        excel_bombs.declared_rows_bomb(written=1)[:-40],
        b"%PDF-1.4",
    ],
    ids=["empty", "empty_zip", "bzip2", "truncated", "pdf"],
)
def test_what_is_not_a_plain_workbook_is_refused_as_unreadable(content):
    assert refusal(content) == "The file cannot be read as an Excel workbook (.xlsx)."


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert refusal(buffer.getvalue()) == "The file cannot be read as an Excel workbook (.xlsx)."


# --- writing -------------------------------------------------------------------------------------


def test_strings_are_written_as_text_and_everything_else_as_it_is():
    book = Workbook()
    sheet = book.active
    day = datetime.date(2026, 3, 2)
    append_row(sheet, ["=1+1", "-5", "#N/A", "普通文字", 42, 0.5, day, None, "a\x07b"])

    cells = next(load_workbook(io.BytesIO(saved(book))).active.iter_rows())

    assert [(c.value, c.data_type) for c in cells[:4]] == [
        ("=1+1", "s"),
        ("-5", "s"),
        ("#N/A", "s"),
        ("普通文字", "s"),
    ]
    assert [c.quotePrefix for c in cells[:4]] == [True, True, False, False]
    assert (cells[4].value, cells[4].data_type, cells[5].value) == (42, "n", 0.5)
    assert cells[6].is_date and cells[6].value.date() == day
    assert cells[7].value is None
    assert cells[8].value == "ab"
