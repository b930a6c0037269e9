"""The demo's stage 5–6 cases: one waiting for acceptance, one sent back once and accepted on
version 2, two archived with filed retrospectives (one accepted by the customer by link), with
their history in the past; seeding again changes nothing."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from acceptance_app.inbox import waiting_rows
from acceptance_app.metrics import RetrospectiveMetrics
from acceptance_app.models import (
    AcceptanceReview,
    Delivery,
    DeliveryItem,
    ItemVerdict,
    Retrospective,
    SatisfactionRating,
)
from acceptance_app.policies import rating_receivers
from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.dashboard.inbox import InboxContext
from collab_portal.org.models import User
from collab_portal.signoffs.models import ExternalLink
from tasks_app.models import Task

Stage = Case.Stage


@pytest.fixture
def seeded(demo):
    """The demo company as seed_demo leaves it (seeded once per run: tests/fixtures/demo.py)."""


def _case(subject) -> Case:
    return Case.objects.get(subject=subject)


def _waiting_case_ids(user) -> set[int]:
    """The cases of what stages 5–6 put in ``user``'s 待我处理."""
    return {row.case_id for row in waiting_rows(context=InboxContext(user=user))}


def _one_case_waits_for_its_initiator_a_demo_login_to_accept():
    waiting = Case.objects.filter(stage=Stage.ACCEPTING)
    assert waiting.count() == 1
    case = waiting.get()
    delivery = case.deliveries.get()
    assert (delivery.version, delivery.state) == (1, Delivery.State.SUBMITTED)
    assert delivery.items.count() >= 5
    assert case.initiator.username == "zhengkai"
    zhengkai = User.objects.get(username="zhengkai")
    assert case.pk in _waiting_case_ids(zhengkai)
    # Submitted a couple of days ago, after every task was done.
    assert timezone.now() - delivery.submitted_at > datetime.timedelta(days=1)
    assert not case.tasks.filter(children__isnull=True).exclude(status=Task.Status.DONE).exists()


def _one_case_was_sent_back_once_and_accepted_on_version_2():
    case = _case("门店巡检小程序开发")
    assert case.stage == Stage.RETROSPECTIVE
    v1, v2 = case.deliveries.get(version=1), case.deliveries.get(version=2)
    assert (v1.state, v2.state) == (Delivery.State.REJECTED, Delivery.State.ACCEPTED)
    assert v1.review.decision == AcceptanceReview.Decision.REJECTED and v1.review.comment
    failed = ItemVerdict.objects.get(review__delivery=v1, passed=False)
    assert failed.comment
    assert v2.changes
    assert DeliveryItem.objects.filter(delivery=v2, previous=failed.item).exists()
    reworked = failed.item.task
    assert reworked.status == Task.Status.DONE
    assert Activity.objects.filter(verb="task_rework", target_id=str(reworked.pk)).exists()
    assert v1.decided_at < reworked.completed_at < v2.submitted_at < v2.decided_at
    # The write-up is half done; one of the two heads has rated.
    retrospective = case.retrospective
    assert retrospective.went_well and not retrospective.lessons and not retrospective.is_filed
    assert retrospective.ratings.count() == 1 < len(rating_receivers(case))
    # 秦浩 rates for 技术部 while its head 朱明 is away; 许亮 finishes the write-up.
    for username in ("qinhao", "xuliang"):
        assert case.pk in _waiting_case_ids(User.objects.get(username=username)), username


