"""A line break in a one-line field (issue 17, finding 9): a request's subject of
``"…\\r\\nBcc: x@evil"`` was accepted, and the reviewer's e-mail then never went out — Django
refuses a header with a line break, and the outbox row stayed pending for ever.

Every one-line text field of the portal's forms refuses control characters with a message in
the user's language and writes nothing; text areas still take line breaks. What is already
stored with one (an old row) is e-mailed with a one-line subject: tests/notifications."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from tests.security.bad_input_corpus import FORM_IDS, FORMS, case_of
from tests.security.test_bad_input import case_state, changed_tables, feedback, table_counts

ONE_LINE_MESSAGE = "请在一行内填写：不能包含换行、制表符或其他控制字符。"

# What a header injection through a one-line field looks like, and the other control
# characters that have no place on one line.
PAYLOADS = [
    "客户需求对接\r\nBcc: x@evil.example",
    "客户需求对接\nSubject: 您的账号已冻结",
    "客户需求对接\rX-Priority: 1",
    "客户需求对接\r\n\r\n伪造的正文",
    "客户\t需求",
    "客户\x0b需求",
    "客户\x0c需求",
    "客户\x1b[31m需求",
    "客户\x85需求",  # NEL
    "客户\u2028需求",  # line separator
    "客户\u2029需求",  # paragraph separator
    "客户\x7f需求",
]
LINE_BREAK = "甲\r\nBcc: x@evil.cn"  # short enough for every field's limit

# The one-line text fields of the forms in tests/security/bad_input_corpus.py; every other text
# field there is a text area.
ONE_LINE_FIELDS = {
    "registration_create": {"subject", "metric", "unit"},
    "registration_edit": {"subject", "metric", "unit"},
    "sync_record": {"recipients"},
    "kickoff": {"location", "external_attendees"},
    "plan_edit": {"milestones-0-name"},
    "wbs_task_add": {"name"},
    "wbs_template_save": {"name"},
    "item_add": {"name", "version"},
    "delegation": {"reason"},
}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_registration_form_refuses_a_subject_with_control_characters(company, login, payload):
    client = login(company.sales_staff)

    response = client.post(
        reverse("requests_app:create"),
        {
            "subject": payload,
            "goal": "收集客户的建议\r\n第二行：目标可以写多行",
            "internal_departments": [company.tech.pk],
            "expected_deadline": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
            "initiator_role": "project_liaison",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"subject": [ONE_LINE_MESSAGE]}
    assert ONE_LINE_MESSAGE in response.content.decode()
    assert not Case.objects.exists()


@pytest.fixture
def stage_value(request, company):
    spec = request.node.callspec.params["spec"]
    return company if spec.stage == "company" else request.getfixturevalue(spec.stage)


@pytest.mark.parametrize("spec", FORMS, ids=FORM_IDS)
def test_every_one_line_field_refuses_a_line_break_and_text_areas_take_it(
    spec, company, stage_value, client
):
    client.force_login(getattr(company, spec.actor))
    case = None if spec.stage == "company" else case_of(stage_value)
    ctx = {"company": company, "case": case}
    url = spec.url(stage_value, ctx)
    one_line = ONE_LINE_FIELDS.get(spec.name, set())
    assert one_line <= set(spec.text_fields)

    for name in spec.text_fields:
        with transaction.atomic():
            before, state = table_counts(), case_state(case) if case else None
            response = client.post(url, {**spec.payload(stage_value, ctx), name: LINE_BREAK})
            errors, _others = feedback(response)
            if name in one_line:
                assert ONE_LINE_MESSAGE in errors, (spec.name, name, errors)
                assert changed_tables(before, table_counts()) == {}, (spec.name, name)
                if case:
                    assert case_state(case) == state, (spec.name, name)
            else:
                assert not errors, (spec.name, name, errors)
            transaction.set_rollback(True)
