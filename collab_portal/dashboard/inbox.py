"""The inbox (工作台): what waits for a person, what they handled, the cases they initiated, take
part in or were copied on, and their drafts — one tab each.

The platform imports no stage app. At start-up each stage app registers the sources of the tabs'
rows (``register_inbox_source``) and requests_app registers the loader that describes the cases
the rows are about and leaves out those the person may not see (``register_inbox_cases``).
``inbox_for`` asks every source of the tabs it is given once, so each tab's count is the number
of rows it lists, in a fixed number of queries whatever the data size: the sources' own, the case
loader's, one for the people named on the rows and, for the page shown, one for the working-day
calendar. The page builds the tab shown and the waiting tab (its red count is in the title); the
other tabs' counts come in a second request once the page is up (``tab_counts``).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from collab_portal.calendar.workdays import WorkdayCalendar

# ---------------------------------------------------------------------------------------------
# The tabs

WAITING = "waiting"
HANDLED = "handled"
INITIATED = "initiated"
INVOLVED = "involved"
COPIED = "copied"
DRAFTS = "drafts"

PAGE_SIZE = 25


@dataclass(frozen=True)
class TabSpec:
    key: str
    label: Promise
    counterpart_label: Promise | None  # the heading of the "who" column; None: no such column
    since_label: Promise  # the heading of the "when" column
    empty_text: Promise
    per_case: bool = False  # one row per case: the rows of every source about it are merged
    newest_first: bool = True  # else the longest waiting first
    counterpart_is_initiator: bool = True  # when a row names nobody, the case's initiator
    excludes_own_cases: bool = False  # cases the person initiated are left out


LAST_CHANGE = pgettext_lazy("inbox column", "Last change")
TABS: list[TabSpec] = [
    TabSpec(
        WAITING,
        _("Waiting for me"),
        pgettext_lazy("inbox column", "From"),
        pgettext_lazy("inbox column", "Waited"),
        _("Nothing is waiting for you"),
        newest_first=False,
    ),
    TabSpec(
        HANDLED,
        _("Handled by me"),
        _("Initiator"),
        pgettext_lazy("inbox column", "Decided"),
        _("You have decided nothing yet"),
    ),
    TabSpec(
        INITIATED,
        _("Initiated by me"),
        pgettext_lazy("inbox column", "Waiting on"),
        LAST_CHANGE,
        _("You have initiated no request yet"),
        per_case=True,
        counterpart_is_initiator=False,
    ),
    TabSpec(
        INVOLVED,
        _("Involved"),
        _("Initiator"),
        LAST_CHANGE,
        _("You take part in no other request"),
        per_case=True,
        excludes_own_cases=True,
    ),
    TabSpec(
        COPIED,
        _("Copied to me"),
        pgettext_lazy("inbox column", "Copied by"),
        pgettext_lazy("inbox column", "Copied"),
        _("Nobody copied you in"),
        per_case=True,
    ),
    TabSpec(
        DRAFTS,
        _("Drafts"),
        None,
        LAST_CHANGE,
        _("No drafts"),
        counterpart_is_initiator=False,
    ),
]
TAB_KEYS = [tab.key for tab in TABS]


def tab_for(key: str | None) -> TabSpec:
    """The tab named by ``?tab=``; the waiting tab for anything else."""
    return next((tab for tab in TABS if tab.key == key), TABS[0])


# ---------------------------------------------------------------------------------------------
# What sources give and what the loader answers


@dataclass
class InboxContext:
    """Handed to every source of one inbox: the person, the moment, and a memo so that what
    several sources need (the cases the person may see, whom they act for) is asked once."""

    user: Any
    now: datetime.datetime = field(default_factory=timezone.now)
    brief: bool = False  # only counted: the case loader need not describe the cases
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def today(self) -> datetime.date:
        return timezone.localdate(self.now)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


@dataclass
class InboxRow:
    """One row as a source gives it: what it is (``kind``), about which case, where it opens."""

    kind: str  # '': the row only adds details to another source's row about the case
    case_id: int
    url: str = ""  # '': the case's page
    since: datetime.datetime | None = None  # None: when the case last changed
    title: str = ""  # '' : the case's subject
    detail: str = ""
    counterpart_id: int | None = None  # the person the row is about (from / waiting on / by)
    counterpart_ids: tuple[int, ...] = ()  # or several of them
    counterpart_text: str = ""  # or someone who is not a portal user (an external contact)
    waiting: bool = False  # it waits on someone: show how long
    urge_url: str = ""  # where 催办 posts, when this person may urge
    key: str = ""  # what makes the row itself (rows of per-case tabs merge by case)


@dataclass(frozen=True)
class InboxCase:
    """What the rows show of their case, as the registered case loader describes it."""

    pk: int
    code: str
    subject: str
    url: str
    stage: str
    stage_label: str
    initiator_id: int
    initiator_name: str
    initiator_department: str
    updated_at: datetime.datetime
    departments: tuple[tuple[int, str], ...] = ()  # initiating and receiving departments


InboxSource = Callable[..., Iterable[InboxRow]]
CaseLoader = Callable[..., dict[int, InboxCase]]

_inbox_sources: dict[str, list[InboxSource]] = {}
_kind_labels: dict[str, dict[str, Promise | str]] = {}
_case_loader: list[CaseLoader] = []
_stage_choices: list[tuple[str, Promise | str]] = []


def register_inbox_source(
    tab: str, source: InboxSource, *, kinds: dict[str, Promise | str]
) -> InboxSource:
    """``source(context=InboxContext)`` gives the rows of ``tab``; ``kinds`` labels the kinds of
    row it gives (the badge and the type filter)."""
    if tab not in TAB_KEYS:
        raise ValueError(f"unknown inbox tab {tab!r}")
    sources = _inbox_sources.setdefault(tab, [])
    if source not in sources:
        sources.append(source)
    labels = _kind_labels.setdefault(tab, {})
    for kind, label in kinds.items():
        labels.setdefault(kind, label)
    return source


def register_inbox_cases(loader: CaseLoader, *, stages: list[tuple[str, Promise | str]]) -> None:
    """``loader(case_ids=…, context=…)`` → {id: InboxCase} for the cases the person may see
    (when ``context.brief``, only their id, stage, initiator and last change need be true);
    ``stages`` are the choices of the stage filter."""
    _case_loader[:] = [loader]
    _stage_choices[:] = list(stages)


# ---------------------------------------------------------------------------------------------
# The rows as shown


@dataclass
class InboxEntry:
    case: InboxCase
    kinds: list[tuple[str, str]]  # (key, label)
    url: str
    since: datetime.datetime
    title: str
    detail: str
    counterpart: str
    counterpart_department: str
    waiting: bool
    urge_url: str
    waited: str = ""  # "waited 3 working days", filled for the page shown

    @property
    def kind_keys(self) -> list[str]:
        return [key for key, _label in self.kinds]


@dataclass(frozen=True)
class InboxFilters:
    kind: str = ""
    initiator: int | None = None
    department: int | None = None
    stage: str = ""
    since_from: datetime.date | None = None
    since_to: datetime.date | None = None

    @property
    def active(self) -> bool:
        return self != InboxFilters()

    def keep(self, entry: InboxEntry) -> bool:
        case = entry.case
        if self.kind and self.kind not in entry.kind_keys:
            return False
        if self.initiator and case.initiator_id != self.initiator:
            return False
        if self.department and self.department not in {pk for pk, _name in case.departments}:
            return False
        if self.stage and case.stage != self.stage:
            return False
        day = timezone.localdate(entry.since)
        if self.since_from and day < self.since_from:
            return False
        return not (self.since_to and day > self.since_to)


@dataclass(frozen=True)
class FilterChoices:
    kinds: list[tuple[str, str]]
    initiators: list[tuple[int, str]]
    departments: list[tuple[int, str]]
    stages: list[tuple[str, str]]


def with_carried_choices(choices: FilterChoices, data) -> FilterChoices:
    """Keep the initiator or department chosen on another tab a valid choice here, though no
    row of the tabs built names it (1 query for each such choice)."""
    from collab_portal.org.models import Department, User

    def carried(options: list[tuple[int, str]], raw, named) -> list[tuple[int, str]]:
        value = str(raw or "")
        if not value.isdecimal() or len(value) > 12 or int(value) in dict(options):
            return options
        name = named(int(value))
        return sorted([*options, (int(value), name)], key=lambda item: item[1]) if name else options

    def person(pk):
        found = User.objects.filter(pk=pk).first()
        return found.name if found else ""

    def department(pk):
        return Department.objects.filter(pk=pk).values_list("name", flat=True).first() or ""

    return dataclasses.replace(
        choices,
        initiators=carried(choices.initiators, data.get("initiator"), person),
        departments=carried(choices.departments, data.get("department"), department),
    )


@dataclass(frozen=True)
class TabSummary:
    key: str
    label: str
    count: int | None  # None: not counted in this request (the page asks for it afterwards)
    active: bool


@dataclass
class InboxPage:
    tab: TabSpec
    tabs: list[TabSummary]
    page: Page
    waiting_count: int
    filtered: bool

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def counts_pending(self) -> bool:
        return any(summary.count is None for summary in self.tabs)


@dataclass
class Inbox:
    """The rows of the tabs asked for (all of them unless told), for one person, before
    filters."""

    user: Any
    entries: dict[str, list[InboxEntry]]
    now: datetime.datetime

    def choices(self, tab: TabSpec) -> FilterChoices:
        """The filters' options: the tab's kinds, and the initiators and departments of the
        rows of the tabs built (the view adds a carried choice these rows do not name)."""
        initiators: dict[int, str] = {}
        departments: dict[int, str] = {}
        for entries in self.entries.values():
            for entry in entries:
                initiators[entry.case.initiator_id] = entry.case.initiator_name
                departments.update(entry.case.departments)
        return FilterChoices(
            kinds=[(key, str(label)) for key, label in _kind_labels.get(tab.key, {}).items()],
            initiators=sorted(initiators.items(), key=lambda item: item[1]),
            departments=sorted(departments.items(), key=lambda item: item[1]),
            stages=[(key, str(label)) for key, label in _stage_choices],
        )

    def filtered(self, tab: TabSpec, filters: InboxFilters) -> list[InboxEntry]:
        return [entry for entry in self.entries[tab.key] if filters.keep(entry)]

    def counts(self, *, tab: TabSpec, filters: InboxFilters) -> dict[str, int | None]:
        """Each built tab's count under ``filters`` (the type filter is the shown tab's own:
        the other tabs' links leave it out, and so do their counts); None for the others."""
        others = dataclasses.replace(filters, kind="")
        return {
            spec.key: len(self.filtered(spec, filters if spec is tab else others))
            if spec.key in self.entries
            else None
            for spec in TABS
        }

    def summaries(self, *, tab: TabSpec, filters: InboxFilters) -> list[TabSummary]:
        counts = self.counts(tab=tab, filters=filters)
        return [
            TabSummary(spec.key, str(spec.label), counts[spec.key], spec is tab) for spec in TABS
        ]

    def page(self, *, tab: TabSpec, filters: InboxFilters, number=None) -> InboxPage:
        """The tab's rows under ``filters``, a page of them with how long each waited, and
        the counts of the tabs built."""
        summaries = self.summaries(tab=tab, filters=filters)
        rows = self.filtered(tab, filters)
        page = Paginator(rows, PAGE_SIZE).get_page(number)
        _label_waits(page.object_list, now=self.now)
        waiting = next(summary for summary in summaries if summary.key == WAITING)
        return InboxPage(
            tab=tab,
            tabs=summaries,
            page=page,
            waiting_count=waiting.count or 0,
            filtered=filters.active,
        )


