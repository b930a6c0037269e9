"""Excel workbooks in and out: reading an uploaded .xlsx without letting it cost more than a
spreadsheet to import may, and writing text into cells so that it stays text.

Reading (``read_xlsx``). A workbook is a zip of XML parts, and a small one can unpack to
gigabytes or declare millions of rows; openpyxl believes both (it loads every shared string at
once, builds a whole row before yielding it, and pads the rows a sheet's <dimension> declares).
So, before openpyxl sees the file, the zip's directory must show a real workbook whose parts
unpack to at most ``MAX_UNPACKED_BYTES`` and none to more than ``MAX_RATIO`` times its packed
size, and one streaming pass over its XML (constant memory) must find no document type (the
door to entity bombs), no row wider than ``MAX_CELLS_PER_ROW`` and at most ``MAX_SHARED_STRINGS``
shared strings. Then openpyxl reads in read-only mode: a sheet whose <dimension> declares more
rows than the caller takes is refused before its first row, the rows are read one by one up to
the cap and ``max_columns`` wide, and everything stops once ``seconds`` have passed. Every
refusal is a ValidationError with a message for the user.

Writing (``append_row``). Text that starts with = + - @ (or a tab or carriage return) is a
formula or a DDE call to Excel: ``=HYPERLINK("http://…?"&A1)`` sends the sheet away, and
``=cmd|' /C calc'!A0`` starts a program. Every string an export writes is stored as a text cell,
never a formula, and those starting so carry Excel's quote prefix (the apostrophe a person types
before such text), so editing the cell keeps it text too. The cell shows exactly what was
typed, and reads back (the WBS import) as exactly that."""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from xml.parsers import expat

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100  # an Excel or WPS sheet packs about 5–20 to 1; a zip bomb about 1,000 to 1
RATIO_CHECKED_FROM = 1024 * 1024  # smaller parts cannot inflate far, whatever their ratio
MAX_CELLS_PER_ROW = 1000
MAX_SHARED_STRINGS = 200_000
MAX_COLUMNS = 64
READ_SECONDS = 10.0

