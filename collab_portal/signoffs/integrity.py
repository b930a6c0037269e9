"""Whether a signature and the record it signs still hold what was signed.

A sign-off keeps two fingerprints:

- ``content_sha256``: of the snapshot of the record as signed (``snapshot``), shared by every
  co-signer of the same content;
- ``sha256``: of its ``seal`` — the signature itself: who signed (account and name as shown),
  for whom, as what, meaning what, when, with which comment, from where, over which content.
  It is the fingerprint printed on each signature and looked up on the verification page.

The seal is stored beside the columns it was taken from, so a column changed afterwards is
named (its value now against its value as signed), and a seal changed afterwards no longer
matches ``sha256``. A check reads only the database, except ``files_changed`` which reads the
signed files' bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from collab_portal.signoffs.canonical import (
    canonical_json,
    comparable,
    is_ref,
    snapshot_hash,
    take_snapshot,
)

SEAL_VERSION = 2

# A seal names its record by the model's label when the seal was defined. A model that moved
# app since keeps that name here, so the seals taken before the move still hold (and new ones
# are taken the same way): the case moved from requests_app to the kernel (cases).
SEALED_LABELS = {"cases.case": "requests_app.collabrequest"}

# The columns a seal covers, with what the verification page calls them.
SEALED_FIELDS = {
    "record": _("signed record"),
    "title": _("title"),
    "content_sha256": _("signed content"),
    "signer": _("signer"),
    "signer_name": _("signer name"),
    "on_behalf_of": _("on behalf of"),
    "on_behalf_of_name": _("on behalf of (name)"),
    "external_contact": _("external contact"),
    "typed_name_matches": _("typed name matches the contact"),
    "role": _("role"),
    "role_text": _("role"),
    "meaning": _("meaning"),
    "side_key": _("side"),
    "comment": _("comment"),
    "signed_at": _("signed at"),
    "ip": _("IP address"),
    "user_agent": _("browser"),
}


def seal_for(signoff) -> dict:
    """The seal of ``signoff`` as its columns say now (plain JSON data). Works on a historical
    model in a migration too: it reads attributes only."""
    target_type = signoff.target_type
    label = f"{target_type.app_label}.{target_type.model}"
    values = {
        "v": SEAL_VERSION,
        "record": f"{SEALED_LABELS.get(label, label)}:{signoff.target_id}",
        "title": signoff.title,
        "content_sha256": signoff.content_sha256,
        "signer": signoff.signer_id,
        "signer_name": signoff.signer_name,
        "on_behalf_of": signoff.on_behalf_of_id,
        "on_behalf_of_name": signoff.on_behalf_of_name,
        "external_contact": signoff.external_contact_id,
        "typed_name_matches": signoff.typed_name_matches,
        "role": signoff.role,
        "meaning": signoff.meaning,
        "side_key": signoff.side_key,
        "comment": signoff.comment,
        "signed_at": signoff.signed_at,
        "ip": signoff.ip,
        "user_agent": signoff.user_agent,
    }
    role_text = getattr(signoff, "role_text", None)  # a migration's model may not have it
    if role_text:  # sealed since roles are stored as messages; absent before
        values["role_text"] = role_text
    return json_plain(values)


def json_plain(data: Any) -> Any:
    """``data`` as the plain JSON it is hashed as (dates as ISO text, and so on)."""
    import json

    return json.loads(canonical_json(data))


def seal(signoff) -> None:
    """Set ``signoff``'s content fingerprint, seal and signature fingerprint from its fields."""
    signoff.content_sha256 = snapshot_hash(signoff.snapshot)
    signoff.seal = seal_for(signoff)
    signoff.sha256 = snapshot_hash(signoff.seal)


def resealed(manager, signoff, **also) -> None:
    """Seal ``signoff`` again over its snapshot and write the seal to its row (and ``also``),
    without ``save()``: for migrations and the demo's stories only — the portal never changes a
    recorded signature. ``manager`` is the SignOff model's (a migration's own)."""
    seal(signoff)
    manager.filter(pk=signoff.pk).update(
        snapshot=signoff.snapshot,
        content_sha256=signoff.content_sha256,
        seal=signoff.seal,
        sha256=signoff.sha256,
        **also,
    )


def names_only(data: Any) -> Any:
    """``data`` with each reference reduced to its name as signed: the snapshot as printed."""
    if is_ref(data):
        return data["name"]
    if isinstance(data, dict):
        return {key: names_only(value) for key, value in data.items()}
    if isinstance(data, list):
        return [names_only(item) for item in data]
    return data


