"""周报: the weekly summary is drafted from the task data, edited and published by the coordinator,
kept as published, printable, and drafted for every executing case by a command."""

from __future__ import annotations

import datetime
import io
import logging

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from collab_portal.activity.models import Activity
from collab_portal.lib.refusals import ActionRefused
from collab_portal.notifications.models import Notification
from tasks_app import services
from tasks_app.models import WeeklySummary
from tasks_app.selectors import weekly_summary_recipients, weekly_summary_url
from tasks_app.services import (
    weekly_summary_draft,
    weekly_summary_generate,
    weekly_summary_publish,
    weekly_summary_update,
)
from tasks_app.weekly_facts import weekly_summary_propose_rag
from tasks_app.weeks import week_label


def fresh(summary: WeeklySummary) -> WeeklySummary:
    """Read again (refresh_from_db cannot set the protected state field)."""
    return WeeklySummary.objects.get(pk=summary.pk)


def codes(facts: dict, section: str) -> list[str]:
    return [task["wbs_code"] for task in facts[section]]


@pytest.fixture
def draft(weekly_case):
    return weekly_summary_draft(
        request=weekly_case.case,
        iso_year=weekly_case.iso_year,
        iso_week=weekly_case.iso_week,
        actor=weekly_case.case.coordinator,
    )


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(summary: WeeklySummary, name: str = "weekly_detail", week: int | None = None) -> str:
    if week is None:
        return weekly_summary_url(summary, name)
    return reverse(f"tasks_app:{name}", args=[summary.request.code, summary.iso_year, week])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# ---------------------------------------------------------------------------------------------
# The draft's facts


def test_it_drafts_each_section_with_exactly_the_right_tasks(weekly_case, draft):
    facts = draft.facts
    assert draft.state == "draft" and (draft.iso_year, draft.iso_week) == (
        weekly_case.iso_year,
        weekly_case.iso_week,
    )
    assert codes(facts, "done") == ["1.1"]  # 4 was finished last week
    assert codes(facts, "in_progress") == ["2.1", "5"]
    assert codes(facts, "delayed") == ["2.2"]
    assert codes(facts, "blocked") == ["1.2"]
    assert codes(facts, "overdue") == ["5"]
    assert codes(facts, "next_week") == ["3"]
    assert facts["counts"] == {
        "tasks": 8,  # leaves only: a parent follows its subtasks
        "done_total": 2,
        "not_started": 2,
        "done": 1,
        "in_progress": 2,
        "delayed": 1,
        "blocked": 1,
        "overdue": 1,
        "next_week": 1,
    }
    assert 0 < facts["progress"] < 100


def test_the_facts_keep_names_owners_dates_and_reasons_as_plain_json(weekly_case, draft):
    delayed = draft.facts["delayed"][0]
    assert delayed["name"] == "方案评审" and delayed["owner"] == "王五"
    assert delayed["reason"] == "评审专家出差"
    assert delayed["expected_done_on"] == weekly_case.tasks["2.2"].expected_done_on.isoformat()
    blocked = draft.facts["blocked"][0]
    assert (blocked["reason"], blocked["key"]) == ("客户尚未确认访谈时间", True)  # 1 is key
    overdue = draft.facts["overdue"][0]
    assert overdue["due_on"] == (weekly_case.week_start - datetime.timedelta(days=3)).isoformat()
    assert overdue["overdue_days"] >= 3
    assert draft.facts["done"][0]["owner"] == "赵六"
    draft = fresh(draft)  # what the database gives back is the same plain data
    assert draft.facts["blocked"][0]["reason"] == "客户尚未确认访谈时间"


def test_a_past_week_is_seen_as_it_stood_at_its_end(weekly_case):
    weekly_case.created_weeks_ago(3)
    last_week = weekly_case.week_start - datetime.timedelta(days=7)
    iso = last_week.isocalendar()
    summary = weekly_summary_draft(request=weekly_case.case, iso_year=iso.year, iso_week=iso.week)
    facts = summary.facts
    assert codes(facts, "done") == ["4"]  # 1.1 was finished this week, after that one
    assert codes(facts, "overdue") == ["5"]  # due last Friday, not done by Sunday
    assert codes(facts, "next_week") == ["2.1"]  # due this Sunday
    assert facts["as_of"] == (weekly_case.week_start - datetime.timedelta(days=1)).isoformat()


