"""The retrospective (《协作复盘报告》): the coordinator writes it, each receiving department's
head rates the collaboration, and filing it freezes the metrics and archives the case."""

import pytest

from acceptance_app import services
from acceptance_app.models import Retrospective, SatisfactionRating
from collab_portal.activity.models import Activity
from collab_portal.lib.refusals import ActionRefused
from requests_app.models import Receiver
from tests.factories import DelegationFactory
from tests.fixtures.acceptance import WRITE_UP, all_pass, pdf_file


def _tech_receiver(company, retrospective):
    return Receiver.objects.get(request=retrospective.request, department=company.tech)


def test_the_coordinator_writes_the_retrospective(company, in_retrospective):
    services.retrospective_save(
        actor=company.tech_staff, retrospective=in_retrospective, data=WRITE_UP
    )
    in_retrospective.refresh_from_db()
    assert (in_retrospective.went_well, in_retrospective.improvements) == ("按期交付", "模板化问卷")


@pytest.mark.parametrize("who", ["sales_staff", "tech_head", "leader"])
def test_nobody_else_writes_it(company, in_retrospective, who):
    with pytest.raises(ActionRefused):
        services.retrospective_save(
            actor=getattr(company, who), retrospective=in_retrospective, data=WRITE_UP
        )
    in_retrospective.refresh_from_db()
    assert in_retrospective.went_well == ""


def test_a_receiving_departments_head_rates_and_may_change_the_rating(company, in_retrospective):
    receiver = _tech_receiver(company, in_retrospective)
    services.rating_save(
        actor=company.tech_head, retrospective=in_retrospective, receiver=receiver, score=3
    )
    services.rating_save(
        actor=company.tech_head,
        retrospective=in_retrospective,
        receiver=receiver,
        score=5,
        comment="很好",
    )
    rating = SatisfactionRating.objects.get()
    assert (rating.score, rating.comment, rating.rated_by) == (5, "很好", company.tech_head)


def test_the_heads_delegate_rates_for_them(company, in_retrospective):
    DelegationFactory(principal=company.tech_head, delegate=company.tech_staff)
    services.rating_save(
        actor=company.tech_staff,
        retrospective=in_retrospective,
        receiver=_tech_receiver(company, in_retrospective),
        score=4,
    )
    assert SatisfactionRating.objects.get().on_behalf_of == company.tech_head


@pytest.mark.parametrize("who", ["sales_head", "tech_staff", "sales_staff"])
def test_only_that_head_rates(company, in_retrospective, who):
    with pytest.raises(ActionRefused):
        services.rating_save(
            actor=getattr(company, who),
            retrospective=in_retrospective,
            receiver=_tech_receiver(company, in_retrospective),
            score=4,
        )
    assert not SatisfactionRating.objects.exists()


def test_a_rating_outside_one_to_five_is_refused(company, in_retrospective):
    with pytest.raises(Exception, match="1"):
        services.rating_save(
            actor=company.tech_head,
            retrospective=in_retrospective,
            receiver=_tech_receiver(company, in_retrospective),
            score=6,
        )
    assert not SatisfactionRating.objects.exists()


def test_filing_is_refused_listing_what_is_missing(company, in_retrospective):
    with pytest.raises(ActionRefused) as refused:
        services.retrospective_file(actor=company.tech_staff, retrospective=in_retrospective)
    message = refused.value.message
    assert "技术部" in message and "经验教训" in message
    in_retrospective.refresh_from_db()
    in_retrospective.request.refresh_from_db()
    assert not in_retrospective.is_filed and in_retrospective.request.stage == "retrospective"


def test_filing_freezes_the_metrics_and_archives_the_case(company, archived):
    retrospective = Retrospective.objects.get(request=archived)
    assert archived.stage == "archived" and archived.is_archived
    assert retrospective.filed_by == company.tech_staff and retrospective.filed_at
    assert retrospective.metrics  # the figures as they were on filing day
    assert Activity.objects.filter(verb="case_archive", to_state="archived").exists()


def test_only_the_coordinator_files(company, in_retrospective):
    services.retrospective_save(
        actor=company.tech_staff, retrospective=in_retrospective, data=WRITE_UP
    )
    with pytest.raises(ActionRefused):
        services.retrospective_file(actor=company.sales_staff, retrospective=in_retrospective)
    in_retrospective.request.refresh_from_db()
    assert in_retrospective.request.stage == "retrospective"


def test_an_archived_case_refuses_every_stage_5_and_6_write(company, archived):
    retrospective = archived.retrospective
    delivery = archived.deliveries.get()
    item = delivery.items.first()
    receiver = _tech_receiver(company, retrospective)
    calls = [
        lambda: services.retrospective_save(
            actor=company.tech_staff, retrospective=retrospective, data=WRITE_UP
        ),
        lambda: services.rating_save(
            actor=company.tech_head, retrospective=retrospective, receiver=receiver, score=1
        ),
        lambda: services.retrospective_file(actor=company.tech_staff, retrospective=retrospective),
        lambda: services.delivery_item_add(
            actor=company.tech_staff,
            request=archived,
            data=services.ItemData(task=item.task, name="补充"),
            files=[pdf_file()],
        ),
        lambda: services.delivery_item_remove(actor=company.tech_staff, item=item),
        lambda: services.delivery_submit(actor=company.tech_staff, delivery=delivery),
        lambda: services.delivery_withdraw(actor=company.tech_staff, delivery=delivery),
        lambda: services.acceptance_decide(
            actor=company.sales_staff, delivery=delivery, verdicts=all_pass(delivery)
        ),
    ]
    for call in calls:
        with pytest.raises(ActionRefused):
            call()
    retrospective.refresh_from_db()
    assert retrospective.went_well == "按期交付"
    assert SatisfactionRating.objects.get().score == 4
    assert delivery.items.count() == 2
