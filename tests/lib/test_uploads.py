"""Attachments are judged by their content: what they really are decides, the name must agree,
and nothing executable or scriptable gets in."""

import hashlib
import re
import zipfile
from dataclasses import dataclass
from io import BytesIO

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from collab_portal.lib.uploads import IMAGE_KINDS, CheckedUpload, Kind, check_upload, storage_name

OLE2_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def image_bytes(format_: str) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format_)
    return buffer.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["部门", "姓名"])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@dataclass
class Refusal:
    code: str
    messages: list[str]


def refused(uploaded: SimpleUploadedFile, **options) -> Refusal:
    """Why check_upload refuses ``uploaded``, its messages in English."""
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            check_upload(uploaded, **options)
        return Refusal(code=caught.value.code, messages=caught.value.messages)


def refusal(name: str, content: bytes, **options) -> Refusal:
    return refused(upload(name, content), **options)


CONTENT_TYPES_XML = b'<?xml version="1.0"?><Types/>'

ACCEPTED = [
    ("合同.pdf", MINIMAL_PDF, Kind.PDF, "application/pdf"),
    ("photo.png", image_bytes("PNG"), Kind.PNG, "image/png"),
    ("photo.JPG", image_bytes("JPEG"), Kind.JPEG, "image/jpeg"),
    ("photo.jpeg", image_bytes("JPEG"), Kind.JPEG, "image/jpeg"),
    ("anim.gif", image_bytes("GIF"), Kind.GIF, "image/gif"),
    ("photo.webp", image_bytes("WEBP"), Kind.WEBP, "image/webp"),
    (
        "报价.xlsx",
        xlsx_bytes(),
        Kind.XLSX,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "方案.docx",
        zip_bytes({"[Content_Types].xml": CONTENT_TYPES_XML, "word/document.xml": b"<w/>"}),
        Kind.DOCX,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "汇报.pptx",
        zip_bytes({"[Content_Types].xml": CONTENT_TYPES_XML, "ppt/presentation.xml": b"<p/>"}),
        Kind.PPTX,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("旧版.doc", OLE2_HEADER, Kind.DOC, "application/msword"),
    ("旧版.xls", OLE2_HEADER, Kind.XLS, "application/vnd.ms-excel"),
    ("旧版.ppt", OLE2_HEADER, Kind.PPT, "application/vnd.ms-powerpoint"),
    ("资料.zip", zip_bytes({"a.txt": b"hello"}), Kind.ZIP, "application/zip"),
    ("说明.txt", "会议纪要：按期推进。\n".encode(), Kind.TEXT, "text/plain; charset=utf-8"),
    (
        "名单.csv",
        "部门,姓名\n销售部,张三\n".encode("gb18030"),
        Kind.CSV,
        "text/csv; charset=gb18030",
    ),
    (
        "excel-utf8.csv",
        b"\xef\xbb\xbf" + "部门,姓名\n".encode(),
        Kind.CSV,
        "text/csv; charset=utf-8",
    ),
    (
        "README.md",
        "# 标题\n\n- 要点 <b>加粗</b>\n".encode(),
        Kind.MARKDOWN,
        "text/markdown; charset=utf-8",
    ),
]


@pytest.mark.parametrize(("name", "content", "kind", "content_type"), ACCEPTED)
def test_it_accepts_every_allowed_kind_by_its_content(name, content, kind, content_type):
    checked = check_upload(upload(name, content))

    assert checked == CheckedUpload(
        safe_name=name,
        kind=kind,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def test_it_leaves_the_file_rewound_for_saving():
    uploaded = upload("photo.png", image_bytes("PNG"))

    check_upload(uploaded)

    assert uploaded.read(8) == b"\x89PNG\r\n\x1a\n"


def test_it_refuses_an_empty_file():
    assert refusal("empty.txt", b"").code == "empty"


def test_it_refuses_a_file_over_the_default_limit_naming_it_in_mb():
    error = refusal("big.txt", b"a" * (20 * 1024 * 1024 + 1))

    assert error.code == "too_large"
    assert error.messages == ["The file is larger than 20 MB."]


def test_it_refuses_a_file_over_a_custom_limit_even_if_its_declared_size_lies():
    uploaded = upload("big.txt", b"a" * (1024 * 1024 + 1))
    uploaded.size = 10

    error = refused(uploaded, max_bytes=1024 * 1024)

    assert error.messages == ["The file is larger than 1 MB."]


def test_it_accepts_a_file_of_exactly_the_limit():
    assert check_upload(upload("ok.txt", b"a" * 1024), max_bytes=1024).size == 1024


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),
        ("report.txt", b"MZ\x90\x00This program cannot be run in DOS mode"),
        ("photo.png", b"\x7fELF\x02\x01\x01" + b"\x00" * 64),
        ("macho.zip", b"\xcf\xfa\xed\xfe" + b"\x00" * 64),
        ("notes.txt", b"#!/bin/sh\nrm -rf ~\n"),
        ("notes.md", b"\xef\xbb\xbf#!/usr/bin/env python3\nprint('hi')\n"),
    ],
)
def test_it_refuses_executables_and_scripts_whatever_their_name(name, content):
    error = refusal(name, content)

    assert error.code == "executable"
    assert error.messages == ["Executable files and scripts are not accepted."]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<!DOCTYPE html><html><body>hi</body></html>"),
        ("page.txt", b"<HTML><body onload=alert(1)>"),
        ("notes.md", b"# Notes\n<script>alert(1)</script>\n"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("logo.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
    ],
)
def test_it_refuses_html_and_svg_entirely(name, content):
    error = refusal(name, content)

    assert error.code == "markup"
    assert error.messages == ["HTML and SVG files are not accepted."]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.pdf", image_bytes("PNG")),
        ("contract.png", MINIMAL_PDF),
        ("table.xls", xlsx_bytes()),
        ("archive.docx", zip_bytes({"a.txt": b"hello"})),
        ("notes.pdf", b"just some text\n"),
        ("random.txt", bytes(range(256)) * 4),
    ],
)
def test_it_refuses_content_that_does_not_match_the_name(name, content):
    error = refusal(name, content)

    assert error.code == "mismatch"
    assert error.messages == ["The file's content does not match its name."]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", MINIMAL_PDF),
        ("run.bat", b"echo hello\r\n"),
        ("page.php", b"hello\n"),
        ("invoice\u202efdp.exe", MINIMAL_PDF),
        ("evil.png\x00.exe", image_bytes("PNG")),
        ("unknown", bytes(range(256)) * 4),
    ],
)
def test_it_refuses_file_types_it_does_not_know(name, content):
    error = refusal(name, content)

    assert error.code == "not_accepted"
    assert error.messages[0].startswith("This type of file is not accepted. Accepted types: pdf,")


