"""The main navigation. An entry shows only once the page behind it exists (its URL name
resolves), so stages that are not built yet leave no dead links."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavEntry:
    label: Promise
    url_name: str
    icon: str
    admin_only: bool = False


NAV_ENTRIES = [
    NavEntry(_("Workbench"), "dashboard:home", "ti-home"),
    NavEntry(_("Requests"), "requests_app:list", "ti-file-text"),
    NavEntry(_("Tasks"), "tasks_app:my_tasks", "ti-checklist"),
    NavEntry(_("Risks"), "risks_app:register", "ti-alert-triangle"),
    NavEntry(_("Acceptance"), "acceptance_app:list", "ti-circle-check"),
    NavEntry(_("Dashboard"), "insights:weekly", "ti-chart-bar"),
    NavEntry(_("Administration"), "admin:index", "ti-settings", admin_only=True),
]


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    icon: str
    active: bool


def nav_links(*, user, current_path: str) -> list[NavLink]:
    links = []
    for entry in NAV_ENTRIES:
        if entry.admin_only and not user.is_portal_admin:
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        links.append(NavLink(str(entry.label), url, entry.icon, active))
    return links