def test_a_week_that_has_not_begun_or_does_not_exist_is_refused(weekly_case):
    case, coordinator = weekly_case.case, weekly_case.case.coordinator
    next_week = (weekly_case.week_end + datetime.timedelta(days=1)).isocalendar()
    with pytest.raises(ActionRefused):
        weekly_summary_draft(
            request=case, iso_year=next_week.year, iso_week=next_week.week, actor=coordinator
        )
    with pytest.raises(ActionRefused):
        weekly_summary_draft(request=case, iso_year=2026, iso_week=60, actor=coordinator)
    with pytest.raises(ActionRefused):  # before the request existed
        weekly_summary_draft(request=case, iso_year=2020, iso_week=10, actor=coordinator)
    assert not WeeklySummary.objects.exists()


# ---------------------------------------------------------------------------------------------
# Red / amber / green


def _task(key=False):
    return {"wbs_code": "1", "key": key}


@pytest.mark.parametrize(
    ("facts", "rag"),
    [
        ({"overdue": [_task(key=True)]}, "red"),
        ({"blocked": [_task(key=True)]}, "red"),
        ({"delayed": [_task(key=True)]}, "amber"),  # a delay has a new date: at risk, not off
        ({"overdue": [_task()]}, "amber"),
        ({"blocked": [_task()]}, "amber"),
        ({"delayed": [_task()]}, "amber"),
        ({"done": [_task(key=True)], "in_progress": [_task()], "next_week": [_task()]}, "green"),
        ({}, "green"),
    ],
)
def test_it_proposes_red_amber_or_green(facts, rag):
    assert weekly_summary_propose_rag(facts) == rag


def test_the_draft_proposes_its_status_and_follows_the_data_until_overridden(weekly_case, draft):
    case, coordinator = weekly_case.case, weekly_case.case.coordinator
    assert (draft.rag, draft.facts["rag_proposed"]) == ("red", "red")  # key task 1.2 blocked
    services.task_resume(actor=weekly_case.member, task=weekly_case.tasks["1.2"])
    refreshed = weekly_summary_draft(
        request=case, iso_year=draft.iso_year, iso_week=draft.iso_week, actor=coordinator
    )
    assert refreshed.pk == draft.pk and refreshed.rag == "amber"  # delayed 2.2, overdue 5
    assert codes(refreshed.facts, "blocked") == [] and codes(refreshed.facts, "in_progress") == [
        "1.2",
        "2.1",
        "5",
    ]
    weekly_summary_update(actor=coordinator, summary=refreshed, rag="green", comments="可控")
    again = weekly_summary_draft(
        request=case, iso_year=draft.iso_year, iso_week=draft.iso_week, actor=coordinator
    )
    assert (again.rag, again.comments, again.facts["rag_proposed"]) == ("green", "可控", "amber")
    assert WeeklySummary.objects.count() == 1


# ---------------------------------------------------------------------------------------------
# Update and publish: who and when


def test_the_coordinator_and_an_admin_update_the_draft(company, weekly_case, draft):
    weekly_summary_update(
        actor=company.tech_staff, summary=draft, rag="amber", comments="  客户侧需加快  "
    )
    draft = fresh(draft)
    assert (draft.rag, draft.comments) == ("amber", "客户侧需加快")
    weekly_summary_update(actor=company.admin, summary=draft, rag="red", comments="")
    draft = fresh(draft)
    assert (draft.rag, draft.comments) == ("red", "")


@pytest.mark.parametrize("who", ["member", "initiator", "tech_head", "leader"])
def test_nobody_else_updates_drafts_or_publishes(company, weekly_case, draft, who):
    actor = {
        "member": weekly_case.member,
        "initiator": company.sales_staff,
        "tech_head": company.tech_head,
        "leader": company.leader,
    }[who]
    with pytest.raises(ActionRefused):
        weekly_summary_update(actor=actor, summary=draft, rag="green", comments="改一下")
    with pytest.raises(ActionRefused):
        weekly_summary_publish(actor=actor, summary=draft)
    with pytest.raises(ActionRefused):
        weekly_summary_draft(
            request=weekly_case.case,
            iso_year=draft.iso_year,
            iso_week=draft.iso_week,
            actor=actor,
        )
    draft = fresh(draft)
    assert (draft.state, draft.rag, draft.comments) == ("draft", "red", "")


def test_an_unknown_status_is_refused(company, draft):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        weekly_summary_update(actor=company.tech_staff, summary=draft, rag="purple", comments="")
    draft = fresh(draft)
    assert draft.rag == "red"


