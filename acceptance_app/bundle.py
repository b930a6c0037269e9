"""The archive bundle of a case: one ZIP with every printed form, every attachment and every
delivered file, and a manifest with the size and SHA-256 of each.

Layout (folder names of the forms follow the active language)::

    01-沟通需求登记表/沟通需求登记表-CR-2026-0001.pdf
    02-信息同步记录表/…
    03-协作方案确认表/…-v1.pdf, …-v2.pdf          every plan version
    04-任务分配与跟踪表/…
    05-周报/…-2026-W05.pdf                       published weekly summaries
    06-风险应对记录表/…
    07-成果交付清单/…-v1.pdf, …-v2.pdf            every delivery version
    08-验收确认单/…-v1.pdf                        every decided delivery
    09-协作复盘报告/…
    attachments/registration/<file>
    attachments/sync/<receiver>/<file>
    deliveries/v1/<no>-<item>/<file>
    MANIFEST.txt                                  the same list, for people
    manifest.json                                 lists every other entry

Each PDF is made by the producer its own download uses. A stored file that cannot be read is
left out and listed in the manifest as missing; a file whose bytes no longer match the SHA-256
recorded at upload goes in, marked as changed. A signed form whose record or signatures no
longer hold what was signed is listed in the manifest with what no longer matches.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import logging
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from acceptance_app import printing
from acceptance_app.models import Delivery, DeliveryFile, DeliveryItem, Retrospective
from cases.models import Case
from collab_portal.documents.rendering import render_pdf
from collab_portal.signoffs.canonical import signing_title
from collab_portal.signoffs.integrity import check_record
from collab_portal.signoffs.selectors import signoffs_for
from requests_app import printing as request_printing
from requests_app.models import Attachment
from risks_app.pages import risk_rows
from risks_app.printing import TITLE as RISK_TITLE
from risks_app.printing import risk_record_pdf
from risks_app.selectors import RiskFilters, case_risks
from tasks_app import exports as task_exports
from tasks_app.models import WeeklySummary
from tasks_app.pages.tracking import tracking_table
from tasks_app.printing import weekly_summary_pdf_context

logger = logging.getLogger(__name__)

MANIFEST_JSON = "manifest.json"
MANIFEST_TXT = "MANIFEST.txt"
MANIFEST_FORMAT = 1
CHUNK = 1024 * 1024
MAX_COMPONENT_LENGTH = 100
_FORBIDDEN = frozenset('<>:"/\\|?*')
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{n}" for n in range(1, 10)}
    | {f"LPT{n}" for n in range(1, 10)}
)


class Status:
    OK = "ok"
    CHANGED = "changed"  # the bytes differ from the SHA-256 recorded at upload
    MISSING = "missing"


@dataclass
class Entry:
    path: str
    kind: str  # form, attachment, delivered_file, manifest
    title: str
    size: int = 0
    sha256: str = ""
    status: str = Status.OK
    recorded_size: int | None = None
    recorded_sha256: str = ""

    def as_json(self) -> dict:
        data = {
            "path": self.path,
            "kind": self.kind,
            "title": self.title,
            "status": self.status,
        }
        if self.status != Status.MISSING:
            data |= {"size": self.size, "sha256": self.sha256}
        if self.recorded_sha256:
            data |= {"recorded_size": self.recorded_size, "recorded_sha256": self.recorded_sha256}
        return data


@dataclass
class Manifest:
    code: str
    subject: str
    generated_at: datetime.datetime
    entries: list[Entry] = field(default_factory=list)
    not_as_signed: dict[str, list[str]] = field(default_factory=dict)  # form title → problems

    @property
    def stored(self) -> list[Entry]:
        return [e for e in self.entries if e.status != Status.MISSING]

    @property
    def missing(self) -> list[Entry]:
        return [e for e in self.entries if e.status == Status.MISSING]

    def as_json(self) -> dict:
        return {
            "format": MANIFEST_FORMAT,
            "case": {"code": self.code, "subject": self.subject},
            "generated_at": self.generated_at.isoformat(),
            "files": [e.as_json() for e in self.stored],
            "missing": [e.as_json() for e in self.missing],
            "not_as_signed": self.not_as_signed,
        }


# --- names inside the ZIP --------------------------------------------------------------------


def safe_component(text: str, *, fallback: str = "file") -> str:
    """One path component that unpacks the same on Windows, macOS and Linux: no separators,
    control or format characters, Windows-forbidden characters or reserved names, no leading or
    trailing dots and spaces, at most MAX_COMPONENT_LENGTH characters (the extension kept)."""
    text = unicodedata.normalize("NFC", str(text))
    text = "".join(
        "_" if char in _FORBIDDEN else char
        for char in text
        if unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Co", "Cn"}
    )
    text = " ".join(text.split()).strip(" .")
    if len(text) > MAX_COMPONENT_LENGTH:
        stem, dot, extension = text.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            keep = MAX_COMPONENT_LENGTH - len(extension) - 1
            text = f"{stem[:keep].rstrip(' .')}.{extension}"
        else:
            text = text[:MAX_COMPONENT_LENGTH].rstrip(" .")
    if not text:
        return fallback
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = "_" + text
    return text


class _Names:
    """Unique paths inside the ZIP (compared case-insensitively, as Windows and macOS do):
    a second “报告.pdf” in a folder becomes “报告 (2).pdf”."""

    def __init__(self):
        self.taken: set[str] = {MANIFEST_JSON.casefold(), MANIFEST_TXT.casefold()}

    def claim(self, folder: str, name: str) -> str:
        name = safe_component(name)
        stem, dot, extension = name.rpartition(".")
        if not dot or not stem:
            stem, dot, extension = name, "", ""
        candidate, number = name, 1
        while f"{folder}/{candidate}".casefold() in self.taken:
            number += 1
            candidate = f"{stem} ({number}){dot}{extension}"
        path = f"{folder}/{candidate}"
        self.taken.add(path.casefold())
        return path


def _folder(*parts: str) -> str:
    return "/".join(safe_component(part, fallback="_") for part in parts)


def bundle_filename(request: Case) -> str:
    """“归档包-CR-2026-0001.zip”."""
    return _("Archive bundle") + f"-{request.code}.zip"


# --- what goes in ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FormFile:
    folder: str
    name: str
    render: Callable[[], bytes]


def _numbered(number: int, title: str) -> str:
    return f"{number:02d}-{title}"


def _forms(request: Case) -> list[FormFile]:
    code = request.code
    forms = []

    def add(number: int, title: str, name: str, render: Callable[[], bytes]) -> None:
        forms.append(FormFile(_folder(_numbered(number, title)), name, render))

    def rendered(template: str, context: dict) -> Callable[[], bytes]:
        return lambda: render_pdf(template_name=template, context=context)

    registration = request_printing.registration_context(request)
    add(
        1,
        _("Registration form"),
        registration["filename"],
        rendered("requests_app/pdf/registration.html", registration),
    )
    sync = request_printing.sync_context(request)
    add(
        2,
        _("Information sync record"),
        sync["filename"],
        rendered("requests_app/pdf/sync.html", sync),
    )
    for plan in request.plans.select_related("request", "coordinator").order_by("version"):
        context = request_printing.plan_context(plan)
        add(
            3,
            _("Plan confirmation form"),
            context["filename"],
            rendered("requests_app/pdf/plan.html", context),
        )

    table = tracking_table(request=request)
    add(
        4,
        str(task_exports.TITLE),
        f"{task_exports.TITLE}-{code}.pdf",
        lambda: task_exports.tracking_pdf(table=table),
    )
    summaries = WeeklySummary.objects.filter(
        request=request, state=WeeklySummary.State.PUBLISHED
    ).order_by("iso_year", "iso_week")
    for summary in summaries:
        context = weekly_summary_pdf_context(summary)
        add(
            5,
            _("Weekly summary"),
            context["filename"],
            rendered("tasks_app/pdf/weekly.html", context),
        )
    rows = risk_rows(case_risks(request=request, filters=RiskFilters()), instructions=True)
    add(
        6,
        str(RISK_TITLE),
        f"{RISK_TITLE}-{code}.pdf",
        lambda: risk_record_pdf(case=request, rows=rows, filters=""),
    )

    deliveries = list(
        Delivery.objects.filter(request=request)
        .select_related("request", "prepared_by", "submitted_by")
        .order_by("version")
    )
    for delivery in deliveries:
        add(
            7,
            _("Delivery list"),
            printing.delivery_list_filename(delivery),
            lambda delivery=delivery: printing.delivery_list_pdf(delivery=delivery),
        )
    for delivery in deliveries:
        if delivery.state in (Delivery.State.ACCEPTED, Delivery.State.REJECTED):
            add(
                8,
                _("Acceptance confirmation"),
                printing.acceptance_filename(delivery),
                lambda delivery=delivery: printing.acceptance_pdf(delivery=delivery),
            )

    retrospective = Retrospective.objects.filter(request=request).first()
    if retrospective is not None:
        from acceptance_app.retrospective_printing import retrospective_pdf

        title = _("Retrospective report")
        add(
            9,
            title,
            f"{title}-{code}.pdf",
            lambda: retrospective_pdf(retrospective=retrospective),
        )
    return forms


@dataclass(frozen=True)
class StoredFile:
    folder: str
    name: str
    file: object  # a FieldFile
    recorded_size: int
    recorded_sha256: str
    kind: str
    title: str


def _attachments(request: Case) -> list[StoredFile]:
    files = []
    attachments = Attachment.objects.filter(request=request).select_related(
        "sync_record__receiver__department",
        "sync_record__receiver__party",
        "sync_record__receiver__contact",
    )
    for attachment in attachments.order_by("uploaded_at", "pk"):
        if attachment.sync_record_id is None:
            folder = _folder("attachments", "registration")
        else:
            folder = _folder("attachments", "sync", attachment.sync_record.receiver.label)
        files.append(
            StoredFile(
                folder=folder,
                name=attachment.name,
                file=attachment.file,
                recorded_size=attachment.size,
                recorded_sha256=attachment.sha256,
                kind="attachment",
                title=attachment.name,
            )
        )
    return files


def _delivered_files(request: Case) -> list[StoredFile]:
    files = []
    items = (
        DeliveryItem.objects.filter(delivery__request=request)
        .select_related("delivery")
        .prefetch_related(
            Prefetch("files", queryset=DeliveryFile.objects.order_by("uploaded_at", "pk"))
        )
        .order_by("delivery__version", "position", "pk")
    )
    numbers: dict[int, int] = {}
    for item in items:
        number = numbers[item.delivery_id] = numbers.get(item.delivery_id, 0) + 1
        folder = _folder("deliveries", f"v{item.delivery.version}", f"{number:02d}-{item.name}")
        for delivered in item.files.all():
            files.append(
                StoredFile(
                    folder=folder,
                    name=delivered.name,
                    file=delivered.file,
                    recorded_size=delivered.size,
                    recorded_sha256=delivered.sha256,
                    kind="delivered_file",
                    title=f"v{item.delivery.version} {item.name}: {delivered.name}",
                )
            )
    return files


# --- writing the ZIP -------------------------------------------------------------------------


def _zip_info(path: str, moment: datetime.datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=timezone.localtime(moment).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _write_bytes(archive: zipfile.ZipFile, entry: Entry, content: bytes, moment) -> None:
    archive.writestr(_zip_info(entry.path, moment), content)
    entry.size = len(content)
    entry.sha256 = hashlib.sha256(content).hexdigest()


def _copy_stored(archive: zipfile.ZipFile, entry: Entry, stored: StoredFile, moment) -> None:
    """Stream the stored file into the ZIP, hashing as it goes; a file that cannot be opened
    is reported missing. A file that breaks off halfway leaves a truncated entry, which its
    size and hash in the manifest then show."""
    if not stored.file:
        entry.status = Status.MISSING
        return
    try:
        source = stored.file.storage.open(stored.file.name, "rb")
        chunk = source.read(CHUNK)  # a remote storage may only fail on the first read
    except (OSError, SuspiciousFileOperation) as error:
        logger.warning("archive bundle: %s is missing (%s)", stored.file.name, error)
        entry.status = Status.MISSING
        return
    digest, size = hashlib.sha256(), 0
    with source, archive.open(_zip_info(entry.path, moment), "w", force_zip64=True) as target:
        while chunk:
            digest.update(chunk)
            target.write(chunk)
            size += len(chunk)
            chunk = source.read(CHUNK)
    entry.size, entry.sha256 = size, digest.hexdigest()
    if entry.sha256 != stored.recorded_sha256:
        entry.status = Status.CHANGED


def _manifest_text(manifest: Manifest) -> str:
    listed = [e for e in manifest.stored if e.kind != "manifest"]
    lines = [
        _("Archive bundle of %(code)s %(subject)s")
        % {"code": manifest.code, "subject": manifest.subject},
        _("Generated at %(time)s") % {"time": manifest.generated_at.strftime("%Y-%m-%d %H:%M:%S")},
        _("%(count)d files; SHA-256, size in bytes, path:") % {"count": len(listed)},
        "",
    ]
    for entry in listed:
        flag = f"  [{_('changed since upload')}]" if entry.status == Status.CHANGED else ""
        lines.append(f"{entry.sha256}  {entry.size:>12}  {entry.path}{flag}")
    if manifest.missing:
        lines += ["", _("Missing files (not in this bundle):")]
        for entry in manifest.missing:
            lines.append(
                f"{entry.recorded_sha256 or '-':<64}  {entry.recorded_size or 0:>12}  {entry.path}"
            )
    if manifest.not_as_signed:
        lines += ["", _("Signed forms whose content no longer matches what was signed:")]
        for title, problems in manifest.not_as_signed.items():
            lines += [f"{title}: {problem}" for problem in problems]
    changed = [e for e in listed if e.status == Status.CHANGED]
    if changed:
        lines += ["", _("Files whose content differs from the SHA-256 recorded at upload:")]
        lines += [f"{e.path}  ({_('recorded')} {e.recorded_sha256})" for e in changed]
    return "\n".join(lines) + "\n"


def archive_bundle_write(
    *,
    request: Case,
    target: IO[bytes],
    on_progress: Callable[[int, int], None] | None = None,
) -> Manifest:
    """Write the case's archive bundle as a ZIP to ``target`` (a binary file, seekable or
    not) and return its manifest. ``on_progress(done, total)`` hears of each form and file
    put in."""
    generated_at = timezone.localtime().replace(microsecond=0)
    manifest = Manifest(
        code=request.code,
        subject=request.subject,
        generated_at=generated_at,
        not_as_signed=_not_as_signed(request),
    )
    names = _Names()
    forms = _forms(request)
    files = _attachments(request) + _delivered_files(request)
    total = len(forms) + len(files)

    def put_in(entry: Entry) -> None:
        manifest.entries.append(entry)
        if on_progress is not None:
            on_progress(len(manifest.entries), total)

    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for form in forms:
            title = form.name.removesuffix(".pdf")
            entry = Entry(names.claim(form.folder, form.name), "form", title)
            _write_bytes(archive, entry, form.render(), generated_at)
            put_in(entry)
        for stored in files:
            entry = Entry(
                names.claim(stored.folder, stored.name),
                stored.kind,
                stored.title,
                recorded_size=stored.recorded_size,
                recorded_sha256=stored.recorded_sha256,
            )
            _copy_stored(archive, entry, stored, generated_at)
            put_in(entry)
        text = Entry(MANIFEST_TXT, "manifest", MANIFEST_TXT)
        _write_bytes(archive, text, _manifest_text(manifest).encode("utf-8"), generated_at)
        manifest.entries.append(text)
        content = json.dumps(manifest.as_json(), ensure_ascii=False, indent=2) + "\n"
        archive.writestr(_zip_info(MANIFEST_JSON, generated_at), content.encode("utf-8"))
    return manifest


def _not_as_signed(request: Case) -> dict[str, list[str]]:
    """The case's signed records (registration, plan versions, deliveries) that no longer hold
    what was signed, by their form's title."""
    found = {}
    for record in [request, *request.plans.all(), *request.deliveries.all()]:
        check = check_record(record, signoffs_for(record), read_files=True)
        if not check.intact:
            found[signing_title(record)] = check.problems
    return found


