"""Checking an uploaded attachment before it is stored: by its content, never by its name alone.

Every form with attachments calls ``check_upload`` in its clean method and stores the file under
``storage_name``; the user's own name is kept only as ``safe_name``, for display and downloads.
"""

import hashlib
import logging
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

MAX_NAME_LENGTH = 120
_FORBIDDEN_NAME_CHARACTERS = frozenset('<>:"|?*')


class Kind(StrEnum):
    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"
    GIF = "gif"
    WEBP = "webp"
    DOCX = "docx"
    XLSX = "xlsx"
    PPTX = "pptx"
    DOC = "doc"
    XLS = "xls"
    PPT = "ppt"
    ZIP = "zip"
    TEXT = "text"
    CSV = "csv"
    MARKDOWN = "markdown"


# Per kind: canonical MIME type and the file extensions it may carry (the first is canonical).
_FORMATS: dict[Kind, tuple[str, tuple[str, ...]]] = {
    Kind.PDF: ("application/pdf", ("pdf",)),
    Kind.PNG: ("image/png", ("png",)),
    Kind.JPEG: ("image/jpeg", ("jpg", "jpeg")),
    Kind.GIF: ("image/gif", ("gif",)),
    Kind.WEBP: ("image/webp", ("webp",)),
    Kind.DOCX: (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ("docx",),
    ),
    Kind.XLSX: ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
    Kind.PPTX: (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ("pptx",),
    ),
    Kind.DOC: ("application/msword", ("doc",)),
    Kind.XLS: ("application/vnd.ms-excel", ("xls",)),
    Kind.PPT: ("application/vnd.ms-powerpoint", ("ppt",)),
    Kind.ZIP: ("application/zip", ("zip",)),
    Kind.TEXT: ("text/plain", ("txt",)),
    Kind.CSV: ("text/csv", ("csv",)),
    Kind.MARKDOWN: ("text/markdown", ("md", "markdown")),
}

DEFAULT_KINDS = frozenset(Kind)
IMAGE_KINDS = frozenset({Kind.PNG, Kind.JPEG, Kind.GIF, Kind.WEBP})

_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE (.exe, .dll, .scr)
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O, both byte orders and widths
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
)
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF8_BOM = b"\xef\xbb\xbf"
_MARKUP_MARKERS = ("<script", "<html", "<!doctype html", "<svg", "<iframe", "<body")
# Control characters that no text, CSV or Markdown file needs (NUL among them).
_CONTROL_BYTES = bytes(sorted(set(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D}))


@dataclass(frozen=True)
class CheckedUpload:
    safe_name: str
    kind: Kind
    content_type: str
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        """The canonical extension of the kind, e.g. "jpg"."""
        return _FORMATS[self.kind][1][0]


def check_upload(
    uploaded_file: UploadedFile,
    *,
    max_bytes: int = 20 * 1024 * 1024,
    allowed_kinds: frozenset[Kind] = DEFAULT_KINDS,
) -> CheckedUpload:
    """Accept ``uploaded_file`` or raise ValidationError saying why not (codes: empty, too_large,
    executable, markup, damaged, mismatch, not_accepted)."""
    content, digest = _read(uploaded_file, max_bytes=max_bytes)
    if not content:
        raise ValidationError(_("The file is empty."), code="empty")

    stem, extension = _split_name(uploaded_file.name or "")
    candidates = _candidate_kinds(content)
    kind = _choose_kind(candidates, extension=extension.lower(), allowed_kinds=allowed_kinds)

    content_type = _FORMATS[kind][0]
    if content_type.startswith("text/"):
        content_type += "; charset=" + _text_encoding(content)
    return CheckedUpload(
        safe_name=_join_name(stem, extension or _FORMATS[kind][1][0]),
        kind=kind,
        content_type=content_type,
        size=len(content),
        sha256=digest,
    )


def storage_name(*, prefix: str, checked: CheckedUpload) -> str:
    """Where to store the file: never derived from anything the user typed."""
    today = timezone.localdate()
    return f"{prefix.strip('/')}/{today:%Y}/{today:%m}/{uuid.uuid4().hex}.{checked.extension}"


def _read(uploaded_file: UploadedFile, *, max_bytes: int) -> tuple[bytes, str]:
    limit_error = ValidationError(
        _("The file is larger than %(limit)s MB."),
        code="too_large",
        params={"limit": f"{max_bytes / (1024 * 1024):g}"},
    )
    if uploaded_file.size is not None and uploaded_file.size > max_bytes:
        raise limit_error
    digest = hashlib.sha256()
    buffer = BytesIO()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
        buffer.write(chunk)
        if buffer.tell() > max_bytes:
            raise limit_error
    uploaded_file.seek(0)
    return buffer.getvalue(), digest.hexdigest()


def _candidate_kinds(content: bytes) -> tuple[Kind, ...]:
    """The kinds ``content`` can be, most likely first; refuses executables and markup."""
    if content.startswith(_EXECUTABLE_MAGIC) or content.removeprefix(_UTF8_BOM).startswith(b"#!"):
        raise ValidationError(
            _("Executable files and scripts are not accepted."), code="executable"
        )
    if content.startswith(b"%PDF-"):
        return (Kind.PDF,)
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return (Kind.PNG,)
    if content.startswith(b"\xff\xd8\xff"):
        return (Kind.JPEG,)
    if content.startswith((b"GIF87a", b"GIF89a")):
        return (Kind.GIF,)
    if content.startswith(b"RIFF") and content[8:12] == b"WEBP":
        return (Kind.WEBP,)
    if content.startswith(_OLE2_MAGIC):
        # Word, Excel and PowerPoint 97-2003 share one container; the name tells them apart.
        return (Kind.DOC, Kind.XLS, Kind.PPT)
    if content.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return (_zip_kind(content),)
    text = _decode_text(content)
    if text is not None:
        lowered = text.lower()
        if any(marker in lowered for marker in _MARKUP_MARKERS):
            raise ValidationError(_("HTML and SVG files are not accepted."), code="markup")
        return (Kind.TEXT, Kind.CSV, Kind.MARKDOWN)
    return ()