def test_publishing_keeps_the_summary_as_it_was(company, weekly_case, draft):
    weekly_summary_update(actor=company.tech_staff, summary=draft, rag="amber", comments="说明")
    published = weekly_summary_publish(actor=company.tech_staff, summary=draft)
    assert published.state == "published" and published.author == company.tech_staff
    assert published.published_at is not None
    activity = Activity.objects.get(verb="weekly_publish")
    assert activity.actor == company.tech_staff and activity.comment == published.label
    facts_then = published.facts

    services.task_complete(actor=weekly_case.member, task=weekly_case.tasks["2.1"])
    with pytest.raises(ActionRefused, match=str(published.iso_week)):
        weekly_summary_publish(actor=company.tech_staff, summary=published)
    for attempt in (
        lambda: weekly_summary_draft(
            request=weekly_case.case,
            iso_year=published.iso_year,
            iso_week=published.iso_week,
            actor=company.tech_staff,
        ),
        lambda: weekly_summary_update(
            actor=company.tech_staff, summary=published, rag="green", comments="改"
        ),
    ):
        with pytest.raises(ActionRefused):
            attempt()
    result = weekly_summary_generate()  # the weekly job leaves it alone too
    assert (result.created, result.refreshed, result.kept) == (0, 0, 1)
    published = fresh(published)
    assert published.facts == facts_then and codes(published.facts, "done") == ["1.1"]
    assert (published.rag, published.comments, published.state) == ("amber", "说明", "published")
    assert Activity.objects.filter(verb="weekly_publish").count() == 1


def test_publish_tells_every_participant_once_and_never_the_actor(company, weekly_case, draft):
    expected = {
        company.sales_staff,  # initiator
        company.sales_head,  # head of the initiating department
        company.tech_head,  # head of the receiving department, owner of 1.1 and 4
        weekly_case.member,  # owner
        weekly_case.helper,  # collaborator on 1.2
    }
    assert set(weekly_summary_recipients(weekly_case.case)) == expected | {company.tech_staff}
    weekly_summary_publish(actor=company.tech_staff, summary=draft)
    told = list(
        Notification.objects.filter(url=weekly_summary_url(draft)).values_list(
            "recipient", flat=True
        )
    )
    assert sorted(told) == sorted(person.pk for person in expected)
    note = Notification.objects.get(url=weekly_summary_url(draft), recipient=weekly_case.member)
    assert weekly_case.case.code in note.title


def test_an_admin_publishing_tells_the_coordinator(company, weekly_case, draft):
    weekly_summary_publish(actor=company.admin, summary=draft)
    told = set(
        Notification.objects.filter(url=weekly_summary_url(draft)).values_list(
            "recipient", flat=True
        )
    )
    participants = {person.pk for person in weekly_summary_recipients(weekly_case.case)}
    assert company.tech_staff.pk in told and told == participants  # the admin is not one


def test_an_english_reader_gets_the_title_in_english(company, weekly_case, draft):
    weekly_case.helper.language = "en"
    weekly_case.helper.save()
    weekly_summary_publish(actor=company.tech_staff, summary=draft)
    note = Notification.objects.get(url=weekly_summary_url(draft), recipient=weekly_case.helper)
    with translation.override("en"):
        label = week_label(draft.iso_year, draft.iso_week)
    assert label in note.title and "published" in note.title


# ---------------------------------------------------------------------------------------------
# The command


def test_the_command_drafts_every_executing_case_and_is_idempotent(weekly_case):
    out = io.StringIO()
    call_command("generate_weekly_drafts", stdout=out)
    assert "1 created, 0 refreshed" in out.getvalue()
    assert WeeklySummary.objects.count() == 1
    summary = WeeklySummary.objects.get()
    assert (summary.iso_year, summary.iso_week, summary.state) == (
        weekly_case.iso_year,
        weekly_case.iso_week,
        "draft",
    )
    assert codes(summary.facts, "blocked") == ["1.2"]
    out = io.StringIO()
    call_command("generate_weekly_drafts", stdout=out)
    assert "0 created, 1 refreshed" in out.getvalue()
    assert WeeklySummary.objects.count() == 1


def test_the_command_takes_a_date_and_skips_cases_not_executing(weekly_case):
    weekly_case.created_weeks_ago(3)
    last_week = weekly_case.week_start - datetime.timedelta(days=5)
    out = io.StringIO()
    call_command("generate_weekly_drafts", "--date", last_week.isoformat(), stdout=out)
    iso = last_week.isocalendar()
    assert f"{iso.year}-W{iso.week:02d}: 1 created" in out.getvalue()
    assert WeeklySummary.objects.get().iso_week == iso.week
    # A case that is no longer executing gets no new draft.
    type(weekly_case.case).objects.filter(pk=weekly_case.case.pk).update(stage="accepting")
    call_command("generate_weekly_drafts", stdout=io.StringIO())
    assert WeeklySummary.objects.count() == 1


