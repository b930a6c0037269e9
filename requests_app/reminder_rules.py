"""Reminders of stages 1–2 (docs/process.md): a review or a plan confirmation waiting on someone.

"Someone waits on a decision" is one schedule, shared with the acceptance of stage 5: the
current handler (the delegate in force, if any) is reminded once the record has waited
``lead_days`` working days, then every ``repeat_days`` working days, and the leader in charge
hears of it once per waiting episode after ``escalate_after_days``. Working days are counted
from the day the record started waiting (a record that arrives on a rest day starts waiting on
the next working day): sent on Monday, it has waited 1 working day on Tuesday.

Each sweep reads every waiting record, the delegations in force, the department tree, the
calendar and the recipients' languages in a fixed number of queries, whatever the number of
records. Titles are rendered in each recipient's language.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from collab_portal.calendar.workdays import WorkdayCalendar
from collab_portal.lib.stored_text import Text
from collab_portal.org.selectors import delegates_in_force
from collab_portal.reminders.models import ReminderRule
from collab_portal.reminders.registry import Due, RuleDefaults, RuleSpec, register_rule
from collab_portal.reminders.sweeps import deciders_by_department, in_their_language
from collab_portal.signoffs.models import SignOff
from requests_app.models import CollabPlan, Receiver
from requests_app.policies import CaseSides, departments_of, plan_sides

ONE_DAY = datetime.timedelta(days=1)
# The calendar is read a little beyond today, so a rest-day start needs no second query.
CALENDAR_MARGIN = datetime.timedelta(days=14)

WAITING_DEFAULTS = RuleDefaults(
    lead_days=1, repeat_days=1, escalate_after_days=3, send_at=datetime.time(9, 0)
)


# --- the shared schedule --------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """What one person is told about a waiting record."""

    recipient_id: int
    title: object  # a lazy translation
    body: object = ""


@dataclass
class Waiting:
    """A record waiting since ``since``: its ``handlers`` act on it, its ``leaders`` hear of it
    when it waits too long."""

    target: models.Model
    since: datetime.datetime
    url: str
    handlers: list[Notice] = field(default_factory=list)
    leaders: list[Notice] = field(default_factory=list)


class WaitingClock:
    """How many working days records have waited as of ``now`` (one query for the calendar)."""

    def __init__(self, *, now: datetime.datetime, earliest: datetime.date):
        self.today = timezone.localdate(now)
        self.calendar = WorkdayCalendar(min(earliest, self.today), self.today + CALENDAR_MARGIN)
        self._waited: dict[datetime.date, int] = {}

    def waited(self, since: datetime.datetime) -> int:
        start = timezone.localdate(since)
        if start not in self._waited:
            calendar = self.calendar
            first = start if calendar.is_workday(start) else calendar.next_workday(start)
            self._waited[start] = calendar.workdays_between(first + ONE_DAY, self.today)
        return self._waited[start]


def episode_of(since: datetime.datetime) -> str:
    """The waiting episode: when it started, to the second (a resubmission starts another)."""
    return f"{timezone.localtime(since):%Y%m%d%H%M%S}"


def reminder_period(
    *, rule: ReminderRule, waited: int, episode: str, today: datetime.date
) -> str | None:
    """The period of today's reminder to the handler, None when none is due today."""
    if waited < rule.lead_days:
        return None
    if rule.repeat_days == 0:
        return f"{episode}:once"
    if (waited - rule.lead_days) % rule.repeat_days:
        return None
    return f"{episode}:{today:%Y%m%d}"


def waiting_dues(
    *, rule: ReminderRule, now: datetime.datetime, waitings: Iterable[Waiting]
) -> list[Due]:
    """Today's reminders of ``waitings`` under ``rule``'s settings: at most one a day to each
    handler, and one escalation per episode to each leader who is not a handler; each in its
    recipient's language (one query for the calendar, one for the languages)."""
    waitings = [w for w in waitings if w.since <= now]
    if not waitings:
        return []
    clock = WaitingClock(now=now, earliest=min(timezone.localdate(w.since) for w in waitings))
    if not rule.on_rest_days and not clock.calendar.is_workday(clock.today):
        return []
    dues = []
    for waiting in waitings:
        waited = clock.waited(waiting.since)
        episode = episode_of(waiting.since)
        period = reminder_period(rule=rule, waited=waited, episode=episode, today=clock.today)
        handler_ids = {notice.recipient_id for notice in waiting.handlers}
        if period is not None:
            dues += [_due(waiting, notice, period=period) for notice in waiting.handlers]
        escalate_after = rule.escalate_after_days
        if escalate_after is None or waited < escalate_after:
            continue
        dues += [
            _due(waiting, notice, period=f"{episode}:escalation", escalation=True)
            for notice in waiting.leaders
            if notice.recipient_id not in handler_ids
        ]
    return in_their_language(dues)


