"""催办 an escalated risk: its owner or the coordinator nudges the leader in charge (or the
delegate acting for them) for the instruction, at most once per 4 hours per risk and sender.

In the ``executing`` case 王五 (tech_staff) coordinates; the risks here are owned by 赵六
(tech_head) and, being major, escalated to 钱总 (the leader in charge) on creation."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from collab_portal.activity.models import Activity
from collab_portal.lib.refusals import ActionRefused
from collab_portal.notifications.models import Notification
from risks_app import services
from tests.factories import DelegationFactory, UserFactory
from tests.fixtures.risks import risk_data

NOT_ESCALATED = "Only an escalated risk waits for the leader's instruction."
NOT_HANDLER = "Only the risk's owner or the coordinator can urge the instruction."


@pytest.fixture
def escalated(company, executing, key_task):
    return services.risk_raise(
        actor=company.tech_staff,
        request=executing,
        data=risk_data(company, impact="high", task=key_task, owner=company.tech_head),
    )


def test_the_owner_urges_the_leader_for_the_instruction(company, executing, escalated):
    assert services.risk_urge(actor=company.tech_head, risk=escalated) == company.leader

    line = Activity.objects.get(verb="risk_urge")
    assert (line.subject, line.target, line.actor) == (executing, escalated, company.tech_head)
    assert line.comment == "R01 → 钱总"
    notification = Notification.objects.filter(recipient=company.leader).latest("pk")
    assert notification.actor == company.tech_head and "R01" in notification.title
    assert notification.url == escalated.get_absolute_url()


def test_the_delegate_in_force_is_urged_in_the_leaders_place(company, escalated):
    stand_in = UserFactory(display_name="孙副总", department=company.company)
    DelegationFactory(principal=company.leader, delegate=stand_in)

    assert services.risk_urge(actor=company.tech_staff, risk=escalated) == stand_in
    assert Notification.objects.filter(recipient=stand_in, actor=company.tech_staff).exists()


def test_at_most_once_per_4_hours_per_risk_and_sender(company, executing, key_task, escalated):
    second = services.risk_raise(
        actor=company.tech_staff,
        request=executing,
        data=risk_data(company, impact="high", task=key_task, owner=company.tech_head),
    )
    services.risk_urge(actor=company.tech_head, risk=escalated)

    with pytest.raises(ActionRefused, match="催办"):
        services.risk_urge(actor=company.tech_head, risk=escalated)
    services.risk_urge(actor=company.tech_head, risk=second)  # another risk
    services.risk_urge(actor=company.tech_staff, risk=escalated)  # the coordinator
    Activity.objects.filter(verb="risk_urge").update(
        created_at=Activity.objects.filter(verb="risk_urge").earliest("pk").created_at
        - datetime.timedelta(hours=4, minutes=1)
    )
    services.risk_urge(actor=company.tech_head, risk=escalated)

    assert Activity.objects.filter(verb="risk_urge", target_id=str(escalated.pk)).count() == 3


def test_only_the_owner_or_coordinator_urges_and_only_while_it_waits(company, escalated):
    for outsider in (company.sales_staff, company.leader):
        with pytest.raises(ActionRefused, match=re.escape(_(NOT_HANDLER))):
            services.risk_urge(actor=outsider, risk=escalated)
    services.risk_instruct(actor=company.leader, risk=escalated, decision="adjust", text="调整")
    with pytest.raises(ActionRefused, match=re.escape(_(NOT_ESCALATED))):
        services.risk_urge(actor=company.tech_head, risk=escalated)
    assert not Activity.objects.filter(verb="risk_urge").exists()


def test_the_risk_page_offers_the_button_to_those_who_may_urge(
    company, executing, escalated, login
):
    page = reverse("risks_app:risk", args=[executing.code, escalated.number])
    urge = reverse("risks_app:risk_urge", args=[executing.code, escalated.number])

    leaders_page = login(company.leader).get(page).content.decode()
    assert (
        'data-testid="urge"' not in leaders_page and 'data-testid="instruct-form"' in leaders_page
    )
    client = login(company.tech_head)
    assert 'data-testid="urge"' in client.get(page).content.decode()
    assert client.get(urge).status_code == 405

    response = client.post(urge, follow=True)
    assert response.redirect_chain == [(page, 302)]
    assert [str(m) for m in response.context["messages"]] == [
        _("The leader in charge has been reminded.")
    ]
    assert Activity.objects.filter(verb="risk_urge").count() == 1
    assert 'data-testid="urge"' in client.get(page).content.decode()  # refused when pressed
    response = client.post(urge, follow=True)
    assert ["催办" in str(m) for m in response.context["messages"]] == [True]
