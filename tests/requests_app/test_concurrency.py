"""Two people acting on one case at the same moment, against the real PostgreSQL: exactly one
wins, the other is told, nothing is half-written."""

import threading

import pytest
from django.db import connection

from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.lib.refusals import ActionRefused
from collab_portal.signoffs.models import SignOff
from requests_app import services
from requests_app.models import Review
from tests.factories import DelegationFactory
from tests.fixtures.registration import registration

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(*calls):
    """Run the calls in parallel threads released together; return what each returned/raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # the outcome under test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_approvals_at_once_give_one_sign_off_and_one_transition(company, sales_deputy):
    DelegationFactory(principal=company.sales_head, delegate=sales_deputy)
    case = services.request_create(
        initiator=company.sales_staff, data=registration(internal_departments=[company.tech])
    )
    services.request_submit(actor=company.sales_staff, request=case)
    checks = {"goal_quantifiable": True, "receiver_clear": True, "deadline_reasonable": True}
    outcomes = _race(
        lambda: services.request_approve(actor=company.sales_head, request=case, **checks),
        lambda: services.request_approve(actor=sales_deputy, request=case, **checks),
    )
    winners = [o for o in outcomes if isinstance(o, Review)]
    losers = [o for o in outcomes if isinstance(o, ActionRefused)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert "信息同步" in losers[0].message
    case.refresh_from_db()
    assert case.stage == Case.Stage.SYNCING
    assert Review.objects.count() == 1 and SignOff.objects.count() == 1
    assert Activity.objects.filter(verb="approve").count() == 1


def test_an_approval_and_a_withdrawal_at_once_leave_one_consistent_outcome(company):
    case = services.request_create(
        initiator=company.sales_staff, data=registration(internal_departments=[company.tech])
    )
    services.request_submit(actor=company.sales_staff, request=case)
    outcomes = _race(
        lambda: services.request_approve(
            actor=company.sales_head,
            request=case,
            goal_quantifiable=True,
            receiver_clear=True,
            deadline_reasonable=True,
        ),
        lambda: services.request_withdraw(actor=company.sales_staff, request=case),
    )
    assert sum(isinstance(o, ActionRefused) for o in outcomes) == 1, outcomes
    case.refresh_from_db()
    if case.stage == Case.Stage.SYNCING:
        assert SignOff.objects.count() == 1
    else:
        assert case.stage == Case.Stage.DRAFT and not SignOff.objects.exists()


def test_codes_stay_unique_and_sequential_when_many_are_created_at_once(company):
    outcomes = _race(
        *[
            lambda: services.request_create(
                initiator=company.sales_staff,
                data=registration(internal_departments=[company.tech]),
            )
            for _ in range(8)
        ]
    )
    codes = sorted(o.code for o in outcomes if isinstance(o, Case))
    assert len(codes) == 8, outcomes
    assert [int(code[-4:]) for code in codes] == list(range(1, 9))


def test_two_clicks_on_e_mail_at_once_send_the_link_once(company, external_planning):
    """Issue 18, point 18: the initiator and the party's owner (or a double click) e-mail the
    same new link at the same moment: one e-mail goes, the other is told it went."""
    from django.core import mail

    from collab_portal.signoffs.models import ExternalLink
    from collab_portal.signoffs.services import ExternalLinkInvalid

    path = services.plan_external_link_create(
        actor=company.sales_staff,
        plan=external_planning.plans.get(),
        receiver=external_planning.receivers.get(kind="external"),
    )
    token = path.rstrip("/").rsplit("/", 1)[-1]

    def send():
        return services.case_link_email(
            actor=company.sales_staff,
            request=external_planning,
            token=token,
            base_url="https://portal.example.com/",
        )

    outcomes = _race(send, send)
    assert sum(isinstance(o, ExternalLink) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, ActionRefused | ExternalLinkInvalid) for o in outcomes) == 1
    assert len(mail.outbox) == 1
    assert Activity.objects.filter(verb="link_email").count() == 1


def test_a_revocation_and_the_customers_use_at_once_leave_one_outcome(company, external_planning):
    """Issue 18, point 18: revoking a link while the customer confirms through it: either the
    plan is signed and the link used, or it is revoked and nothing was signed."""
    from collab_portal.signoffs.models import ExternalLink
    from collab_portal.signoffs.services import ExternalLinkInvalid

    path = services.plan_external_link_create(
        actor=company.sales_staff,
        plan=external_planning.plans.get(),
        receiver=external_planning.receivers.get(kind="external"),
    )
    token = path.rstrip("/").rsplit("/", 1)[-1]
    link = ExternalLink.objects.get()
    outcomes = _race(
        lambda: services.case_link_revoke(
            actor=company.sales_staff, request=external_planning, link=link
        ),
        lambda: services.plan_external_decide(
            token=token, typed_name="高建华", ip=None, agree=True
        ),
    )
    assert sum(isinstance(o, ActionRefused | ExternalLinkInvalid) for o in outcomes) == 1, outcomes
    link.refresh_from_db()
    signed = SignOff.objects.filter(external_contact__isnull=False).count()
    if link.is_used:
        assert signed == 1 and link.revoked_at is None
    else:
        assert link.state == ExternalLink.State.REVOKED and signed == 0
