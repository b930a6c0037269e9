"""The task rules (docs/process.md): due soon, overdue, key task overdue, no progress update today.

Someone with forty overdue tasks gets one reminder a day listing them, not forty: reminders to
owners are daily digests (about the owner, for the day), and so is the coordinator's for each
case. A digest of one task names it and links to it; a longer one lists the first twenty and
links to 我的任务 or the case's tracking page. Escalations of key tasks stay one per task: each
asks the leader in charge for a decision about that task.

Each sweep costs a fixed number of queries whatever the number of tasks: the calendar (one
query), who already has today's digest (one), the candidates — at most twenty rows per
recipient, cut by SQL window functions, with each group's size (one) — and, for the escalation,
the leaders in charge, the delegations in force and their languages (three). A sweep run again
five minutes later reads the planned recipients and nothing else.

Only leaf tasks of executing cases count: a parent follows its subtasks. Titles and bodies are
rendered in the recipient's language (read with the candidates, so it costs no query).
Working days follow ``WorkdayCalendar`` (the PRC calendar with 调休, under admin overrides).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case
from collab_portal.calendar.workdays import WorkdayCalendar
from collab_portal.lib.stored_text import Text
from collab_portal.org.models import User
from collab_portal.reminders.models import ReminderRule
from collab_portal.reminders.registry import Due, RuleDefaults, RuleSpec
from collab_portal.reminders.sweeps import (
    END_OF_DAY,
    HOLIDAY_MARGIN,
    MORNING,
    ONE_DAY,
    RecordUrl,
    calendar_around,
    digest_lines,
    escalation_deciders,
    first_rows_of_each,
    last_workday_on_or_before,
    planned_targets,
    repeats_today,
    speaking,
    today_of,
    workdays_after,
)
from tasks_app.models import ProgressUpdate, Task, key_task_filter

Status = Task.Status


# --- the candidates ---------------------------------------------------------------------------


def open_leaf_tasks() -> QuerySet[Task]:
    """Tasks that count: open leaves of executing cases."""
    return (
        Task.objects.filter(request__stage=Case.Stage.EXECUTING)
        .leaves()
        .exclude(status=Status.DONE)
    )


TASK_FIELDS = (
    "pk",
    "wbs_code",
    "name",
    "due_on",
    "owner_id",
    "owner__display_name",
    "owner__username",
    "owner__language",
    "request_id",
    "request__code",
    "request__coordinator_id",
    "request__coordinator__language",
)
DIGEST_ORDER = (F("due_on").asc(), F("request__code").asc(), F("position").asc(), F("pk").asc())


def _label(row: dict) -> str:
    return f"{row['wbs_code']} {row['name']}".strip()


def _line(row: dict) -> str:
    return _("%(case)s · %(task)s · due on %(date)s") % {
        "case": row["request__code"],
        "task": _label(row),
        "date": row["due_on"],
    }


def _owner_name(row: dict) -> str:
    return row["owner__display_name"] or row["owner__username"] or "—"


def owner_digests(
    rule: ReminderRule,
    *,
    candidates: QuerySet[Task],
    period: str,
    many_title: Callable[[int], Text],
    one_title: Callable[[dict], Text] | None = None,
    one_body: Callable[[dict], Text] | None = None,
) -> list[Due]:
    """One reminder to each active owner of ``candidates`` without one for ``period`` yet: about
    their task when they have one (``one_title``), else listing them under ``many_title``."""
    planned = planned_targets(rule, model=User, period=period)
    groups = first_rows_of_each(
        candidates.filter(owner__is_active=True).exclude(owner_id__in=planned),
        group="owner_id",
        order_by=DIGEST_ORDER,
        fields=TASK_FIELDS,
    )
    task_url, my_tasks = RecordUrl("tasks_app:task"), reverse("tasks_app:my_tasks")
    dues = []
    for owner, rows in groups.items():
        first, total = rows[0], rows[0]["group_total"]
        with speaking(first["owner__language"]):
            if total == 1 and one_title is not None:
                title, body = one_title(first), one_body(first) if one_body else ""
                url = task_url(first["request__code"], first["pk"])
            else:
                title = many_title(total)
                body, url = digest_lines([_line(row) for row in rows], total), my_tasks
        dues.append(
            Due(
                target=User(pk=owner),
                recipient_id=owner,
                period=period,
                title=title,
                body=body,
                url=url,
            )
        )
    return dues


# --- task due soon ----------------------------------------------------------------------------


def due_soon_sweep(*, rule: ReminderRule, now: datetime.datetime) -> list[Due]:
    """To each owner, one reminder listing their tasks due soon: a task is listed on the first
    working day within ``lead_days`` working days of its due date, then every ``repeat_days``
    working days (0: not again), and on its last working day (the last one before the due date
    when that is a rest day). A task that enters the window later is listed on its day."""
    today, lead = today_of(now), rule.lead_days
    calendar = calendar_around(today, back=lead, ahead=lead + 1)
    # A due date later than this is more than `lead` working days away.
    horizon = calendar.add_workdays(today, lead + 1)
    listed, last_day = [], set()
    day = today
    while day < horizon:
        when = _due_soon_today(calendar, day, today=today, lead=lead, repeat=rule.repeat_days)
        if when is not None:
            listed.append(day)
            if when == 0:
                last_day.add(day)
        day += ONE_DAY
    if not listed:
        return []
    return owner_digests(
        rule,
        candidates=open_leaf_tasks().filter(due_on__in=listed),
        period=today.isoformat(),
        one_title=lambda row: _due_soon_title(row, last_day=row["due_on"] in last_day),
        one_body=lambda row: _due_soon_body(row["due_on"] in last_day),
        many_title=lambda count: Text.counted(
            "%(count)s of your tasks is due soon", "%(count)s of your tasks are due soon", count
        ),
    )


def _due_soon_today(
    calendar: WorkdayCalendar,
    due_on: datetime.date,
    *,
    today: datetime.date,
    lead: int,
    repeat: int,
) -> int | None:
    """Whether a task due on ``due_on`` is listed today: 0 on its last working day, the working
    days left before it otherwise, None when it is not listed today."""
    last_day = last_workday_on_or_before(calendar, due_on)
    if last_day == today:
        return 0
    if last_day < today:
        return None
    first = calendar.add_workdays(due_on, -lead) if lead else last_day
    if today < first:
        return None
    if today > first and (
        repeat == 0
        or not calendar.is_workday(today)
        or calendar.workdays_between(first + ONE_DAY, today) % repeat
    ):
        return None
    return calendar.workdays_between(today + ONE_DAY, last_day)


def _due_soon_title(row: dict, *, last_day: bool) -> Text:
    values = {"task": _label(row), "case": row["request__code"], "date": row["due_on"]}
    if last_day:
        return Text(
            gettext_lazy(
                "Task %(task)s of %(case)s is due on %(date)s: today is the last working day"
            ),
            **values,
        )
    return Text(gettext_lazy("Task %(task)s of %(case)s is due on %(date)s"), **values)


def _due_soon_body(last_day: bool) -> Text:
    if last_day:
        return Text(gettext_lazy("Mark it done, or report a delay with a new expected date."))
    return Text(gettext_lazy("If it will be late, report a delay now."))


# --- task overdue -----------------------------------------------------------------------------


def overdue_sweep(*, rule: ReminderRule, now: datetime.datetime) -> list[Due]:
    """To each owner, one reminder listing their overdue tasks; to each case's coordinator, one
    listing the overdue tasks of others in the case.

    ``repeat_days`` 1 (the default): every day the sweep runs; n: a task is listed on its first
    working day overdue, then every n working days; 0: on its first working day overdue only."""
    today = today_of(now)
    overdue = open_leaf_tasks().filter(due_on__lt=today)
    if rule.repeat_days == 1:
        candidates = overdue  # every overdue task, every day the sweep runs
    else:
        listed = listed_due_dates(overdue, today=today, first=1, repeat=rule.repeat_days)
        if listed is None:
            return []
        candidates = overdue.filter(listed[0])
    period = today.isoformat()
    dues = owner_digests(
        rule,
        candidates=candidates,
        period=period,
        one_title=lambda row: Text(
            gettext_lazy("Task %(task)s of %(case)s is overdue (due on %(date)s)"),
            task=_label(row),
            case=row["request__code"],
            date=row["due_on"],
        ),
        one_body=lambda row: Text(
            gettext_lazy("Finish it, or report a delay with a new expected date.")
        ),
        many_title=lambda count: Text.counted(
            "%(count)s of your tasks is overdue", "%(count)s of your tasks are overdue", count
        ),
    )
    return dues + _coordinator_digests(rule, candidates=candidates, period=period)


def listed_due_dates(
    candidates: QuerySet[Task], *, today: datetime.date, first: int, repeat: int
) -> tuple[Q, dict[datetime.date, int]] | None:
    """Which of ``candidates`` are listed today, as a filter on their due dates, and how many
    working days each such date is behind: from ``first`` working days behind, then every
    ``repeat`` working days (1: every day the sweep runs; 0: on that first day only). None
    when nothing is listed today."""
    if repeat == 0:
        since = today - datetime.timedelta(days=first * 7 // 5) - HOLIDAY_MARGIN
        due_dates = [since + datetime.timedelta(days=n) for n in range((today - since).days)]
    else:
        due_dates = sorted(candidates.order_by().values_list("due_on", flat=True).distinct())
        if not due_dates:
            return None
    calendar = WorkdayCalendar(min(due_dates[0], today), today)
    behind = workdays_after(calendar, due_dates, today)
    workday = calendar.is_workday(today)
    if repeat == 0:
        dates = [day for day, days in behind.items() if days == first and day < today]
    else:
        dates = [
            day
            for day, days in behind.items()
            if day < today
            and repeats_today(behind=days, first=first, repeat_days=repeat, workday=workday)
        ]
    if not dates:
        return None
    return Q(due_on__in=dates), behind


def _coordinator_digests(
    rule: ReminderRule, *, candidates: QuerySet[Task], period: str
) -> list[Due]:
    """One reminder a day per case to its active coordinator, listing others' overdue tasks."""
    planned = planned_targets(rule, model=Case, period=period)
    groups = first_rows_of_each(
        candidates.filter(request__coordinator__is_active=True)
        .filter(Q(owner__isnull=True) | ~Q(owner_id=F("request__coordinator_id")))
        .exclude(request_id__in=planned),
        group="request_id",
        order_by=DIGEST_ORDER,
        fields=TASK_FIELDS,
    )
    dues = []
    for case, rows in groups.items():
        first, total, code = rows[0], rows[0]["group_total"], rows[0]["request__code"]
        with speaking(first["request__coordinator__language"]):
            title = Text.counted(
                "%(count)s task of %(case)s is overdue",
                "%(count)s tasks of %(case)s are overdue",
                total,
                case=code,
            )
            lines = [
                _("%(task)s · %(owner)s · due on %(date)s")
                % {"task": _label(row), "owner": _owner_name(row), "date": row["due_on"]}
                for row in rows
            ]
            body = digest_lines(lines, total)
        dues.append(
            Due(
                target=Case(pk=case),
                recipient_id=first["request__coordinator_id"],
                period=period,
                title=title,
                body=body,
                url=reverse("tasks_app:tracking", args=[code]) + "?overdue=on",
            )
        )
    return dues


