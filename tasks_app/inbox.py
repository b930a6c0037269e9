"""What stages 3–4's tasks put in the inbox (工作台): my tasks waiting for today's progress
update, the cases where I own or help on a task, and the weekly summaries I have not published.
Reads only; each source asks a fixed number of queries whatever the data size."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy

from cases.models import Case
from collab_portal.dashboard.inbox import (
    DRAFTS,
    INVOLVED,
    WAITING,
    InboxContext,
    InboxRow,
    register_inbox_source,
)
from requests_app.inbox import involvement_rows
from tasks_app.models import Task, WeeklySummary
from tasks_app.policies import WEEKLY_STAGES
from tasks_app.selectors import weekly_summary_url

Status = Task.Status


def waiting_rows(*, context: InboxContext) -> list[InboxRow]:
    """My open leaf tasks of executing cases without today's update — the rule of
    ``my_tasks().no_update_today`` (1 query)."""
    today = context.today
    start_of_day = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    tasks = (
        Task.objects.leaves()
        .filter(owner=context.user, request__stage=Case.Stage.EXECUTING)
        .exclude(status__in=[Status.DONE, Status.BLOCKED])
        .exclude(last_update_on=today)
        .select_related("request")
        .only(
            "pk",
            "wbs_code",
            "name",
            "status",
            "request__code",
            "request__subject",
            "request__stage",
            "request__coordinator_id",
        )
    )
    return [
        InboxRow(
            kind="task_update",
            case_id=task.request_id,
            url=task.get_absolute_url(),
            since=start_of_day,
            title=f"{task.wbs_code} {task.name}".strip(),
            detail=task.request.subject,
            counterpart_id=task.request.coordinator_id,
            key=f"task:{task.pk}",
        )
        for task in tasks
    ]


def involved_rows(*, context: InboxContext) -> list[InboxRow]:
    """Cases where I own a task or help on one (1 query)."""
    return involvement_rows(
        {
            "task_owner": (Task.objects.filter(owner=context.user), "request_id"),
            "task_collaborator": (
                Task.collaborators.through.objects.filter(user=context.user),
                "task__request_id",
            ),
        }
    )


def draft_rows(*, context: InboxContext) -> list[InboxRow]:
    """Weekly summaries drafted for the cases I coordinate and not published yet (1 query)."""
    summaries = (
        WeeklySummary.objects.filter(
            state=WeeklySummary.State.DRAFT,
            request__coordinator=context.user,
            request__stage__in=WEEKLY_STAGES,
        )
        .select_related("request")
        .only(
            "pk", "iso_year", "iso_week", "state", "updated_at", "request__code", "request__stage"
        )
    )
    return [
        InboxRow(
            kind="weekly_draft",
            case_id=summary.request_id,
            url=weekly_summary_url(summary),
            since=summary.updated_at,
            detail=summary.label,
            key=f"weekly:{summary.pk}",
        )
        for summary in summaries
    ]


def register() -> None:
    register_inbox_source(
        WAITING, waiting_rows, kinds={"task_update": gettext_lazy("Today's update")}
    )
    register_inbox_source(
        INVOLVED,
        involved_rows,
        kinds={
            "task_owner": gettext_lazy("Task owner"),
            "task_collaborator": gettext_lazy("Task collaborator"),
        },
    )
    register_inbox_source(
        DRAFTS, draft_rows, kinds={"weekly_draft": gettext_lazy("Weekly summary")}
    )