def test_it_lists_only_the_allowed_kinds_when_a_form_narrows_them():
    error = refusal("contract.pdf", MINIMAL_PDF, allowed_kinds=IMAGE_KINDS)

    assert error.messages == [
        "This type of file is not accepted. Accepted types: png, jpg, jpeg, gif, webp."
    ]


def test_it_reports_a_damaged_zip():
    assert refusal("archive.zip", b"PK\x03\x04 not really a zip").code == "damaged"


@pytest.mark.parametrize(
    ("name", "safe_name"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
        ("/etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\张三\\会议纪要.txt", "会议纪要.txt"),
        ("invoice\u202efdp.txt", "invoicefdp.txt"),
        ("zero\u200bwidth\ufeff.txt", "zerowidth.txt"),
        ("tab\tand\nnewline.txt", "tabandnewline.txt"),
        ("shell.php\x00.txt", "shell.php.txt"),
        ('what?"*<>|:.txt', "what_______.txt"),
        ("   spaced    out   .txt", "spaced out.txt"),
        (".txt", "file.txt"),
        ("...", "file.txt"),
        ("docs\\..\\", "file.txt"),
        ("README", "README.txt"),
    ],
)
def test_it_gives_a_safe_display_name(name, safe_name):
    assert check_upload(upload(name, b"plain text\n")).safe_name == safe_name


def test_it_trims_a_long_name_to_120_characters_keeping_the_extension():
    checked = check_upload(upload("需" * 300 + ".pdf", MINIMAL_PDF))

    assert len(checked.safe_name) == 120
    assert checked.safe_name == "需" * 116 + ".pdf"


def test_it_cannot_tell_legacy_office_files_apart_without_an_extension():
    assert refusal("scan", OLE2_HEADER).code == "not_accepted"


def test_it_stores_under_a_server_side_name_with_the_kinds_extension():
    checked = check_upload(upload("../../我的 照片.JPEG", image_bytes("JPEG")))

    first = storage_name(prefix="attachments/requests", checked=checked)
    second = storage_name(prefix="/attachments/requests/", checked=checked)

    today = timezone.localdate()
    pattern = rf"attachments/requests/{today:%Y}/{today:%m}/[0-9a-f]{{32}}\.jpg"
    assert re.fullmatch(pattern, first)
    assert re.fullmatch(pattern, second)
    assert first != second
