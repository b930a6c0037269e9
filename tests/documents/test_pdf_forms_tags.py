"""The page counter is one translatable sentence turned into a CSS ``content`` value, in the
translator's word order, that no translation can break out of."""

import pytest
from django.utils import translation

from collab_portal.documents.templatetags import pdf_forms


def with_translation(monkeypatch, sentence: str) -> None:
    monkeypatch.setattr(pdf_forms, "_", lambda _msgid: sentence)


def test_it_builds_the_english_counter():
    with translation.override("en"):
        assert pdf_forms.page_number_content() == '"Page " counter(page) " of " counter(pages)'


def test_it_follows_the_chinese_word_order(monkeypatch):
    with_translation(monkeypatch, "第 %(page)s 页 / 共 %(pages)s 页")

    assert pdf_forms.page_number_content() == (
        '"第 " counter(page) " 页 / 共 " counter(pages) " 页"'
    )


def test_a_translation_with_the_wrong_placeholders_falls_back_to_english(monkeypatch):
    with_translation(monkeypatch, "第 %(number)s 页，共 %(count)s 页")

    assert pdf_forms.page_number_content() == '"Page " counter(page) " of " counter(pages)'


@pytest.mark.parametrize(
    "sentence",
    ['"; } body { display: none } %(page)s', "</style><script>%(page)s", "\\%(page)s\n"],
)
def test_no_translation_can_escape_the_css_string(monkeypatch, sentence):
    with_translation(monkeypatch, sentence)

    content = pdf_forms.page_number_content()

    inner = content.split(" counter(page)")[0]
    assert inner.startswith('"') and inner.endswith('"')
    assert '"' not in inner[1:-1]
    assert not set("<>\n") & set(inner[1:-1])


def test_it_groups_a_hash_for_typing():
    assert pdf_forms.hash_groups("0123456789abcdef01") == "01234567 89abcdef 01"
    assert pdf_forms.hash_groups(None) == ""