_PACKED_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}  # what Excel, WPS and openpyxl write
_XML_STARTS = (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00<")
_CHUNK = 64 * 1024

_now = time.monotonic  # tests move the clock


@dataclass
class Sheet:
    """What ``read_xlsx`` read of one sheet."""

    title: str
    rows: list[tuple[int, tuple]]  # (row number as Excel shows it, cell values), header first


def read_xlsx(
    content: bytes,
    *,
    max_rows: int,
    sheet: str | None = None,
    max_columns: int = MAX_COLUMNS,
    seconds: float = READ_SECONDS,
) -> list[Sheet]:
    """The sheets of the workbook ``content``: the one named ``sheet`` (or the first, when it has
    none of that name), or every sheet when ``sheet`` is None; at most ``max_rows`` rows below
    each header row, ``max_columns`` cells wide, trailing empty cells dropped. Raises
    ValidationError saying why a workbook is refused."""
    deadline = _now() + seconds
    archive = _open_package(content)
    with archive:
        _check_parts(archive, deadline, seconds)

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(
            io.BytesIO(content), read_only=True, data_only=True, keep_links=False
        )
    except Exception as error:  # openpyxl raises many types for a damaged or foreign file
        raise _unreadable() from error
    try:
        worksheets = workbook.worksheets
        if sheet is not None:
            worksheets = [workbook[sheet] if sheet in workbook.sheetnames else worksheets[0]]
        return [
            _read_sheet(worksheet, max_rows, max_columns, deadline, seconds)
            for worksheet in worksheets
        ]
    except ValidationError:
        raise
    except Exception as error:
        raise _unreadable() from error
    finally:
        workbook.close()


def _unreadable() -> ValidationError:
    return ValidationError(
        _("The file cannot be read as an Excel workbook (.xlsx)."), code="unreadable"
    )


def _too_slow(seconds: float) -> ValidationError:
    return ValidationError(
        _("Reading the workbook took more than %(seconds)d seconds; split it into smaller files.")
        % {"seconds": seconds},
        code="too_slow",
    )


def _open_package(content: bytes) -> zipfile.ZipFile:
    """The zip, when its directory shows a workbook whose parts may be unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise _unreadable() from error
    names = {part.filename for part in parts}
    if "[Content_Types].xml" not in names or not any(name.startswith("xl/") for name in names):
        raise _unreadable()
    if any(part.compress_type not in _PACKED_METHODS or part.flag_bits & 0x1 for part in parts):
        raise _unreadable()  # encrypted, or packed in a way no spreadsheet program writes
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        limit = MAX_UNPACKED_BYTES // (1024 * 1024)
        raise ValidationError(
            _(
                "The workbook unpacks to more than %(limit)d MB; at most %(limit)d MB can be "
                "imported."
            )
            % {"limit": limit},
            code="too_large",
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > RATIO_CHECKED_FROM and ratio > MAX_RATIO:
            raise ValidationError(
                _(
                    "Part %(part)s of the workbook unpacks to %(ratio)d times its packed size, "
                    "as a zip bomb does; the file is refused."
                )
                % {"part": part.filename, "ratio": ratio},
                code="zip_bomb",
            )
    return archive


def _check_parts(archive: zipfile.ZipFile, deadline: float, seconds: float) -> None:
    """One streaming pass over every XML part (zipfile stops each at its declared size)."""
    scan = _PartsScan()
    for part in archive.infolist():
        try:
            with archive.open(part) as stream:
                chunk = stream.read(_CHUNK).lstrip()
                while chunk == b"" and stream.peek(1):  # XML may start with blank lines
                    chunk = stream.read(_CHUNK).lstrip()
                if not chunk.startswith(_XML_STARTS):
                    continue  # an image or another binary part: openpyxl does not parse it
                parser = scan.parser()
                while chunk:
                    if _now() > deadline:
                        raise _too_slow(seconds)
                    parser.Parse(chunk, False)
                    chunk = stream.read(_CHUNK)
                parser.Parse(b"", True)
        except ValidationError:
            raise
        except (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError) as error:
            raise _unreadable() from error


class _PartsScan:
    """Counts what openpyxl would hold in memory at once, without building anything."""

    def __init__(self):
        self.shared_strings = 0
        self.cells_in_row = 0

    def parser(self):
        """An expat parser for the next part."""
        self.cells_in_row = 0
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self._element
        parser.StartDoctypeDeclHandler = self._doctype
        return parser

    def _element(self, name, _attributes):
        local = name.rpartition(" ")[2]
        if local == "c":
            self.cells_in_row += 1
            if self.cells_in_row > MAX_CELLS_PER_ROW:
                raise ValidationError(
                    _(
                        "A row of the workbook has more than %(max)d cells; at most %(max)d can "
                        "be imported."
                    )
                    % {"max": MAX_CELLS_PER_ROW},
                    code="row_too_wide",
                )
        elif local == "row":
            self.cells_in_row = 0
        elif local == "si":
            self.shared_strings += 1
            if self.shared_strings > MAX_SHARED_STRINGS:
                raise ValidationError(
                    _(
                        "The workbook holds more than %(max)d different texts; at most %(max)d "
                        "can be imported."
                    )
                    % {"max": MAX_SHARED_STRINGS},
                    code="too_many_strings",
                )

    def _doctype(self, *_declaration):
        raise ValidationError(
            _(
                "The workbook holds an XML document type declaration (DOCTYPE), which "
                "spreadsheets do not need; the file is refused."
            ),
            code="doctype",
        )


def _read_sheet(worksheet, max_rows: int, max_columns: int, deadline: float, seconds: float):
    """The rows of a read-only ``worksheet``, refused past ``max_rows`` or the deadline."""
    too_many = ValidationError(
        _(
            "The sheet “%(sheet)s” has more than %(max)d rows below its header; split it into "
            "smaller files."
        )
        % {"sheet": worksheet.title, "max": max_rows},
        code="too_many_rows",
    )
    declared = worksheet.max_row  # from the sheet's <dimension>, read without parsing a row
    if declared is not None and declared > max_rows + 1:
        raise too_many
    rows = []
    # An explicit last row and column: openpyxl would otherwise trust the <dimension> (padding
    # up to its rows) or the widest cell of each row.
    for number, cells in enumerate(
        worksheet.iter_rows(max_row=max_rows + 2, max_col=max_columns, values_only=True), 1
    ):
        if number > max_rows + 1:
            raise too_many
        if _now() > deadline:
            raise _too_slow(seconds)
        cells = list(cells)
        while cells and cells[-1] is None:
            cells.pop()
        rows.append((number, tuple(cells)))
    return Sheet(title=worksheet.title, rows=rows)


# ---------------------------------------------------------------------------------------------
# Writing

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