def inbox_for(user, tabs: Iterable[str] | None = None, *, brief: bool = False) -> Inbox:
    """Ask every registered source of the tabs named (every tab unless told), describe the
    cases through the case loader (which leaves out what ``user`` may not see), name the
    people, merge and sort. ``brief``: only to be counted with no filter but the type — the
    cases are not described nor the people named."""
    from collab_portal.org.models import User

    context = InboxContext(user=user, brief=brief)
    wanted = [tab for tab in TABS if tabs is None or tab.key in tabs]
    raw = {
        tab.key: [
            row for source in _inbox_sources.get(tab.key, []) for row in source(context=context)
        ]
        for tab in wanted
    }
    case_ids = {row.case_id for rows in raw.values() for row in rows}
    cases: dict[int, InboxCase] = {}
    if case_ids and _case_loader:
        cases = _case_loader[0](case_ids=case_ids, context=context)
    people_ids = {
        pk
        for rows in raw.values()
        for row in rows
        if row.case_id in cases
        for pk in (row.counterpart_id, *row.counterpart_ids)
        if pk
    }
    people = (
        {
            person.pk: person
            for person in User.objects.filter(pk__in=people_ids)
            .select_related("department")
            .only("pk", "username", "display_name", "first_name", "last_name", "department__name")
        }
        if people_ids and not brief
        else {}
    )
    entries = {
        tab.key: _entries(tab, raw[tab.key], cases=cases, people=people, user=user)
        for tab in wanted
    }
    return Inbox(user=user, entries=entries, now=context.now)


