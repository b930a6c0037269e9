"""The department (and everything below it) or the whole company a dashboard counts, among those
the person may open (``policies``), and which week.

A department they may not see answers 404, as any object of another department does."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from collab_portal.org.models import Department, User
from collab_portal.org.selectors import with_departments_below
from insights_app.policies import dashboard_departments

COMPANY = "all"


@dataclass(frozen=True)
class DepartmentChoice:
    value: str  # a department's id, or COMPANY
    label: str
    depth: int


@dataclass(frozen=True)
class Scope:
    """The departments a dashboard counts: one department and everything below it, or the
    whole company (``department_ids`` None)."""

    value: str
    label: str
    department_ids: frozenset[int] | None
    children: tuple[tuple[int, str, frozenset[int]], ...]  # each direct child and its subtree


def department_choices(user: User) -> list[DepartmentChoice]:
    """The departments ``user`` may open a dashboard for, as a tree (2–4 queries)."""
    tree = list(
        Department.objects.order_by("parent_id", "code", "pk").values("pk", "parent_id", "name")
    )
    allowed = dashboard_departments(user)
    if allowed is None:  # an admin: every department and the whole company
        allowed = {row["pk"] for row in tree}
        choices = [DepartmentChoice(COMPANY, _("Whole company"), 0)]
    else:
        choices = []
    children: dict[int | None, list[dict]] = {}
    for row in tree:
        children.setdefault(row["parent_id"], []).append(row)

    def walk(parent_id, depth):
        for row in children.get(parent_id, []):
            shown = row["pk"] in allowed
            if shown:
                choices.append(DepartmentChoice(str(row["pk"]), row["name"], depth))
            walk(row["pk"], depth + 1 if shown else depth)

    walk(None, 0)
    return choices


def scope_for(user: User, value: str | None) -> Scope | None:
    """The scope ``user`` asked for (their first department when they did not say); None
    when they oversee nothing. Http404 for a department they may not see or that does not
    exist."""
    choices = department_choices(user)
    if not choices:
        return None
    by_value = {choice.value: choice for choice in choices}
    value = value or choices[0].value
    if value not in by_value:
        raise Http404
    tree = list(Department.objects.order_by("code", "pk").values_list("pk", "parent_id", "name"))
    below: dict[int | None, list[tuple[int, str]]] = {}
    children: dict[int | None, list[int]] = {}
    for pk, parent_id, name in tree:
        below.setdefault(parent_id, []).append((pk, name))
        children.setdefault(parent_id, []).append(pk)

    def subtree(root: int) -> frozenset[int]:
        return frozenset(with_departments_below([root], children))

    if value == COMPANY:
        roots = below.get(None, [])
        return Scope(
            value=value,
            label=by_value[value].label,
            department_ids=None,
            children=tuple((pk, name, subtree(pk)) for pk, name in roots),
        )
    root = int(value)
    return Scope(
        value=value,
        label=by_value[value].label,
        department_ids=subtree(root),
        children=tuple((pk, name, subtree(pk)) for pk, name in below.get(root, [])),
    )


# --- the week ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    iso_year: int
    iso_week: int

    @property
    def monday(self) -> datetime.date:
        return datetime.date.fromisocalendar(self.iso_year, self.iso_week, 1)

    @property
    def sunday(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=6)

    @property
    def value(self) -> str:
        return f"{self.iso_year}-W{self.iso_week:02d}"

    @property
    def label(self) -> str:
        return _("Week %(week)s of %(year)s (%(start)s – %(end)s)") % {
            "week": self.iso_week,
            "year": self.iso_year,
            "start": self.monday.strftime("%m-%d"),
            "end": self.sunday.strftime("%m-%d"),
        }

    def shifted(self, weeks: int) -> Week:
        return week_of(self.monday + datetime.timedelta(weeks=weeks))

    def as_of(self, today: datetime.date) -> datetime.date:
        """The day the week's figures are counted up to: its Sunday, or today in this week."""
        return min(today, self.sunday)


def week_of(day: datetime.date) -> Week:
    iso = day.isocalendar()
    return Week(iso.year, iso.week)


def this_week() -> Week:
    return week_of(timezone.localdate())


def parse_week(value: str | None) -> Week | None:
    """``2026-W47`` → that week; None when it is not a week (or is after this one)."""
    if not value:
        return None
    try:
        year_part, week_part = value.strip().upper().split("-W")
        week = Week(int(year_part), int(week_part))
        week.monday  # noqa: B018 — raises for week 53 of a 52-week year, or week 0
    except ValueError:
        return None
    if not 2000 <= week.iso_year <= 2100 or week.monday > timezone.localdate():
        return None
    return week
