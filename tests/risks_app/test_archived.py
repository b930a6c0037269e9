"""An archived case is read-only: its risks cannot be raised, handled, escalated, instructed,
resolved, closed, reopened or re-rated; each refusal is the one archived message and changes
nothing; the pages answer with the message, never a server error; the register, its PDF and
Excel and a risk's page still render, without buttons; an escalation of an archived case no
longer waits in the leader's inbox."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.archive_guard import archived_message
from collab_portal.lib.refusals import ActionRefused
from risks_app import services
from risks_app.models import Risk
from risks_app.selectors import escalations_waiting
from tasks_app.models import Task
from tests.fixtures.execution import day
from tests.fixtures.risks import risk_data
from tests.platform.archived import (
    archive,
    assert_refused_as_archived,
    fresh,
    set_stage,
    snapshot,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACTIONS = [
    "risk_start",
    "risk_escalate",
    "risk_resolve",
    "risk_close",
    "risk_reopen",
    "risk_instruct",
    "risk_major",
]


def _raise(company, case, **overrides) -> Risk:
    return services.risk_raise(
        actor=company.sales_staff, request=case, data=risk_data(company, **overrides)
    )


def _major(company, case) -> Risk:
    """High impact on the key task: escalated to company.leader on creation."""
    key_task = Task.objects.get(request=case, name="方案反馈")
    return _raise(company, case, impact="high", task=key_task)


def _resolved(company, case) -> Risk:
    risk = _raise(company, case)
    return services.risk_resolve(
        actor=company.tech_staff, risk=risk, resolution="客户已提供", evidence="邮件 2026-05-01"
    )


# Each scenario: set-up(company, case) -> write; the risk's owner and the case's coordinator
# are both company.tech_staff.
def _raise_write(company, case):
    return lambda: _raise(company, fresh(case))


def _start(company, case):
    risk = _raise(company, case)
    return lambda: services.risk_start_handling(actor=company.tech_staff, risk=fresh(risk))


def _escalate(company, case):
    risk = _raise(company, case)
    return lambda: services.risk_escalate(
        actor=company.tech_staff, risk=fresh(risk), comment="需要领导协调"
    )


def _instruct(company, case):
    risk = _major(company, case)
    return lambda: services.risk_instruct(
        actor=company.leader,
        risk=fresh(risk),
        decision="add_resources",
        text="同意增派 2 名开发",
        extra_resources="2 名开发",
    )


def _resolve(company, case):
    risk = _raise(company, case)
    return lambda: services.risk_resolve(
        actor=company.tech_staff, risk=fresh(risk), resolution="已解决", evidence="测试报告"
    )


def _close(company, case):
    risk = _resolved(company, case)
    return lambda: services.risk_close(actor=company.tech_staff, risk=fresh(risk))


def _reopen(company, case):
    risk = _resolved(company, case)
    return lambda: services.risk_reopen(actor=company.tech_staff, risk=fresh(risk), reason="复发")


def _override(company, case):
    risk = _raise(company, case)
    return lambda: services.risk_override_major(
        actor=company.tech_staff, risk=fresh(risk), major=True, reason="影响上线"
    )


SCENARIOS = {
    "risk_raise": _raise_write,
    "risk_start_handling": _start,
    "risk_escalate": _escalate,
    "risk_instruct": _instruct,
    "risk_resolve": _resolve,
    "risk_close": _close,
    "risk_reopen": _reopen,
    "risk_override_major": _override,
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_it_refuses_every_write_on_an_archived_case_and_changes_nothing(company, executing, name):
    write = SCENARIOS[name](company, executing)
    stage = fresh(executing).stage
    archive(executing)
    before = snapshot()

    with pytest.raises(ActionRefused) as refused:
        write()

    assert refused.value.message == archived_message()
    assert snapshot() == before
    # The same write goes through on the case as it was: the archive alone refused it.
    set_stage(executing, stage)
    write()
    assert snapshot() != before


def test_risks_of_a_case_in_retrospective_still_move_until_it_is_archived(company, executing):
    risk = _raise(company, executing)
    set_stage(executing, "retrospective")
    services.risk_resolve(actor=company.tech_staff, risk=risk, resolution="已解决", evidence="报告")
    archive(executing)
    with pytest.raises(ActionRefused, match=archived_message()):
        services.risk_close(actor=company.tech_staff, risk=risk)
    assert fresh(risk).state == Risk.State.RESOLVED


def test_an_escalation_of_an_archived_case_no_longer_waits_for_the_leader(company, executing):
    risk = _major(company, executing)
    assert list(escalations_waiting(company.leader)) == [risk]
    archive(executing)
    assert list(escalations_waiting(company.leader)) == []


# --- the pages --------------------------------------------------------------------------------


def _url(name, case, *args):
    return reverse(f"risks_app:{name}", args=[case.code, *args])


def _risk_post(name, make, data=None):
    def set_up(company, case):
        risk = make(company, case)
        return _url(name, case, risk.number), data or {}

    return set_up


# (who posts, set-up(company, case) -> (url, data))
VIEW_POSTS = {
    "risk_create": (
        "sales_staff",
        lambda company, case: (
            _url("risk_create", case),
            {
                "description": "客户接口文档延迟提供",
                "category": "external_delay",
                "impact": "medium",
                "likelihood": "high",
                "measures": "每日跟进客户",
                "deadline": day(7).isoformat(),
                "owner": company.tech_staff.pk,
            },
        ),
    ),
    "risk_start": ("tech_staff", _risk_post("risk_start", _raise)),
    "risk_escalate": ("tech_staff", _risk_post("risk_escalate", _raise, {"comment": "协调"})),
    "risk_resolve": (
        "tech_staff",
        _risk_post("risk_resolve", _raise, {"resolution": "已解决", "evidence": "报告"}),
    ),
    "risk_close": ("tech_staff", _risk_post("risk_close", _resolved)),
    "risk_reopen": ("tech_staff", _risk_post("risk_reopen", _resolved, {"reason": "复发"})),
    "risk_instruct": (
        "leader",
        _risk_post(
            "risk_instruct",
            _major,
            {"decision": "approve_measures", "text": "同意", "new_deadline": ""},
        ),
    ),
    "risk_major": (
        "tech_staff",
        _risk_post("risk_major", _raise, {"major": "yes", "reason": "影响上线"}),
    ),
}


@pytest.mark.parametrize("name", VIEW_POSTS)
def test_a_post_on_an_archived_case_shows_the_message_and_changes_nothing(
    company, executing, login, name
):
    who, set_up = VIEW_POSTS[name]
    url, data = set_up(company, executing)
    archive(executing)
    before = snapshot()

    response = login(getattr(company, who)).post(url, data, follow=True)

    assert_refused_as_archived(response)
    assert snapshot() == before


def test_the_register_its_exports_and_a_risk_page_render_for_an_archived_case(
    company, executing, login
):
    risk = _major(company, executing)
    case = archive(executing)
    client = login(company.tech_staff)
    register = client.get(_url("case_register", case))
    assert register.status_code == 200 and not register.context["can_raise"]
    assert risk.description in register.content.decode()
    assert _url("risk_create", case) not in register.content.decode()
    pdf = client.get(_url("case_register_pdf", case))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf).startswith(b"%PDF")
    workbook = client.get(_url("case_register_xlsx", case))
    assert workbook.status_code == 200 and workbook["Content-Type"] == XLSX_TYPE
    for user in (company.tech_staff, company.leader):
        page = login(user).get(_url("risk", case, risk.number))
        assert page.status_code == 200
        assert not page.context["page"].actions.any, user
        html = page.content.decode()
        for name in ACTIONS:
            assert _url(name, case, risk.number) not in html, (user, name)
    everywhere = login(company.leader).get(reverse("risks_app:register"))
    assert everywhere.status_code == 200 and risk.description in everywhere.content.decode()
