"""Sentences the portal stores now and shows later: kept as their message and its parameters,
shown in the language of whoever reads them.

A notification's title, a reminder, a timeline line's note, a signer's role are written once
but read for years, by people who switch between Chinese and English. Stored as the sentence in
the writer's language, they would stay in it for every reader. So they are built as ``Text``::

    Text(gettext_lazy("{code} was approved"), code=case.code)

which keeps the message (its English source, found by ``makemessages`` in the gettext call) and
the parameters, and renders with ``str()`` in the active language. A parameter may itself be a
``Text`` (rendered in the same language) or a lazy translation; other values are stored as they
are (names and codes stay as written). ``as_json``/``from_json`` store it in a JSONField;
``shown`` renders a stored one, or falls back to the text stored beside it.

A sentence that depends on a count is ``Text.counted(singular, plural, count, **params)``; its
messages are found by ``makemessages`` because the portal's command adds ``counted`` to the
gettext keywords (``collab_portal/notifications/management/commands/makemessages.py``).
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext


class Text:
    """A message with parameters, rendered in the active language whenever it is shown.
    Placeholders are ``{name}`` or ``%(name)s`` as the message writes them."""

    __slots__ = ("count", "msgid", "params", "plural")

    def __init__(self, message: str | Promise, /, **params: Any):
        if isinstance(message, Promise):
            with translation.override(None):  # no catalogue: the message as written
                message = str(message)
        self.msgid = message
        self.plural: str | None = None
        self.count: int | None = None
        self.params = {key: _storable(value) for key, value in params.items()}

    @classmethod
    def counted(cls, singular: str, plural: str, count: int, /, **params: Any) -> Text:
        """A sentence in the form its language gives ``count`` (``count`` is a parameter)."""
        text = cls(singular, count=count, **params)
        text.plural, text.count = plural, count
        return text

    def __str__(self) -> str:
        values = {key: str(value) for key, value in self.params.items()}
        if self.plural is None:
            translated = gettext(self.msgid)
        else:
            translated = ngettext(self.msgid, self.plural, self.count)
        if "%(" in self.msgid:
            return translated % values
        return translated.format(**values)

    def __repr__(self) -> str:
        return f"Text({self.msgid!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and self.as_json() == other.as_json()

    __hash__ = None

    def as_json(self) -> dict:
        data = {
            "msgid": self.msgid,
            "params": {
                key: value.as_json() if isinstance(value, Text) else value
                for key, value in self.params.items()
            },
        }
        if self.plural is not None:
            data |= {"plural": self.plural, "count": self.count}
        return data

    @classmethod
    def from_json(cls, data: dict) -> Text:
        params = {
            key: cls.from_json(value) if _is_text_json(value) else value
            for key, value in data.get("params", {}).items()
        }
        if "plural" in data:
            params.pop("count", None)
            return cls.counted(data["msgid"], data["plural"], data["count"], **params)
        return cls(data["msgid"], **params)


def _storable(value: Any) -> Any:
    if isinstance(value, Text | int | float | bool) or value is None:
        return value
    if isinstance(value, Promise):
        return Text(value)  # a lazy translation without parameters
    return str(value)


def _is_text_json(value: Any) -> bool:
    return isinstance(value, dict) and "msgid" in value


def as_json(value: Any) -> dict | None:
    """The JSON to store beside a rendered text: the ``Text`` it was, or None for plain text
    (a person's own words, a name)."""
    if isinstance(value, Text):
        return value.as_json()
    if isinstance(value, Promise):
        return Text(value).as_json()
    return None


def in_portal_language(value: Any) -> str:
    """``value`` as text in the portal's default language: what is stored beside its ``Text``
    for searching and exports."""
    from django.conf import settings

    with translation.override(settings.LANGUAGE_CODE):
        return str(value)


def shown(stored: dict | None, fallback: str) -> str:
    """A stored ``Text`` in the active language; ``fallback`` (the text stored beside it) when
    there is none or it cannot be read."""
    if not stored:
        return fallback
    try:
        return str(Text.from_json(stored))
    except (KeyError, TypeError, ValueError, IndexError):
        return fallback
