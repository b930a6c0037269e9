"""Factories for the KPI tests: cases and their records written straight to the tables, every
moment pinned, so each KPI's answer can be worked out by hand.

The services stamp ``created_at``/``decided_at`` with the real clock (``auto_now_add``); the
factories set those afterwards, as the retrospective's tests pin their times."""

import datetime

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from acceptance_app.models import Delivery
from cases.models import Case
from collab_portal.activity.models import Activity
from requests_app.models import CollabPlan, Review
from risks_app.models import Risk
from tasks_app.models import Task
from tests.factories import UserFactory

Stage = Case.Stage


def on(month: int, day: int, *, year: int = 2025) -> datetime.date:
    return datetime.date(year, month, day)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment of 2025 in the portal's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime(2025, month, day, hour, minute))


def _pin(model, obj, **moments):
    """Set ``auto_now_add`` fields after the insert that stamped them with the real clock."""
    if moments:
        model.objects.filter(pk=obj.pk).update(**moments)
        for name, value in moments.items():
            setattr(obj, name, value)
    return obj


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    code = factory.Sequence(lambda n: f"CR-2025-{n + 1:04d}")
    subject = factory.Sequence(lambda n: f"协作需求 {n + 1}")
    goal = "按期完成协作事项"
    expected_deadline = on(12, 31)
    initiator = factory.SubFactory(UserFactory)
    initiator_department = factory.LazyAttribute(lambda case: case.initiator.department)
    initiator_role = Case.InitiatorRole.PROJECT_LIAISON
    stage = Stage.EXECUTING


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    request = factory.SubFactory(CaseFactory)
    round = 1
    reviewer = factory.SubFactory(UserFactory)
    decision = Review.Decision.APPROVED
    goal_quantifiable = factory.LazyAttribute(lambda r: r.decision == Review.Decision.APPROVED)
    receiver_clear = factory.LazyAttribute(lambda r: r.decision == Review.Decision.APPROVED)
    deadline_reasonable = factory.LazyAttribute(lambda r: r.decision == Review.Decision.APPROVED)

    @classmethod
    def _create(cls, model_class, *args, decided_at=None, **kwargs):
        review = super()._create(model_class, *args, **kwargs)
        return _pin(model_class, review, **({"decided_at": decided_at} if decided_at else {}))


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CollabPlan

    request = factory.SubFactory(CaseFactory)
    version = 1
    state = CollabPlan.State.CONFIRMED
    content = "各方按里程碑推进"
    author = factory.LazyAttribute(lambda plan: plan.request.initiator)


class TaskFactory(factory.django.DjangoModelFactory):
    """A leaf task with every field the publish gate asks for, not started."""

    class Meta:
        model = Task
        skip_postgeneration_save = True

    request = factory.SubFactory(CaseFactory)
    name = factory.Sequence(lambda n: f"任务 {n + 1}")
    owner = factory.LazyAttribute(lambda task: task.request.initiator)
    lead_department = factory.LazyAttribute(lambda task: task.request.initiator_department)
    start_on = on(9, 1)
    due_on = on(10, 31)
    planned_start_on = factory.LazyAttribute(lambda task: task.start_on)
    planned_due_on = factory.LazyAttribute(lambda task: task.due_on)
    deliverable_standard = "交付物齐全并经确认"
    status = Task.Status.NOT_STARTED


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    request = factory.SubFactory(CaseFactory)
    number = factory.Sequence(lambda n: n + 1)
    description = "客户资料延迟提供"
    category = Risk.Category.EXTERNAL_DELAY
    impact = "medium"
    likelihood = "medium"
    measures = "与客户协商提供时间"
    deadline = on(10, 31)
    owner = factory.LazyAttribute(lambda risk: risk.request.initiator)
    raised_by = factory.LazyAttribute(lambda risk: risk.request.initiator)
    state = Risk.State.OPEN


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    request = factory.SubFactory(CaseFactory)
    version = 1
    state = Delivery.State.ACCEPTED
    prepared_by = factory.LazyAttribute(lambda delivery: delivery.request.initiator)


def stage_change(case: Case, from_state: str, to_state: str, when) -> Activity:
    """A line of the case's timeline: its stage changed at ``when``."""
    line = Activity.objects.create(
        subject_type=ContentType.objects.get_for_model(Case),
        subject_id=str(case.pk),
        verb="test",
        from_state=from_state,
        to_state=to_state,
    )
    return _pin(Activity, line, created_at=when)


def registered(
    case: Case,
    *,
    submitted,
    approved=None,
    returns: tuple[tuple[datetime.datetime, str, datetime.datetime | None], ...] = (),
) -> Case:
    """Stage 1 as the services record it: the first submission on the timeline, each return
    (a review round with its reason, then the resubmission, if any), the approval. Like the
    services, ``submitted_at`` keeps only the last submission."""
    stage_change(case, Stage.DRAFT, Stage.PENDING_REVIEW, submitted)
    last_submission, round_number = submitted, 0
    for returned_at, reason, resubmitted_at in returns:
        round_number += 1
        ReviewFactory(
            request=case,
            round=round_number,
            decision=Review.Decision.RETURNED,
            reason_code=reason,
            comment="请修改",
            decided_at=returned_at,
        )
        stage_change(case, Stage.PENDING_REVIEW, Stage.RETURNED, returned_at)
        if resubmitted_at is not None:
            stage_change(case, Stage.RETURNED, Stage.PENDING_REVIEW, resubmitted_at)
            last_submission = resubmitted_at
    if approved is not None:
        ReviewFactory(request=case, round=round_number + 1, decided_at=approved)
        stage_change(case, Stage.PENDING_REVIEW, Stage.SYNCING, approved)
    Case.objects.filter(pk=case.pk).update(submitted_at=last_submission, approved_at=approved)
    case.submitted_at, case.approved_at = last_submission, approved
    return case


def case_of(initiator, *, stage=Stage.EXECUTING, **registration) -> Case:
    """A case of ``initiator``'s department, registered on 2025-08-01 unless told otherwise."""
    registration.setdefault("submitted", at(8, 1, 9))
    registration.setdefault("approved", at(8, 1, 10))
    return registered(CaseFactory(initiator=initiator, stage=stage), **registration)