# --- key task overdue -------------------------------------------------------------------------


def key_overdue_sweep(*, rule: ReminderRule, now: datetime.datetime) -> list[Due]:
    """To the leader in charge of each key task's lead department (of the case's initiating
    department when it has none), or the delegate acting for them today: one reminder a day
    listing the key tasks — flagged themselves or under a flagged parent — that are
    ``escalate_after_days`` working days overdue today, then every ``repeat_days`` working days
    when the rule repeats (0, the default: that day only).

    The candidates are cut to twenty per department in SQL; departments with the same leader
    are merged in memory, and leaders who have today's reminder already are left out."""
    if rule.escalate_after_days is None:
        return []
    today, after = today_of(now), rule.escalate_after_days
    overdue = open_leaf_tasks().filter(key_task_filter(), due_on__lt=today)
    listed = listed_due_dates(overdue, today=today, first=after, repeat=rule.repeat_days)
    if listed is None:
        return []
    due_dates, behind = listed
    period = today.isoformat()
    deciders = escalation_deciders(today)
    planned = planned_targets(rule, model=User, period=period)
    groups = first_rows_of_each(
        overdue.filter(due_dates)
        .annotate(escalated_from=Coalesce("lead_department_id", "request__initiator_department_id"))
        .exclude(
            escalated_from__in=[
                dept for dept, (person, _l) in deciders.items() if person in planned
            ]
        ),
        group="escalated_from",
        order_by=DIGEST_ORDER,
        fields=TASK_FIELDS,
    )
    by_decider: dict[tuple[int, str], list[list[dict]]] = defaultdict(list)
    for department, rows in groups.items():
        if department in deciders:
            by_decider[deciders[department]].append(rows)
    return [
        _key_digest(decider, groups_of_rows, behind=behind, period=period)
        for decider, groups_of_rows in by_decider.items()
    ]