def archive_bundle(*, request: Case) -> bytes:
    """The archive bundle of ``request`` as the bytes of a ZIP file (see the module's doc)."""
    buffer = io.BytesIO()
    archive_bundle_write(request=request, target=buffer)
    return buffer.getvalue()


def stored_bundle_name(request: Case) -> str:
    """Named by the filing moment too: a database reset with the media kept must not serve an
    earlier case's bundle under a reused code."""
    filed_at = Retrospective.objects.filter(request=request).values_list("filed_at", flat=True)
    stamp = f"{filed_at[0]:%Y%m%d%H%M%S%f}" if filed_at and filed_at[0] else "unfiled"
    return f"bundles/{request.code}-{stamp}.zip"


def archive_bundle_store(
    *, request: Case, on_progress: Callable[[int, int], None] | None = None
) -> str:
    """The storage name of the archived case's bundle, built once (in the portal's default
    language) and kept: an archived case never changes, so neither does its bundle. Only the
    worker calls it (``acceptance_app.bundle_outbox``); a request serves what it stored."""
    if request.stage != Case.Stage.ARCHIVED:
        raise ValueError("only an archived case has an archive bundle to keep")
    name = stored_bundle_name(request)
    if default_storage.exists(name):
        return name
    with translation.override(settings.LANGUAGE_CODE), tempfile.TemporaryFile() as spool:
        archive_bundle_write(request=request, target=spool, on_progress=on_progress)
        spool.seek(0)
        return default_storage.save(name, File(spool, name=name))