def test_the_command_refuses_a_bad_date(db):
    with pytest.raises(CommandError):
        call_command("generate_weekly_drafts", "--date", "2026-13-01")
    with pytest.raises(CommandError):
        call_command("generate_weekly_drafts", "--date", "2999-01-04")


# ---------------------------------------------------------------------------------------------
# The week's label


def test_the_week_label_in_english():
    with translation.override("en"):
        assert week_label(2026, 48) == "2026 week 48 (11.23–11.29)"
        assert week_label(2026, 53) == "2026 week 53 (12.28–01.03)"
        assert WeeklySummary(iso_year=2026, iso_week=48).label == "2026 week 48 (11.23–11.29)"


def test_the_week_label_in_chinese():
    msgid = "%(year)s week %(week)s (%(start)s–%(end)s)"
    with translation.override("zh-hans"):
        assert gettext(msgid) != msgid
        assert week_label(2026, 48) == "2026年第48周 (11.23–11.29)"
        assert WeeklySummary(iso_year=2026, iso_week=48).label == "2026年第48周 (11.23–11.29)"


# ---------------------------------------------------------------------------------------------
# The pages


def test_the_coordinator_drafts_this_weeks_summary_from_the_list(company, weekly_case, login):
    client = login(company.tech_staff)
    code = weekly_case.case.code
    page = client.get(reverse("tasks_app:weekly_list", args=[code]))
    assert page.status_code == 200 and b'data-testid="draft-this-week"' in page.content
    response = client.post(reverse("tasks_app:weekly_draft", args=[code]))
    summary = WeeklySummary.objects.get()
    assert response.status_code == 302 and response.url == weekly_summary_url(summary)
    assert (summary.iso_year, summary.iso_week) == (weekly_case.iso_year, weekly_case.iso_week)
    detail = client.get(response.url)
    body = detail.content.decode()
    for value in ("问卷设计", "客户尚未确认访谈时间", "评审专家出差", "数据迁移", "上线准备"):
        assert value in body, value
    assert 'data-testid="weekly-form"' in body and 'data-testid="weekly-publish"' in body
    listed = client.get(reverse("tasks_app:weekly_list", args=[code])).content.decode()
    assert summary.label in listed
    assert "<th>发布状态</th>" in listed  # whether the summary is published, not a case's state


def test_the_coordinator_edits_refreshes_and_publishes_through_the_pages(
    company, weekly_case, draft, english
):
    client = english
    client.force_login(company.tech_staff)
    response = client.post(
        url(draft, "weekly_update"), {"rag": "amber", "comments": "下周重点跟进访谈"}, follow=True
    )
    assert "The weekly summary is saved." in messages_of(response)
    draft = fresh(draft)
    assert (draft.rag, draft.comments) == ("amber", "下周重点跟进访谈")

    services.task_complete(actor=weekly_case.member, task=weekly_case.tasks["2.1"])
    response = client.post(
        reverse("tasks_app:weekly_draft", args=[weekly_case.case.code]),
        {"year": draft.iso_year, "week": draft.iso_week},
    )
    assert response.url == weekly_summary_url(draft)
    draft = fresh(draft)
    assert codes(draft.facts, "done") == ["1.1", "2.1"] and draft.comments == "下周重点跟进访谈"

    response = client.post(url(draft, "weekly_publish"), follow=True)
    assert "The weekly summary is published to the participants." in messages_of(response)
    response = client.post(url(draft, "weekly_publish"), follow=True)
    assert any("already published" in message for message in messages_of(response))
    draft = fresh(draft)
    assert draft.state == "published"
    assert Activity.objects.filter(verb="weekly_publish").count() == 1
    page = client.get(url(draft)).content.decode()
    assert 'data-testid="weekly-form"' not in page and "下周重点跟进访谈" in page


def test_a_bad_status_from_the_form_is_a_message(company, draft, english):
    english.force_login(company.tech_staff)
    response = english.post(url(draft, "weekly_update"), {"rag": "purple"}, follow=True)
    assert response.status_code == 200 and messages_of(response)
    draft = fresh(draft)
    assert draft.rag == "red"


