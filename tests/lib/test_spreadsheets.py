"""Writing text into cells as text."""

from __future__ import annotations

import datetime
import io

from openpyxl import Workbook, load_workbook

from collab_portal.lib.spreadsheets import append_row


def saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


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
