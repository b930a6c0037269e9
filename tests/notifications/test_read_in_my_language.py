"""Issue 18, point 19: what the portal wrote stays readable in whatever language the reader has
chosen since — notification titles, the timeline's "system" actor and the escalation note, a
signer's role, the week of "published the weekly summary"."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from collab_portal.notifications.models import Notification
from risks_app import services as risk_services
from tasks_app.models import Task
from tasks_app.services import weekly_summary_draft, weekly_summary_publish
from tests.fixtures.risks import risk_data


def reading_in(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def page(client, url) -> str:
    return client.get(url).content.decode()


def test_a_notification_is_read_in_the_language_chosen_after_it_was_sent(company, syncing, login):
    told = Notification.objects.get(recipient=company.sales_staff, title__contains="审核通过")
    client = login(company.sales_staff)

    english = page(reading_in(client, "en"), reverse("notifications:list"))
    chinese = page(reading_in(client, "zh-hans"), reverse("notifications:list"))

    assert f"{syncing.code} was approved: record the information sync next" in english
    assert told.title in chinese and told.title not in english


def test_a_signers_role_is_shown_in_the_readers_language(company, syncing, login):
    client = login(company.sales_staff)

    english = page(reading_in(client, "en"), reverse("requests_app:detail", args=[syncing.code]))
    chinese = page(
        reading_in(client, "zh-hans"), reverse("requests_app:detail", args=[syncing.code])
    )

    assert "Head of 销售部" in english and "销售部负责人" not in english
    assert "销售部负责人" in chinese


def test_the_system_and_its_escalation_note_speak_the_readers_language(company, executing, login):
    key_task = Task.objects.get(request=executing, name="方案反馈")
    risk_services.risk_raise(
        actor=company.tech_staff,
        request=executing,
        data=risk_data(company, impact="high", task=key_task),
    )
    client = login(company.tech_staff)
    url = reverse("requests_app:detail", args=[executing.code])

    english, chinese = page(reading_in(client, "en"), url), page(reading_in(client, "zh-hans"), url)

    assert "<strong>System</strong>" in english and "A major risk escalates on creation." in english
    assert "<strong>系统</strong>" in chinese and "重大风险登记时即上报。" in chinese


def test_the_week_of_a_published_summary_is_named_in_the_readers_language(
    company, executing, login
):
    year, week, _day = timezone.localdate().isocalendar()
    summary = weekly_summary_draft(
        request=executing, iso_year=year, iso_week=week, actor=company.tech_staff
    )
    weekly_summary_publish(actor=company.tech_staff, summary=summary)
    client = login(company.sales_staff)
    url = reverse("requests_app:detail", args=[executing.code])

    english, chinese = page(reading_in(client, "en"), url), page(reading_in(client, "zh-hans"), url)

    assert f"{year} week {week} (" in english and f"{year}年第{week}周" not in english
    assert f"{year}年第{week}周" in chinese
