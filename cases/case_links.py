"""Links that later stages add to the case page (task breakdown, tracking table, …). The stage
apps register them at start-up, so the kernel never imports them; each names the case page's
tab it belongs on (``cases.case_tabs``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class CaseLink:
    label: object  # a lazy translation
    url_name: str
    icon: str
    stages: tuple[str, ...]
    tab: str = ""  # a key of cases.case_tabs; none: beside the form


@dataclass(frozen=True)
class ResolvedLink:
    label: str
    url: str
    icon: str
    tab: str = ""


_links: list[CaseLink] = []


def register_case_link(link: CaseLink) -> None:
    if link not in _links:
        _links.append(link)


def links_for(case) -> list[ResolvedLink]:
    links = []
    for link in _links:
        if case.stage not in link.stages:
            continue
        try:
            url = reverse(link.url_name, args=[case.code])
        except NoReverseMatch:  # a page still being built: no dead link
            continue
        links.append(ResolvedLink(str(link.label), url, link.icon, link.tab))
    return links
