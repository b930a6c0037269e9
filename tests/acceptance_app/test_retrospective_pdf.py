"""《协作复盘报告》 as a PDF: the figures, the write-up and the ratings in the text; live figures
under a draft watermark until filed, the frozen figures after."""

import io
import logging
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pypdf import PdfReader

from acceptance_app import services as acceptance_services
from acceptance_app.metrics import RetrospectiveMetrics
from acceptance_app.retrospective_printing import retrospective_context, retrospective_pdf
from acceptance_app.services import WriteUp
from requests_app.models import Receiver
from tasks_app.models import Task
from tests.acceptance_app import test_metrics
from tests.acceptance_app.test_metrics import at

# The hand-built case of the metrics tests, with its review rounds (``pending`` overrides the
# shared fixture).
pending = test_metrics.pending
retrospective_case = test_metrics.retrospective_case

WRITE_UP = WriteUp(
    went_well="问卷一周内回收完毕",
    problems="客户访谈排期紧张",
    lessons="提前两周预约客户",
    improvements="沉淀访谈模板",
)


def _text(pdf: bytes) -> str:
    """The text of every page without white space: a narrow cell wraps its text anywhere."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return "".join(text.split())


@pytest.fixture
def weasy_warnings(caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    return caplog


@pytest.fixture
def written(company, retrospective_case):
    """The coordinator wrote the retrospective; the tech department's head rated it 4/5."""
    retrospective = retrospective_case.retrospective
    acceptance_services.retrospective_save(
        actor=company.tech_staff, retrospective=retrospective, data=WRITE_UP
    )
    acceptance_services.rating_save(
        actor=company.tech_head,
        retrospective=retrospective,
        receiver=Receiver.objects.get(request=retrospective_case, department=company.tech),
        score=4,
        comment="配合顺畅",
    )
    retrospective.refresh_from_db()
    return retrospective


def test_a_draft_report_shows_the_live_figures_write_up_and_ratings_under_a_watermark(
    written, weasy_warnings
):
    with translation.override("zh-hans"):
        text = _text(retrospective_pdf(retrospective=written))
        new_labels = [
            _("Collaboration Retrospective Report"),
            _("Rounds of review"),
            _("On-time rate"),
            _("Acceptance rounds"),
            _("Accepted at the first submission"),
            _("Escalated to the leader in charge"),
            _("Returned because: %(reason)s") % {"reason": "目标不可量化"},
        ]

    for value in (
        "草稿",  # the draft watermark
        written.request.code,
        "Q3 产品上线客户需求对接",
        # the six stages and the return reasons, in Chinese
        "需求发起与前置评估",
        "信息同步与方案制定",
        "任务拆解与责任分配",
        "过程跟进与风险管控",
        "结果交付与验收",
        "复盘总结与归档",
        "目标不可量化",
        "验收通过",
        # figures
        "2025-03-07",
        "2025-04-10",
        "75%",
        "客户临时出差",
        "等待客户数据",
        "缺少 3 家客户的访谈记录",
        # the write-up and the rating
        "问卷一周内回收完毕",
        "客户访谈排期紧张",
        "提前两周预约客户",
        "沉淀访谈模板",
        "技术部",
        "4 / 5",
        "配合顺畅",
        "赵六",
        *new_labels,
    ):
        assert "".join(str(value).split()) in text, value
    assert not [
        r
        for r in weasy_warnings.records
        if "notdef" in r.getMessage().lower() or "glyph" in r.getMessage().lower()
    ]


def test_the_context_gives_the_page_the_same_rows_as_the_pdf(written):
    with translation.override("zh-hans"):
        context = retrospective_context(written)

    assert context["is_draft"] is True
    schedule = {row["label"]: row for row in context["schedule_rows"]}
    assert schedule["计划"]["days"] == "28"
    assert schedule["计划"]["working_days"] == "19"
    execution = context["stage_rows"][3]
    assert (execution["label"], execution["actual_days"], execution["planned_days"]) == (
        "过程跟进与风险管控",
        "21",
        "14",
    )
    assert execution["variance"] == "+7"
    assert [row["value"] for row in context["task_rows"]][:4] == ["5", "4", "3", "75%"]
    assert [row["value"] for row in context["risk_rows"]] == ["3", "1", "2", "1", "1", "1"]
    assert [(r["version"], r["failed"]) for r in context["acceptance_round_rows"]] == [
        ("v1", "2"),
        ("v2", "0"),
    ]
    assert context["rating_rows"][0]["score"] == "4 / 5"
    assert [row["value"] for row in context["write_up"]] == [
        "问卷一周内回收完毕",
        "客户访谈排期紧张",
        "提前两周预约客户",
        "沉淀访谈模板",
    ]


def test_the_cases_quantified_target_is_not_labelled_as_the_plan(written):
    case = written.request
    case.metric, case.target_value, case.unit = "回收问卷数", Decimal("200"), "份"
    case.save()
    with translation.override("zh-hans"):
        rows = {row["label"]: row["value"] for row in retrospective_context(written)["case_rows"]}
        text = _text(retrospective_pdf(retrospective=written))

    assert rows["量化目标"] == case.target_display
    assert "计划" not in rows  # 计划 is the schedule's planned row, further down
    assert "量化目标" in text


def test_a_filed_report_prints_the_frozen_figures_without_a_watermark(company, written):
    acceptance_services.retrospective_file(actor=company.tech_staff, retrospective=written)
    written.refresh_from_db()
    # After filing, the open leaf is finished late: live, 3 of 5 would be on time (60%).
    Task.objects.filter(request=written.request, name="上线回访").update(
        status="done", completed_at=at(4, 20)
    )

    with translation.override("zh-hans"):
        context = retrospective_context(written)
        text = _text(retrospective_pdf(retrospective=written))

    assert context["is_draft"] is False
    assert context["metrics"] == RetrospectiveMetrics.from_json(written.metrics)
    assert context["metrics"].tasks.leaves_done == 4
    assert "75%" in text
    assert "60%" not in text
    assert "草稿" not in text
    assert "王五" in text  # filed by the coordinator
    assert timezone.localtime(written.filed_at).strftime("%Y-%m-%d") in text
    assert "问卷一周内回收完毕" in text and "配合顺畅" in text
