"""提交 beside 保存草稿 (save and submit in one click): a tampered ``action`` only saves, and
nobody but the initiator gets a case submitted through someone else's edit form."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case


def _form(company, **changes) -> dict:
    return {
        "subject": "供应商交期协调",
        "goal": "把关键物料交期缩短到 15 天",
        "internal_departments": [company.tech.pk],
        "expected_deadline": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
        "initiator_role": "project_liaison",
        **changes,
    }


@pytest.mark.parametrize("action", ["SUBMIT", "submit ", "approve", "", "submit\x00", "🙂" * 500])
def test_an_action_that_is_not_submit_only_saves_the_draft(company, login, action):
    response = login(company.sales_staff).post(
        reverse("requests_app:create"), _form(company, action=action)
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.stage == Case.Stage.DRAFT and case.reviewer is None


@pytest.mark.parametrize("who", ["sales_head", "tech_staff", "admin"])
def test_someone_else_posting_submit_to_the_initiators_edit_form_changes_nothing(
    company, login, draft, who
):
    response = login(getattr(company, who)).post(
        reverse("requests_app:edit", args=[draft.code]),
        _form(company, subject="别人改的", action="submit"),
        follow=True,
    )
    draft.refresh_from_db()
    assert response.status_code in (200, 404)
    assert (draft.subject, draft.stage) == ("Q3 产品上线客户需求对接", Case.Stage.DRAFT)
