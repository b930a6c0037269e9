"""For external work the customer's contact accepts through a one-time, expiring link."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from acceptance_app import services
from acceptance_app.models import AcceptanceReview, Delivery
from collab_portal.lib.refusals import ActionRefused
from collab_portal.signoffs.models import ExternalLink
from collab_portal.signoffs.services import ExternalLinkInvalid
from tests.fixtures.acceptance import all_pass, first_fails, signoffs_of


def _token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def test_the_initiator_cannot_accept_external_work_in_the_portal(company, external_submitted):
    with pytest.raises(ActionRefused):
        services.acceptance_decide(
            actor=company.sales_staff,
            delivery=external_submitted,
            verdicts=all_pass(external_submitted),
        )
    assert not AcceptanceReview.objects.exists()


def test_the_contact_accepts_through_the_link_and_signs_by_typing_their_name(
    company, external_submitted, external_contact
):
    path = services.acceptance_link_create(actor=company.sales_staff, delivery=external_submitted)
    assert path.startswith("/x/accept/")
    review = services.acceptance_external_decide(
        token=_token(path),
        typed_name=" 陈  经理 ",
        ip="203.0.113.9",
        verdicts=all_pass(external_submitted),
        comment="验收通过",
        user_agent="pytest",
    )
    external_submitted.refresh_from_db()
    external_submitted.request.refresh_from_db()
    assert review.external_contact == external_contact and review.reviewer is None
    assert external_submitted.state == Delivery.State.ACCEPTED
    assert external_submitted.request.stage == "retrospective"
    signoff = signoffs_of(external_submitted).get()
    assert (signoff.signer_name, signoff.ip, signoff.meaning) == (
        "陈 经理",
        "203.0.113.9",
        "accepted",
    )
    link = ExternalLink.objects.get()
    assert link.used_at is not None and link.typed_name == "陈 经理"


def test_the_contact_can_send_it_back_for_rework(company, external_submitted):
    path = services.acceptance_link_create(actor=company.sales_staff, delivery=external_submitted)
    services.acceptance_external_decide(
        token=_token(path),
        typed_name="陈经理",
        ip=None,
        verdicts=first_fails(external_submitted, "格式不对"),
    )
    external_submitted.refresh_from_db()
    assert external_submitted.state == Delivery.State.REJECTED
    assert external_submitted.request.tasks.get(name="问卷设计").status == "in_progress"


def test_a_used_link_is_refused(company, external_submitted):
    token = _token(
        services.acceptance_link_create(actor=company.sales_staff, delivery=external_submitted)
    )
    verdicts = all_pass(external_submitted)
    services.acceptance_external_decide(token=token, typed_name="陈", ip=None, verdicts=verdicts)
    with pytest.raises(ExternalLinkInvalid) as invalid:
        services.acceptance_external_decide(
            token=token, typed_name="陈", ip=None, verdicts=verdicts
        )
    assert invalid.value.reason == "used"
    assert AcceptanceReview.objects.count() == 1


def test_an_expired_link_is_refused_and_changes_nothing(company, external_submitted):
    token = _token(
        services.acceptance_link_create(actor=company.sales_staff, delivery=external_submitted)
    )
    ExternalLink.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(ExternalLinkInvalid) as invalid:
        services.acceptance_external_decide(
            token=token, typed_name="陈", ip=None, verdicts=all_pass(external_submitted)
        )
    assert invalid.value.reason == "expired"
    external_submitted.refresh_from_db()
    assert external_submitted.state == Delivery.State.SUBMITTED


def test_a_new_link_replaces_the_old_one(company, external_submitted):
    first = _token(
        services.acceptance_link_create(actor=company.sales_staff, delivery=external_submitted)
    )
    services.acceptance_link_create(actor=company.tech_staff, delivery=external_submitted)
    with pytest.raises(ExternalLinkInvalid) as invalid:
        services.acceptance_external_decide(
            token=first, typed_name="陈", ip=None, verdicts=all_pass(external_submitted)
        )
    assert invalid.value.reason == "replaced"


def test_a_bad_verdict_leaves_the_link_usable(company, external_submitted):
    token = _token(
        services.acceptance_link_create(actor=company.sales_staff, delivery=external_submitted)
    )
    with pytest.raises(ValidationError):  # a failed item needs a comment
        services.acceptance_external_decide(
            token=token,
            typed_name="陈",
            ip=None,
            verdicts={
                item.pk: services.Verdict(passed=False) for item in external_submitted.items.all()
            },
        )
    assert ExternalLink.objects.get().used_at is None


def test_links_are_only_for_external_work_and_the_right_people(company, submitted):
    with pytest.raises(ActionRefused):
        services.acceptance_link_create(actor=company.sales_staff, delivery=submitted)
    assert not ExternalLink.objects.exists()


def test_a_stranger_cannot_create_the_link(company, external_submitted):
    with pytest.raises(ActionRefused):
        services.acceptance_link_create(actor=company.sales_head, delivery=external_submitted)
    assert not ExternalLink.objects.exists()
