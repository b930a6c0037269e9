"""What stages 5–6 put in people's 待我处理: the acceptance for the initiator (or delegate), the
link to send for external work, the retrospective for the coordinator, ratings for the heads."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from acceptance_app import services
from acceptance_app.inbox import waiting_rows
from collab_portal.dashboard.inbox import InboxContext
from requests_app.models import Receiver
from tests.factories import DelegationFactory
from tests.fixtures.acceptance import WRITE_UP


def _kinds(user) -> list[str]:
    return [row.kind for row in waiting_rows(context=InboxContext(user=user))]


def test_a_submitted_delivery_waits_for_the_initiator_and_their_delegate(company, submitted):
    assert _kinds(company.sales_staff) == ["acceptance"]
    assert _kinds(company.sales_head) == []
    DelegationFactory(principal=company.sales_staff, delegate=company.sales_head)
    assert _kinds(company.sales_head) == ["acceptance"]
    assert _kinds(company.tech_staff) == []


def test_external_work_waits_for_the_link_to_be_sent(company, submitted, external_contact):
    Receiver.objects.create(
        request=submitted.request,
        kind=Receiver.Kind.EXTERNAL,
        party=external_contact.party,
        contact=external_contact,
        position=5,
    )
    assert _kinds(company.sales_staff) == ["acceptance_link"]


def test_the_retrospective_waits_for_the_coordinator_and_the_rating_for_the_head(
    company, in_retrospective
):
    assert _kinds(company.tech_staff) == ["retrospective"]
    assert _kinds(company.tech_head) == ["rating"]
    receiver = Receiver.objects.get(request=in_retrospective.request, department=company.tech)
    services.rating_save(
        actor=company.tech_head, retrospective=in_retrospective, receiver=receiver, score=4
    )
    assert _kinds(company.tech_head) == []
    services.retrospective_save(
        actor=company.tech_staff, retrospective=in_retrospective, data=WRITE_UP
    )
    services.retrospective_file(actor=company.tech_staff, retrospective=in_retrospective)
    assert _kinds(company.tech_staff) == []


def test_it_asks_the_database_twice_whatever_waits(company, in_retrospective):
    with CaptureQueriesContext(connection) as queries:
        waiting_rows(context=InboxContext(user=company.tech_head))
    assert len(queries) == 2