def _key_digest(
    decider: tuple[int, str],
    groups_of_rows: list[list[dict]],
    *,
    behind: dict[datetime.date, int],
    period: str,
) -> Due:
    recipient_id, language = decider
    total = sum(rows[0]["group_total"] for rows in groups_of_rows)
    rows = sorted(
        (row for rows in groups_of_rows for row in rows),
        key=lambda row: (row["due_on"], row["request__code"], row["pk"]),
    )
    cases = {row["request__code"] for row in rows}
    with speaking(language):
        if total == 1:
            [row] = rows
            title = _key_title(row, behind[row["due_on"]])
            body = Text(
                gettext_lazy("Owner: %(owner)s. Due on %(date)s."),
                owner=_owner_name(row),
                date=row["due_on"],
            )
            url = RecordUrl("tasks_app:task")(row["request__code"], row["pk"])
        else:
            title = Text.counted(
                "%(count)s key task is overdue: a decision may be needed",
                "%(count)s key tasks are overdue: a decision may be needed",
                total,
            )
            lines = [
                _("%(case)s · %(task)s · %(owner)s · %(days)s working days overdue")
                % {
                    "case": row["request__code"],
                    "task": _label(row),
                    "owner": _owner_name(row),
                    "days": behind[row["due_on"]],
                }
                for row in rows
            ]
            body = digest_lines(lines, total)
            url = (
                reverse("tasks_app:tracking", args=[rows[0]["request__code"]]) + "?overdue=on"
                if len(cases) == 1 and total == len(rows)
                else reverse("insights:drill", args=["tasks"]) + "?status=overdue"
            )
    return Due(
        target=User(pk=recipient_id),
        recipient_id=recipient_id,
        period=period,
        title=title,
        body=body,
        url=url,
        escalation=True,
    )


