"""Two people acting on one delivery at the same moment, against the real PostgreSQL: exactly
one wins, the other is told, nothing is half-written."""

import pytest

from acceptance_app import services
from acceptance_app.models import AcceptanceReview, Delivery
from collab_portal.lib.refusals import ActionRefused
from collab_portal.signoffs.services import ExternalLinkInvalid
from requests_app.models import Receiver
from tests.factories import DelegationFactory
from tests.fixtures.acceptance import all_pass, signoffs_of
from tests.requests_app.test_concurrency import _race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_an_acceptance_and_a_withdrawal_at_once_leave_one_outcome(company, submitted):
    outcomes = _race(
        lambda: services.acceptance_decide(
            actor=company.sales_staff, delivery=submitted, verdicts=all_pass(submitted)
        ),
        lambda: services.delivery_withdraw(actor=company.tech_staff, delivery=submitted),
    )
    refused = [o for o in outcomes if isinstance(o, ActionRefused)]
    assert len(refused) == 1, outcomes
    submitted.refresh_from_db()
    case = submitted.request
    case.refresh_from_db()
    if submitted.state == Delivery.State.ACCEPTED:
        assert case.stage == "retrospective" and signoffs_of(submitted).count() == 1
    else:
        assert submitted.state == Delivery.State.DRAFT and case.stage == "executing"
        assert not AcceptanceReview.objects.exists() and not signoffs_of(submitted).exists()


def test_the_initiator_and_their_delegate_accepting_at_once_sign_once(company, submitted):
    DelegationFactory(principal=company.sales_staff, delegate=company.sales_head)
    outcomes = _race(
        lambda: services.acceptance_decide(
            actor=company.sales_staff, delivery=submitted, verdicts=all_pass(submitted)
        ),
        lambda: services.acceptance_decide(
            actor=company.sales_head, delivery=submitted, verdicts=all_pass(submitted)
        ),
    )
    assert sum(isinstance(o, AcceptanceReview) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, ActionRefused) for o in outcomes) == 1, outcomes
    assert AcceptanceReview.objects.count() == 1 and signoffs_of(submitted).count() == 1


def test_one_link_submitted_twice_at_once_counts_once(company, submitted, external_contact):
    Receiver.objects.create(
        request=submitted.request,
        kind=Receiver.Kind.EXTERNAL,
        party=external_contact.party,
        contact=external_contact,
        position=5,
    )
    token = services.acceptance_link_create(actor=company.sales_staff, delivery=submitted)
    token = token.rstrip("/").rsplit("/", 1)[-1]
    verdicts = all_pass(submitted)

    def decide():
        return services.acceptance_external_decide(
            token=token, typed_name="陈经理", ip=None, verdicts=verdicts
        )

    outcomes = _race(decide, decide)
    assert sum(isinstance(o, AcceptanceReview) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, ActionRefused | ExternalLinkInvalid) for o in outcomes) == 1
    assert signoffs_of(submitted).count() == 1
