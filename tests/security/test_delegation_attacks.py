"""Finding 1 of the attack run: a delegate re-delegated, and the initiator signed the other side.

qinhao, standing in for 朱明 (技术部 head), delegated to zhengkai (市场部, the case's initiator);
zhengkai then signed the 技术部 side of the plan "郑凯 (代 朱明)" over HTTP, and 朱明 was not
told. Here with the test company: 王五 (tech_staff) stands in for 赵六 (tech_head); 张三
(sales_staff) initiates.

The rules: a delegation passes only the delegator's own authority; nobody decides for a side of a
case while belonging to another side; the principal hears of every delegation made for them and
every decision taken in their name."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from acceptance_app import policies as acceptance_policies
from acceptance_app import services as acceptance_services
from collab_portal.lib.refusals import ActionRefused
from collab_portal.notifications.models import Notification
from collab_portal.org.selectors import acting_for, delegates_in_force
from collab_portal.org.services import delegation_create
from collab_portal.signoffs.models import SignOff
from requests_app import policies, services
from requests_app.models import CollabPlan
from requests_app.policies import side_decider
from requests_app.selectors import acknowledgements_awaiting, plans_awaiting, reviews_awaiting
from tests.fixtures.acceptance import all_pass

TODAY = timezone.localdate()


def delegate(principal, person):
    return delegation_create(
        actor=principal,
        principal=principal,
        delegate=person,
        starts_on=TODAY,
        ends_on=TODAY + datetime.timedelta(days=7),
    )


def plan_signoffs(plan):
    return SignOff.objects.filter(
        target_type=ContentType.objects.get_for_model(CollabPlan), target_id=str(plan.pk)
    )


def sign_over_http(client, case):
    return client.post(reverse("requests_app:plan_sign", args=[case.code]), {"decision": "sign"})


# --- a delegation passes only the delegator's own authority ----------------------------------


def test_a_delegate_cannot_pass_on_the_authority_they_hold_for_someone(company, proposed, login):
    delegate(company.tech_head, company.tech_staff)
    delegate(company.tech_staff, company.sales_staff)  # 王五 hands on "his" authority

    assert acting_for(company.tech_head).person == company.tech_staff
    assert delegates_in_force()[company.tech_head.pk] == company.tech_staff.pk
    assert policies.sides_to_sign_for(company.sales_staff, proposed) == []

    sign_over_http(login(company.sales_staff), proposed.request)

    assert not plan_signoffs(proposed).exists()
    proposed.refresh_from_db()
    assert proposed.state == CollabPlan.State.PROPOSED
    with pytest.raises(ActionRefused):
        services.plan_sign(actor=company.sales_staff, plan=proposed)


def test_the_delegate_in_force_still_signs_for_the_head(company, proposed):
    delegate(company.tech_head, company.tech_staff)
    delegate(company.tech_staff, company.sales_staff)

    [signoff] = services.plan_sign(actor=company.tech_staff, plan=proposed)

    assert (signoff.signer, signoff.on_behalf_of) == (company.tech_staff, company.tech_head)


# --- nobody decides for a side while belonging to another ------------------------------------


def test_the_initiator_never_signs_for_a_receiver_even_as_its_heads_delegate(
    company, proposed, login
):
    delegate(company.tech_head, company.sales_staff)  # the initiator stands in for 技术部's head

    assert policies.sides_to_sign_for(company.sales_staff, proposed) == []
    assert proposed not in plans_awaiting(company.sales_staff)
    sign_over_http(login(company.sales_staff), proposed.request)
    assert not plan_signoffs(proposed).filter(side_key=f"dept:{company.tech.pk}").exists()

    # The side is asked of the head, who still signs it.
    assert side_decider(proposed.request, company.tech).person == company.tech_head
    assert proposed in plans_awaiting(company.tech_head)
    [signoff] = services.plan_sign(actor=company.tech_head, plan=proposed)
    assert signoff.signer == company.tech_head and signoff.on_behalf_of is None


def test_a_receiver_never_signs_the_initiators_side(company, proposed):
    delegate(company.sales_head, company.tech_staff)  # 技术部 staff stands in for 销售部's head

    sides = policies.sides_to_sign_for(company.tech_staff, proposed)

    assert f"dept:{company.sales.pk}" not in [side.key for side in sides]
    assert side_decider(proposed.request, company.sales).person == company.sales_head


def test_a_receiver_never_reviews_the_initiators_request(company, pending):
    delegate(company.sales_head, company.tech_staff)

    assert policies.review_handler(pending) == company.sales_head
    assert pending not in reviews_awaiting(company.tech_staff)
    with pytest.raises(ActionRefused):
        services.request_approve(
            actor=company.tech_staff,
            request=pending,
            goal_quantifiable=True,
            receiver_clear=True,
            deadline_reasonable=True,
        )
    pending.refresh_from_db()
    assert pending.stage == pending.Stage.PENDING_REVIEW
    assert not pending.reviews.exists()


def test_the_initiator_never_acknowledges_receipt_for_a_receiver(company, syncing):
    delegate(company.tech_head, company.sales_staff)
    record = services.sync_record_add(
        actor=company.sales_staff,
        request=syncing,
        receiver=syncing.receivers.get(),
        channel="dingtalk",
        sent_at=timezone.now(),
        recipients="赵六",
    )

    assert record not in acknowledgements_awaiting(company.sales_staff)
    with pytest.raises(ActionRefused):
        services.sync_acknowledge(actor=company.sales_staff, record=record)
    record.refresh_from_db()
    assert record.acknowledged_at is None
    # whom the sync was announced to: the head, not the initiator standing in for them
    assert Notification.objects.filter(recipient=company.tech_head, target_id=str(syncing.pk))


def test_a_receiver_never_accepts_the_delivery_for_the_initiator(company, submitted):
    delegate(company.sales_staff, company.tech_staff)  # 技术部 would accept its own delivery
    case = submitted.request

    assert acceptance_policies.acceptor_for(case) == company.sales_staff
    assert not acceptance_policies.may_accept(company.tech_staff, case)
    assert acceptance_policies.may_accept(company.sales_staff, case)
    with pytest.raises(ActionRefused):
        acceptance_services.acceptance_decide(
            actor=company.tech_staff, delivery=submitted, verdicts=all_pass(submitted)
        )
    submitted.refresh_from_db()
    assert submitted.state == submitted.State.SUBMITTED


# --- the principal is told ---------------------------------------------------------------------


def test_the_principal_is_told_of_a_delegation_an_administrator_made(company):
    delegation_create(
        actor=company.admin,
        principal=company.tech_head,
        delegate=company.tech_staff,
        starts_on=TODAY,
        ends_on=TODAY,
    )

    told = Notification.objects.get(recipient=company.tech_head)
    assert "王五" in told.title and "管理员" in told.title
    assert Notification.objects.filter(recipient=company.tech_staff).count() == 1


def test_the_principal_is_told_of_a_delegation_made_in_the_admin_site(company, login):
    client = login(company.admin)
    client.post(
        reverse("admin:org_delegation_add"),
        {
            "principal": company.tech_head.pk,
            "delegate": company.tech_staff.pk,
            "starts_on": TODAY.isoformat(),
            "ends_on": TODAY.isoformat(),
            "reason": "出差",
            "is_active": "on",
        },
    )

    assert company.tech_head.delegations_given.count() == 1
    assert Notification.objects.filter(recipient=company.tech_head).count() == 1
    assert Notification.objects.filter(recipient=company.tech_staff).count() == 1


def test_the_principal_is_told_of_every_decision_taken_in_their_name(company, proposed):
    delegate(company.tech_head, company.tech_staff)
    Notification.objects.all().delete()

    services.plan_sign(actor=company.tech_staff, plan=proposed)

    [told] = Notification.objects.filter(recipient=company.tech_head)
    assert "王五" in told.title and proposed.request.code in told.title
    assert told.url == proposed.request.get_absolute_url()


def test_a_decision_of_ones_own_tells_nobody_of_acting_for_them(company, proposed):
    Notification.objects.all().delete()

    services.plan_sign(actor=company.tech_head, plan=proposed)

    assert not Notification.objects.filter(title__contains="acted for you").exists()
    assert not Notification.objects.filter(title__contains="代你").exists()