def test_a_participant_sees_published_summaries_only(company, weekly_case, draft, login):
    client = login(weekly_case.member)
    listing = client.get(reverse("tasks_app:weekly_list", args=[weekly_case.case.code]))
    assert listing.status_code == 200 and draft.label not in listing.content.decode()
    assert b'data-testid="draft-this-week"' not in listing.content
    assert client.get(url(draft)).status_code == 404
    assert client.get(url(draft, "weekly_pdf")).status_code == 404
    weekly_summary_publish(actor=company.tech_staff, summary=draft)
    page = client.get(url(draft))
    assert page.status_code == 200 and "客户尚未确认访谈时间" in page.content.decode()
    assert 'data-testid="weekly-form"' not in page.content.decode()
    assert (
        draft.label
        in client.get(reverse("tasks_app:weekly_list", args=[draft.request.code])).content.decode()
    )


def test_a_receivers_staff_who_sees_the_case_is_refused_with_a_message(weekly_case, draft, english):
    client = english
    client.force_login(weekly_case.member)
    code = weekly_case.case.code
    for response in (
        client.post(
            url(draft, "weekly_update"), {"rag": "green", "comments": "没问题"}, follow=True
        ),
        client.post(url(draft, "weekly_publish"), follow=True),
        client.post(reverse("tasks_app:weekly_draft", args=[code]), follow=True),
    ):
        assert response.status_code == 200
        assert any("Only the coordinator" in message for message in messages_of(response))
    draft = fresh(draft)
    assert (draft.state, draft.rag, draft.comments) == ("draft", "red", "")
    assert WeeklySummary.objects.count() == 1
    assert not Activity.objects.filter(verb="weekly_publish").exists()


def test_staff_of_another_department_get_404_everywhere(weekly_case, draft, login):
    client = login(weekly_case.outsider)
    weekly_summary_publish(actor=weekly_case.case.coordinator, summary=draft)
    code = weekly_case.case.code
    assert client.get(reverse("tasks_app:weekly_list", args=[code])).status_code == 404
    assert client.post(reverse("tasks_app:weekly_draft", args=[code])).status_code == 404
    for name in ("weekly_detail", "weekly_pdf"):
        assert client.get(url(draft, name)).status_code == 404
    for name in ("weekly_update", "weekly_publish"):
        assert client.post(url(draft, name), {"rag": "green"}).status_code == 404


def test_bad_weeks_are_404_or_a_message_never_a_500(company, weekly_case, draft, english):
    client = english
    client.force_login(company.tech_staff)
    for week in (60, 0):
        for name in ("weekly_detail", "weekly_pdf"):
            assert client.get(url(draft, name, week=week)).status_code == 404
        assert client.post(url(draft, "weekly_publish", week=week)).status_code == 404
    assert (
        client.get(
            f"/requests/{weekly_case.case.code}/weekly/2026-W99999999999999999999/"
        ).status_code
        == 404
    )
    draft_url = reverse("tasks_app:weekly_draft", args=[weekly_case.case.code])
    for data in ({"year": "2026", "week": "60"}, {"year": "x", "week": "1"}, {"week": "9" * 30}):
        response = client.post(draft_url, data, follow=True)
        assert response.status_code == 200 and messages_of(response), data
    assert WeeklySummary.objects.count() == 1
    assert client.get(url(draft, "weekly_update")).status_code == 405


# ---------------------------------------------------------------------------------------------
# The PDF


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_pdf_carries_the_facts_and_a_draft_watermark(
    company, weekly_case, draft, english, caplog
):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    english.force_login(company.tech_staff)
    text = _pdf_text(english.get(url(draft, "weekly_pdf")))
    for value in (
        "Weekly Summary",
        weekly_case.case.code,
        f"{draft.iso_year} week {draft.iso_week}",
        "问卷设计",
        "客户访谈",
        "客户尚未确认访谈时间",
        "方案评审",
        "评审专家出差",
        "数据迁移",
        "上线准备",
        "DRAFT",
    ):
        assert value in text, value
    assert not [r for r in caplog.records if "glyph" in r.getMessage().lower()]


def test_the_published_pdf_has_no_watermark_and_shows_the_comments(
    company, weekly_case, draft, english
):
    weekly_summary_update(
        actor=company.tech_staff, summary=draft, rag="amber", comments="按计划推进"
    )
    weekly_summary_publish(actor=company.tech_staff, summary=draft)
    english.force_login(weekly_case.member)
    response = english.get(url(draft, "weekly_pdf"))
    text = _pdf_text(response)
    assert "DRAFT" not in text and "按计划推进" in text and "Amber" in text
    assert "attachment" in response["Content-Disposition"]
