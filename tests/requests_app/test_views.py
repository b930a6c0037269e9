"""The pages: who sees a case (everyone else gets 404), the journey through forms, and a
constant number of queries per page."""

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from collab_portal.lib.dates import DEADLINE
from collab_portal.org.models import Department
from requests_app import services
from requests_app.models import Attachment
from tests.factories import DepartmentFactory, UserFactory
from tests.fixtures.registration import registration

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def outsiders(company):
    other_division = DepartmentFactory(
        code="OPS", name="运营中心", kind=Department.Kind.DIVISION, parent=company.company
    )
    finance = DepartmentFactory(code="FIN", name="财务部", parent=other_division)
    finance.head = UserFactory(username="fin_head", display_name="严红", department=finance)
    finance.save()
    other_division.leader_in_charge = UserFactory(
        username="ops_leader", display_name="李艳", department=company.company
    )
    other_division.save()
    return {
        "other_staff": UserFactory(username="fin_staff", display_name="华健", department=finance),
        "other_head": finance.head,
        "other_leader": other_division.leader_in_charge,
    }


@pytest.fixture
def case_with_file(company, syncing):
    Attachment.objects.create(
        request=syncing,
        file=SimpleUploadedFile("x.pdf", PDF_BYTES),
        name="需求说明.pdf",
        size=len(PDF_BYTES),
        content_type="application/pdf",
        sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
        uploaded_by=company.sales_staff,
    )
    return syncing


def _case_urls(case):
    attachment = case.attachments.first()
    return [
        reverse("requests_app:detail", args=[case.code]),
        reverse("requests_app:pdf_registration", args=[case.code]),
        reverse("requests_app:pdf_sync", args=[case.code]),
        reverse("requests_app:attachment", args=[case.code, attachment.pk]),
    ]


def _form_urls(case):
    return [
        reverse(name, args=[case.code])
        for name in ("requests_app:sync_add", "requests_app:kickoff", "requests_app:plan_edit")
    ]


ALLOWED = ["sales_staff", "sales_head", "tech_staff", "tech_head", "leader", "admin"]
REFUSED = ["other_staff", "other_head", "other_leader"]


@pytest.mark.parametrize("role", ALLOWED + REFUSED)
def test_the_visibility_matrix(company, outsiders, case_with_file, login, role):
    user = getattr(company, role, None) or outsiders[role]
    client = login(user)
    for url in _case_urls(case_with_file):
        expected = 200 if role in ALLOWED else 404
        assert client.get(url).status_code == expected, (role, url)
    for url in _form_urls(case_with_file):
        response = client.get(url)
        if role in ALLOWED:
            assert response.status_code in (200, 302), (role, url)
        else:
            assert response.status_code == 404, (role, url)
    listed = client.get(reverse("requests_app:all")).content.decode()
    assert (case_with_file.code in listed) == (role in ALLOWED)


def test_anonymous_visitors_are_sent_to_sign_in(client, case_with_file):
    for url in _case_urls(case_with_file) + _form_urls(case_with_file):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_forms_are_only_offered_to_whoever_may_use_them(company, syncing, login):
    initiator, head = login(company.sales_staff), None
    assert (
        b'name="recipients"'
        in initiator.get(reverse("requests_app:sync_add", args=[syncing.code])).content
    )
    head = login(company.tech_head)
    for name in ("requests_app:sync_add", "requests_app:kickoff", "requests_app:plan_edit"):
        response = head.get(reverse(name, args=[syncing.code]), follow=True)
        assert response.redirect_chain[-1][0] == syncing.get_absolute_url()
        assert "只有" in response.content.decode()


def test_a_refused_outsider_cannot_act_on_the_case_either(company, outsiders, pending, login):
    client = login(outsiders["other_head"])
    response = client.post(
        reverse("requests_app:review", args=[pending.code]),
        {
            "decision": "approve",
            "goal_quantifiable": "on",
            "receiver_clear": "on",
            "deadline_reasonable": "on",
        },
    )
    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.stage == Case.Stage.PENDING_REVIEW


