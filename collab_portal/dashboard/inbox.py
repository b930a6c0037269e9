"""What is waiting for a person. Stage apps register a source at start-up (the platform
imports no stage app); the workbench and the dashboard ask every source."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class WaitingItem:
    kind: str  # shown as a badge: 审核 / 确认 / 验收 …
    title: str
    url: str
    since: datetime.datetime


WaitingSource = Callable[..., list[WaitingItem]]
_sources: list[WaitingSource] = []


def register_waiting_source(source: WaitingSource) -> WaitingSource:
    if source not in _sources:
        _sources.append(source)
    return source


def waiting_for(user) -> list[WaitingItem]:
    items = [item for source in _sources for item in source(user=user)]
    return sorted(items, key=lambda item: item.since)