def _zip_kind(content: bytes) -> Kind:
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise ValidationError(
            _("The file is damaged or could not be read."), code="damaged"
        ) from error
    if "[Content_Types].xml" in names:
        for folder, kind in (("word/", Kind.DOCX), ("xl/", Kind.XLSX), ("ppt/", Kind.PPTX)):
            if any(name.startswith(folder) for name in names):
                return kind
    return Kind.ZIP


def _decode_text(content: bytes) -> str | None:
    if len(content.translate(None, _CONTROL_BYTES)) != len(content):
        return None
    body = content.removeprefix(_UTF8_BOM)
    for encoding in ("utf-8", "gb18030"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _text_encoding(content: bytes) -> str:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _choose_kind(
    candidates: tuple[Kind, ...], *, extension: str, allowed_kinds: frozenset[Kind]
) -> Kind:
    for kind in candidates:
        if kind in allowed_kinds and extension in _FORMATS[kind][1]:
            return kind
    # A name without an extension gets the kind's own, unless the kind is ambiguous (OLE2).
    if (
        not extension
        and candidates
        and candidates[0] in allowed_kinds
        and candidates[0] not in {Kind.DOC, Kind.XLS, Kind.PPT}
    ):
        return candidates[0]
    if any(extension in _FORMATS[kind][1] for kind in allowed_kinds):
        raise ValidationError(_("The file's content does not match its name."), code="mismatch")
    raise _not_accepted(allowed_kinds)


def _not_accepted(allowed_kinds: frozenset[Kind]) -> ValidationError:
    extensions = [ext for kind in Kind if kind in allowed_kinds for ext in _FORMATS[kind][1]]
    return ValidationError(
        _("This type of file is not accepted. Accepted types: %(extensions)s."),
        code="not_accepted",
        params={"extensions": ", ".join(extensions)},
    )


def _split_name(name: str) -> tuple[str, str]:
    """(stem, extension) of the last path component of ``name``, without control, format
    (e.g. right-to-left override) or Windows-forbidden characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        "_" if char in _FORBIDDEN_NAME_CHARACTERS else char
        for char in name
        if unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Co", "Cn"}
    )
    name = " ".join(name.split())
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    return stem.strip(" ."), extension.strip()


def _join_name(stem: str, extension: str) -> str:
    stem = stem[: max(MAX_NAME_LENGTH - len(extension) - 1, 1)].rstrip(" .") or "file"
    return f"{stem}.{extension}"[:MAX_NAME_LENGTH]


# --- serving what was stored ------------------------------------------------------------------

READ_CHUNK = 1024 * 1024


def stored_file_sha256(stored) -> str | None:
    """SHA-256 of a stored file's bytes as they are now; None when it cannot be read."""
    if not stored:
        return None
    digest = hashlib.sha256()
    try:
        with stored.storage.open(stored.name, "rb") as source:
            while chunk := source.read(READ_CHUNK):
                digest.update(chunk)
    except (OSError, ValueError):
        return None
    return digest.hexdigest()


def file_matches_sha256(stored, sha256: str) -> bool:
    """Whether the stored file's bytes still have the fingerprint recorded at upload."""
    return stored_file_sha256(stored) == sha256


class StoredFileChanged(Exception):
    """A stored file's bytes differ from the fingerprint recorded at upload (or it is gone)."""


def open_unchanged(stored, sha256: str):
    """The stored file opened for reading, once its bytes are checked against ``sha256``;
    ``StoredFileChanged`` otherwise: a file swapped on disk is never served as the one that
    was uploaded and signed."""
    if not file_matches_sha256(stored, sha256):
        raise StoredFileChanged(stored.name)
    return stored.open("rb")


def unchanged_file_response(row):
    """The download of an uploaded file's row (an attachment, a delivered file: ``file``,
    ``sha256``, ``name``, ``content_type``) under the name it was uploaded with, once its bytes
    are checked against the SHA-256 recorded at upload (``StoredFileChanged`` otherwise)."""
    from django.http import FileResponse

    response = FileResponse(
        open_unchanged(row.file, row.sha256),
        as_attachment=True,
        filename=row.name,
        content_type=row.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def withheld_message(name: str) -> str:
    """Why a file whose bytes changed after upload is not served."""
    return _(
        "“%(name)s” no longer matches the fingerprint recorded when it was uploaded, so it "
        "is not served. Tell an administrator: the stored file was changed."
    ) % {"name": name}


def file_withheld(request, record, name: str):
    """The answer to a download of a file whose bytes changed after upload: nothing of it is
    sent; the person is told why, back on the record's page."""
    from django.contrib import messages
    from django.shortcuts import redirect

    logger.warning("withheld %s of %s: its bytes differ from the recorded SHA-256", name, record)
    messages.error(request, withheld_message(name))
    return redirect(record)
