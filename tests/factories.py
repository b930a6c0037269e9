"""The factory_boy factories of every test: the organisation's records, and the case's records
written straight to the tables (the KPI tests pin their moments; tests/fixtures/kpi_history.py).
Cases reached through the services, as people reach them, are in tests/fixtures/."""

import datetime

import factory
from django.utils import timezone

from acceptance_app.models import Delivery
from cases.models import Case
from collab_portal.org.models import Delegation, Department, ExternalContact, ExternalParty, User
from requests_app.models import CollabPlan, Review
from risks_app.models import Risk
from tasks_app.models import Task

TEST_PASSWORD = "Collab-Test-Pass-2026"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"部门{n}")
    kind = Department.Kind.DEPARTMENT
    parent = factory.LazyFunction(
        lambda: Department.objects.get_or_create(
            code="TESTCO", defaults={"name": "测试公司", "kind": Department.Kind.COMPANY}
        )[0]
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"员工{n}")
    employee_no = factory.Sequence(lambda n: f"T{n:05d}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    department = factory.SubFactory(DepartmentFactory)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    principal = factory.SubFactory(UserFactory)
    delegate = factory.SubFactory(UserFactory)
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyAttribute(lambda d: d.starts_on + datetime.timedelta(days=7))
    reason = "出差"


class ExternalPartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalParty

    name = factory.Sequence(lambda n: f"外部客户{n}")
    kind = ExternalParty.Kind.CUSTOMER


class ExternalContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalContact

    party = factory.SubFactory(ExternalPartyFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")


def on(month: int, day: int, *, year: int = 2025) -> datetime.date:
    return datetime.date(year, month, day)


def pin_moments(model, obj, **moments):
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
    stage = Case.Stage.EXECUTING


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
        return pin_moments(
            model_class, review, **({"decided_at": decided_at} if decided_at else {})
        )


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
