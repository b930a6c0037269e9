"""What every rule's sweep needs: today's working-day arithmetic, the people who answer
escalations, rendering in each recipient's language, the digests that tell one person of many
records in one reminder, and skipping what an earlier sweep planned already.

A sweep runs every few minutes, so it must cost a bounded number of queries whatever the data:
each helper here reads what it needs for every record at once."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from collab_portal.calendar.workdays import WorkdayCalendar
from collab_portal.lib.stored_text import Text
from collab_portal.org.models import User
from collab_portal.org.selectors import delegates_in_force, leaders_in_charge
from collab_portal.reminders.models import Reminder, ReminderRule
from collab_portal.reminders.registry import Due

ONE_DAY = datetime.timedelta(days=1)
MORNING = datetime.time(9, 0)
END_OF_DAY = datetime.time(17, 0)
DIGEST_LINES = 20  # a digest lists this many records, then says how many more
# No run of rest days in the PRC calendar is longer than this.
HOLIDAY_MARGIN = datetime.timedelta(days=21)


# --- working days ------------------------------------------------------------------------------


def today_of(now: datetime.datetime) -> datetime.date:
    return timezone.localdate(now)


def calendar_around(today: datetime.date, *, back: int, ahead: int) -> WorkdayCalendar:
    """One calendar (one query) wide enough for ``back`` working days before ``today`` and
    ``ahead`` after it, with a margin for the longest holiday."""
    return WorkdayCalendar(
        today - datetime.timedelta(days=back * 7 // 5) - HOLIDAY_MARGIN,
        today + datetime.timedelta(days=ahead * 7 // 5) + HOLIDAY_MARGIN,
    )


def workdays_after(
    calendar: WorkdayCalendar, dates: Iterable[datetime.date], today: datetime.date
) -> dict[datetime.date, int]:
    """For each of ``dates`` (none after ``today``): how many working days ``(d, today]`` holds —
    how many working days a date ``d`` is behind. Counted per date, never per day between: a
    date two thousand years back costs what yesterday does."""
    return {day: calendar.workdays_after(day, today) for day in dates}


def last_workday_on_or_before(calendar: WorkdayCalendar, day: datetime.date) -> datetime.date:
    return day if calendar.is_workday(day) else calendar.add_workdays(day, -1)


def repeats_today(*, behind: int, first: int, repeat_days: int, workday: bool) -> bool:
    """Whether a repeating reminder that starts ``first`` working days after a date goes out
    today, ``behind`` working days after it, every ``repeat_days`` working days. Every day
    (rest days too, when the rule runs on them) when it repeats daily."""
    if behind < first:
        return False
    if repeat_days <= 1:
        return True  # every day the sweep runs
    return workday and (behind - first) % repeat_days == 0


# --- who answers an escalation -------------------------------------------------------------------


def deciders_by_department(acting: dict[int, int]) -> dict[int, int]:
    """For every department: who answers its escalations — its leader in charge (inherited
    from the nearest ancestor) or the delegate in force for them (``acting``: principal →
    delegate) — in one query for all of them."""
    return {
        department: acting.get(leader, leader) for department, leader in leaders_in_charge().items()
    }


def escalation_deciders(on: datetime.date) -> dict[int, tuple[int, str]]:
    """``deciders_by_department`` on ``on``, each with their language (three queries)."""
    decider_of = deciders_by_department(delegates_in_force(on=on))
    languages = dict(
        User.objects.filter(pk__in=set(decider_of.values())).values_list("pk", "language")
    )
    return {
        department: (person, languages.get(person, "")) for department, person in decider_of.items()
    }


# --- the recipient's language -------------------------------------------------------------------


def speaking(language: str | None) -> translation.override:
    """Translate in ``language`` (the portal's default when the person has none)."""
    return translation.override(language or settings.LANGUAGE_CODE)


def in_language(language: str | None, render: Callable[[], str]) -> str:
    """``render()`` in ``language`` (the portal's default when the person has none)."""
    with speaking(language):
        return render()


def in_their_language(dues: list[Due], *, keep_text: bool = True) -> list[Due]:
    """``dues`` with lazy titles and bodies rendered in each recipient's language (one query);
    a ``Text`` stays one (unless not ``keep_text``), to be shown in whatever language its
    reader reads in."""
    if not dues:
        return []
    languages = dict(
        User.objects.filter(pk__in={due.recipient_id for due in dues}).values_list("pk", "language")
    )
    rendered = []
    for due in dues:
        with translation.override(languages.get(due.recipient_id) or settings.LANGUAGE_CODE):
            rendered.append(
                dataclasses.replace(
                    due,
                    title=_rendered(due.title, keep_text),
                    body=_rendered(due.body, keep_text),
                )
            )
    return rendered


def _rendered(value, keep_text: bool):
    return value if keep_text and isinstance(value, Text) else str(value)


# --- digests --------------------------------------------------------------------------------------


def digest_lines(lines: list[str], total: int | None = None) -> str:
    """The lines of a digest, at most DIGEST_LINES of them, then how many more ``total`` has."""
    total = len(lines) if total is None else total
    shown = lines[:DIGEST_LINES]
    if total > len(shown):
        more = total - len(shown)
        shown.append(
            ngettext("… and %(count)s more", "… and %(count)s more", more) % {"count": more}
        )
    return "\n".join(shown)


def first_rows_of_each(
    queryset: QuerySet, *, group: str, order_by: Iterable, fields: Iterable[str]
) -> dict[int, list[dict]]:
    """The first DIGEST_LINES rows of each ``group`` of ``queryset`` (in ``order_by`` order), each
    with ``group_total``, the size of its whole group — one query, so a digest of ten thousand
    overdue tasks reads twenty of them."""
    rows = (
        queryset.annotate(
            digest_rank=Window(RowNumber(), partition_by=[F(group)], order_by=list(order_by)),
            group_total=Window(Count("pk"), partition_by=[F(group)]),
        )
        .filter(digest_rank__lte=DIGEST_LINES)
        .order_by(group, "digest_rank")
        .values(*fields, group, "group_total")
    )
    groups: dict[int, list[dict]] = {}
    for row in rows:
        groups.setdefault(row[group], []).append(row)
    return groups


def planned_targets(rule: ReminderRule, *, model: type[models.Model], period: str) -> set[int]:
    """The ``model`` records that already have a reminder of ``rule`` for ``period`` (one
    query): a digest sweep leaves them out of its candidates in SQL."""
    return {
        int(pk)
        for pk in Reminder.objects.filter(
            rule=rule.key,
            period=period,
            target_type=ContentType.objects.get_for_model(model),
        ).values_list("target_id", flat=True)
    }


# --- planned already ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """A reminder a sweep found due; ``build`` renders it, only when it was not planned yet."""

    model: type[models.Model]
    pk: int
    recipient_id: int
    period: str
    build: Callable[[], Due]


# How far back ``unplanned`` looks: rows older than this are offered again (harmlessly).
PLANNED_LOOKBACK = datetime.timedelta(days=31)


def unplanned(rule: ReminderRule, pending: list[Pending], *, now: datetime.datetime) -> list[Due]:
    """The reminders among ``pending`` not written yet, built (one query): the sweep that runs
    again five minutes later renders and offers nothing it planned before. The unique key
    stays the guarantee against doubles; this only saves the work, so it looks at the rows of
    the last month only (the log grows every day)."""
    if not pending:
        return []
    types = {
        model: ContentType.objects.get_for_model(model).pk for model in {p.model for p in pending}
    }
    planned = set(
        Reminder.objects.filter(
            rule=rule.key,
            target_type_id__in=types.values(),
            period__in={p.period for p in pending},
            created_at__gte=now - PLANNED_LOOKBACK,
        ).values_list("target_type_id", "target_id", "recipient_id", "period")
    )
    return [
        p.build()
        for p in pending
        if (types[p.model], str(p.pk), p.recipient_id, p.period) not in planned
    ]


class RecordUrl:
    """The link to a case's record (``<code>/…/<number>/``): ``reverse`` once per sweep, then
    each record's code and number filled in — a reverse costs a quarter of a millisecond, too
    much for ten thousand reminders."""

    CODE, NUMBER = "--code--", 987654321

    def __init__(self, viewname: str):
        self._url = reverse(viewname, args=[self.CODE, self.NUMBER])

    def __call__(self, code: str, number: int) -> str:
        return self._url.replace(str(self.NUMBER), str(number)).replace(
            self.CODE, quote(code, safe="")
        )
