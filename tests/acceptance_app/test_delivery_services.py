"""The delivery list (《成果交付清单》) and its acceptance: who may do what, in which stage, the
key-task gate, rework reopening tasks, and the next version showing what changed."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from acceptance_app import policies, services
from acceptance_app.models import AcceptanceReview, Delivery, DeliveryFile, DeliveryItem
from acceptance_app.pages import delivery_page, version_views
from acceptance_app.services import ItemData, Verdict
from collab_portal.activity.models import Activity
from collab_portal.lib.refusals import ActionRefused
from collab_portal.notifications.models import Notification
from collab_portal.signoffs.canonical import snapshot_hash
from requests_app import services as request_services
from tasks_app import services as task_services
from tasks_app.models import Task
from tests.factories import DelegationFactory, UserFactory
from tests.fixtures.acceptance import (
    all_pass,
    finish_all_tasks,
    first_fails,
    leaf,
    pdf_file,
    signoffs_of,
)
from tests.fixtures.registration import registration


def _item(case, name="问卷设计", **fields):
    return ItemData(task=leaf(case, name), name=fields.pop("title", "调研问卷"), **fields)


# --- assembling the list --------------------------------------------------------------------


def test_it_starts_version_1_when_the_first_item_is_added(company, executing):
    item = services.delivery_item_add(
        actor=company.tech_staff,
        request=executing,
        data=_item(executing, version="v1"),
        files=[pdf_file()],
    )
    delivery = item.delivery
    assert (delivery.version, delivery.state, delivery.prepared_by) == (
        1,
        Delivery.State.DRAFT,
        company.tech_staff,
    )
    stored = item.files.get()
    assert stored.name == "交付物.pdf" and len(stored.sha256) == 64
    assert stored.file.read().startswith(b"%PDF")
    assert Activity.objects.filter(verb="delivery_item_add", comment="调研问卷").exists()


def test_a_task_owner_adds_items_for_their_own_task_only(company, executing):
    services.delivery_item_add(
        actor=company.tech_head, request=executing, data=_item(executing, "问卷设计")
    )
    with pytest.raises(ActionRefused):
        services.delivery_item_add(
            actor=company.tech_head, request=executing, data=_item(executing, "方案反馈")
        )
    assert DeliveryItem.objects.count() == 1


def test_someone_without_a_task_cannot_add_items(company, executing):
    with pytest.raises(ActionRefused):
        services.delivery_item_add(
            actor=company.sales_head, request=executing, data=_item(executing)
        )
    assert not Delivery.objects.exists()


def test_items_are_refused_before_execution(company, breakdown, add_task):
    task = add_task(breakdown, "接口开发")
    with pytest.raises(ActionRefused, match="任务拆解"):
        services.delivery_item_add(
            actor=company.tech_staff,
            request=breakdown,
            data=ItemData(task=task, name="接口文档"),
        )
    assert not Delivery.objects.exists()


def test_bad_item_input_is_refused_with_messages_and_changes_nothing(company, executing):
    with pytest.raises(ValidationError) as error:
        services.delivery_item_add(
            actor=company.tech_staff,
            request=executing,
            data=ItemData(task=leaf(executing, "问卷设计"), name="  ", quantity=0),
        )
    assert set(error.value.message_dict) == {"name", "quantity"}
    assert not Delivery.objects.exists()


def test_an_executable_file_is_refused_and_no_item_is_left_behind(company, executing):
    exe = SimpleUploadedFile("report.pdf", b"MZ\x90\x00rest", "application/pdf")
    with pytest.raises(ValidationError) as error:
        services.delivery_item_add(
            actor=company.tech_staff, request=executing, data=_item(executing), files=[exe]
        )
    assert "files" in error.value.message_dict
    assert not DeliveryItem.objects.exists() and not DeliveryFile.objects.exists()


def test_a_task_of_another_case_is_refused(company, executing):
    other_case = request_services.request_create(
        initiator=company.sales_staff, data=registration(internal_departments=[company.tech])
    )
    other = Task.objects.create(request=other_case, name="别的")
    with pytest.raises(ValidationError) as error:
        services.delivery_item_add(
            actor=company.tech_staff, request=executing, data=ItemData(task=other, name="x")
        )
    assert "task" in error.value.message_dict


# --- submitting: the acceptance request ---------------------------------------------------


def test_submitting_moves_the_case_to_acceptance_and_tells_the_initiator(company, delivered):
    services.delivery_submit(actor=company.tech_staff, delivery=delivered, summary="请验收")
    delivered.refresh_from_db()
    case = delivered.request
    case.refresh_from_db()
    assert delivered.state == Delivery.State.SUBMITTED and delivered.submitted_at
    assert case.stage == "accepting"
    assert Notification.objects.filter(recipient=company.sales_staff, target_id=str(delivered.pk))
    assert Activity.objects.filter(verb="delivery_submit", to_state="accepting").exists()


def test_submitting_while_a_key_task_is_open_is_refused_listing_it(company, executing):
    services.delivery_item_add(
        actor=company.tech_staff, request=executing, data=_item(executing, "问卷设计")
    )
    task_services.task_complete(actor=company.tech_head, task=leaf(executing, "问卷设计"))
    delivery = executing.deliveries.get()
    with pytest.raises(ActionRefused) as refused:
        services.delivery_submit(actor=company.tech_staff, delivery=delivery)
    assert "方案反馈" in refused.value.message and "2 方案反馈" in refused.value.message
    delivery.refresh_from_db()
    executing.refresh_from_db()
    assert delivery.state == Delivery.State.DRAFT and executing.stage == "executing"


def test_a_key_parent_is_open_while_any_leaf_below_it_is(company, executing):
    research = Task.objects.get(request=executing, name="需求调研")
    Task.objects.filter(pk=research.pk).update(is_key=True)
    finish_all_tasks(executing)
    assert policies.key_tasks_not_done(executing) == []
    interview = leaf(executing, "客户访谈")
    Task.objects.filter(pk=interview.pk).update(status=Task.Status.IN_PROGRESS)
    # The open key work is listed: the subtask of the key parent (issue 18, point 6).
    assert [t.name for t in policies.key_tasks_not_done(executing)] == ["客户访谈"]


def test_only_the_coordinator_submits(company, delivered):
    with pytest.raises(ActionRefused):
        services.delivery_submit(actor=company.tech_head, delivery=delivered)
    delivered.refresh_from_db()
    assert delivered.state == Delivery.State.DRAFT


def test_the_coordinators_delegate_submits_for_them(company, delivered):
    DelegationFactory(principal=company.tech_staff, delegate=company.tech_head)
    services.delivery_submit(actor=company.tech_head, delivery=delivered)
    delivered.refresh_from_db()
    assert delivered.state == Delivery.State.SUBMITTED


def test_an_empty_list_cannot_be_submitted(company, executing):
    finish_all_tasks(executing)
    empty = Delivery.objects.create(request=executing, version=1, prepared_by=company.tech_staff)
    with pytest.raises(ActionRefused, match="没有"):
        services.delivery_submit(actor=company.tech_staff, delivery=empty)


def test_a_submitted_list_cannot_be_submitted_or_changed_again(company, submitted):
    with pytest.raises(ActionRefused):
        services.delivery_submit(actor=company.tech_staff, delivery=submitted)
    item = submitted.items.first()
    with pytest.raises(ActionRefused):
        services.delivery_item_remove(actor=company.tech_staff, item=item)
    with pytest.raises(ActionRefused):
        services.delivery_item_add(
            actor=company.tech_staff, request=submitted.request, data=_item(submitted.request)
        )
    assert submitted.items.count() == 2


def test_the_coordinator_withdraws_a_pending_delivery(company, submitted):
    services.delivery_withdraw(actor=company.tech_staff, delivery=submitted)
    submitted.refresh_from_db()
    submitted.request.refresh_from_db()
    assert submitted.state == Delivery.State.DRAFT and submitted.request.stage == "executing"
    with pytest.raises(ActionRefused):
        services.delivery_withdraw(actor=company.tech_staff, delivery=submitted)


def test_nobody_else_withdraws(company, submitted):
    with pytest.raises(ActionRefused):
        services.delivery_withdraw(actor=company.sales_staff, delivery=submitted)
    submitted.refresh_from_db()
    assert submitted.state == Delivery.State.SUBMITTED


def test_urging_is_limited_to_once_in_four_hours(company, submitted):
    services.delivery_urge(actor=company.tech_staff, delivery=submitted)
    assert Notification.objects.filter(recipient=company.sales_staff, title__contains="等待")
    with pytest.raises(ActionRefused, match="再次催办"):
        services.delivery_urge(actor=company.tech_staff, delivery=submitted)
    with pytest.raises(ActionRefused):
        services.delivery_urge(actor=company.sales_head, delivery=submitted)
    assert Activity.objects.filter(verb="delivery_urge").count() == 1


# --- acceptance -----------------------------------------------------------------------------


def test_all_items_passing_accepts_signs_and_opens_the_retrospective(company, submitted):
    review = services.acceptance_decide(
        actor=company.sales_staff, delivery=submitted, verdicts=all_pass(submitted), comment="好"
    )
    submitted.refresh_from_db()
    case = submitted.request
    case.refresh_from_db()
    assert review.decision == AcceptanceReview.Decision.ACCEPTED
    assert submitted.state == Delivery.State.ACCEPTED and case.stage == "retrospective"
    signoff = signoffs_of(submitted).get()
    assert signoff.meaning == "accepted" and signoff.signer == company.sales_staff
    assert signoff.content_sha256 == snapshot_hash(signoff.snapshot)
    assert signoff.sha256 == snapshot_hash(signoff.seal)
    assert [i["passed"] for i in signoff.snapshot["items"]] == [True, True]
    assert signoff.snapshot["items"][0]["files"][0]["name"] == "问卷.pdf"
    assert case.retrospective.author == company.tech_staff
    assert Notification.objects.filter(recipient=company.tech_head, title__contains="复盘")


def test_the_initiators_delegate_accepts_on_their_behalf(company, submitted):
    DelegationFactory(principal=company.sales_staff, delegate=company.sales_head)
    services.acceptance_decide(
        actor=company.sales_head, delivery=submitted, verdicts=all_pass(submitted)
    )
    signoff = signoffs_of(submitted).get()
    assert signoff.on_behalf_of == company.sales_staff
    assert "代" in signoff.label or "for" in signoff.label


@pytest.mark.parametrize("who", ["tech_staff", "tech_head", "sales_head", "admin"])
def test_only_the_initiator_accepts(company, submitted, who):
    with pytest.raises(ActionRefused):
        services.acceptance_decide(
            actor=getattr(company, who), delivery=submitted, verdicts=all_pass(submitted)
        )
    submitted.refresh_from_db()
    assert submitted.state == Delivery.State.SUBMITTED
    assert not AcceptanceReview.objects.exists() and not signoffs_of(submitted).exists()


def test_a_draft_cannot_be_accepted(company, delivered):
    with pytest.raises(ActionRefused):
        services.acceptance_decide(
            actor=company.sales_staff, delivery=delivered, verdicts=all_pass(delivered)
        )
    assert not AcceptanceReview.objects.exists()


def test_a_failed_item_needs_a_comment_and_every_item_a_verdict(company, submitted):
    items = list(submitted.items.all())
    with pytest.raises(ValidationError) as error:
        services.acceptance_decide(
            actor=company.sales_staff,
            delivery=submitted,
            verdicts={items[0].pk: Verdict(passed=False, comment=" ")},
        )
    assert set(error.value.message_dict) == {f"item_{items[0].pk}", f"item_{items[1].pk}"}
    submitted.refresh_from_db()
    assert submitted.state == Delivery.State.SUBMITTED and not AcceptanceReview.objects.exists()


def test_a_failed_item_sends_the_delivery_back_and_reopens_its_task(company, submitted):
    questionnaire = leaf(submitted.request, "问卷设计")
    services.acceptance_decide(
        actor=company.sales_staff, delivery=submitted, verdicts=first_fails(submitted)
    )
    submitted.refresh_from_db()
    case = submitted.request
    case.refresh_from_db()
    questionnaire.refresh_from_db()
    assert submitted.state == Delivery.State.REJECTED and case.stage == "executing"
    assert questionnaire.status == Task.Status.IN_PROGRESS and questionnaire.progress == 0
    assert "问卷题目不全" in questionnaire.status_reason
    assert leaf(case, "方案反馈").status == Task.Status.DONE  # its item passed
    assert signoffs_of(submitted).get().meaning == "rejected"
    assert Notification.objects.filter(recipient=company.tech_head, body__contains="问卷题目不全")
    assert Activity.objects.filter(verb="task_rework", target_id=str(questionnaire.pk)).exists()


def test_the_rework_is_delivered_as_version_2_showing_what_changed(company, submitted):
    services.acceptance_decide(
        actor=company.sales_staff, delivery=submitted, verdicts=first_fails(submitted)
    )
    case = submitted.request
    questionnaire = leaf(case, "问卷设计")
    old_item = submitted.items.get(name="调研问卷")
    # The first change after the rejection starts version 2 as a copy of version 1.
    services.delivery_item_add(
        actor=company.tech_staff,
        request=case,
        data=ItemData(task=questionnaire, name="访谈提纲"),
    )
    v2 = case.deliveries.get(version=2)
    copied = v2.items.get(previous=old_item)
    assert copied.files.get().sha256 == old_item.files.get().sha256
    services.delivery_item_update(
        actor=company.tech_staff,
        item=copied,
        data=ItemData(task=questionnaire, name="调研问卷", version="v1.1"),
        files=[pdf_file("问卷-v1.1.pdf", b"more questions")],
    )
    task_services.task_complete(actor=company.tech_head, task=questionnaire)
    with pytest.raises(ValidationError):
        services.delivery_submit(actor=company.tech_staff, delivery=v2)  # says what changed
    services.delivery_submit(actor=company.tech_staff, delivery=v2, changes="补全问卷题目")
    views = {v.delivery.version: v for v in version_views(list(case.deliveries.all()))}
    rows = {row.item.name: row for row in views[2].rows}
    assert rows["调研问卷"].change == "changed"
    assert set(rows["调研问卷"].changed_fields) == {"版本", "文件"}
    assert rows["调研问卷"].rework_comment == "问卷题目不全"
    assert rows["方案反馈报告"].change == "unchanged"
    assert rows["访谈提纲"].change == "new"
    # Version 1 stays readable as it was judged.
    assert [r.verdict_passed for r in views[1].rows] == [False, True]
    services.acceptance_decide(actor=company.sales_staff, delivery=v2, verdicts=all_pass(v2))
    case.refresh_from_db()
    assert case.stage == "retrospective"
    assert list(case.deliveries.values_list("version", "state")) == [
        (2, "accepted"),
        (1, "rejected"),
    ]


def test_a_file_shared_with_an_earlier_version_is_kept_when_removed_from_the_draft(
    company, submitted
):
    services.acceptance_decide(
        actor=company.sales_staff, delivery=submitted, verdicts=first_fails(submitted)
    )
    case = submitted.request
    services.delivery_item_add(
        actor=company.tech_staff, request=case, data=_item(case, title="访谈提纲")
    )
    v2 = case.deliveries.get(version=2)
    shared = v2.items.get(name="调研问卷").files.get()
    services.delivery_file_remove(actor=company.tech_staff, file=shared)
    original = submitted.items.get(name="调研问卷").files.get()
    assert original.file.storage.exists(original.file.name)
    assert original.file.read().startswith(b"%PDF")


def test_the_page_flags_follow_the_person_and_the_state(company, delivered, submitted):
    case = submitted.request
    coordinator = delivery_page(user=company.tech_staff, request=case)
    initiator = delivery_page(user=company.sales_staff, request=case)
    outsider_page = delivery_page(user=company.sales_head, request=case)
    assert coordinator.can_withdraw and coordinator.can_urge and not coordinator.can_accept
    assert initiator.can_accept and not initiator.can_withdraw
    assert not any(
        [outsider_page.can_accept, outsider_page.can_withdraw, outsider_page.can_add_item]
    )


def test_a_stranger_is_refused_everything(company, submitted):
    stranger = UserFactory(username="stranger", department=company.sales)
    for call in (
        lambda: services.delivery_withdraw(actor=stranger, delivery=submitted),
        lambda: services.acceptance_decide(
            actor=stranger, delivery=submitted, verdicts=all_pass(submitted)
        ),
        lambda: services.acceptance_link_create(actor=stranger, delivery=submitted),
    ):
        with pytest.raises(ActionRefused):
            call()


def test_the_next_version_starts_from_a_rejected_one_only(company, submitted):
    case = submitted.request
    with pytest.raises(ActionRefused):
        services.delivery_new_version(actor=company.tech_staff, request=case)  # still pending
    services.acceptance_decide(
        actor=company.sales_staff, delivery=submitted, verdicts=first_fails(submitted)
    )
    with pytest.raises(ActionRefused):
        services.delivery_new_version(actor=company.sales_head, request=case)  # not a preparer
    assert case.deliveries.count() == 1
    v2 = services.delivery_new_version(actor=company.tech_head, request=case)
    assert (v2.version, v2.state, v2.items.count()) == (2, Delivery.State.DRAFT, 2)
    with pytest.raises(ActionRefused):
        services.delivery_new_version(actor=company.tech_staff, request=case)  # v2 exists
    assert case.deliveries.count() == 2
