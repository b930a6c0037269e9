"""Links later stages add to a task's page (e.g. raising a risk from a blocker), registered at
start-up so this app never imports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch


@dataclass(frozen=True)
class TaskLink:
    label: object  # a lazy translation
    icon: str
    url_for: Callable  # task -> url
    shown_when: Callable  # (task, user) -> bool


@dataclass(frozen=True)
class ResolvedTaskLink:
    label: str
    url: str
    icon: str


_links: list[TaskLink] = []


def register_task_link(link: TaskLink) -> None:
    if link not in _links:
        _links.append(link)


def links_for(task, user) -> list[ResolvedTaskLink]:
    resolved = []
    for link in _links:
        if not link.shown_when(task, user):
            continue
        try:
            resolved.append(ResolvedTaskLink(str(link.label), link.url_for(task), link.icon))
        except NoReverseMatch:  # a page still being built: no dead link
            continue
    return resolved
