"""Printable forms: a Django template rendered to PDF by WeasyPrint.

WeasyPrint may load stylesheets and images the HTML names. It only ever gets them through
``StaticOnlyFetcher``: the project's own static files and small inline images, nothing else.
"""

import base64
import binascii
import functools
import logging
import mimetypes
import posixpath
from urllib.parse import unquote, unquote_to_bytes, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import ValidationError
from django.core.files import File
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from weasyprint.urls import URLFetcher, URLFetcherResponse

from collab_portal.lib.uploads import IMAGE_KINDS, check_upload

logger = logging.getLogger(__name__)

# Relative URLs in the HTML ("/static/css/pdf.css") are joined to this. The reserved .invalid
# domain never resolves, and the fetcher maps it to the static finders, never to the network.
BASE_URL = "https://pdf.portal.invalid/"

DATA_URL_MAX_BYTES = 2 * 1024 * 1024
DATA_URL_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

HARFBUZZ_MISSING = (
    "libharfbuzz-subset0 is missing: PDF rendering will be ~20x slower "
    "(apt-get install libharfbuzz-subset0)"
)


class ResourceRefused(ValueError):
    """A URL the PDF renderer will not load. WeasyPrint logs it and renders without it."""


class StaticOnlyFetcher(URLFetcher):
    """Serve the files Django's staticfiles finders know and ``data:`` images; refuse the rest.

    WeasyPrint 70 wants a ``URLFetcher`` subclass (it reads private attributes of the fetcher),
    so this overrides ``fetch`` and never calls the network-capable parent implementation.
    """

    def fetch(self, url, headers=None):
        try:
            if url.startswith("data:"):
                return _data_response(url)
            return _static_response(url)
        except ResourceRefused as refused:
            logger.warning("PDF resource refused: %s", refused)
            raise


def _data_response(url: str) -> URLFetcherResponse:
    header, comma, payload = url[len("data:") :].partition(",")
    if not comma:
        raise ResourceRefused("malformed data: URL")
    if len(payload) > DATA_URL_MAX_BYTES * 4 // 3 + 4:
        raise ResourceRefused(f"data: URL larger than {DATA_URL_MAX_BYTES} bytes")
    media_type, *params = header.split(";")
    media_type = media_type.strip().lower()
    if media_type not in DATA_URL_TYPES:
        raise ResourceRefused(f"data: URL of type {media_type or 'text/plain'!r}")
    try:
        if "base64" in (p.strip().lower() for p in params):
            body = base64.b64decode(unquote(payload), validate=True)
        else:
            body = unquote_to_bytes(payload)
    except (binascii.Error, ValueError) as error:
        raise ResourceRefused("undecodable data: URL") from error
    return URLFetcherResponse(url, body, {"Content-Type": media_type})


def _static_response(url: str) -> URLFetcherResponse:
    name = _static_name(url)
    path = finders.find(name) or _unhashed_find(name)
    if not path:
        raise ResourceRefused(f"no static file {name!r} ({url})")
    content_type, _encoding = mimetypes.guess_type(name)
    content_type = content_type or "application/octet-stream"
    if content_type == "text/css":
        content_type = "text/css; charset=utf-8"
    with open(path, "rb") as static_file:
        body = static_file.read()
    # The canonical URL, so url() references inside a stylesheet resolve against it.
    return URLFetcherResponse(
        BASE_URL + _static_prefix().lstrip("/") + name, body, {"Content-Type": content_type}
    )


def _static_prefix() -> str:
    """STATIC_URL's path ("/static/"); settings adds the script prefix to a relative one."""
    prefix = urlsplit(settings.STATIC_URL).path
    return "/" + prefix.strip("/") + "/"


def _static_name(url: str) -> str:
    """The finder name ("css/pdf.css") a URL points to, or ResourceRefused."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    static_url = urlsplit(settings.STATIC_URL)
    same_origin = (parts.scheme, parts.netloc) in {
        ("", ""),
        (base.scheme, base.netloc),
        # A STATIC_URL on another host (a CDN) is still the project's own static files.
        (static_url.scheme, static_url.netloc),
    }
    if not same_origin or parts.query:
        raise ResourceRefused(url)
    prefix = _static_prefix()
    path = unquote(parts.path)
    if not path.startswith(prefix):
        raise ResourceRefused(url)
    name = path[len(prefix) :]
    segments = name.split("/")
    if (
        not name
        or any(segment in {"", ".", ".."} for segment in segments)
        or "\\" in name
        or "\x00" in name
        or posixpath.normpath(name) != name
    ):
        raise ResourceRefused(url)
    return name


def _unhashed_find(name: str) -> str | None:
    """Production's manifest storage names files "css/pdf.3f2a9c.css"; find the original."""
    hashed_files = getattr(staticfiles_storage, "hashed_files", None) or {}
    originals = {hashed: original for original, hashed in hashed_files.items()}
    original = originals.get(name)
    return finders.find(original) if original else None


@functools.cache
def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint subsets fonts with HarfBuzz (fast) rather than fontTools (slow)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    # WeasyPrint 70 falls back to fontTools below HarfBuzz 4.1.0 (pdf/fonts.py).
    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


@functools.cache
def _warn_once_if_slow() -> None:
    if not harfbuzz_subset_available():
        logger.warning(HARFBUZZ_MISSING)


def render_pdf(*, template_name: str, context: dict, request=None) -> bytes:
    """Render ``template_name`` (usually extending documents/form_base.html) to PDF bytes."""
    _warn_once_if_slow()
    html = render_to_string(template_name, context, request=request)
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher())
    return document.write_pdf()


def image_data_url(image: File | None) -> str | None:
    """A stored image (e.g. a profile's signature image) as a ``data:`` URL the fetcher accepts,
    or None when there is none or it is not a small PNG/JPEG/GIF/WebP."""
    if not image:
        return None
    try:
        with image.open("rb"):
            checked = check_upload(image, max_bytes=DATA_URL_MAX_BYTES, allowed_kinds=IMAGE_KINDS)
            content = image.read()
    except (OSError, ValidationError) as error:
        logger.warning("image %s left out of the PDF: %s", image.name, error)
        return None
    return f"data:{checked.content_type};base64,{base64.b64encode(content).decode('ascii')}"


def pdf_response(*, pdf: bytes, filename: str) -> HttpResponse:
    """A download of ``pdf`` named ``filename`` (Chinese names are RFC 5987 encoded)."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Content-Length"] = str(len(pdf))
    # Signed forms are personal data; no shared cache keeps a copy.
    add_never_cache_headers(response)
    return response