def _due(waiting: Waiting, notice: Notice, **fields) -> Due:
    return Due(
        target=waiting.target,
        recipient_id=notice.recipient_id,
        title=notice.title,
        body=notice.body,
        url=waiting.url,
        **fields,
    )


class LeadersInCharge:
    """Who hears of an escalation from a department: its leader in charge (inherited from the
    nearest ancestor), or the delegate in force for them. The tree is read once, and only when
    the rule escalates at all."""

    def __init__(self, *, rule: ReminderRule, acting: dict[int, int]):
        self._enabled = rule.escalate_after_days is not None
        self._acting = acting
        self._deciders: dict[int, int] | None = None

    def of(self, department_id: int | None) -> int | None:
        if not self._enabled or department_id is None:
            return None
        if self._deciders is None:
            self._deciders = deciders_by_department(self._acting)
        return self._deciders.get(department_id)


def merge_notices(notices: Iterable[Notice]) -> list[Notice]:
    """One notice per person: the first one they get (a head of two sides is told once)."""
    merged: dict[int, Notice] = {}
    for notice in notices:
        merged.setdefault(notice.recipient_id, notice)
    return list(merged.values())


def since_label(since: datetime.datetime) -> str:
    return f"{timezone.localtime(since):%Y-%m-%d %H:%M}"


# --- review_waiting -------------------------------------------------------------------------


def review_waiting_sweep(*, rule: ReminderRule, now: datetime.datetime) -> list[Due]:
    """Requests pending review: the handler (``review_handler``) each working day from the
    first, the leader in charge of the reviewer's department once after the escalation delay
    (7 queries)."""
    requests = list(
        Case.objects.filter(
            stage=Case.Stage.PENDING_REVIEW,
            submitted_at__isnull=False,
            reviewer__isnull=False,
        )
        .select_related("reviewer")
        .prefetch_related("receivers")
    )
    if not requests:
        return []
    today = timezone.localdate(now)
    acting = delegates_in_force(on=today)
    departments = departments_of(acting.values())
    leaders = LeadersInCharge(rule=rule, acting=acting)
    waitings = []
    for request in requests:
        reviewer = request.reviewer
        handler_id = acting.get(reviewer.pk, reviewer.pk)
        # nobody reviews their own request, nor one they receive
        if handler_id == request.initiator_id or CaseSides.of(request).barred(
            handler_id, departments.get(handler_id), side=request.initiator_department_id
        ):
            handler_id = reviewer.pk
        waiting = Waiting(
            target=request, since=request.submitted_at, url=request.get_absolute_url()
        )
        subject = {"code": request.code, "subject": request.subject}
        since = since_label(request.submitted_at)
        if handler_id != reviewer.pk or reviewer.is_active:
            waiting.handlers.append(
                Notice(
                    handler_id,
                    Text(
                        _("Waiting for your review since {since}: {code} “{subject}”"),
                        since=since,
                        **subject,
                    ),
                )
            )
        department_id = reviewer.department_id or request.initiator_department_id
        leader_id = leaders.of(department_id)
        if leader_id is not None and leader_id != reviewer.pk:
            waiting.leaders.append(
                Notice(
                    leader_id,
                    Text(
                        _("{code} “{subject}” has waited for {reviewer}'s review since {since}"),
                        reviewer=reviewer.name,
                        since=since,
                        **subject,
                    ),
                )
            )
        waitings.append(waiting)
    return waiting_dues(rule=rule, now=now, waitings=waitings)


# --- plan_confirmation_waiting --------------------------------------------------------------