def _counterpart(row: InboxRow, people: dict, user) -> tuple[str, str]:
    """(name or names, department when it is one person); "You" for the person themselves."""
    ids = list(dict.fromkeys(pk for pk in (row.counterpart_id, *row.counterpart_ids) if pk))
    if ids == [user.pk] and not row.counterpart_text:
        return gettext("You"), ""
    found = [people[pk] for pk in ids if pk in people]
    names = [person.name for person in found]
    if row.counterpart_text:
        names.append(row.counterpart_text)
    department = ""
    if len(names) == 1 and found and found[0].department_id:
        department = found[0].department.name
    return "、".join(names), department


def _entries(tab: TabSpec, rows: list[InboxRow], *, cases, people, user) -> list[InboxEntry]:
    labels = _kind_labels.get(tab.key, {})
    by_key: dict[Any, InboxEntry] = {}
    for row in rows:
        case = cases.get(row.case_id)
        if case is None:  # a case the person may not see, or gone
            continue
        if tab.excludes_own_cases and case.initiator_id == user.pk:
            continue
        kind = (row.kind, str(labels.get(row.kind, row.kind))) if row.kind else None
        name, department = _counterpart(row, people, user)
        key = row.case_id if tab.per_case else (row.key or f"{row.kind}:{row.case_id}:{row.url}")
        entry = by_key.get(key)
        if entry is None:
            by_key[key] = InboxEntry(
                case=case,
                kinds=[kind] if kind else [],
                url=row.url or case.url,
                since=row.since,
                title=row.title,
                detail=row.detail,
                counterpart=name,
                counterpart_department=department,
                waiting=row.waiting,
                urge_url=row.urge_url,
            )
            continue
        # Another row about the same case (or the same row twice): the first non-empty wins.
        if kind and kind not in entry.kinds:
            entry.kinds.append(kind)
        entry.since = entry.since or row.since
        entry.title = entry.title or row.title
        entry.detail = entry.detail or row.detail
        if not entry.counterpart:
            entry.counterpart, entry.counterpart_department = name, department
        entry.waiting = entry.waiting or row.waiting
        entry.urge_url = entry.urge_url or row.urge_url
    entries = list(by_key.values())
    for entry in entries:
        case = entry.case
        entry.since = entry.since or case.updated_at
        entry.title = entry.title or case.subject
        if not entry.counterpart and tab.counterpart_is_initiator:
            entry.counterpart = case.initiator_name
            entry.counterpart_department = case.initiator_department
        if tab.key == WAITING:
            entry.waiting = True
    entries.sort(key=lambda e: (e.since, e.case.code, e.url), reverse=tab.newest_first)
    return entries


def waited_label(
    since: datetime.datetime, *, calendar: WorkdayCalendar, today: datetime.date, now
) -> str:
    """“waited 3 working days” (the working days after the day it began, up to today, as the
    reminders count them); on its first working day, how long in hours."""
    days = calendar.workdays_between(timezone.localdate(since) + datetime.timedelta(days=1), today)
    if days >= 1:
        return ngettext("waited %(count)d working day", "waited %(count)d working days", days) % {
            "count": days
        }
    return gettext("waiting %(duration)s") % {"duration": timesince(since, now)}


def _label_waits(entries: list[InboxEntry], *, now: datetime.datetime) -> None:
    waiting = [entry for entry in entries if entry.waiting]
    if not waiting:
        return
    today = timezone.localdate(now)
    start = min(min(timezone.localdate(entry.since) for entry in waiting), today)
    calendar = WorkdayCalendar(start, today)
    for entry in waiting:
        entry.waited = waited_label(entry.since, calendar=calendar, today=today, now=now)
