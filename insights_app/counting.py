"""What counts for a department (and everything below it) or the whole company on a day or in a
week, as filters: its cases, tasks and risks (``cases_in``, ``tasks_in``, ``risks_in``), a task
overdue, in progress or done, a risk open, a delivery decided. The weekly dashboard's figures,
the lists behind them and the KPIs (``counted_in``) count alike."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cases.models import Case
from collab_portal.calendar.workdays import WorkdayCalendar
from insights_app.scope import Scope, Week
from requests_app.models import Receiver
from risks_app import models as risk_models
from risks_app.models import Risk
from tasks_app.models import Task

Stage = Case.Stage
Status = Task.Status
ONE_DAY = datetime.timedelta(days=1)
UPCOMING_WORKDAYS = 7
OPEN_CASE_STAGES = [
    Stage.PENDING_REVIEW,
    Stage.RETURNED,
    Stage.SYNCING,
    Stage.PLANNING,
    Stage.BREAKDOWN,
    Stage.EXECUTING,
    Stage.ACCEPTING,
    Stage.RETROSPECTIVE,
]


def cases_in(scope: Scope) -> QuerySet[Case]:
    cases = Case.objects.all()
    if scope.department_ids is None:
        return cases
    return cases.filter(
        Q(initiator_department_id__in=scope.department_ids)
        | Exists(
            Receiver.objects.filter(request=OuterRef("pk"), department_id__in=scope.department_ids)
        )
    )


def counted_in(department_ids: frozenset[int]) -> Q:
    """Tasks led by one of ``department_ids``, or without a lead department in a case one of
    them initiated."""
    return Q(lead_department_id__in=department_ids) | Q(
        lead_department__isnull=True, request__initiator_department_id__in=department_ids
    )


def tasks_in(scope: Scope) -> QuerySet[Task]:
    tasks = Task.objects.leaves().exclude(request__stage__in=[Stage.CANCELLED, Stage.DRAFT])
    if scope.department_ids is None:
        return tasks
    return tasks.filter(counted_in(scope.department_ids))


def risks_in(scope: Scope) -> QuerySet[Risk]:
    if scope.department_ids is None:
        return Risk.objects.all()
    return Risk.objects.filter(request__in=cases_in(scope).values("pk"))


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _completed_by(day: datetime.date) -> Q:
    """Completed before the end of ``day`` (whatever the status says now)."""
    return Q(completed_at__lt=_start_of(day + ONE_DAY))


def _done_by(day: datetime.date) -> Q:
    """Done before the end of ``day``."""
    return Q(status=Status.DONE) & _completed_by(day)


NOT_DONE = [status for status in Status.values if status != Status.DONE]


def _not_done_by(day: datetime.date) -> Q:
    """Not done by the end of ``day``. From today on, that is every task not marked done (none
    is done in the future): the status alone says it, and its index answers."""
    if day >= timezone.localdate():
        return Q(status__in=NOT_DONE)
    return ~_done_by(day)


def overdue_on(day: datetime.date) -> Q:
    """Due before ``day`` and not done by the end of it."""
    return Q(due_on__lt=day) & _not_done_by(day)


def in_progress_on(day: datetime.date) -> Q:
    """Started by the end of ``day`` and not done by then."""
    return Q(started_at__lt=_start_of(day + ONE_DAY)) & _not_done_by(day)


def done_within(week: Week) -> Q:
    return Q(
        status=Status.DONE,
        completed_at__gte=_start_of(week.monday),
        completed_at__lt=_start_of(week.sunday + ONE_DAY),
    )


def decided_within(week: Week) -> Q:
    return Q(
        decided_at__gte=_start_of(week.monday), decided_at__lt=_start_of(week.sunday + ONE_DAY)
    )


def upcoming_tasks(
    tasks: QuerySet[Task], *, as_of: datetime.date, calendar: WorkdayCalendar
) -> QuerySet[Task]:
    """Not done by ``as_of`` and due in the 7 working days after it."""
    until = calendar.add_workdays(as_of, UPCOMING_WORKDAYS)
    return tasks.filter(_not_done_by(as_of), due_on__gt=as_of, due_on__lte=until)


def open_risk_on(day: datetime.date) -> Q:
    """Raised by the end of ``day`` and neither resolved nor closed by then."""
    end = _start_of(day + ONE_DAY)
    return (
        Q(created_at__lt=end)
        & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=end))
        & (Q(closed_at__isnull=True) | Q(closed_at__gte=end))
    )


MAJOR_RISK = risk_models.MAJOR_RISK
