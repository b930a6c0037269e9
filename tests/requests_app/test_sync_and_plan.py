"""Stage 2: information sync with receipts and a kickoff, then a plan signed by every side."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.lib.refusals import ActionRefused
from collab_portal.notifications.models import Notification
from collab_portal.signoffs.models import ExternalLink, SignOff
from collab_portal.signoffs.services import ExternalLinkInvalid
from requests_app import services
from requests_app.models import CollabPlan
from tests.factories import DelegationFactory
from tests.fixtures.registration import plan_data


def _record(company, case, **overrides):
    values = {
        "actor": company.sales_staff,
        "request": case,
        "receiver": case.receivers.first(),
        "channel": "oa",
        "sent_at": timezone.now(),
        "recipients": "赵六",
    }
    values.update(overrides)
    return services.sync_record_add(**values)


def test_the_sync_is_recorded_acknowledged_and_finished(company, syncing):
    record = _record(company, syncing)
    assert Notification.objects.filter(
        recipient=company.tech_head, title__contains="确认收到"
    ).exists()
    with pytest.raises(ActionRefused, match="尚未确认收到"):
        services.request_finish_sync(actor=company.sales_staff, request=syncing)
    services.sync_acknowledge(actor=company.tech_staff, record=record)
    record.refresh_from_db()
    assert record.acknowledged_by == company.tech_staff and record.acknowledged_at
    services.request_finish_sync(actor=company.sales_staff, request=syncing)
    syncing.refresh_from_db()
    assert syncing.stage == Case.Stage.PLANNING


def test_finishing_the_sync_lists_what_is_missing(company, syncing):
    with pytest.raises(ActionRefused, match="尚未记录向 技术部 的信息同步"):
        services.request_finish_sync(actor=company.sales_staff, request=syncing)
    syncing.refresh_from_db()
    assert syncing.stage == Case.Stage.SYNCING


def test_only_the_receiving_department_acknowledges_and_only_once(company, syncing):
    record = _record(company, syncing)
    with pytest.raises(ActionRefused, match="只有接收部门"):
        services.sync_acknowledge(actor=company.sales_head, record=record)
    services.sync_acknowledge(actor=company.tech_head, record=record)
    with pytest.raises(ActionRefused, match="已于"):
        services.sync_acknowledge(actor=company.tech_staff, record=record)
    record.refresh_from_db()
    assert record.acknowledged_by == company.tech_head


def test_only_the_initiator_records_a_sync_and_only_while_syncing(company, syncing, pending):
    with pytest.raises(ActionRefused):
        _record(company, syncing, actor=company.tech_head)
    with pytest.raises(ValidationError):
        _record(company, syncing, sent_at=timezone.now() + datetime.timedelta(days=1))
    assert not syncing.sync_records.exists()


def test_a_sync_cannot_be_recorded_before_approval(company, pending):
    with pytest.raises(ActionRefused, match="待审核"):
        _record(company, pending)


def test_a_multi_party_case_needs_its_kickoff_meeting(company, external_contact):
    from tests.fixtures.registration import registration

    case = services.request_create(
        initiator=company.sales_staff,
        data=registration(
            internal_departments=[company.tech], external_contacts=[external_contact]
        ),
    )
    services.request_submit(actor=company.sales_staff, request=case)
    services.request_approve(
        actor=company.sales_head,
        request=case,
        goal_quantifiable=True,
        receiver_clear=True,
        deadline_reasonable=True,
    )
    for receiver in case.receivers.all():
        record = _record(company, case, receiver=receiver)
        if receiver.is_internal:
            services.sync_acknowledge(actor=company.tech_head, record=record)
    with pytest.raises(ActionRefused, match="须先记录启动会"):
        services.request_finish_sync(actor=company.sales_staff, request=case)
    with pytest.raises(ValidationError):
        services.kickoff_record(
            actor=company.sales_staff,
            request=case,
            mode="offline",
            held_at=timezone.now(),
            location="3 楼会议室",
            invited=[company.tech_head],
            attended=[company.tech_head, company.leader],
            minutes="纪要",
        )
    services.kickoff_record(
        actor=company.sales_staff,
        request=case,
        mode="offline",
        held_at=timezone.now(),
        location="3 楼会议室",
        invited=[company.tech_head, company.leader],
        attended=[company.tech_head],
        minutes="讲解需求背景",
        decisions="两周内出方案",
    )
    services.request_finish_sync(actor=company.sales_staff, request=case)
    case.refresh_from_db()
    assert case.stage == Case.Stage.PLANNING
    assert list(case.kickoff.attended.all()) == [company.tech_head]


def test_the_receiving_side_drafts_and_proposes_the_plan(company, planning):
    with pytest.raises(ActionRefused, match="接收方"):
        services.plan_save(actor=company.sales_staff, request=planning, data=plan_data(company))
    plan = services.plan_save(actor=company.tech_staff, request=planning, data=plan_data(company))
    assert (plan.version, plan.state) == (1, "draft")
    plan = services.plan_save(
        actor=company.tech_staff, request=planning, data=plan_data(company, content="改进后的方案")
    )
    assert CollabPlan.objects.count() == 1 and plan.content == "改进后的方案"
    services.plan_propose(actor=company.tech_staff, plan=plan)
    plan.refresh_from_db()
    assert plan.state == "proposed"
    assert {n.recipient for n in Notification.objects.filter(title__contains="请确认")} == {
        company.sales_head,
        company.tech_head,
    }


@pytest.mark.parametrize(
    ("milestones", "message"),
    [
        ([], "至少添加一个"),
        ([("太晚", timezone.localdate() + datetime.timedelta(days=60))], "晚于期望完成时间"),
    ],
)
def test_a_plan_with_bad_milestones_is_refused(company, planning, milestones, message):
    with pytest.raises(ValidationError, match=message):
        services.plan_save(
            actor=company.tech_staff,
            request=planning,
            data=plan_data(company, milestones=milestones),
        )
    assert not CollabPlan.objects.exists()


def test_proposing_needs_a_coordinator(company, planning):
    plan = services.plan_save(
        actor=company.tech_staff, request=planning, data=plan_data(company, coordinator=None)
    )
    with pytest.raises(ActionRefused, match="指定协调人"):
        services.plan_propose(actor=company.tech_staff, plan=plan)


def test_every_side_signs_and_the_last_signature_starts_the_breakdown(company, proposed):
    with pytest.raises(ActionRefused, match="不是此方案的会签人"):
        services.plan_sign(actor=company.tech_staff, plan=proposed)
    services.plan_sign(actor=company.tech_head, plan=proposed, comment="技术部确认")
    proposed.refresh_from_db()
    assert proposed.state == "proposed"
    with pytest.raises(ActionRefused, match="已经签过字"):
        services.plan_sign(actor=company.tech_head, plan=proposed)
    services.plan_sign(actor=company.sales_head, plan=proposed)
    proposed.refresh_from_db()
    case = proposed.request
    case.refresh_from_db()
    assert proposed.state == "confirmed" and case.stage == Case.Stage.BREAKDOWN
    assert case.coordinator == company.tech_staff
    assert set(SignOff.objects.filter(meaning="confirmed").values_list("side_key", flat=True)) == {
        f"dept:{company.sales.pk}",
        f"dept:{company.tech.pk}",
    }
    assert Activity.objects.filter(verb="plan_confirmed", to_state="breakdown").exists()


def test_a_delegate_signs_for_their_head(company, proposed):
    DelegationFactory(principal=company.tech_head, delegate=company.tech_staff)
    services.plan_sign(actor=company.tech_staff, plan=proposed)
    signoff = SignOff.objects.get(side_key=f"dept:{company.tech.pk}")
    assert signoff.label == "王五 (代 赵六)"


def test_a_revision_keeps_the_old_version_readable(company, proposed):
    with pytest.raises(ActionRefused, match="修改"):
        services.plan_request_revision(actor=company.sales_head, plan=proposed, comment=" ")
    services.plan_request_revision(
        actor=company.sales_head, plan=proposed, comment="里程碑请细化到周"
    )
    proposed.refresh_from_db()
    assert (
        proposed.state == "revision_requested" and proposed.revision_comment == "里程碑请细化到周"
    )
    with pytest.raises(ActionRefused):
        services.plan_sign(actor=company.tech_head, plan=proposed)
    second = services.plan_new_version(actor=company.tech_staff, plan=proposed)
    assert second.version == 2 and second.content == proposed.content
    assert list(second.milestones.values_list("name", flat=True)) == ["需求确认"]
    services.plan_save(
        actor=company.tech_staff,
        request=proposed.request,
        data=plan_data(company, content="第二版"),
    )
    proposed.refresh_from_db()
    assert proposed.content != "第二版"
    assert CollabPlan.objects.get(version=2).content == "第二版"


def test_an_external_contact_confirms_once_through_the_link(company, external_planning):
    plan = external_planning.plans.get()
    receiver = external_planning.receivers.get(kind="external")
    with pytest.raises(ActionRefused):
        services.plan_external_link_create(actor=company.tech_staff, plan=plan, receiver=receiver)
    path = services.plan_external_link_create(
        actor=company.sales_staff, plan=plan, receiver=receiver
    )
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert token not in str(ExternalLink.objects.values_list(flat=True))
    services.plan_sign(actor=company.sales_head, plan=plan)
    services.plan_sign(actor=company.tech_head, plan=plan)
    services.plan_external_decide(token=token, typed_name="高建华", ip="203.0.113.7", agree=True)
    plan.refresh_from_db()
    external_planning.refresh_from_db()
    assert plan.state == "confirmed" and external_planning.stage == Case.Stage.BREAKDOWN
    signoff = SignOff.objects.get(external_contact__isnull=False)
    assert (signoff.signer_name, signoff.ip) == ("高建华", "203.0.113.7")
    with pytest.raises(ExternalLinkInvalid) as reused:
        services.plan_external_decide(
            token=token, typed_name="高建华", ip="203.0.113.7", agree=True
        )
    assert reused.value.reason == "used"
    assert SignOff.objects.filter(external_contact__isnull=False).count() == 1


def test_an_expired_link_is_refused_and_changes_nothing(company, external_planning):
    plan = external_planning.plans.get()
    receiver = external_planning.receivers.get(kind="external")
    path = services.plan_external_link_create(
        actor=company.sales_staff, plan=plan, receiver=receiver
    )
    token = path.rstrip("/").rsplit("/", 1)[-1]
    ExternalLink.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(ExternalLinkInvalid) as expired:
        services.plan_external_decide(token=token, typed_name="高建华", ip=None, agree=True)
    assert expired.value.reason == "expired"
    assert not SignOff.objects.filter(external_contact__isnull=False).exists()


def test_an_external_contact_can_ask_for_changes(company, external_planning):
    plan = external_planning.plans.get()
    receiver = external_planning.receivers.get(kind="external")
    token = (
        services.plan_external_link_create(actor=company.sales_staff, plan=plan, receiver=receiver)
        .rstrip("/")
        .rsplit("/", 1)[-1]
    )
    with pytest.raises(ValidationError):
        services.plan_external_decide(
            token=token, typed_name="高建华", ip=None, agree=False, comment=""
        )
    services.plan_external_decide(
        token=token, typed_name="高建华", ip=None, agree=False, comment="访谈人数需增加到 3 人"
    )
    plan.refresh_from_db()
    assert plan.state == "revision_requested" and "3 人" in plan.revision_comment
    assert Activity.objects.filter(verb="plan_revision", actor_name__contains="高建华").exists()