@dataclass(frozen=True)
class ChangedField:
    """A sealed column that no longer says what was signed."""

    name: str
    label: str
    signed: str
    now: str


@dataclass
class SignatureCheck:
    """What one sign-off's row says against its seal."""

    signoff: Any
    seal_intact: bool
    content_intact: bool
    changed_fields: list[ChangedField] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.seal_intact and self.content_intact and not self.changed_fields


def check_signature(signoff) -> SignatureCheck:
    stored = signoff.seal or {}
    now = seal_for(signoff)
    changed = [
        ChangedField(
            name=name,
            label=str(label),
            signed=_shown(stored.get(name)),
            now=_shown(now.get(name)),
        )
        for name, label in SEALED_FIELDS.items()
        if stored.get(name) != now.get(name)
    ]
    content_intact = snapshot_hash(signoff.snapshot) == signoff.content_sha256
    if content_intact and signoff.legacy_sha256:
        # signed before seals: the fingerprint printed then is of the names as shown
        content_intact = snapshot_hash(names_only(signoff.snapshot)) == signoff.legacy_sha256
    return SignatureCheck(
        signoff=signoff,
        seal_intact=bool(stored) and snapshot_hash(stored) == signoff.sha256,
        content_intact=content_intact,
        changed_fields=changed,
    )


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else canonical_json(value)


def content_changes(signed: dict, now: dict) -> list[str]:
    """The paths (``subject``, ``milestones[2].due_on``) where ``now`` differs from what was
    signed; references compare by identity, so a renamed department is no change. A name
    stored as plain text (signed before references) matches the record's current name."""
    changes: list[str] = []
    _diff(signed, now, "", changes)
    return changes


def _diff(signed: Any, now: Any, path: str, changes: list[str]) -> None:
    if is_ref(now) and isinstance(signed, str):
        if signed != now["name"]:
            changes.append(path)
        return
    if isinstance(signed, dict) and isinstance(now, dict) and not is_ref(signed):
        for key in sorted(signed.keys() | now.keys()):
            _diff(signed.get(key), now.get(key), f"{path}.{key}" if path else key, changes)
        return
    if isinstance(signed, list) and isinstance(now, list) and len(signed) == len(now):
        for index, (a, b) in enumerate(zip(signed, now, strict=True), start=1):
            _diff(a, b, f"{path}[{index}]", changes)
        return
    if comparable(signed) != comparable(now):
        changes.append(path or "·")


def live_snapshot(target) -> dict | None:
    """The record's snapshot now, or None when it cannot be taken."""
    try:
        return take_snapshot(target)
    except Exception:  # a check answers whatever the record's code does
        import logging

        logging.getLogger(__name__).exception("cannot re-take the signing snapshot of %r", target)
        return None


def files_changed(target) -> list[str]:
    """Names of the record's signed files whose bytes no longer have the fingerprint recorded
    at upload (missing files included)."""
    from collab_portal.lib.uploads import file_matches_sha256

    method = getattr(target, "signing_files", None)
    if not callable(method):
        return []
    return [name for name, stored, sha256 in method() if not file_matches_sha256(stored, sha256)]


@dataclass
class RecordCheck:
    """Whether what is shown of a signed record is still what was signed: each problem is a
    sentence naming what no longer matches."""

    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def check_record(target, signoffs: list, *, read_files: bool = False) -> RecordCheck:
    """Every signature on ``target`` against its seal, the record against the latest signed
    content, and (``read_files``) the signed files against their fingerprints."""
    check = RecordCheck()
    if not signoffs:
        return check
    for signoff in signoffs:
        result = check_signature(signoff)
        if not result.seal_intact or not result.content_intact:
            check.problems.append(
                str(
                    _("The stored signature of %(name)s has been tampered with.")
                    % {"name": signoff.label}
                )
            )
        for changed in result.changed_fields:
            check.problems.append(
                str(
                    _(
                        "The signature of %(name)s was changed after signing: %(field)s was "
                        "“%(signed)s”, now “%(now)s”."
                    )
                    % {
                        "name": signoff.label,
                        "field": changed.label,
                        "signed": changed.signed,
                        "now": changed.now,
                    }
                )
            )
    latest = max(signoffs, key=lambda s: (s.signed_at, s.pk))
    now = live_snapshot(target)
    if now is not None:
        changes = content_changes(latest.snapshot, now)
        if changes:
            check.problems.append(
                str(_("Changed since it was signed: %(fields)s.") % {"fields": ", ".join(changes)})
            )
    if read_files:
        for name in files_changed(target):
            check.problems.append(
                str(
                    _("The file %(name)s no longer matches the fingerprint that was signed.")
                    % {"name": name}
                )
            )
    return check