def _key_title(row: dict, days: int) -> Text:
    return Text.counted(
        "Key task %(task)s of %(case)s is %(days)s working day overdue",
        "Key task %(task)s of %(case)s is %(days)s working days overdue",
        days,
        task=_label(row),
        case=row["request__code"],
        days=days,
    )


# --- no progress update today -----------------------------------------------------------------


def no_progress_sweep(*, rule: ReminderRule, now: datetime.datetime) -> list[Due]:
    """To each owner, one reminder a day listing their tasks without today's progress update.

    A task counts when work on it is expected today: in progress or delayed, or not started
    although its start date has come. A blocked task waits for its blocker and does not count
    (as on the workbench). Period: today's date; the target is the owner, the link 我的任务."""
    today = today_of(now)
    updated_today = ProgressUpdate.objects.filter(task=OuterRef("pk"), day=today)
    return owner_digests(
        rule,
        candidates=open_leaf_tasks()
        .filter(
            Q(status__in=[Status.IN_PROGRESS, Status.DELAYED])
            | Q(status=Status.NOT_STARTED, start_on__lte=today)
        )
        .exclude(Exists(updated_today)),
        period=today.isoformat(),
        many_title=lambda count: Text.counted(
            "%(count)s of your tasks has no progress update today",
            "%(count)s of your tasks have no progress update today",
            count,
        ),
    )


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
