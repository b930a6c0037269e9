"""The risk's life: raise, handle, escalate to the leader in charge (or delegate), instruct,
resolve with evidence, close, reopen; major computed and overridable."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from collab_portal.activity.models import Activity
from collab_portal.lib.refusals import ActionRefused
from collab_portal.notifications.models import Notification
from collab_portal.reminders.services import reminders_deliver
from requests_app import services as request_services
from risks_app import services
from risks_app.models import Instruction, Risk
from risks_app.selectors import escalations_waiting, matrix
from tests.factories import DelegationFactory, DepartmentFactory, UserFactory
from tests.fixtures.registration import registration
from tests.fixtures.risks import risk_data


def test_any_participant_raises_a_risk_and_the_owner_and_coordinator_hear_of_it(
    company, executing, plain_task
):
    risk = services.risk_raise(
        actor=company.sales_staff, request=executing, data=risk_data(company, task=plain_task)
    )
    assert (risk.number, risk.code, risk.state, risk.is_major) == (1, "R01", "open", False)
    assert Notification.objects.filter(recipient=company.tech_staff, title__contains="R01").exists()
    assert Activity.objects.filter(verb="risk_raise", subject_id=str(executing.pk)).exists()
    second = services.risk_raise(
        actor=company.tech_head, request=executing, data=risk_data(company)
    )
    assert second.code == "R02"


def test_outsiders_and_wrong_stages_cannot_raise(company, executing):
    finance = DepartmentFactory(code="FIN", name="财务部", parent=company.company)
    with pytest.raises(ActionRefused):
        services.risk_raise(
            actor=UserFactory(department=finance), request=executing, data=risk_data(company)
        )
    draft = request_services.request_create(
        initiator=company.sales_staff, data=registration(internal_departments=[company.tech])
    )
    with pytest.raises(ActionRefused, match="执行"):
        services.risk_raise(actor=company.sales_staff, request=draft, data=risk_data(company))
    assert not Risk.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": " "}, "description"),
        ({"measures": ""}, "measures"),
        ({"deadline": timezone.localdate() - datetime.timedelta(days=1)}, "deadline"),
    ],
)
def test_bad_risks_are_refused_and_nothing_is_saved(company, executing, overrides, field):
    with pytest.raises(ValidationError) as error:
        services.risk_raise(
            actor=company.tech_staff, request=executing, data=risk_data(company, **overrides)
        )
    assert field in error.value.message_dict
    assert not Risk.objects.exists()


def test_a_high_impact_risk_on_a_key_task_is_major_and_escalates_at_once(
    company, executing, key_task
):
    risk = services.risk_raise(
        actor=company.tech_staff,
        request=executing,
        data=risk_data(company, impact="high", task=key_task),
    )
    assert risk.is_major and risk.state == "escalated" and risk.escalated_to == company.leader
    reminders_deliver()  # the escalation reaches the leader through the reminder relay
    assert Notification.objects.filter(recipient=company.leader, title__contains="重大").exists()
    assert list(escalations_waiting(company.leader)) == [risk]


def test_high_impact_on_a_milestone_is_major_but_not_on_a_plain_task(
    company, executing, plain_task
):
    milestone = executing.plans.get().milestones.first()
    on_milestone = services.risk_raise(
        actor=company.tech_staff,
        request=executing,
        data=risk_data(company, impact="high", milestone=milestone),
    )
    on_plain = services.risk_raise(
        actor=company.tech_staff,
        request=executing,
        data=risk_data(company, impact="high", task=plain_task),
    )
    assert on_milestone.is_major and not on_plain.is_major and on_plain.state == "open"


def test_escalation_goes_to_the_leaders_delegate_in_force(company, executing, key_task):
    stand_in = UserFactory(display_name="孙副总", department=company.company)
    DelegationFactory(principal=company.leader, delegate=stand_in)
    risk = services.risk_raise(
        actor=company.tech_staff,
        request=executing,
        data=risk_data(company, impact="high", task=key_task),
    )
    assert risk.escalated_to == company.leader
    reminders_deliver()
    assert Notification.objects.filter(recipient=stand_in, title__contains="R01").exists()
    assert list(escalations_waiting(stand_in)) == [risk]
    instruction = services.risk_instruct(
        actor=stand_in,
        risk=risk,
        decision="add_resources",
        text="同意增派 2 名开发",
        extra_resources="2 名开发",
    )
    assert instruction.on_behalf_of == company.leader
    risk.refresh_from_db()
    assert risk.state == "mitigating"


def test_the_owner_or_coordinator_escalates_any_open_risk(company, executing):
    risk = services.risk_raise(
        actor=company.sales_staff, request=executing, data=risk_data(company)
    )
    with pytest.raises(ActionRefused, match="责任人或协调人"):
        services.risk_escalate(actor=company.sales_staff, risk=risk)
    services.risk_escalate(actor=company.tech_staff, risk=risk, comment="需要领导协调客户")
    risk.refresh_from_db()
    assert risk.state == "escalated"
    with pytest.raises(ActionRefused):
        services.risk_escalate(actor=company.tech_staff, risk=risk)


def test_only_the_leader_gives_the_instruction_and_it_needs_text(company, executing, key_task):
    risk = services.risk_raise(
        actor=company.tech_staff,
        request=executing,
        data=risk_data(company, impact="high", task=key_task),
    )
    for outsider in (company.tech_staff, company.tech_head, company.sales_head):
        with pytest.raises(ActionRefused, match="等待"):
            services.risk_instruct(actor=outsider, risk=risk, decision="adjust", text="调整")
    with pytest.raises(ValidationError):
        services.risk_instruct(actor=company.leader, risk=risk, decision="adjust", text=" ")
    with pytest.raises(ValidationError):
        services.risk_instruct(
            actor=company.leader, risk=risk, decision="extend_deadline", text="延期"
        )
    new_deadline = timezone.localdate() + datetime.timedelta(days=20)
    services.risk_instruct(
        actor=company.leader,
        risk=risk,
        decision="extend_deadline",
        text="同意延期两周",
        new_deadline=new_deadline,
    )
    risk.refresh_from_db()
    assert (risk.state, risk.deadline) == ("mitigating", new_deadline)
    assert Instruction.objects.get().text == "同意延期两周"
    with pytest.raises(ActionRefused):
        services.risk_instruct(actor=company.leader, risk=risk, decision="adjust", text="再批一次")


def test_resolution_needs_evidence_and_the_coordinator_closes(company, executing):
    risk = services.risk_raise(
        actor=company.sales_staff, request=executing, data=risk_data(company)
    )
    services.risk_start_handling(actor=company.tech_staff, risk=risk)
    with pytest.raises(ValidationError) as error:
        services.risk_resolve(actor=company.tech_staff, risk=risk, resolution="已协商", evidence="")
    assert "evidence" in error.value.message_dict
    services.risk_resolve(
        actor=company.tech_staff, risk=risk, resolution="客户同意顺延 3 天", evidence="邮件确认截图"
    )
    with pytest.raises(ActionRefused, match="只有协调人"):
        services.risk_close(actor=company.tech_head, risk=risk)
    services.risk_close(actor=company.tech_staff, risk=risk)
    risk.refresh_from_db()
    assert risk.state == "closed" and risk.closed_at
    with pytest.raises(ValidationError):
        services.risk_reopen(actor=company.tech_staff, risk=risk, reason="")
    services.risk_reopen(actor=company.tech_staff, risk=risk, reason="客户再次延期")
    risk.refresh_from_db()
    assert risk.state == "open" and risk.closed_at is None


def test_wrong_states_are_refused(company, executing, key_task):
    risk = services.risk_raise(actor=company.tech_staff, request=executing, data=risk_data(company))
    with pytest.raises(ActionRefused):
        services.risk_close(actor=company.tech_staff, risk=risk)
    with pytest.raises(ActionRefused):
        services.risk_reopen(actor=company.tech_staff, risk=risk, reason="x")
    major = services.risk_raise(
        actor=company.tech_staff,
        request=executing,
        data=risk_data(company, impact="high", task=key_task),
    )
    with pytest.raises(ActionRefused, match="批示"):
        services.risk_resolve(actor=company.tech_staff, risk=major, resolution="x", evidence="y")
    with pytest.raises(ActionRefused):
        services.risk_start_handling(actor=company.tech_staff, risk=major)


def test_the_coordinator_overrides_major_with_a_reason(company, executing, plain_task):
    risk = services.risk_raise(
        actor=company.sales_staff,
        request=executing,
        data=risk_data(company, impact="high", task=plain_task),
    )
    with pytest.raises(ActionRefused):
        services.risk_override_major(actor=company.tech_head, risk=risk, major=True, reason="重要")
    with pytest.raises(ValidationError):
        services.risk_override_major(actor=company.tech_staff, risk=risk, major=True, reason="")
    services.risk_override_major(
        actor=company.tech_staff, risk=risk, major=True, reason="影响客户上线承诺"
    )
    risk.refresh_from_db()
    assert (
        risk.is_major
        and risk.state == "escalated"
        and risk.major_override_reason == "影响客户上线承诺"
    )
    services.risk_override_major(
        actor=company.tech_staff, risk=risk, major=False, reason="客户已同意延期"
    )
    risk.refresh_from_db()
    assert not risk.is_major


def test_the_matrix_counts_each_cell(company, executing):
    for impact, likelihood in [("high", "high"), ("high", "low"), ("low", "low"), ("low", "low")]:
        services.risk_raise(
            actor=company.tech_staff,
            request=executing,
            data=risk_data(company, impact=impact, likelihood=likelihood),
        )
    grid = matrix(Risk.objects.all())
    cells = {(c.impact, c.likelihood): (c.count, c.colour) for _, row in grid.rows for c in row}
    assert cells[("high", "high")] == (1, "red")
    assert cells[("high", "low")] == (1, "yellow")
    assert cells[("low", "low")] == (2, "blue")
    assert cells[("medium", "high")] == (0, "orange")
    assert sum(count for count, _ in cells.values()) == grid.total == 4


def test_a_closed_case_refuses_every_change_to_its_risks(company, executing):
    risk = services.risk_raise(
        actor=company.sales_staff, request=executing, data=risk_data(company)
    )
    request_services.request_cancel(actor=company.admin, request=executing, reason="客户终止合作")
    with pytest.raises(ActionRefused, match="已关闭"):
        services.risk_start_handling(actor=company.tech_staff, risk=risk)
    risk.refresh_from_db()
    assert risk.state == "open"
