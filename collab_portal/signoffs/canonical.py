"""The canonical form of what is signed, and its SHA-256 fingerprint.

A signable model (any model of any stage app; the platform never imports them) implements:

``signing_snapshot(self) -> dict``
    Required. The content the signer vouches for, as plain data: str, int, float, bool, None,
    lists and dicts with str keys, plus date, datetime, time, Decimal and UUID (converted here).
    Put raw values in it (codes, ids, ISO dates), not translated labels or anything that
    changes by itself (``updated_at``, the current stage): any change of the snapshot after
    signing shows the record as modified on the verification page. It is taken under the
    portal's default language so a stray label cannot differ between signer and verifier.
    Model instances, querysets and files are refused with ``TypeError``: pass names or ids.

Another record the signed content names — a person, a department, a receiving party, a task —
goes in as ``signed_ref(record, name)``: its identity and its name as shown at signing. The name
is frozen in the stored snapshot (the form prints what was signed), while checking whether the
record still holds what was signed compares identities only (``comparable``): renaming a
department is not a change of what anybody signed.

``signing_files(self) -> list[tuple[str, FieldFile, str]]``
    Optional. The stored files whose fingerprints the snapshot holds, as (name, file, SHA-256
    recorded at upload): verifying reads their bytes again, so a file swapped on disk shows.

``signing_title(self) -> str``
    Optional. The printable title, e.g. "《沟通需求登记表》CR-2026-0001"; ``str(self)`` otherwise.

``get_absolute_url(self) -> str``
    Optional. Where a signed-in visitor of the verification page can open the record.

``is_visible_to(self, user) -> bool``
    Optional. Whether ``user`` may see the signed content on the verification page; without
    it only portal administrators see the content (everyone sees title, signer and time).

Canonical JSON: keys sorted, no whitespace, UTF-8 (not ASCII-escaped); dates as ISO
``YYYY-MM-DD``; datetimes converted to UTC as ``YYYY-MM-DDTHH:MM:SS+00:00`` (seconds; naive ones
are read in the portal's time zone); Decimals as plain strings without exponent or trailing zeros
(``Decimal("1.50")`` and ``Decimal("1.5")`` are both ``"1.5"``, so an unsaved value and the
value read back from a DecimalField hash the same); UUIDs as their hyphenated string; sets as
sorted lists.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import uuid
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise


def _plain_decimal(value: decimal.Decimal) -> str:
    if not value.is_finite():
        raise TypeError(f"{value!r} cannot be signed")
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", "0"} else text


def _convert(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(datetime.UTC).replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, decimal.Decimal):
        return _plain_decimal(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=canonical_json)
    raise TypeError(f"{type(value).__name__} cannot be part of a signing snapshot")


REF_KEYS = frozenset({"ref", "name"})


def signed_ref(record, name: str) -> dict:
    """A record named in signed content: ``{"ref": "<app>.<model>:<pk>", "name": name}``."""
    meta = record._meta
    return {"ref": f"{meta.app_label}.{meta.model_name}:{record.pk}", "name": str(name)}


def is_ref(value: Any) -> bool:
    return isinstance(value, dict) and value.keys() == REF_KEYS


def comparable(data: Any) -> Any:
    """``data`` with each ``signed_ref`` reduced to its identity, for comparing what a record
    holds now with what was signed."""
    if is_ref(data):
        return data["ref"]
    if isinstance(data, dict):
        return {key: comparable(value) for key, value in data.items()}
    if isinstance(data, list):
        return [comparable(item) for item in data]
    return data


def canonical_json(data: Any) -> str:
    """The one string that stands for ``data``: equal content gives an equal string."""
    return json.dumps(
        data,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
        default=_convert,
    )


def snapshot_hash(data: Any) -> str:
    """SHA-256 (hex) of the UTF-8 canonical JSON of ``data``."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def take_snapshot(target) -> dict:
    """``target.signing_snapshot()`` taken under the portal's default language and normalised
    to plain JSON data, so that ``canonical_json`` of the stored copy is exactly what was
    hashed."""
    with translation.override(settings.LANGUAGE_CODE):
        snapshot = target.signing_snapshot()
        if not isinstance(snapshot, dict):
            raise TypeError("signing_snapshot() must return a dict")
        return json.loads(canonical_json(snapshot))


def signing_title(target) -> str:
    """The target's printable title: ``signing_title()`` when it has one, else ``str()``."""
    method = getattr(target, "signing_title", None)
    return str(method()) if callable(method) else str(target)
