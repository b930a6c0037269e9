"""The steps every demo case of stages 5–6 takes: opened and planned through the services, its
tasks worked, its delivery listed, judged and rated, and its records made to look as if they
had been written on the days the story tells.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.utils import timezone

from acceptance_app import services
from acceptance_app.demo_data.timeline import ONE_DAY, _Timeline
from acceptance_app.metrics import retrospective_metrics
from acceptance_app.models import Delivery, Retrospective
from acceptance_app.selectors import latest_delivery
from acceptance_app.services import ItemData, Verdict
from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.signoffs.canonical import take_snapshot
from collab_portal.signoffs.integrity import resealed
from collab_portal.signoffs.models import SignOff
from requests_app.models import KickoffMeeting, Milestone, Receiver, SyncRecord
from tasks_app import services as task_services
from tasks_app.demo_data import _add_tree, _case_to_breakdown, _move
from tasks_app.models import Task


@dataclass
class _Spec:
    subject: str
    initiator: str
    approver: str
    goal: str
    departments: list[str]
    plan_author: str
    coordinator: str
    signers: list[str]
    started: int  # registered this many days ago
    published: int  # the WBS published this many days after registration
    wbs: list
    planned_days: int  # the expected deadline, days after registration
    contacts: list[str] = field(default_factory=list)
    finish: dict[str, int] = field(default_factory=dict)  # task → days after its due date


def _rebased(items, shift: int) -> list:
    """The WBS with its start offsets moved from "days after registration" to "days from
    today", as ``tasks_app.demo_data._add_tree`` reads them."""
    rebased = []
    for name, owner, department, start, duration, deliverable, key, *rest in items:
        children = [_rebased(rest[0], shift)] if rest else []
        rebased.append(
            (name, owner, department, start + shift, duration, deliverable, key, *children)
        )
    return rebased


def _open(people, spec: _Spec) -> tuple[Case, _Timeline]:
    """Registered ``spec.started`` days ago, approved, synchronised, planned, signed by every
    side and its task breakdown published."""
    timeline = _Timeline(timezone.localdate() - datetime.timedelta(days=spec.started))
    timeline.at(0, 9, 25)
    case = _case_to_breakdown(
        people,
        subject=spec.subject,
        initiator=spec.initiator,
        approver=spec.approver,
        goal=spec.goal,
        departments=spec.departments,
        contacts=spec.contacts,
        plan_author=spec.plan_author,
        coordinator=spec.coordinator,
        signers=spec.signers,
        deadline_days=21,  # the least the plan accepts; _reset_plan_dates sets the real one
    )
    timeline.spread_opening(case)
    timeline.at(spec.published - 2, 15, 0)
    _add_tree(people, case, spec.coordinator, _rebased(spec.wbs, -spec.started))
    timeline.at(spec.published, 10, 0)
    task_services.wbs_publish(actor=people[spec.coordinator], request=case)
    return case, timeline


def _work(people, case, timeline: _Timeline, spec: _Spec, extra=()) -> None:
    """Every leaf task started on its start date and finished on its due date (or as
    ``spec.finish`` says); ``extra`` adds (day offset, hour, callable) steps in between."""
    events = []
    leaves = Task.objects.filter(request=case, children__isnull=True).order_by("start_on", "pk")
    for index, task in enumerate(leaves):
        events.append(
            (task.start_on, 9, index, lambda t=task: _move(people, t.name, case, "task_start"))
        )
        late = spec.finish.get(task.name, 0)
        finished = task.due_on + datetime.timedelta(days=late)
        while late > 0 and finished.weekday() >= 5:  # late stays late: the Monday after
            finished += ONE_DAY
        events.append(
            (finished, 17, index, lambda t=task: _move(people, t.name, case, "task_complete"))
        )
    for offset, hour, step in extra:
        events.append((timeline.day(offset), hour, -1, step))
    for day, hour, index, step in sorted(events, key=lambda e: (e[0], e[1], e[2])):
        timeline.mark(day, hour, max(index, 0) % 50)
        step()


def _deliver(people, case, coordinator: str, items) -> Delivery:
    for task_name, name, version, quantity, notes in items:
        services.delivery_item_add(
            actor=people[coordinator],
            request=case,
            data=ItemData(
                task=Task.objects.get(request=case, name=task_name),
                name=name,
                version=version,
                quantity=quantity,
                notes=notes,
            ),
        )
    return latest_delivery(case)


def _verdicts(delivery: Delivery, failed=None, comments=None) -> dict[int, Verdict]:
    failed, comments = failed or {}, comments or {}
    return {
        item.pk: Verdict(passed=False, comment=failed[item.name])
        if item.name in failed
        else Verdict(passed=True, comment=comments.get(item.name, ""))
        for item in delivery.items.all()
    }


def _rate(people, case, ratings) -> None:
    retrospective = Retrospective.objects.get(request=case)
    for code, head, score, comment in ratings:
        services.rating_save(
            actor=people[head],
            retrospective=retrospective,
            receiver=Receiver.objects.get(request=case, department__code=code),
            score=score,
            comment=comment,
        )


def _reset_plan_dates(case, timeline: _Timeline, spec: _Spec) -> None:
    """The plan's dates as they were agreed then (the services only accept future dates)."""
    deadline = timeline.day(spec.planned_days)
    Case.objects.filter(pk=case.pk).update(expected_deadline=deadline)
    for milestone in Milestone.objects.filter(plan__request=case):
        due = timeline.day(spec.published + 12) if milestone.position == 0 else deadline
        Milestone.objects.filter(pk=milestone.pk).update(due_on=due)


def _reseal_signatures(case) -> None:
    """Demo data only: the story moved the sign-offs' times and the plan's dates after they
    were signed, so each signature of the case is taken again over its record as it now reads
    and sealed with its moved time — as if signed then (the portal never changes a sign-off)."""
    case = Case.objects.get(pk=case.pk)  # as the story left it
    for record in [case, *case.plans.all(), *case.deliveries.all()]:
        for signoff in SignOff.objects.filter(
            target_type=ContentType.objects.get_for_model(record), target_id=str(record.pk)
        ).select_related("target_type"):
            signoff.snapshot = take_snapshot(record)
            resealed(SignOff.objects, signoff)


def _finish_opening(case) -> None:
    """Materials went out shortly before they were recorded; the kickoff was held before its
    minutes were typed."""
    SyncRecord.objects.filter(request=case).update(
        sent_at=F("recorded_at") - datetime.timedelta(minutes=40)
    )
    KickoffMeeting.objects.filter(request=case).update(
        held_at=F("recorded_at") - datetime.timedelta(hours=2)
    )
    for meeting in KickoffMeeting.objects.filter(request=case):
        Activity.objects.filter(
            verb="kickoff",
            target_type=ContentType.objects.get_for_model(KickoffMeeting),
            target_id=str(meeting.pk),
        ).update(
            comment=f"{timezone.localtime(meeting.held_at):%Y-%m-%d %H:%M} · {meeting.location}"
        )


def _refreeze_metrics(case, filed_on: datetime.date) -> None:
    """Filing froze the figures before the back-dating; freeze them again as of the filing."""
    case = Case.objects.get(pk=case.pk)
    Retrospective.objects.filter(request=case).update(
        metrics=retrospective_metrics(case, today=filed_on).as_json()
    )
