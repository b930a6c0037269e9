"""The task rules of DESIGN §4: due soon, overdue, key task overdue, no progress update today.

Each sweep reads what is due in a fixed number of queries whatever the number of tasks — the
candidate tasks in one ``values()`` query, the working-day calendar of the window in one, the
reminders already planned for those periods in one, and, for the escalation, the leaders in
charge, the delegations in force and their languages in three — and says, for every reminder,
its period; the platform writes each (rule, object, recipient, period) once. What was planned
already (by the sweep five minutes earlier) is not built again.

Only leaf tasks of executing cases count: a parent follows its subtasks. Titles and bodies are
rendered in the recipient's language (read with the candidates, so it costs no query).
Working days follow ``WorkdayCalendar`` (the PRC calendar with 调休, under admin overrides).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from collab_portal.lib.workdays import WorkdayCalendar
from collab_portal.org.models import User
from collab_portal.org.selectors import delegates_in_force, leaders_in_charge
from collab_portal.reminders.models import Reminder, ReminderRule
from collab_portal.reminders.registry import Due, RuleDefaults, RuleSpec
from requests_app.models import CollabRequest
from tasks_app.models import ProgressUpdate, Task

ONE_DAY = datetime.timedelta(days=1)
MORNING = datetime.time(9, 0)
END_OF_DAY = datetime.time(17, 0)
DIGEST_LINES = 20  # a digest lists this many tasks, then says how many more
Status = Task.Status


# --- shared by the task and risk rules --------------------------------------------------------


def today_of(now: datetime.datetime) -> datetime.date:
    return timezone.localdate(now)


def calendar_around(today: datetime.date, *, back: int, ahead: int) -> WorkdayCalendar:
    """One calendar (one query) wide enough for ``back`` working days before ``today`` and
    ``ahead`` after it, with a margin for the longest holiday."""
    margin = datetime.timedelta(days=21)
    return WorkdayCalendar(
        today - datetime.timedelta(days=back * 7 // 5) - margin,
        today + datetime.timedelta(days=ahead * 7 // 5) + margin,
    )


def workdays_after(
    calendar: WorkdayCalendar, since: datetime.date, today: datetime.date
) -> dict[datetime.date, int]:
    """For each date ``d`` from ``since`` to ``today``: how many working days ``(d, today]``
    holds — how many working days a date ``d`` is behind. In memory, one pass."""
    counts, behind, day = {}, 0, today
    while day >= since:
        counts[day] = behind
        behind += calendar.is_workday(day)
        day -= ONE_DAY
    return counts


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


def in_language(language: str | None, render: Callable[[], str]) -> str:
    """``render()`` in ``language`` (the portal's default when the person has none)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return render()


def digest_lines(lines: list[str]) -> str:
    shown = lines[:DIGEST_LINES]
    if len(lines) > DIGEST_LINES:
        more = len(lines) - DIGEST_LINES
        shown.append(
            ngettext("… and %(count)s more", "… and %(count)s more", more) % {"count": more}
        )
    return "\n".join(shown)


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


# --- the candidates ---------------------------------------------------------------------------


def open_leaf_tasks() -> QuerySet[Task]:
    """Tasks that count: open leaves of executing cases."""
    return (
        Task.objects.filter(request__stage=CollabRequest.Stage.EXECUTING)
        .leaves()
        .exclude(status=Status.DONE)
    )


TASK_FIELDS = (
    "pk",
    "wbs_code",
    "name",
    "due_on",
    "owner_id",
    "owner__is_active",
    "owner__language",
    "request_id",
    "request__code",
)


def _label(row: dict) -> str:
    return f"{row['wbs_code']} {row['name']}".strip()


def _owner_pending(
    row: dict, *, period: str, title: Callable[[], str], body: Callable[[], str], url: RecordUrl
) -> list[Pending]:
    """The reminder to the task's owner; none when the task has no active owner."""
    if row["owner_id"] is None or not row["owner__is_active"]:
        return []
    language = row["owner__language"]
    return [
        Pending(
            Task,
            row["pk"],
            row["owner_id"],
            period,
            lambda: Due(
                target=Task(pk=row["pk"]),
                recipient_id=row["owner_id"],
                period=period,
                title=in_language(language, title),
                body=in_language(language, body),
                url=url(row["request__code"], row["pk"]),
            ),
        )
    ]


# --- task due soon ----------------------------------------------------------------------------


def due_soon_sweep(*, rule: ReminderRule, now: datetime.datetime) -> list[Due]:
    """To the owner: once when the task comes within ``lead_days`` working days of its due
    date, and once on the day (the last working day before it when it falls on a rest day).

    Each reminder goes out on the first sweep of its window, so a task that enters the window
    late, or a day the sweeps did not run, still gets it; its period ``due-soon:<due>:<days>``
    keeps it to once per due date (a new due date reminds again)."""
    today, lead = today_of(now), rule.lead_days
    calendar = calendar_around(today, back=lead, ahead=lead + 1)
    # A due date later than this is more than `lead` working days away.
    horizon = calendar.add_workdays(today, lead + 1)
    rows = open_leaf_tasks().filter(due_on__gte=today, due_on__lt=horizon).values(*TASK_FIELDS)
    url = RecordUrl("tasks_app:task")
    windows: dict[datetime.date, int | None] = {}
    pending = []
    for row in rows:
        due_on = row["due_on"]
        if due_on not in windows:
            windows[due_on] = _due_soon_days(calendar, due_on, today, lead)
        days_before = windows[due_on]
        if days_before is None:
            continue
        pending += _owner_pending(
            row,
            period=f"due-soon:{due_on}:{days_before}",
            title=lambda row=row, days=days_before: _due_soon_title(row, days),
            body=lambda days=days_before: _due_soon_body(days),
            url=url,
        )
    return unplanned(rule, pending, now=now)


def _due_soon_days(
    calendar: WorkdayCalendar, due_on: datetime.date, today: datetime.date, lead: int
) -> int | None:
    """Which reminder a task due on ``due_on`` gets today: 0 (the day's), ``lead`` (the
    advance one) or None."""
    on_the_day = last_workday_on_or_before(calendar, due_on)
    if on_the_day <= today:
        return 0
    if lead and calendar.add_workdays(due_on, -lead) <= today:
        return lead
    return None


def _due_soon_title(row: dict, days_before: int) -> str:
    values = {"task": _label(row), "case": row["request__code"], "date": row["due_on"]}
    if days_before == 0:
        return _("Task %(task)s of %(case)s is due on %(date)s: today is the last working day") % (
            values
        )
    return _("Task %(task)s of %(case)s is due on %(date)s") % values


def _due_soon_body(days_before: int) -> str:
    if days_before == 0:
        return _("Mark it done, or report a delay with a new expected date.")
    return ngettext(
        "It is due within %(days)s working day. If it will be late, report a delay now.",
        "It is due within %(days)s working days. If it will be late, report a delay now.",
        days_before,
    ) % {"days": days_before}


# --- task overdue -----------------------------------------------------------------------------

OVERDUE_FIELDS = (
    *TASK_FIELDS,
    "owner__display_name",
    "owner__username",
    "request__coordinator_id",
    "request__coordinator__is_active",
    "request__coordinator__language",
)


def overdue_sweep(*, rule: ReminderRule, now: datetime.datetime) -> list[Due]:
    """To the owner, about each overdue task, from the first day after its due date; to the
    case's coordinator, one reminder a day per case listing the overdue tasks of others.

    ``repeat_days`` 1 (the default): every day the sweep runs, period today's date; n: every n
    working days after the due date; 0: once per due date (period ``overdue:<due>``), and the
    coordinator hears of a task on its first working day overdue only."""
    today = today_of(now)
    rows = list(open_leaf_tasks().filter(due_on__lt=today).values(*OVERDUE_FIELDS))
    if not rows:
        return []
    since = min(row["due_on"] for row in rows)
    calendar = WorkdayCalendar(since, today)
    behind = workdays_after(calendar, since, today)
    repeat, workday = rule.repeat_days, calendar.is_workday(today)
    url = RecordUrl("tasks_app:task")
    pending, by_case = [], defaultdict(list)
    for row in rows:
        days = behind[row["due_on"]]
        if repeat == 0:
            period, fires = f"overdue:{row['due_on']}", days <= 1
        else:
            fires = repeats_today(
                behind=days, first=0 if repeat == 1 else 1, repeat_days=repeat, workday=workday
            )
            period = today.isoformat()
        if not fires and repeat:
            continue
        pending += _owner_pending(
            row,
            period=period,
            title=lambda row=row: (
                _("Task %(task)s of %(case)s is overdue (due on %(date)s)")
                % {"task": _label(row), "case": row["request__code"], "date": row["due_on"]}
            ),
            body=lambda: _("Finish it, or report a delay with a new expected date."),
            url=url,
        )
        coordinator = row["request__coordinator_id"]
        if (
            fires
            and coordinator
            and row["request__coordinator__is_active"]
            and row["owner_id"] != coordinator
        ):
            by_case[row["request_id"]].append(row)
    pending += [_coordinator_digest(case_rows, today=today) for case_rows in by_case.values()]
    return unplanned(rule, pending, now=now)


def _coordinator_digest(case_rows: list[dict], *, today: datetime.date) -> Pending:
    first = case_rows[0]
    case, coordinator = first["request_id"], first["request__coordinator_id"]
    code, language = first["request__code"], first["request__coordinator__language"]
    count = len(case_rows)

    def title() -> str:
        return ngettext(
            "%(count)s task of %(case)s is overdue",
            "%(count)s tasks of %(case)s are overdue",
            count,
        ) % {"count": count, "case": code}

    def body() -> str:
        return digest_lines(
            [
                _("%(task)s · %(owner)s · due on %(date)s")
                % {
                    "task": _label(row),
                    "owner": row["owner__display_name"] or row["owner__username"] or "—",
                    "date": row["due_on"],
                }
                for row in case_rows
            ]
        )

    return Pending(
        CollabRequest,
        case,
        coordinator,
        today.isoformat(),
        lambda: Due(
            target=CollabRequest(pk=case),
            recipient_id=coordinator,
            period=today.isoformat(),
            title=in_language(language, title),
            body=in_language(language, body),
            url=reverse("tasks_app:tracking", args=[code]) + "?overdue=on",
        ),
    )


# --- key task overdue -------------------------------------------------------------------------


def key_overdue_sweep(*, rule: ReminderRule, now: datetime.datetime) -> list[Due]:
    """To the leader in charge of the task's lead department (of the case's initiating
    department when it has none), or the delegate acting for them today: a key task — flagged
    itself or under a flagged parent — overdue ``escalate_after_days`` working days.

    Once per due date (period ``key-overdue:<due>``), or every ``repeat_days`` working days
    after that when the rule repeats (``key-overdue:<due>:<days behind>``)."""
    if rule.escalate_after_days is None:
        return []
    today, after, repeat = today_of(now), rule.escalate_after_days, rule.repeat_days
    key = (
        Q(is_key=True)
        | Q(parent__is_key=True)
        | Q(parent__parent__is_key=True)
        | Q(parent__parent__parent__is_key=True)
    )
    rows = list(
        open_leaf_tasks()
        .filter(key, due_on__lt=today)
        .values(
            *TASK_FIELDS,
            "owner__display_name",
            "owner__username",
            "lead_department_id",
            "request__initiator_department_id",
        )
    )
    if not rows:
        return []
    since = min(row["due_on"] for row in rows)
    calendar = WorkdayCalendar(since, today)
    behind = workdays_after(calendar, since, today)
    workday = calendar.is_workday(today)
    deciders = escalation_deciders(today)
    url = RecordUrl("tasks_app:task")
    pending = []
    for row in rows:
        days = behind[row["due_on"]]
        if not repeats_today(behind=days, first=after, repeat_days=max(repeat, 1), workday=workday):
            continue
        department = row["lead_department_id"] or row["request__initiator_department_id"]
        decider = deciders.get(department)
        if decider is None:
            continue
        period = f"key-overdue:{row['due_on']}" + (f":{days}" if repeat else "")
        pending.append(
            Pending(
                Task,
                row["pk"],
                decider[0],
                period,
                lambda row=row, days=days, decider=decider, period=period: _key_due(
                    row, days=days, decider=decider, period=period, url=url
                ),
            )
        )
    return unplanned(rule, pending, now=now)


def _key_due(row: dict, *, days: int, decider: tuple[int, str], period: str, url) -> Due:
    recipient_id, language = decider
    return Due(
        target=Task(pk=row["pk"]),
        recipient_id=recipient_id,
        period=period,
        title=in_language(language, lambda: _key_title(row, days)),
        body=in_language(
            language,
            lambda: (
                _("Owner: %(owner)s. Due on %(date)s.")
                % {
                    "owner": row["owner__display_name"] or row["owner__username"] or "—",
                    "date": row["due_on"],
                }
            ),
        ),
        url=url(row["request__code"], row["pk"]),
        escalation=True,
    )


def _key_title(row: dict, days: int) -> str:
    return ngettext(
        "Key task %(task)s of %(case)s is %(days)s working day overdue",
        "Key task %(task)s of %(case)s is %(days)s working days overdue",
        days,
    ) % {"task": _label(row), "case": row["request__code"], "days": days}


def escalation_deciders(on: datetime.date) -> dict[int, tuple[int, str]]:
    """For every department: (id, language) of who answers its escalations on ``on`` — its
    leader in charge or the delegate acting for them — as ``escalation_decider_for`` answers
    one department at a time, in three queries for all of them."""
    leaders = leaders_in_charge()
    acting = delegates_in_force(on=on)
    decider_of = {department: acting.get(leader, leader) for department, leader in leaders.items()}
    languages = dict(
        User.objects.filter(pk__in=set(decider_of.values())).values_list("pk", "language")
    )
    return {
        department: (person, languages.get(person, "")) for department, person in decider_of.items()
    }


# --- no progress update today -----------------------------------------------------------------


def no_progress_sweep(*, rule: ReminderRule, now: datetime.datetime) -> list[Due]:
    """To each owner, one reminder a day listing their tasks without today's progress update.

    A task counts when work on it is expected today: in progress or delayed, or not started
    although its start date has come. A blocked task waits for its blocker and does not count
    (as on the workbench). Period: today's date; the target is the owner, the link 我的任务."""
    today = today_of(now)
    updated_today = ProgressUpdate.objects.filter(task=OuterRef("pk"), day=today)
    rows = (
        open_leaf_tasks()
        .filter(owner__is_active=True)
        .filter(
            Q(status__in=[Status.IN_PROGRESS, Status.DELAYED])
            | Q(status=Status.NOT_STARTED, start_on__lte=today)
        )
        .exclude(Exists(updated_today))
        .order_by("owner_id", "request__code", "position", "pk")
        .values(*TASK_FIELDS)
    )
    by_owner: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_owner[row["owner_id"]].append(row)
    url, period = reverse("tasks_app:my_tasks"), today.isoformat()
    return unplanned(
        rule,
        now=now,
        pending=[
            Pending(
                User,
                owner,
                owner,
                period,
                lambda owner=owner, mine=mine: Due(
                    target=User(pk=owner),
                    recipient_id=owner,
                    period=period,
                    title=in_language(mine[0]["owner__language"], lambda: _progress_title(mine)),
                    body=in_language(
                        mine[0]["owner__language"],
                        lambda: digest_lines(
                            [f"{row['request__code']} · {_label(row)}" for row in mine]
                        ),
                    ),
                    url=url,
                ),
            )
            for owner, mine in by_owner.items()
        ],
    )


def _progress_title(mine: list[dict]) -> str:
    return ngettext(
        "%(count)s of your tasks has no progress update today",
        "%(count)s of your tasks have no progress update today",
        len(mine),
    ) % {"count": len(mine)}


# --- the rules --------------------------------------------------------------------------------

RULES = (
    RuleSpec(
        key="task_due_soon",
        label=gettext_lazy("Task due soon"),
        recipients=gettext_lazy("The task's owner"),
        defaults=RuleDefaults(lead_days=2, repeat_days=0, send_at=MORNING),
        sweep=due_soon_sweep,
    ),
    RuleSpec(
        key="task_overdue",
        label=gettext_lazy("Task overdue"),
        recipients=gettext_lazy("The task's owner; the case's coordinator"),
        defaults=RuleDefaults(repeat_days=1, send_at=MORNING),
        sweep=overdue_sweep,
    ),
    RuleSpec(
        key="key_task_overdue",
        label=gettext_lazy("Key task overdue"),
        recipients=gettext_lazy(
            "The leader in charge of the task's lead department (or their delegate)"
        ),
        defaults=RuleDefaults(repeat_days=0, escalate_after_days=2, send_at=MORNING),
        sweep=key_overdue_sweep,
    ),
    RuleSpec(
        key="no_progress_today",
        label=gettext_lazy("No progress update today"),
        recipients=gettext_lazy("Owners of open tasks"),
        defaults=RuleDefaults(repeat_days=1, send_at=END_OF_DAY),
        sweep=no_progress_sweep,
    ),
)
