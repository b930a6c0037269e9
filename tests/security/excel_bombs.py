"""Excel bombs (issue 17, finding 5): small .xlsx files, written with zipfile alone, that make a
reader spend far more memory or time than their size suggests.

The attack run used a 939 KB workbook declaring 6,000,000 rows and a 2.5 MB one whose shared
strings unpack to 1.2 GB. The tests build the same shapes at a size that keeps the suite fast;
benchmarks/excel_bombs.py builds them at full size."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"

WBS_HEADER = ["任务ID", "任务名称", "上级任务ID"]
PEOPLE_HEADER = ["工号", "姓名", "登录名", "部门编码"]


def _column(index: int) -> str:
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def row_xml(number: int, cells: Iterable[str | int]) -> bytes:
    """One <row> of inline strings (and numbers)."""
    parts = []
    for index, value in enumerate(cells, 1):
        ref = f"{_column(index)}{number}"
        if isinstance(value, int):
            parts.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
    return f'<row r="{number}">{"".join(parts)}</row>'.encode()


def xlsx(
    rows: Iterable[bytes],
    *,
    title: str = "WBS",
    dimension: str | None = None,
    shared_strings: Iterable[bytes] | None = None,
    doctype: bytes = b"",
) -> bytes:
    """A workbook of one sheet holding ``rows`` (each a <row> element), streamed into the zip so
    that a full-size bomb never sits in memory unpacked. ``shared_strings`` are the <si>
    elements of xl/sharedStrings.xml; ``doctype`` goes before that part's root element."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        overrides = (
            f'<Override PartName="/xl/workbook.xml" ContentType="{CONTENT_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{CONTENT_TYPE}.worksheet+xml"/>'
        )
        links = (
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" '
            f'Target="worksheets/sheet1.xml"/>'
        )
        if shared_strings is not None:
            overrides += (
                f'<Override PartName="/xl/sharedStrings.xml" '
                f'ContentType="{CONTENT_TYPE}.sharedStrings+xml"/>'
            )
            links += (
                f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" '
                f'Target="sharedStrings.xml"/>'
            )
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f"{overrides}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            f'<sheet name="{escape(title)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE}">{links}</Relationships>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}">'.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            _write_chunked(sheet, rows)
            sheet.write(b"</sheetData></worksheet>")
        if shared_strings is not None:
            with archive.open("xl/sharedStrings.xml", "w") as strings:
                strings.write(b'<?xml version="1.0" encoding="UTF-8"?>' + doctype)
                strings.write(f'<sst xmlns="{MAIN}">'.encode())
                _write_chunked(strings, shared_strings)
                strings.write(b"</sst>")
    return buffer.getvalue()


def _write_chunked(target, parts: Iterable[bytes]) -> None:
    chunk: list[bytes] = []
    size = 0
    for part in parts:
        chunk.append(part)
        size += len(part)
        if size > 1 << 20:
            target.write(b"".join(chunk))
            chunk, size = [], 0
    target.write(b"".join(chunk))


def task_rows(count: int, *, first: int = 2) -> Iterator[bytes]:
    """WBS rows 1, 2, 3 … that the import would accept (top-level tasks, no dates)."""
    for number in range(first, first + count):
        yield row_xml(number, [str(number - first + 1), f"任务{number - first + 1}"])


def declared_rows_bomb(
    *,
    declared: int = 6_000_000,
    written: int = 6_000,
    header=WBS_HEADER,
    body=task_rows,
    title: str = "WBS",
) -> bytes:
    """A sheet whose <dimension> declares ``declared`` rows (26 columns) and which holds
    ``written`` rows of ``body`` under ``header``."""
    rows = _chain([row_xml(1, header)], body(written))
    return xlsx(rows, title=title, dimension=f"A1:Z{declared}")


def people_rows(count: int, *, first: int = 2) -> Iterator[bytes]:
    for number in range(first, first + count):
        index = number - first + 1
        yield row_xml(number, [f"B{index:06d}", f"炸弹{index}", f"bomb{index}", ""])


def shared_strings_bomb(*, unpacked: int = 60 * 1024 * 1024, header=WBS_HEADER) -> bytes:
    """A workbook whose xl/sharedStrings.xml is one string of ``unpacked`` bytes of "a": it packs
    about a thousand to one, and the sheet's second row names it as a task."""
    piece = b"a" * (1 << 20)
    pieces = [piece] * (unpacked // len(piece))
    return xlsx(
        [
            row_xml(1, header),
            b'<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="s"><v>0</v></c></row>',
        ],
        shared_strings=_chain([b"<si><t>"], pieces, [b"</t></si>"]),
    )


def entity_bomb(*, header=WBS_HEADER) -> bytes:
    """A "billion laughs" document type in xl/sharedStrings.xml: a few hundred bytes that an XML
    parser expanding entities turns into gigabytes."""
    entities = [b'<!ENTITY lol0 "lololololololololololololololololololololololololol">']
    entities += [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">'.encode() for level in range(1, 10)
    ]
    doctype = b"<!DOCTYPE sst [" + b"".join(entities) + b"]>"
    return xlsx(
        [
            row_xml(1, header),
            b'<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="s"><v>0</v></c></row>',
        ],
        shared_strings=[b"<si><t>&lol9;</t></si>"],
        doctype=doctype,
    )


def wide_row_bomb(*, cells: int = 20_000, header=WBS_HEADER) -> bytes:
    """One row of ``cells`` cells: openpyxl builds the whole row in memory before yielding it."""
    return xlsx([row_xml(1, header), row_xml(2, ["1", "任务", *["x"] * cells])])


def _chain(*parts: Iterable[bytes]) -> Iterator[bytes]:
    for part in parts:
        yield from part
