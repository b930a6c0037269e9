"""Template helpers for documents/form_base.html."""

import re

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

register = template.Library()

PAGE_OF_PAGES = gettext_noop("Page %(page)s of %(pages)s")

_MARKER = "\x00"
_CSS_SAFE = re.compile(r"[\w .,:;/()+\-\u00a0-\uffff]")


def css_string(text: str) -> str:
    """``text`` as a double-quoted CSS string. Anything outside a small safe set is written as a
    hex escape, so not even a translation can close the string or the <style> element."""
    escaped = "".join(
        char if _CSS_SAFE.fullmatch(char) and char != _MARKER else f"\\{ord(char):x} "
        for char in text
    )
    return f'"{escaped}"'


@register.simple_tag
def page_number_content() -> str:
    """The CSS ``content`` value for "Page N of M" in the translator's word order, e.g.
    ``"第 " counter(page) " 页 / 共 " counter(pages) " 页"``."""
    markers = {"page": f"{_MARKER}page{_MARKER}", "pages": f"{_MARKER}pages{_MARKER}"}
    try:
        sentence = _(PAGE_OF_PAGES) % markers
    except (KeyError, ValueError, TypeError):
        # A translation with other placeholders must not stop every PDF from printing.
        sentence = PAGE_OF_PAGES % markers
    parts = []
    for index, piece in enumerate(sentence.split(_MARKER)):
        if index % 2 and piece in {"page", "pages"}:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(css_string(piece))
    return mark_safe(" ".join(parts))


@register.filter
def hash_groups(value, size: int = 8) -> str:
    """A long hex digest in groups of ``size`` characters, easier to read off paper and type."""
    text = str(value or "")
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


@register.simple_tag
def verify_hint() -> str:
    """Where a reader of the paper form checks its signatures: the portal's public /verify/ page,
    printed under every signed form."""
    url = settings.PORTAL_BASE_URL.rstrip("/") + reverse("signoffs:verify")
    return _("To check a signature, enter its hash at %(url)s") % {"url": url}
