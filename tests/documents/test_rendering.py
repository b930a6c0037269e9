"""Printable forms: Chinese text survives into the PDF, the draft watermark and page numbers show,
and WeasyPrint reads nothing but the project's own static files."""

import base64
import builtins
import logging
import socket
import uuid
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.files import File
from django.utils import translation
from PIL import Image
from pypdf import PdfReader

from collab_portal.documents import rendering
from collab_portal.documents.rendering import (
    BASE_URL,
    HARFBUZZ_MISSING,
    ResourceRefused,
    StaticOnlyFetcher,
    harfbuzz_subset_available,
    image_data_url,
    pdf_response,
    render_pdf,
)
from collab_portal.documents.specimen import specimen_context

TEST_TEMPLATES = Path(__file__).parent / "templates"
PDF_CSS = django_settings.BASE_DIR / "static" / "css" / "pdf.css"


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def render_specimen(language: str = "zh-hans", **overrides) -> bytes:
    with translation.override(language):
        return render_pdf(
            template_name="documents/specimen.html",
            context={**specimen_context(), **overrides},
        )


def weasyprint_warnings(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("weasyprint") and record.levelno >= logging.WARNING
    ]


def test_it_renders_the_specimen_with_the_chinese_values_and_the_signers():
    pdf = render_specimen()

    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for expected in (
        "测试科技有限公司",
        "沟通需求登记表",
        "CR-2026-0001",
        "华东区域客户年度框架协议续签",
        "4月底前完成新版报价及技术方案，客户满意度不低于90%",
        "第1项任务：整理客户需求并确",
        "第40项任务：整理客户需求并",
        "审核通过",
        "李四",
        "王五",
        "赵六",
        "销售部负责人",
    ):
        assert expected in text


def test_it_prints_the_full_signature_hash_in_typeable_groups():
    signature = specimen_context()["signatures"][0]

    text = pdf_text(render_specimen()).replace("\n", " ")

    digest = signature["sha256"]
    assert digest[:12] in text
    assert " ".join(digest[i : i + 8] for i in range(0, 64, 8)) in text


def test_it_uses_the_cjk_font_and_logs_no_missing_glyph_or_css_warning(caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")

    pdf = render_specimen()

    assert not [m for m in weasyprint_warnings(caplog) if "notdef" in m or "No glyph" in m]
    assert weasyprint_warnings(caplog) == []
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("Noto-Sans-CJK-SC" in name for name in fonts), fonts


def test_it_shows_the_draft_watermark_only_on_drafts():
    assert "DRAFT" in pdf_text(render_specimen("en", is_draft=True))
    assert "DRAFT" not in pdf_text(render_specimen("en", is_draft=False))


def test_it_repeats_the_watermark_header_and_page_numbers_on_every_page():
    pdf = render_specimen("en", is_draft=True)

    pages = [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]
    assert len(pages) > 1
    for number, text in enumerate(pages, start=1):
        assert "DRAFT" in text
        assert "CR-2026-0001" in text
        assert f"Page {number} of {len(pages)}" in text
        assert "Printed " in text
        assert "Collab Portal" in text


def test_it_prints_user_markup_as_text(caplog):
    caplog.set_level(logging.WARNING)
    hostile = '<img src="file:///etc/passwd">'

    text = pdf_text(render_specimen(fields=[("需求主题", hostile)]))

    assert hostile in text
    assert [r for r in caplog.records if r.name == rendering.__name__] == []


# The fetcher, called directly.


def fetch(url: str):
    return StaticOnlyFetcher().fetch(url)


def tiny_png_data_url() -> str:
    buffer = BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.parametrize("url", ["/static/css/pdf.css", BASE_URL + "static/css/pdf.css"])
def test_the_fetcher_serves_the_projects_static_files(url):
    response = fetch(url)

    assert response.read() == PDF_CSS.read_bytes()
    assert response.content_type == "text/css"
    assert response.url == BASE_URL + "static/css/pdf.css"


def test_the_fetcher_serves_a_small_inline_image():
    response = fetch(tiny_png_data_url())

    assert response.content_type == "image/png"
    assert response.read().startswith(b"\x89PNG")


def test_a_stored_signature_image_becomes_a_data_url_that_prints():
    buffer = BytesIO()
    Image.new("RGB", (40, 16), (20, 20, 120)).save(buffer, "PNG")
    url = image_data_url(File(BytesIO(buffer.getvalue()), name="signatures/3f2a.png"))

    assert url.startswith("data:image/png;base64,")
    assert fetch(url).read() == buffer.getvalue()
    signature = {**specimen_context()["signatures"][0], "image": url}
    pdf = render_specimen(signatures=[signature])
    xobjects = PdfReader(BytesIO(pdf)).pages[-1]["/Resources"]["/XObject"].values()
    assert "/Image" in [xobject.get_object()["/Subtype"] for xobject in xobjects]


@pytest.mark.parametrize(
    "image",
    [None, File(BytesIO(b"<svg/>"), name="sig.svg"), File(BytesIO(b"%PDF-1.4"), name="x.png")],
)
def test_anything_but_a_small_raster_image_is_left_out(image):
    assert image_data_url(image) is None


def test_the_fetcher_finds_a_manifest_hashed_name(monkeypatch):
    from django.contrib.staticfiles.storage import staticfiles_storage

    monkeypatch.setattr(
        staticfiles_storage, "hashed_files", {"css/pdf.css": "css/pdf.0123abcd.css"}, raising=False
    )

    assert fetch("/static/css/pdf.0123abcd.css").read() == PDF_CSS.read_bytes()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/",
        "https://127.0.0.1/static/css/pdf.css",
        "//127.0.0.1/static/css/pdf.css",
        "/static/../settings.py",
        "/static/%2e%2e/collab_portal/settings.py",
        BASE_URL + "static/../collab_portal/settings.py",
        "/static//etc/passwd",
        "/static/css\\..\\..\\collab_portal\\settings.py",
        "/etc/passwd",
        "/static/css/does-not-exist.css",
        "/static/css/pdf.css?x=1",
        "static/css/pdf.css",
        "data:text/html,<script>alert(1)</script>",
        "data:image/svg+xml;base64,PHN2Zy8+",
        "data:image/png;base64,not base64!",
        "data:image/png;base64," + "A" * (3 * 1024 * 1024),
    ],
)
def test_the_fetcher_refuses_everything_else_and_says_so(url, caplog):
    caplog.set_level(logging.WARNING, logger=rendering.__name__)

    with pytest.raises(ResourceRefused):
        fetch(url)

    assert [r.levelname for r in caplog.records if r.name == rendering.__name__] == ["WARNING"]


