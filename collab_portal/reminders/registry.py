"""The reminder rules of docs/process.md. Stage apps register each rule's defaults and its sweep at
start-up; the platform never imports a stage app.

A sweep is ``sweep(*, rule, now) -> Iterable[Due]``: it finds what is due with a bounded number of
set-based queries (never one per task) and says, for each reminder, its unique period — the
same (rule, object, recipient, period) is planned once whatever runs the sweep again."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import models

from collab_portal.lib.stored_text import Text


@dataclass(frozen=True)
class RuleDefaults:
    lead_days: int = 0
    repeat_days: int = 1
    escalate_after_days: int | None = None
    send_at: datetime.time | None = None
    on_rest_days: bool = False


@dataclass(frozen=True)
class Due:
    """One reminder a sweep found due: to ``recipient_id`` about ``target`` for ``period``."""

    target: models.Model
    recipient_id: int
    period: str
    title: str | Text
    body: str | Text = ""
    url: str = ""
    escalation: bool = False


@dataclass(frozen=True)
class RuleSpec:
    key: str
    label: object  # a lazy translation
    recipients: object  # a lazy translation: who gets it
    defaults: RuleDefaults = field(default_factory=RuleDefaults)
    sweep: Callable[..., Iterable[Due]] | None = None  # None: written by the change itself


_rules: dict[str, RuleSpec] = {}


def register_rule(spec: RuleSpec) -> RuleSpec:
    _rules[spec.key] = spec
    return spec


def rules() -> list[RuleSpec]:
    return list(_rules.values())


def rule_spec(key: str) -> RuleSpec:
    return _rules[key]
