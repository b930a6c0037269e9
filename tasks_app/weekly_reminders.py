"""The weekly summary rule (docs/process.md): on Fridays at 16:00 the week's 周报 of every executing
case is drafted from the data (``weekly_summary_generate``, as ``generate_weekly_drafts`` does)
and its coordinator is told the draft is ready, once per case and ISO week."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy

from cases.models import Case
from collab_portal.lib.stored_text import Text
from collab_portal.reminders.models import Reminder, ReminderRule
from collab_portal.reminders.registry import Due, RuleDefaults, RuleSpec, register_rule
from tasks_app.models import WeeklySummary
from tasks_app.selectors import weekly_summary_url
from tasks_app.services import weekly_summary_generate
from tasks_app.weeks import iso_week_of, week_bounds, week_label_text

KEY = "weekly_summary"
FRIDAY = 4


def _executing_cases(week_end: datetime.date):
    """The cases ``weekly_summary_generate`` drafts for, which have a coordinator to tell."""
    end = timezone.make_aware(
        datetime.datetime.combine(week_end + datetime.timedelta(days=1), datetime.time.min)
    )
    return Case.objects.filter(
        stage=Case.Stage.EXECUTING,
        created_at__lt=end,
        coordinator__isnull=False,
        coordinator__is_active=True,
    )


def _all_told(*, cases, iso_year: int, iso_week: int, period: str) -> bool:
    """True when every case's summary of the week is published or its coordinator was already
    told of the draft: the drafts need not be computed again (3 queries)."""
    case_ids = set(cases.values_list("pk", flat=True))
    if not case_ids:
        return True
    told = {
        int(target_id)
        for target_id in Reminder.objects.filter(rule=KEY, period=period).values_list(
            "target_id", flat=True
        )
    }
    settled = {
        request_id
        for request_id, pk, state in WeeklySummary.objects.filter(
            request_id__in=case_ids, iso_year=iso_year, iso_week=iso_week
        ).values_list("request_id", "pk", "state")
        if state == WeeklySummary.State.PUBLISHED or pk in told
    }
    return case_ids <= settled


def weekly_summary_sweep(*, rule: ReminderRule, now: datetime.datetime) -> list[Due]:
    """On Fridays: draft the week's summaries (once; a later sweep finds every coordinator told
    and computes nothing) and remind each executing case's coordinator of the draft, in their
    language."""
    day = timezone.localdate(now)
    if day.weekday() != FRIDAY:
        return []
    iso_year, iso_week = iso_week_of(day)
    period = f"{iso_year}-W{iso_week:02d}"
    cases = _executing_cases(week_bounds(iso_year, iso_week)[1])
    if _all_told(cases=cases, iso_year=iso_year, iso_week=iso_week, period=period):
        return []
    weekly_summary_generate(day=day)
    drafts = WeeklySummary.objects.filter(
        request__in=cases, iso_year=iso_year, iso_week=iso_week, state=WeeklySummary.State.DRAFT
    ).select_related("request__coordinator")
    dues = []
    for summary in drafts:
        coordinator = summary.request.coordinator
        title = Text(
            gettext_lazy(
                "%(code)s: the draft weekly summary of %(week)s is ready to check and publish"
            ),
            code=summary.request.code,
            week=week_label_text(iso_year, iso_week),
        )
        dues.append(
            Due(
                target=summary,
                recipient_id=coordinator.pk,
                period=period,
                title=title,
                url=weekly_summary_url(summary),
            )
        )
    return dues


# Importing this module registers the rule (``TasksAppConfig.ready`` does).
WEEKLY_SUMMARY = register_rule(
    RuleSpec(
        key=KEY,
        label=gettext_lazy("Weekly summary"),
        recipients=gettext_lazy(
            "The coordinator of each executing request (the draft is made from the data)"
        ),
        defaults=RuleDefaults(send_at=datetime.time(16, 0)),
        sweep=weekly_summary_sweep,
    )
)
