"""Reads of the signing platform: the signatures on a record, and what a printed hash proves."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Q

from collab_portal.signoffs.canonical import canonical_json, signing_title
from collab_portal.signoffs.integrity import (
    SignatureCheck,
    check_signature,
    content_changes,
    files_changed,
    live_snapshot,
    names_only,
)
from collab_portal.signoffs.models import SignOff

logger = logging.getLogger(__name__)

SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")


def signoffs_for(target) -> list[SignOff]:
    """The signatures on ``target``, oldest first, in one query."""
    return list(
        SignOff.objects.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
        ).select_related("signer", "on_behalf_of", "external_contact__party", "target_type")
    )


def normalise_sha256(value: str | None) -> str | None:
    """The 64 lower-case hex digits in ``value`` (spaces, dashes and colons ignored), or None
    when it is not a SHA-256."""
    cleaned = re.sub(r"[\s:-]", "", value or "").lower()
    return cleaned if SHA256_PATTERN.match(cleaned) else None


@dataclass(frozen=True)
class Verification:
    """What the portal knows about a fingerprint printed on a signed form: the signatures over
    the same content of the record, each checked against its seal, and the record now against
    what was signed."""

    sha256: str
    signoffs: list[SignOff]
    target: Any | None
    title: str
    target_url: str
    checks: list[SignatureCheck] = field(default_factory=list)
    content_changes: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    snapshot: dict = field(default_factory=dict)

    @property
    def target_missing(self) -> bool:
        return self.target is None

    @property
    def record_intact(self) -> bool:
        """Every signature row and its stored content are as they were sealed."""
        return all(check.intact for check in self.checks)

    @property
    def tampered_signatures(self) -> list[SignatureCheck]:
        return [check for check in self.checks if not check.intact]

    @property
    def still_matches(self) -> bool:
        return self.target is not None and not self.content_changes and not self.files_changed


def verification_for(sha256: str) -> Verification | None:
    """The signatures with this fingerprint (of a signature, of the signed content, or printed
    before seals) and whether they and their record still hold what was signed; None for a
    malformed fingerprint or one nobody signed. Reads the signed files' bytes again."""
    sha256 = normalise_sha256(sha256)
    if sha256 is None:
        return None
    found = (
        SignOff.objects.filter(
            Q(sha256=sha256) | Q(content_sha256=sha256) | Q(legacy_sha256=sha256)
        )
        .select_related("target_type")
        .first()
    )
    if found is None:
        return None
    signoffs = list(
        SignOff.objects.filter(
            target_type=found.target_type_id,
            target_id=found.target_id,
            content_sha256=found.content_sha256,
        ).select_related("target_type", "signer", "on_behalf_of", "external_contact__party")
    )
    target = _load_target(found)
    title, changes, files = found.title, [], []
    if target is not None:
        now = live_snapshot(target)
        changes = content_changes(found.snapshot, now) if now is not None else ["·"]
        files = files_changed(target)
        try:
            title = signing_title(target)
        except Exception:  # the public page answers whatever the record's code does
            logger.exception("cannot title %r", target)
    return Verification(
        sha256=sha256,
        signoffs=signoffs,
        target=target,
        title=title,
        target_url=_url_of(target),
        checks=[check_signature(signoff) for signoff in signoffs],
        content_changes=changes,
        files_changed=files,
        snapshot=names_only(found.snapshot),
    )


def _load_target(signoff: SignOff):
    model = signoff.target_type.model_class()
    if model is None:
        return None
    try:
        return model._default_manager.get(pk=signoff.target_id)
    except (ObjectDoesNotExist, ValueError, ValidationError):
        return None


def _url_of(target) -> str:
    method = getattr(target, "get_absolute_url", None)
    return method() if callable(method) else ""


def snapshot_visible_to(user, verification: Verification) -> bool:
    """Whether ``user`` may read the signed content: the record's own ``is_visible_to(user)``
    decides when it has one; otherwise (and when the record is gone) only administrators."""
    if user is None or not user.is_authenticated:
        return False
    check = getattr(verification.target, "is_visible_to", None)
    if verification.target is not None and callable(check):
        return bool(check(user))
    return user.is_portal_admin


def snapshot_rows(snapshot: dict, prefix: str = "") -> list[tuple[str, str]]:
    """The snapshot as (key, value) rows for a table: nested dicts as ``a.b``, lists of
    objects as ``a[1].b``, scalars as text."""
    rows: list[tuple[str, str]] = []
    for key in sorted(snapshot):
        name = f"{prefix}{key}"
        rows.extend(_rows_for(name, snapshot[key]))
    return rows


def _rows_for(name: str, value) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return snapshot_rows(value, prefix=f"{name}.") if value else [(name, "{}")]
    if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        rows = []
        for index, item in enumerate(value, start=1):
            rows.extend(_rows_for(f"{name}[{index}]", item))
        return rows or [(name, "[]")]
    if isinstance(value, list):
        return [(name, "、".join(_scalar_text(item) for item in value) or "—")]
    return [(name, _scalar_text(value))]


def _scalar_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return canonical_json(value)