def test_registering_through_the_form_with_an_attachment(company, login):
    client = login(company.sales_staff)
    response = client.post(
        reverse("requests_app:create"),
        {
            "subject": "供应商交期协调",
            "goal": "把关键物料交期缩短到 15 天",
            "metric": "交期",
            "target_value": "15",
            "unit": "天",
            "internal_departments": [company.tech.pk],
            "expected_deadline": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
            "initiator_role": "project_liaison",
            "files": [SimpleUploadedFile("交期表.pdf", PDF_BYTES, content_type="application/pdf")],
        },
    )
    case = Case.objects.get()
    assert response["Location"] == case.get_absolute_url()
    attachment = case.attachments.get()
    assert attachment.name == "交期表.pdf" and "交期表" not in attachment.file.name
    download = client.get(reverse("requests_app:attachment", args=[case.code, attachment.pk]))
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert "attachment" in download["Content-Disposition"]


def _new_request(company, **changes) -> dict:
    return {
        "subject": "供应商交期协调",
        "goal": "把关键物料交期缩短到 15 天",
        "internal_departments": [company.tech.pk],
        "expected_deadline": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
        "initiator_role": "project_liaison",
        **changes,
    }


def test_the_registration_form_offers_submit_beside_save_draft(company, login):
    body = login(company.sales_staff).get(reverse("requests_app:create")).content.decode()
    assert 'data-testid="save-draft"' in body and "保存草稿" in body
    assert 'data-testid="save-and-submit"' in body and 'value="submit"' in body


def test_one_click_saves_and_submits_a_new_request(company, login):
    response = login(company.sales_staff).post(
        reverse("requests_app:create"), _new_request(company, action="submit"), follow=True
    )

    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == case.get_absolute_url()
    assert case.stage == Case.Stage.PENDING_REVIEW and case.reviewer == company.sales_head
    assert "已提交审核" in response.content.decode()


def test_one_click_saves_and_resubmits_a_returned_request(company, pending, login):
    services.request_return(
        actor=company.sales_head, request=pending, reason_code="goal_not_measurable", comment="x"
    )
    login(company.sales_staff).post(
        reverse("requests_app:edit", args=[pending.code]),
        _new_request(company, subject="改后的主题", action="submit"),
    )

    pending.refresh_from_db()
    assert (pending.subject, pending.stage) == ("改后的主题", Case.Stage.PENDING_REVIEW)


def test_a_refused_submit_shows_why_and_keeps_the_draft(company, login):
    nobody_reviews = DepartmentFactory(code="NEW", name="新部门", parent=company.company)
    newcomer = UserFactory(username="newcomer", display_name="新人", department=nobody_reviews)

    response = login(newcomer).post(
        reverse("requests_app:create"), _new_request(company, action="submit"), follow=True
    )

    case = Case.objects.get()
    assert case.stage == Case.Stage.DRAFT and case.subject == "供应商交期协调"
    assert response.redirect_chain[-1][0] == case.get_absolute_url()
    body = response.content.decode()
    assert "已保存为草稿，但未能提交：新部门 暂无审核人" in body


def test_save_draft_still_only_saves(company, login):
    login(company.sales_staff).post(
        reverse("requests_app:create"), _new_request(company, action="save")
    )
    assert Case.objects.get().stage == Case.Stage.DRAFT


def test_a_file_that_lies_about_its_type_is_refused_and_nothing_is_saved(company, login):
    client = login(company.sales_staff)
    response = client.post(
        reverse("requests_app:create"),
        {
            "subject": "伪装文件",
            "goal": "测试",
            "internal_departments": [company.tech.pk],
            "expected_deadline": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
            "initiator_role": "project_liaison",
            "files": [SimpleUploadedFile("报告.pdf", b"MZ\x90\x00" + b"\x00" * 100)],
        },
    )
    assert response.status_code == 200
    assert "不接受可执行文件和脚本" in response.content.decode()
    assert not Case.objects.exists()


