"""催办 on a plan waiting for confirmation: the plan's author or the initiator nudges every side
that has not signed (the head or their delegate; for an external party its internal owner),
at most once per 4 hours; the case's timeline keeps it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from collab_portal.activity.models import Activity
from collab_portal.lib.refusals import ActionRefused
from collab_portal.notifications.models import Notification
from requests_app import services
from requests_app.models import CollabPlan
from tests.factories import DelegationFactory, UserFactory


def last_notification() -> int:
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def nudged(after: int) -> list[str]:
    """Who was notified since notification ``after``."""
    return sorted(
        Notification.objects.filter(pk__gt=after).values_list("recipient__username", flat=True)
    )


def test_the_initiator_urges_every_side_that_has_not_signed(company, proposed):
    before = last_notification()
    people = services.plan_urge(actor=company.sales_staff, plan=proposed)

    assert sorted(p.username for p in people) == ["sales_head", "tech_head"]
    assert nudged(before) == ["sales_head", "tech_head"]
    activity = Activity.objects.get(verb="plan_urge")
    assert activity.actor == company.sales_staff and activity.subject_id == str(proposed.request.pk)
    assert activity.target_id == str(proposed.pk) and "李四" in activity.comment


def test_the_author_urges_and_a_signed_side_is_left_alone(company, proposed):
    services.plan_sign(actor=company.tech_head, plan=proposed)
    before = last_notification()

    services.plan_urge(actor=company.tech_staff, plan=proposed)

    assert nudged(before) == ["sales_head"]


def test_the_delegate_in_force_is_urged_in_the_heads_place(company, proposed):
    deputy = UserFactory(username="deputy", department=company.tech)
    DelegationFactory(principal=company.tech_head, delegate=deputy)
    before = last_notification()

    services.plan_urge(actor=company.sales_staff, plan=proposed)

    assert nudged(before) == ["deputy", "sales_head"]


def test_an_external_partys_internal_owner_is_asked_to_chase_it(
    company, external_planning, external_contact
):
    plan = external_planning.plans.get()
    services.plan_sign(actor=company.tech_head, plan=plan)
    services.plan_sign(actor=company.sales_head, plan=plan)
    # only the party is left; without an owner the initiator chases it: nobody else to urge
    with pytest.raises(ActionRefused):
        services.plan_urge(actor=company.sales_staff, plan=plan)
    assert not Activity.objects.filter(verb="plan_urge").exists()

    owner = UserFactory(username="owner", department=company.sales)
    external_contact.party.internal_owner = owner
    external_contact.party.save()
    services.plan_urge(actor=company.sales_staff, plan=plan)

    notification = Notification.objects.get(recipient=owner)
    assert external_contact.party.name in notification.title


@pytest.mark.parametrize("who", ["tech_head", "sales_head", "leader", "admin"])
def test_only_the_author_or_the_initiator_urges(company, proposed, who):
    with pytest.raises(ActionRefused):
        services.plan_urge(actor=getattr(company, who), plan=proposed)
    assert not Activity.objects.filter(verb="plan_urge").exists()


def test_a_plan_not_awaiting_confirmation_cannot_be_urged(company, proposed):
    services.plan_request_revision(actor=company.tech_head, plan=proposed, comment="再细化")
    with pytest.raises(ActionRefused):
        services.plan_urge(actor=company.sales_staff, plan=proposed)

    sent_back = CollabPlan.objects.get(pk=proposed.pk)
    draft = services.plan_new_version(actor=company.tech_staff, plan=sent_back)
    assert draft.state == CollabPlan.State.DRAFT
    with pytest.raises(ActionRefused):
        services.plan_urge(actor=company.tech_staff, plan=draft)
    assert not Activity.objects.filter(verb="plan_urge").exists()


def test_a_confirmed_plan_cannot_be_urged(company, breakdown):
    with pytest.raises(ActionRefused):
        services.plan_urge(actor=company.sales_staff, plan=breakdown.plans.get())


def test_urging_again_within_4_hours_is_refused(company, proposed):
    services.plan_urge(actor=company.sales_staff, plan=proposed)
    with pytest.raises(ActionRefused):
        services.plan_urge(actor=company.sales_staff, plan=proposed)
    services.plan_urge(actor=company.tech_staff, plan=proposed)  # another sender may
    assert Activity.objects.filter(verb="plan_urge").count() == 2

    Activity.objects.filter(verb="plan_urge").update(
        created_at=timezone.now() - datetime.timedelta(hours=4, minutes=1)
    )
    services.plan_urge(actor=company.sales_staff, plan=proposed)
    assert Activity.objects.filter(verb="plan_urge").count() == 3


def test_a_new_version_of_the_plan_can_be_urged_at_once(company, proposed):
    services.plan_urge(actor=company.tech_staff, plan=proposed)
    services.plan_request_revision(actor=company.tech_head, plan=proposed, comment="再细化")
    second = services.plan_new_version(
        actor=company.tech_staff, plan=CollabPlan.objects.get(pk=proposed.pk)
    )
    services.plan_propose(actor=company.tech_staff, plan=second)

    services.plan_urge(actor=company.tech_staff, plan=second)

    assert Activity.objects.filter(verb="plan_urge").count() == 2


# --- the page -----------------------------------------------------------------------------------


def test_the_button_is_offered_to_the_author_and_the_initiator_only(company, proposed, login):
    url = reverse("requests_app:plan_urge", args=[proposed.request.code])
    for who, offered in (("sales_staff", True), ("tech_staff", True), ("tech_head", False)):
        page = login(getattr(company, who)).get(proposed.request.get_absolute_url())
        assert page.context["page"].actions.urge_plan is offered, who
        assert (url in page.content.decode()) is offered, who


def test_posting_urges_and_a_get_changes_nothing(company, proposed, login):
    client = login(company.sales_staff)
    url = reverse("requests_app:plan_urge", args=[proposed.request.code])

    assert client.get(url).status_code == 405
    assert not Activity.objects.filter(verb="plan_urge").exists()

    before = last_notification()
    response = client.post(url)
    assert response.status_code == 302 and response.url == proposed.request.get_absolute_url()
    assert nudged(before) == ["sales_head", "tech_head"]

    again = client.post(url, follow=True)
    assert "催办" in again.content.decode()  # refused: urged a moment ago
    assert Activity.objects.filter(verb="plan_urge").count() == 1
