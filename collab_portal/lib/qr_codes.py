"""QR codes, drawn here as inline SVG (segno): a phone scans a one-time link off the screen.
Nothing is fetched from elsewhere, and the SVG carries no script and no style attribute, so
the pages' Content-Security-Policy holds."""

from __future__ import annotations

import io

import segno
from django.utils.safestring import SafeString, mark_safe

MODULE_PIXELS = 4
QUIET_ZONE = 4  # modules of white around the code, as the standard asks


def qr_svg(text: str) -> SafeString:
    """``text`` as a QR code: an ``<svg class="qr-code">`` element to put in a page."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        buffer,
        kind="svg",
        xmldecl=False,
        nl=False,
        scale=MODULE_PIXELS,
        border=QUIET_ZONE,
        svgclass="qr-code",
        lineclass="qr-code-modules",
    )
    return mark_safe(buffer.getvalue().decode("utf-8"))  # segno's markup: only path data