def test_bad_form_input_gets_chinese_messages(company, login):
    client = login(company.sales_staff)
    response = client.post(
        reverse("requests_app:create"),
        {
            "subject": "",
            "goal": "x",
            "internal_departments": [company.tech.pk],
            "expected_deadline": "2026-02-30",
            "initiator_role": "project_liaison",
        },
    )
    body = response.content.decode()
    assert "这个字段是必填项" in body and "输入一个有效的日期" in body
    past = client.post(
        reverse("requests_app:create"),
        {
            "subject": "过期的需求",
            "goal": "x",
            "internal_departments": [company.tech.pk],
            "expected_deadline": "2020-01-01",
            "initiator_role": "project_liaison",
        },
    )
    first, last = DEADLINE.bounds()
    assert f"请选择 {first} 至 {last} 之间的日期" in past.content.decode()
    assert not Case.objects.exists()


def test_the_review_form_approves_and_returns(company, pending, login):
    client = login(company.sales_head)
    response = client.post(
        reverse("requests_app:review", args=[pending.code]),
        {"decision": "return", "reason_code": "goal_not_measurable", "comment": "请量化"},
        follow=True,
    )
    assert "已退回" in response.content.decode()
    pending.refresh_from_db()
    assert pending.stage == Case.Stage.RETURNED


def test_a_wrong_state_post_shows_a_message_and_changes_nothing(company, syncing, login):
    response = login(company.sales_head).post(
        reverse("requests_app:review", args=[syncing.code]),
        {
            "decision": "approve",
            "goal_quantifiable": "on",
            "receiver_clear": "on",
            "deadline_reasonable": "on",
        },
        follow=True,
    )
    assert "不能再执行此操作" in response.content.decode()
    assert syncing.reviews.count() == 1


def test_the_external_page_needs_no_account_and_refuses_a_reused_link(
    company, external_planning, client
):
    plan = external_planning.plans.get()
    receiver = external_planning.receivers.get(kind="external")
    path = services.plan_external_link_create(
        actor=company.sales_staff, plan=plan, receiver=receiver
    )
    page = client.get(path)
    assert page.status_code == 200 and plan.content in page.content.decode()
    done = client.post(path, {"typed_name": "高建华", "decision": "confirm"})
    assert "记录" in done.content.decode()
    again = client.post(path, {"typed_name": "高建华", "decision": "confirm"})
    assert again.status_code == 410 and "已使用过" in again.content.decode()
    assert client.get("/x/plan/not-a-real-token/").status_code == 410


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _make_cases(company, count):
    for index in range(count):
        case = services.request_create(
            initiator=company.sales_staff,
            data=registration(subject=f"需求{index}", internal_departments=[company.tech]),
        )
        services.request_submit(actor=company.sales_staff, request=case)


def test_lists_and_the_case_page_use_a_constant_number_of_queries(company, login, proposed):
    staff, head = login(company.sales_staff), None
    _make_cases(company, 5)
    urls = [
        reverse("requests_app:list"),
        reverse("requests_app:all"),
        reverse("requests_app:waiting"),
    ]
    case_url = proposed.request.get_absolute_url()
    few = [_count_queries(staff, url) for url in urls]
    head_client = login(company.sales_head)
    few_head = _count_queries(head_client, reverse("requests_app:waiting"))
    few_case = _count_queries(head_client, case_url)
    _make_cases(company, 45)
    staff = login(company.sales_staff)
    many = [_count_queries(staff, url) for url in urls]
    head_client = login(company.sales_head)
    assert few == many
    assert _count_queries(head_client, reverse("requests_app:waiting")) == few_head
    assert _count_queries(head_client, case_url) == few_case
    del head
