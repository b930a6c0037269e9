"""An archived case is read-only: every write service of stages 1–2 refuses with the one
archived message and changes nothing (and goes through once the case is not archived, so the
archive is the reason); the pages that write answer with the message, never a server error; the
case page, its PDFs and the search keep working."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.archive_guard import archived_message
from cases.models import Case
from collab_portal.lib.refusals import ActionRefused
from requests_app import services
from requests_app.models import Attachment, CollabPlan
from tests.fixtures.registration import plan_data, registration
from tests.platform.archived import (
    archive,
    assert_refused_as_archived,
    fresh,
    set_stage,
    snapshot,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _attach(company, case) -> Attachment:
    return Attachment.objects.create(
        request=case,
        file=SimpleUploadedFile("x.pdf", PDF_BYTES),
        name="需求说明.pdf",
        size=len(PDF_BYTES),
        content_type="application/pdf",
        sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
        uploaded_by=company.sales_staff,
    )


def _sync_record(company, case):
    return services.sync_record_add(
        actor=company.sales_staff,
        request=case,
        receiver=case.receivers.get(),
        channel="dingtalk",
        sent_at=timezone.now(),
        recipients="赵六",
    )


def _link_token(company, case) -> str:
    plan = case.plans.get()
    receiver = case.receivers.get(kind="external")
    path = services.plan_external_link_create(
        actor=company.sales_staff, plan=plan, receiver=receiver
    )
    return path.rstrip("/").rsplit("/", 1)[-1]


# Each scenario: (fixture, set-up) where set-up(company, value) prepares what the write needs
# and returns (case, write). The write fetches its objects afresh, as a view would.
def _urge(company, case):
    return case, lambda: services.request_urge(actor=company.sales_staff, request=fresh(case))


def _withdraw(company, case):
    return case, lambda: services.request_withdraw(actor=company.sales_staff, request=fresh(case))


def _approve(company, case):
    return case, lambda: services.request_approve(
        actor=company.sales_head,
        request=fresh(case),
        goal_quantifiable=True,
        receiver_clear=True,
        deadline_reasonable=True,
    )


def _return(company, case):
    return case, lambda: services.request_return(
        actor=company.sales_head, request=fresh(case), reason_code="other", comment="补充背景"
    )


def _hand_over(company, case):
    return case, lambda: services.request_hand_over(
        actor=company.sales_head, request=fresh(case), to=company.leader
    )


def _copy_in(company, case):
    return case, lambda: services.request_copy_in(
        actor=company.sales_staff, request=fresh(case), people=[company.tech_head]
    )


def _cancel(company, case):
    return case, lambda: services.request_cancel(
        actor=company.admin, request=fresh(case), reason="客户终止合作"
    )


def _attachment_delete(company, case):
    attachment = _attach(company, case)
    return case, lambda: services.attachment_delete(
        actor=company.sales_staff, attachment=fresh(attachment)
    )


def _update(company, case):
    return case, lambda: services.request_update(
        actor=company.sales_staff,
        request=fresh(case),
        data=registration(subject="归档后改", internal_departments=[company.tech]),
    )


def _submit(company, case):
    return case, lambda: services.request_submit(actor=company.sales_staff, request=fresh(case))


def _sync_add(company, case):
    return case, lambda: _sync_record(company, fresh(case))


def _acknowledge(company, case):
    record = _sync_record(company, case)
    return case, lambda: services.sync_acknowledge(actor=company.tech_staff, record=fresh(record))


def _kickoff(company, case):
    return case, lambda: services.kickoff_record(
        actor=company.sales_staff,
        request=fresh(case),
        mode="online",
        held_at=timezone.now(),
        location="腾讯会议",
        invited=[company.tech_head],
        attended=[company.tech_head],
        minutes="讲解需求",
    )


def _finish_sync(company, case):
    record = _sync_record(company, case)
    services.sync_acknowledge(actor=company.tech_staff, record=record)
    return case, lambda: services.request_finish_sync(
        actor=company.sales_staff, request=fresh(case)
    )


def _plan_save(company, case):
    return case, lambda: services.plan_save(
        actor=company.tech_staff, request=fresh(case), data=plan_data(company)
    )


def _plan_propose(company, case):
    plan = services.plan_save(actor=company.tech_staff, request=case, data=plan_data(company))
    return case, lambda: services.plan_propose(actor=company.tech_staff, plan=fresh(plan))


def _plan_sign(company, plan):
    return plan.request, lambda: services.plan_sign(actor=company.tech_head, plan=fresh(plan))


def _plan_revision(company, plan):
    return plan.request, lambda: services.plan_request_revision(
        actor=company.tech_head, plan=fresh(plan), comment="里程碑再细化"
    )


def _plan_new_version(company, plan):
    services.plan_request_revision(actor=company.tech_head, plan=plan, comment="里程碑再细化")
    return plan.request, lambda: services.plan_new_version(
        actor=company.tech_staff, plan=fresh(plan)
    )


def _link_create(company, case):
    return case, lambda: _link_token(company, fresh(case))


def _external_decide(company, case):
    token = _link_token(company, case)
    return case, lambda: services.plan_external_decide(
        token=token, typed_name="高建华", ip="127.0.0.1", agree=True
    )


def _link_revoke(company, case):
    from collab_portal.signoffs.models import ExternalLink

    _link_token(company, case)
    link = ExternalLink.objects.get()
    return case, lambda: services.case_link_revoke(
        actor=company.sales_staff, request=fresh(case), link=link
    )


def _link_email(company, case):
    token = _link_token(company, case)
    return case, lambda: services.case_link_email(
        actor=company.sales_staff, request=fresh(case), token=token, base_url="http://testserver/"
    )


SCENARIOS = {
    "request_urge": ("pending", _urge),
    "request_withdraw": ("pending", _withdraw),
    "request_approve": ("pending", _approve),
    "request_return": ("pending", _return),
    "request_hand_over": ("pending", _hand_over),
    "request_copy_in": ("executing", _copy_in),
    "request_cancel": ("executing", _cancel),
    "attachment_delete": ("draft", _attachment_delete),
    "request_update": ("draft", _update),
    "request_submit": ("draft", _submit),
    "sync_record_add": ("syncing", _sync_add),
    "sync_acknowledge": ("syncing", _acknowledge),
    "kickoff_record": ("syncing", _kickoff),
    "request_finish_sync": ("syncing", _finish_sync),
    "plan_save": ("planning", _plan_save),
    "plan_propose": ("planning", _plan_propose),
    "plan_sign": ("proposed", _plan_sign),
    "plan_request_revision": ("proposed", _plan_revision),
    "plan_new_version": ("proposed", _plan_new_version),
    "plan_external_link_create": ("external_planning", _link_create),
    "plan_external_decide": ("external_planning", _external_decide),
    "case_link_revoke": ("external_planning", _link_revoke),
    "case_link_email": ("external_planning", _link_email),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_it_refuses_every_write_on_an_archived_case_and_changes_nothing(request, company, name):
    fixture, set_up = SCENARIOS[name]
    case, write = set_up(company, request.getfixturevalue(fixture))
    stage = fresh(case).stage
    archive(case)
    before = snapshot()

    with pytest.raises(ActionRefused) as refused:
        write()

    assert refused.value.message == archived_message()
    assert snapshot() == before
    # The same write goes through on the case as it was: the archive alone refused it.
    set_stage(case, stage)
    write()
    assert snapshot() != before


def test_a_case_cannot_be_cancelled_once_archived_nor_copied_in_even_by_an_admin(
    company, executing
):
    archive(executing)
    for write in (
        lambda: services.request_cancel(actor=company.admin, request=executing, reason="重开"),
        lambda: services.request_copy_in(
            actor=company.sales_staff, request=executing, people=[company.leader]
        ),
    ):
        with pytest.raises(ActionRefused, match=archived_message()):
            write()
    assert fresh(executing).stage == Case.Stage.ARCHIVED
    assert not executing.carbon_copies.exists()


# --- the pages --------------------------------------------------------------------------------


def _url(name, case, *args):
    return reverse(f"requests_app:{name}", args=[case.code, *args])


# (fixture, who posts, set-up(company, value) -> (case, url, data))
def _post_case(name, data=None):
    return lambda company, case: (case, _url(name, case), data or {})


def _post_attachment_delete(company, case):
    attachment = _attach(company, case)
    return case, _url("attachment_delete", case, attachment.pk), {}


def _post_acknowledge(company, case):
    record = _sync_record(company, case)
    return case, _url("sync_ack", case, record.pk), {}


def _post_plan(name, data=None):
    return lambda company, plan: (plan.request, _url(name, plan.request), data or {})


VIEW_POSTS = {
    "urge": ("pending", "sales_staff", _post_case("urge")),
    "withdraw": ("pending", "sales_staff", _post_case("withdraw")),
    "review": (
        "pending",
        "sales_head",
        _post_case(
            "review",
            {
                "decision": "approve",
                "goal_quantifiable": "on",
                "receiver_clear": "on",
                "deadline_reasonable": "on",
                "reason_code": "",
                "comment": "同意",
            },
        ),
    ),
    "copy_in": ("executing", "sales_staff", None),  # people filled in by the test
    "cancel": ("executing", "admin", _post_case("cancel", {"reason": "客户终止合作"})),
    "attachment_delete": ("draft", "sales_staff", _post_attachment_delete),
    "edit": ("draft", "sales_staff", _post_case("edit", {"subject": "归档后改"})),
    "sync_ack": ("syncing", "tech_staff", _post_acknowledge),
    "sync_add": ("syncing", "sales_staff", _post_case("sync_add", {"recipients": "赵六"})),
    "kickoff": ("syncing", "sales_staff", _post_case("kickoff", {"location": "会议室"})),
    "plan_edit": ("planning", "tech_staff", _post_case("plan_edit", {"content": "改"})),
    "plan_sign": ("proposed", "tech_head", _post_plan("plan_sign", {"comment": "同意"})),
    "plan_propose": ("proposed", "tech_staff", _post_plan("plan_propose")),
}


@pytest.mark.parametrize("name", VIEW_POSTS)
def test_a_post_on_an_archived_case_shows_the_message_and_changes_nothing(
    request, company, login, name
):
    fixture, who, set_up = VIEW_POSTS[name]
    value = request.getfixturevalue(fixture)
    if set_up is None:  # copy in: the form needs a person's id
        set_up = _post_case("copy_in", {"people": [company.tech_head.pk]})
    case, url, data = set_up(company, value)
    archive(case)
    before = snapshot()

    response = login(getattr(company, who)).post(url, data, follow=True)

    assert_refused_as_archived(response)
    assert snapshot() == before


def test_the_archived_case_page_offers_no_action_and_its_pdfs_render(company, executing, login):
    _attach(company, executing)
    case = archive(executing)
    for user in (company.sales_staff, company.admin, company.tech_head):
        page = login(user).get(_url("detail", case))
        assert page.status_code == 200
        actions = page.context["page"].actions
        assert not any(value for name, value in vars(actions).items() if name != "acknowledge"), (
            user
        )
        assert actions.acknowledge == []
        html = page.content.decode()
        for name in ("copy_in", "cancel", "urge", "withdraw", "submit"):
            assert _url(name, case) not in html, (user, name)
    client = login(company.sales_staff)
    for url in (
        _url("pdf_registration", case),
        _url("pdf_sync", case),
        _url("pdf_plan", case, case.plans.get().version),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response).startswith(b"%PDF")
    download = client.get(_url("attachment", case, case.attachments.get().pk))
    assert download.status_code == 200 and b"".join(download) == PDF_BYTES


def test_archived_cases_are_still_found_by_search_and_listed(company, executing, login):
    case = archive(executing)
    client = login(company.sales_staff)
    found = client.get(reverse("requests_app:list"), {"q": case.code})
    assert found.status_code == 200 and case.code in found.content.decode()
    by_stage = client.get(reverse("requests_app:all"), {"stage": "archived"})
    assert by_stage.status_code == 200 and case.code in by_stage.content.decode()


def test_a_plan_link_opened_after_the_archive_refuses_and_stays_unused(
    company, external_planning, client
):
    token = _link_token(company, external_planning)
    archive(external_planning)
    before = snapshot()
    response = client.post(
        reverse("external:plan", args=[token]),
        {"typed_name": "高建华", "decision": "confirm", "comment": ""},
    )
    assert response.status_code == 410
    assert archived_message() in response.content.decode()
    assert snapshot() == before
    assert not CollabPlan.objects.filter(state=CollabPlan.State.CONFIRMED).exists()