# A hostile template, through the whole renderer.


@pytest.fixture
def test_templates(settings):
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], TEST_TEMPLATES]}]


@pytest.fixture
def file_and_network_spy(monkeypatch):
    """Every path opened by Python code and every network connection tried during the test."""
    seen = {"opened": [], "connections": []}
    real_open = builtins.open

    def spying_open(file, *args, **kwargs):
        seen["opened"].append(str(file))
        return real_open(file, *args, **kwargs)

    def refused_connection(address, *args, **kwargs):
        seen["connections"].append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(builtins, "open", spying_open)
    monkeypatch.setattr(socket, "create_connection", refused_connection)
    return seen


def test_a_hostile_template_reads_nothing_outside_static(
    test_templates, file_and_network_spy, tmp_path, caplog
):
    caplog.set_level(logging.WARNING)
    canary_text = f"CANARY-{uuid.uuid4().hex}"
    canary = tmp_path / "canary.css"
    canary.write_text(f'p::after {{ content: "{canary_text}"; }}')

    pdf = render_pdf(
        template_name="documents_tests/hostile.html",
        context={"canary_url": "file://" + quote(str(canary))},
    )

    text = pdf_text(pdf)
    assert "the body still renders" in text
    assert canary_text not in text
    opened = file_and_network_spy["opened"]
    assert not [path for path in opened if "passwd" in path or "canary" in path]
    assert not [path for path in opened if path.endswith("settings.py")]
    assert str(PDF_CSS) in opened
    assert file_and_network_spy["connections"] == []
    refused = [r.getMessage() for r in caplog.records if r.name == rendering.__name__]
    assert len(refused) >= 8
    assert all(message.startswith("PDF resource refused") for message in refused)


def page_sizes(pdf: bytes) -> list[tuple[int, int]]:
    return [
        (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
        for page in PdfReader(BytesIO(pdf)).pages
    ]


A4_PORTRAIT, A4_LANDSCAPE = (595, 842), (842, 595)


def test_a_form_can_be_landscape_throughout(test_templates):
    pdf = render_pdf(template_name="documents_tests/landscape_form.html", context={})

    assert page_sizes(pdf) == [A4_LANDSCAPE]


def test_a_wide_section_gets_landscape_pages_of_its_own(test_templates):
    pdf = render_pdf(template_name="documents_tests/landscape_section.html", context={})

    assert page_sizes(pdf) == [A4_PORTRAIT, A4_LANDSCAPE, A4_PORTRAIT]
    assert "wide table" in PdfReader(BytesIO(pdf)).pages[1].extract_text()


# Downloads and the environment.


def test_it_offers_the_pdf_as_a_download_with_an_encoded_chinese_name():
    response = pdf_response(pdf=b"%PDF-1.7 test", filename="沟通需求登记表-CR-2026-0001.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == "13"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''"
        "%E6%B2%9F%E9%80%9A%E9%9C%80%E6%B1%82%E7%99%BB%E8%AE%B0%E8%A1%A8-CR-2026-0001.pdf"
    )
    assert "no-store" in response["Cache-Control"]
    assert response.content == b"%PDF-1.7 test"


def test_it_quotes_a_plain_ascii_name():
    response = pdf_response(pdf=b"%PDF", filename="CR-2026-0001.pdf")

    assert response["Content-Disposition"] == 'attachment; filename="CR-2026-0001.pdf"'


def test_harfbuzz_subsetting_is_available_here():
    assert harfbuzz_subset_available() is True


def test_it_warns_loudly_when_harfbuzz_subsetting_is_missing(monkeypatch, caplog):
    monkeypatch.setattr(rendering, "harfbuzz_subset_available", lambda: False)
    caplog.set_level(logging.WARNING, logger=rendering.__name__)

    rendering._warn_once_if_slow.__wrapped__()

    assert [r.getMessage() for r in caplog.records] == [HARFBUZZ_MISSING]