def _two_archived_cases_have_filed_retrospectives_with_ratings_and_metrics():
    archived = Case.objects.filter(stage=Stage.ARCHIVED)
    assert archived.count() == 2
    for case in archived:
        retrospective = case.retrospective
        assert retrospective.is_filed
        assert all(
            getattr(retrospective, part)
            for part in ("went_well", "problems", "lessons", "improvements")
        )
        ratings = retrospective.ratings.all()
        assert {r.receiver_id for r in ratings} == {r.pk for r in rating_receivers(case)}
        assert all(1 <= r.score <= 5 and r.comment for r in ratings)
        metrics = RetrospectiveMetrics.from_json(retrospective.metrics)
        # Frozen as of the filing, from the back-dated history.
        assert metrics.computed_on == timezone.localdate(retrospective.filed_at)
        assert metrics.schedule.is_accepted and metrics.schedule.actual.days > 30
        assert all(s.actual_days >= 0 for s in metrics.stages if s.is_reached)
        assert 50 <= metrics.tasks.on_time_percent < 100
        assert metrics.acceptance.first_pass is True
        assert retrospective.filed_at < timezone.now() - datetime.timedelta(days=7)
        assert case.created_at < retrospective.filed_at - datetime.timedelta(days=45)


def _one_archived_case_was_accepted_by_the_customer_through_the_link():
    review = AcceptanceReview.objects.get(external_contact__isnull=False)
    assert review.reviewer is None and review.external_contact.name == "高建华"
    assert review.decision == AcceptanceReview.Decision.ACCEPTED
    assert review.delivery.request.stage == Stage.ARCHIVED
    link = ExternalLink.objects.get(purpose="acceptance", target_id=str(review.delivery.pk))
    assert link.used_at is not None and link.created_at <= link.used_at


# Seeding takes seconds: each test below seeds once and checks several cases.


def test_the_demo_has_a_case_in_acceptance_and_one_accepted_after_a_rework(seeded):
    _one_case_waits_for_its_initiator_a_demo_login_to_accept()
    _one_case_was_sent_back_once_and_accepted_on_version_2()


def test_the_demo_has_two_archived_cases_one_accepted_by_the_customer(seeded):
    _two_archived_cases_have_filed_retrospectives_with_ratings_and_metrics()
    _one_archived_case_was_accepted_by_the_customer_through_the_link()


def test_seeding_again_changes_nothing(seeded):
    models = (
        Case,
        Task,
        Delivery,
        DeliveryItem,
        AcceptanceReview,
        Retrospective,
        SatisfactionRating,
        Activity,
    )
    before = {model.__name__: model.objects.count() for model in models}
    stages = dict(Case.objects.values_list("subject", "stage"))
    call_command("seed_demo", quiet_logins=True)
    assert {model.__name__: model.objects.count() for model in models} == before
    assert dict(Case.objects.values_list("subject", "stage")) == stages
    # The earlier stages' demo cases stay where the README and their tests expect them.
    assert stages["会员积分系统 V2 上线"] == stages["客户需求对接（手册示例）"] == Stage.EXECUTING
    assert stages["博达电子供应商门户对接"] == Stage.BREAKDOWN


def test_every_signed_record_of_the_demo_holds_what_was_signed(seeded):
    """The story moves times and dates after signing; the demo's signatures must still verify
    (a newcomer's first look at a signed form must not read as tampered)."""
    from collab_portal.signoffs.integrity import check_record
    from collab_portal.signoffs.selectors import signoffs_for

    checked, problems = 0, {}
    for case in Case.objects.order_by("code"):
        for record in [case, *case.plans.all(), *case.deliveries.all()]:
            signoffs = signoffs_for(record)
            checked += len(signoffs)
            check = check_record(record, signoffs, read_files=True)
            if not check.intact:
                problems[str(record)] = check.problems
    assert checked > 20
    assert problems == {}


def test_the_demo_stories_signatures_are_dated_in_their_past(seeded):
    from collab_portal.signoffs.selectors import signoffs_for

    a_day_ago = timezone.now() - datetime.timedelta(days=1)
    for case in Case.objects.filter(stage__in=[Stage.ACCEPTING, Stage.ARCHIVED]):
        for record in [case, *case.plans.all(), *case.deliveries.all()]:
            for signoff in signoffs_for(record):
                assert signoff.signed_at < a_day_ago, (str(record), signoff.signed_at)
