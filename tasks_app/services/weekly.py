"""Writes on the 周报 (weekly summaries): the coordinator drafts the summary of a week from the
task data, sets its red/amber/green status, adds comments and publishes it to the case's
participants; the weekly job drafts one for every executing case. Refreshing from the data only
ever touches a draft: a published summary stays as it was published."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.archive_guard import refuse_if_archived
from cases.models import Case
from collab_portal.activity.services import activity_record
from collab_portal.lib.refusals import ActionRefused, refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.notifications.services import notify
from collab_portal.org.models import User
from tasks_app.models import WeeklySummary
from tasks_app.policies import (
    refuse_unless_publishable,
    refuse_unless_weekly_draft,
    refuse_unless_weekly_manager,
    refuse_unless_weekly_stage,
)
from tasks_app.selectors import weekly_summary_recipients, weekly_summary_url
from tasks_app.weekly_facts import weekly_summary_facts
from tasks_app.weeks import iso_week_of, start_of_day, today, week_bounds, week_label_text

Stage = Case.Stage
Rag = WeeklySummary.Rag

COMMENTS_MAX_LENGTH = 10000


def _lock_summary(summary: WeeklySummary) -> WeeklySummary:
    locked = WeeklySummary.objects.select_for_update().get(pk=summary.pk)
    locked.request = Case.objects.select_related(
        "coordinator", "initiator", "initiator_department__head"
    ).get(pk=locked.request_id)
    refuse_if_archived(locked.request)
    return locked


def _draft(
    *, request: Case, iso_year: int, iso_week: int, actor: User | None
) -> tuple[WeeklySummary, bool]:
    """Create or refresh the draft; (summary, created). Runs inside a transaction."""
    request = (
        Case.objects.select_for_update(of=("self",))
        .select_related("coordinator")
        .get(pk=request.pk)
    )
    refuse_if_archived(request)
    if actor is not None:
        refuse_unless_weekly_manager(actor, request)
    else:
        refuse_unless_weekly_stage(request)
    try:
        week_start, week_end = week_bounds(iso_year, iso_week)
    except (TypeError, ValueError, OverflowError):
        raise ActionRefused(
            _("There is no week %(week)s in %(year)s.") % {"week": iso_week, "year": iso_year}
        ) from None
    refuse_unless(
        week_start <= today(),
        _("A weekly summary is drafted for this week or an earlier one."),
    )
    refuse_unless(
        week_end >= timezone.localtime(request.created_at, timezone.get_default_timezone()).date(),
        _("The request did not exist yet in that week."),
    )
    summary = (
        WeeklySummary.objects.select_for_update()
        .filter(request=request, iso_year=iso_year, iso_week=iso_week)
        .first()
    )
    if summary is not None:
        summary.request = request
        refuse_unless_weekly_draft(summary)
    facts = weekly_summary_facts(request=request, iso_year=iso_year, iso_week=iso_week)
    if summary is None:
        summary = WeeklySummary.objects.create(
            request=request,
            iso_year=iso_year,
            iso_week=iso_week,
            rag=facts["rag_proposed"],
            facts=facts,
        )
        return summary, True
    # The status follows the proposal unless the coordinator chose another one.
    if summary.rag == summary.facts.get("rag_proposed", summary.rag):
        summary.rag = facts["rag_proposed"]
    summary.facts = facts
    summary.save()
    return summary, False


@transaction.atomic
def weekly_summary_draft(
    *, request: Case, iso_year: int, iso_week: int, actor: User | None = None
) -> WeeklySummary:
    """Draft the summary of the case's ISO week from the data, or refresh its draft.

    ``actor`` None is the system (the weekly job); a person must be the coordinator or an admin.
    A published summary is never changed: refreshing it is refused."""
    summary, _created = _draft(request=request, iso_year=iso_year, iso_week=iso_week, actor=actor)
    return summary


@transaction.atomic
def weekly_summary_update(
    *, actor: User, summary: WeeklySummary, rag: str, comments: str
) -> WeeklySummary:
    """The coordinator sets the red/amber/green status and writes comments on a draft."""
    summary = _lock_summary(summary)
    refuse_unless_weekly_manager(actor, summary.request)
    refuse_unless_weekly_draft(summary)
    errors = {}
    if rag not in Rag.values:
        errors["rag"] = _("Choose green, amber or red.")
    comments = (comments or "").strip()
    if len(comments) > COMMENTS_MAX_LENGTH:
        errors["comments"] = _("Keep the comments under %(count)d characters.") % {
            "count": COMMENTS_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)
    summary.rag, summary.comments = rag, comments
    summary.save()
    return summary


@transaction.atomic
def weekly_summary_publish(*, actor: User, summary: WeeklySummary) -> WeeklySummary:
    """Publish a draft to the case's participants; it is kept as published from then on."""
    summary = _lock_summary(summary)
    request = summary.request
    refuse_unless_weekly_manager(actor, request)
    refuse_unless_publishable(summary)
    summary.publish()
    summary.published_at = timezone.now()
    summary.author = actor
    summary.save()
    activity_record(
        subject=request,
        verb="weekly_publish",
        actor=actor,
        target=summary,
        comment=week_label_text(summary.iso_year, summary.iso_week),
    )
    body = Text(
        gettext_lazy("Status: {rag}; overall progress {progress}."),
        rag=Rag(summary.rag).label,
        progress=f"{summary.facts.get('progress', 0)}%",
    )
    if summary.comments:
        body = Text("{status}\n\n{comments}", status=body, comments=summary.comments)
    # notify() stores the in-app rows with this transaction; e-mails leave after commit.
    notify(
        recipients=[p for p in weekly_summary_recipients(request) if p.pk != actor.pk],
        actor=actor,
        title=Text(
            gettext_lazy("{code}: the weekly summary of {week} is published"),
            code=request.code,
            week=week_label_text(summary.iso_year, summary.iso_week),
        ),
        body=body,
        url=weekly_summary_url(summary),
    )
    return summary


@dataclass
class GenerateResult:
    iso_year: int
    iso_week: int
    created: int = 0
    refreshed: int = 0
    kept: int = 0  # already published: left as they are


def weekly_summary_generate(*, day: datetime.date | None = None) -> GenerateResult:
    """The weekly job: draft (or refresh the draft of) the week containing ``day`` for every
    executing case. Idempotent; each case in its own transaction."""
    day = day or today()
    iso_year, iso_week = iso_week_of(day)
    result = GenerateResult(iso_year=iso_year, iso_week=iso_week)
    _week_start, week_end = week_bounds(iso_year, iso_week)
    cases = Case.objects.filter(
        stage=Stage.EXECUTING, created_at__lt=start_of_day(week_end + datetime.timedelta(days=1))
    )
    for request in cases.order_by("pk"):
        try:
            with transaction.atomic():
                _summary, created = _draft(
                    request=request, iso_year=iso_year, iso_week=iso_week, actor=None
                )
        except ActionRefused:
            result.kept += 1
            continue
        if created:
            result.created += 1
        else:
            result.refreshed += 1
    return result
