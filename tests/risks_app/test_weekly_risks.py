"""The 周报's risk section (issue 18, point 8): the manual's weekly summary carries the case's
open and major risks, with their impact, likelihood, owner and deadline, the escalations and
the leader's 批示, and the risks resolved during the week — in the draft drafted from the data,
on the page and in the PDF, and kept as published."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from risks_app import services as risks
from risks_app.models import Risk
from tasks_app.selectors import weekly_summary_url
from tasks_app.services import weekly_summary_draft, weekly_summary_publish
from tests.fixtures.risks import risk_data


def fresh(risk: Risk) -> Risk:
    return Risk.objects.get(pk=risk.pk)


@pytest.fixture
def case_risks(company, weekly_case):
    """On the weekly case (coordinator 王五): a major risk on the key task 1 waiting for
    钱总's instruction; a major one he has answered; a plain one past its deadline; one
    resolved; all raised this week."""
    case, coordinator = weekly_case.case, weekly_case.case.coordinator
    key = weekly_case.tasks["1"]

    waiting = risks.risk_raise(
        actor=coordinator,
        request=case,
        data=risk_data(
            company, description="客户访谈对象全部出差", impact="high", likelihood="high", task=key
        ),
    )
    answered = risks.risk_raise(
        actor=coordinator,
        request=case,
        data=risk_data(company, description="测试环境不足", impact="high", task=key),
    )
    risks.risk_instruct(
        actor=company.leader,
        risk=fresh(answered),
        decision="add_resources",
        text="同意临时租用云测试环境",
        extra_resources="云服务器 4 台",
    )
    late = risks.risk_raise(
        actor=coordinator,
        request=case,
        data=risk_data(
            company, description="培训场地未落实", impact="low", owner=weekly_case.member
        ),
    )
    Risk.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - datetime.timedelta(1))
    resolved = risks.risk_raise(
        actor=coordinator, request=case, data=risk_data(company, description="已解决的风险")
    )
    risks.risk_resolve(
        actor=coordinator, risk=fresh(resolved), resolution="已协调", evidence="会议纪要"
    )
    return {"waiting": waiting, "answered": answered, "late": late, "resolved": resolved}


def draft_of(weekly_case):
    return weekly_summary_draft(
        request=weekly_case.case,
        iso_year=weekly_case.iso_year,
        iso_week=weekly_case.iso_week,
        actor=weekly_case.case.coordinator,
    )


def test_the_draft_carries_the_open_risks_major_first_with_escalations_and_instructions(
    company, weekly_case, case_risks
):
    facts = draft_of(weekly_case).facts["risks"]

    listed = [risk["code"] for risk in facts["open"]]
    waiting, answered, late = case_risks["waiting"], case_risks["answered"], case_risks["late"]
    assert listed == [waiting.code, answered.code, late.code]  # major first; not the resolved
    assert facts["counts"] == {"open": 3, "major": 2, "waiting": 1}
    assert [risk["code"] for risk in facts["resolved"]] == [case_risks["resolved"].code]
    first = facts["open"][0]
    assert first["description"] == "客户访谈对象全部出差"
    assert (first["impact"], first["likelihood"], first["major"]) == ("high", "high", True)
    assert first["owner"] == "王五" and first["deadline"] == waiting.deadline.isoformat()
    assert first["escalated_to"] == "钱总" and first["waiting"] is True
    assert first["instruction"] is None
    second = facts["open"][1]
    assert second["waiting"] is False
    assert second["instruction"]["text"] == "同意临时租用云测试环境"
    assert second["instruction"]["decision"] == "add_resources"
    assert second["instruction"]["leader"] == "钱总"
    third = facts["open"][2]
    assert (third["major"], third["overdue"], third["owner"]) == (False, True, "孙七")
    assert third["escalated_to"] == ""


def test_a_past_week_has_only_the_risks_open_by_its_end(weekly_case, case_risks):
    weekly_case.created_weeks_ago(3)
    last_week = (weekly_case.week_start - datetime.timedelta(days=7)).isocalendar()
    Risk.objects.filter(pk=case_risks["late"].pk).update(
        created_at=timezone.now() - datetime.timedelta(days=14)
    )

    summary = weekly_summary_draft(
        request=weekly_case.case, iso_year=last_week.year, iso_week=last_week.week
    )

    assert [risk["code"] for risk in summary.facts["risks"]["open"]] == [case_risks["late"].code]


def test_a_published_summary_keeps_its_risks_as_they_were(company, weekly_case, case_risks):
    summary = draft_of(weekly_case)
    weekly_summary_publish(actor=weekly_case.case.coordinator, summary=summary)
    risks.risk_instruct(
        actor=company.leader,
        risk=fresh(case_risks["waiting"]),
        decision="adjust",
        text="改线上访谈",
    )

    kept = type(summary).objects.get(pk=summary.pk).facts["risks"]
    assert kept["open"][0]["waiting"] is True and kept["open"][0]["instruction"] is None


def test_the_page_and_the_pdf_show_the_risk_section(company, weekly_case, case_risks, login):
    summary = draft_of(weekly_case)
    client = login(weekly_case.case.coordinator)

    body = client.get(weekly_summary_url(summary)).content.decode()
    section = body[body.index('data-testid="section-risks"') :]
    assert "客户访谈对象全部出差" in section and "培训场地未落实" in section
    rows = section[: section.index("card-footer")]
    assert "已解决的风险" not in rows  # listed below as resolved this week
    assert "已解决的风险" in section[section.index("card-footer") :]
    assert 'data-testid="risk-major"' in section  # the major ones are marked
    assert "等待批示" in section and "钱总" in section
    assert "同意临时租用云测试环境" in section and "增加资源" in section
    assert case_risks["waiting"].get_absolute_url() in section

    pdf = client.get(weekly_summary_url(summary, "weekly_pdf"))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for value in (
        "客户访谈对象全部出差",
        "培训场地未落实",
        "重大",
        "钱总",
        "同意临时租用云测试环境",
    ):
        assert value in text, value


def test_a_summary_drafted_before_risks_were_recorded_shows_no_risk_section(weekly_case, login):
    summary = draft_of(weekly_case)
    facts = dict(summary.facts)
    facts.pop("risks")
    type(summary).objects.filter(pk=summary.pk).update(facts=facts)

    body = login(weekly_case.case.coordinator).get(weekly_summary_url(summary)).content.decode()
    assert 'data-testid="section-risks"' not in body