def plan_confirmation_waiting_sweep(*, rule: ReminderRule, now: datetime.datetime) -> list[Due]:
    """Proposed plans: the decider of each internal side that has not signed (the head or the
    delegate in force), the internal owner of each external party that has not (to chase the
    contact; the initiator when the party has no owner), and once after the escalation delay
    the leader in charge of that side's department (8 queries)."""
    plans = list(
        CollabPlan.objects.filter(
            state=CollabPlan.State.PROPOSED,
            proposed_at__isnull=False,
            request__stage=Case.Stage.PLANNING,
        )
        .select_related("request__initiator", "request__initiator_department__head")
        .prefetch_related(
            Prefetch(
                "request__receivers",
                queryset=Receiver.objects.select_related(
                    "department__head", "party__internal_owner", "contact"
                ),
            )
        )
    )
    if not plans:
        return []
    signed = set(
        SignOff.objects.filter(
            target_type=ContentType.objects.get_for_model(CollabPlan),
            target_id__in=[str(plan.pk) for plan in plans],
            meaning=SignOff.Meaning.CONFIRMED,
        ).values_list("target_id", "side_key")
    )
    acting = delegates_in_force(on=timezone.localdate(now))
    departments = departments_of(acting.values())
    leaders = LeadersInCharge(rule=rule, acting=acting)
    waitings = []
    for plan in plans:
        request = plan.request
        sides = CaseSides.of(request)
        waiting = Waiting(target=plan, since=plan.proposed_at, url=plan.get_absolute_url())
        handlers, escalations = [], []
        words = {
            "version": plan.version,
            "code": request.code,
            "subject": request.subject,
            "since": since_label(plan.proposed_at),
        }
        for side in plan_sides(request):
            if (str(plan.pk), side.key) in signed:
                continue
            if side.is_external:
                owner = side.receiver.party.internal_owner
                chaser = owner if owner is not None and owner.is_active else request.initiator
                if chaser.is_active:
                    handlers.append(
                        Notice(
                            chaser.pk,
                            Text(
                                _(
                                    "Waiting for {party}'s confirmation since {since}: the "
                                    "plan v{version} of {code} “{subject}”; please follow up "
                                    "with them"
                                ),
                                party=side.label,
                                **words,
                            ),
                        )
                    )
                department_id = chaser.department_id or request.initiator_department_id
            else:
                head = side.department.head
                if head is not None and head.is_active:
                    decider_id = acting.get(head.pk, head.pk)
                    if sides.barred(  # a delegate of another side is passed over
                        decider_id, departments.get(decider_id), side=side.department.pk
                    ):
                        decider_id = head.pk
                    handlers.append(
                        Notice(
                            decider_id,
                            Text(
                                _(
                                    "Waiting for your confirmation since {since}: the plan "
                                    "v{version} of {code} “{subject}”"
                                ),
                                **words,
                            ),
                        )
                    )
                department_id = side.department.pk
            leader_id = leaders.of(department_id)
            if leader_id is not None:
                escalations.append(
                    Notice(
                        leader_id,
                        Text(
                            _(
                                "The plan v{version} of {code} “{subject}” has waited for "
                                "{side}'s confirmation since {since}"
                            ),
                            side=side.label,
                            **words,
                        ),
                    )
                )
        waiting.handlers = merge_notices(handlers)
        waiting.leaders = merge_notices(escalations)
        waitings.append(waiting)
    return waiting_dues(rule=rule, now=now, waitings=waitings)


# Importing this module registers the rules (``RequestsAppConfig.ready`` does).
REVIEW_WAITING = register_rule(
    RuleSpec(
        key="review_waiting",
        label=_("Review waiting"),
        recipients=_("The reviewer (their delegate in force); their leader in charge"),
        defaults=WAITING_DEFAULTS,
        sweep=review_waiting_sweep,
    )
)

PLAN_CONFIRMATION_WAITING = register_rule(
    RuleSpec(
        key="plan_confirmation_waiting",
        label=_("Plan confirmation waiting"),
        recipients=_(
            "The head (or delegate) of each side that has not signed, the internal owner of an "
            "external party; the leader in charge of that side"
        ),
        defaults=WAITING_DEFAULTS,
        sweep=plan_confirmation_waiting_sweep,
    )
)
