"""webhook_send(): each platform's documented message and signature, the reasons of a failure,
and the retries of robots_deliver — against a real HTTP server on loopback that answers as the
platforms do."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import re
import socket
import time
from urllib.parse import quote_plus

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from collab_portal.org.models import User
from collab_portal.reminders import webhooks
from collab_portal.reminders.models import Reminder, WebhookEndpoint
from collab_portal.reminders.services import (
    MAX_ROBOT_ATTEMPTS,
    STALE_CLAIM,
    reminder_resend,
    reminders_deliver,
    robots_deliver,
)
from collab_portal.reminders.webhooks import WebhookFailed, webhook_send
from tests.fixtures.robot import DINGTALK_OK, FEISHU_OK, TOKEN, Robot

pytestmark = pytest.mark.usefixtures("no_proxy")

Platform = WebhookEndpoint.Platform
LINK = "https://portal.example.com/requests/42/"


@pytest.fixture(autouse=True)
def portal_base_url(settings):
    settings.PORTAL_BASE_URL = "https://portal.example.com/"


def make_reminder(**fields) -> Reminder:
    recipient = User(username="zhang", display_name="张三", phone=fields.pop("phone", ""))
    values = {
        "title": "请审核：Q3 客户需求对接",
        "body": "客户：华东区\n\n截止：6 月 30 日",
        "url": "/requests/42/",
        **fields,
    }
    return Reminder(recipient=recipient, rule="test", period="p", **values)


def make_endpoint(
    robot: Robot, platform: str, *, secret: str = "", path: str = ""
) -> WebhookEndpoint:
    url = robot.url(path) if path else robot.url()
    return WebhookEndpoint(platform=platform, url=url, secret=secret)


def hmac_sha256_base64(key: str, message: str) -> str:
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# --- DingTalk -------------------------------------------------------------------------------


def test_it_posts_dingtalk_markdown_signed_with_the_secret(robot):
    secret = "SEC7f3a9dc0b1e2"
    robot.answers(DINGTALK_OK)

    webhook_send(
        endpoint=make_endpoint(robot, Platform.DINGTALK, secret=secret),
        reminder=make_reminder(phone="138 0013 8000"),
    )

    [request] = robot.received
    assert request.path == "/robot/send"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert set(request.query) == {"access_token", "timestamp", "sign"}
    assert request.query["access_token"] == TOKEN
    timestamp = request.query["timestamp"]
    assert abs(int(timestamp) - time.time() * 1000) < 60_000  # milliseconds
    expected = hmac_sha256_base64(secret, f"{timestamp}\n{secret}")
    assert request.query["sign"] == expected
    assert f"sign={quote_plus(expected)}" in request.raw_query  # URL-encoded, as documented

    payload = request.payload
    assert set(payload) == {"msgtype", "markdown", "at"}
    assert payload["msgtype"] == "markdown"
    assert set(payload["markdown"]) == {"title", "text"}
    assert payload["markdown"]["title"] == "请审核：Q3 客户需求对接"
    text = payload["markdown"]["text"]
    assert text.startswith("#### 请审核：Q3 客户需求对接\n\n")
    assert "客户：华东区  \n截止：6 月 30 日" in text
    assert f"]({LINK})" in text
    assert "@张三 @13800138000" in text  # DingTalk @s only a mobile that is in the text
    assert payload["at"] == {"atMobiles": ["13800138000"], "isAtAll": False}


def test_without_a_secret_the_dingtalk_address_is_left_as_it_is(robot):
    webhook_send(
        endpoint=make_endpoint(robot, Platform.DINGTALK), reminder=make_reminder(body="", url="")
    )

    [request] = robot.received
    assert request.query == {"access_token": TOKEN}
    text = request.payload["markdown"]["text"]
    assert "@张三" in text
    assert "](" not in text  # no link without a url
    assert request.payload["at"] == {"atMobiles": [], "isAtAll": False}


def test_a_dingtalk_escalation_is_marked_in_the_preview_and_the_text(robot):
    webhook_send(
        endpoint=make_endpoint(robot, Platform.DINGTALK), reminder=make_reminder(escalation=True)
    )

    markdown = robot.received[0].payload["markdown"]
    marked = f"{gettext('Escalated')} · 请审核：Q3 客户需求对接"
    assert markdown["title"] == marked
    assert markdown["text"].startswith(f"#### {marked}\n\n")


# --- WeCom ----------------------------------------------------------------------------------


def test_it_posts_wecom_markdown_without_a_signature(robot):
    path = f"/cgi-bin/webhook/send?key={TOKEN}"
    robot.answers(DINGTALK_OK)  # WeCom answers the same {"errcode": 0, "errmsg": "ok"}

    webhook_send(
        endpoint=make_endpoint(robot, Platform.WECOM, secret="ignored", path=path),
        reminder=make_reminder(phone="13800138000"),
    )

    [request] = robot.received
    assert request.path == "/cgi-bin/webhook/send"
    assert request.query == {"key": TOKEN}  # no timestamp, no sign
    assert set(request.payload) == {"msgtype", "markdown"}
    assert request.payload["msgtype"] == "markdown"
    assert set(request.payload["markdown"]) == {"content"}
    lines = request.payload["markdown"]["content"].split("\n")
    assert lines[:3] == ["**请审核：Q3 客户需求对接**", "> 客户：华东区", "> 截止：6 月 30 日"]
    assert lines[3].endswith(f"]({LINK})")
    assert lines[4] == "@张三"
    assert "warning" not in request.payload["markdown"]["content"]


def test_a_wecom_escalation_is_marked_in_the_warning_colour(robot):
    webhook_send(
        endpoint=make_endpoint(robot, Platform.WECOM), reminder=make_reminder(escalation=True)
    )

    content = robot.received[0].payload["markdown"]["content"]
    assert content.startswith(
        f'<font color="warning">{gettext("Escalated")}</font> · **请审核：Q3 客户需求对接**\n'
    )


@pytest.mark.parametrize(
    "title, body, kept",
    [
        ("标" * 200, "很长的说明" * 2000, "很长的说明"),
        ("[" * 200, "<@all>" * 2000, "＜＠all＞"),  # markup is written in 3-byte full width
    ],
)
def test_a_long_body_is_cut_to_fit_wecoms_4096_bytes(robot, title, body, kept):
    webhook_send(
        endpoint=make_endpoint(robot, Platform.WECOM),
        reminder=make_reminder(title=title, body=body, url="/x/" + "y" * 490),
    )

    content = robot.received[0].payload["markdown"]["content"]
    assert len(content.encode()) <= 4096
    assert kept in content and "…" in content


@pytest.mark.parametrize("platform", [Platform.DINGTALK, Platform.WECOM])
def test_dates_numbers_and_plain_punctuation_stay_as_typed(robot, platform):
    text = "2026-06-30 前完成 1.5 天的工作，预算 3,000 元；负责人：张三。"

    webhook_send(endpoint=make_endpoint(robot, platform), reminder=make_reminder(body=text))

    assert text in json.dumps(robot.received[0].payload, ensure_ascii=False)


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/phish", "//evil.example/phish", "javascript:alert(1)", "evil.example"],
)
def test_only_a_path_of_the_portal_becomes_the_link(robot, url):
    webhook_send(endpoint=make_endpoint(robot, Platform.DINGTALK), reminder=make_reminder(url=url))

    text = robot.received[0].payload["markdown"]["text"]
    assert "](" not in text and "evil" not in text


def test_the_portals_link_cannot_be_ended_early(robot):
    webhook_send(
        endpoint=make_endpoint(robot, Platform.WECOM),
        reminder=make_reminder(url="/tasks/7/?q=a) [x](http://evil.example/"),
    )

    content = robot.received[0].payload["markdown"]["content"]
    [link] = re.findall(r"\]\(([^)]*)\)", content)
    assert link == "https://portal.example.com/tasks/7/?q=a%29%20%5Bx%5D%28http://evil.example/"


# --- Feishu ---------------------------------------------------------------------------------


def test_it_posts_a_feishu_rich_text_post_signed_with_the_secret(robot):
    secret = "feishu-secret-9e2"
    robot.answers(FEISHU_OK)

    webhook_send(
        endpoint=make_endpoint(
            robot, Platform.FEISHU, secret=secret, path=f"/open-apis/bot/v2/hook/{TOKEN}"
        ),
        reminder=make_reminder(),
    )

    [request] = robot.received
    assert request.path == f"/open-apis/bot/v2/hook/{TOKEN}"
    payload = request.payload
    assert set(payload) == {"timestamp", "sign", "msg_type", "content"}
    assert isinstance(payload["timestamp"], str)
    assert abs(int(payload["timestamp"]) - time.time()) < 60  # seconds
    # The key is "timestamp\nsecret" and the message is empty, as Feishu documents.
    expected = base64.b64encode(
        hmac.new(f"{payload['timestamp']}\n{secret}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert payload["sign"] == expected
    assert payload["msg_type"] == "post"
    assert set(payload["content"]) == {"post"}
    assert set(payload["content"]["post"]) == {"zh_cn"}
    post = payload["content"]["post"]["zh_cn"]
    assert post["title"] == "请审核：Q3 客户需求对接"
    rows = post["content"]
    assert rows[0] == [{"tag": "text", "text": "客户：华东区"}]
    assert rows[1] == [{"tag": "text", "text": "截止：6 月 30 日"}]
    assert rows[2] == [{"tag": "a", "text": gettext("Open the record"), "href": LINK}]
    assert rows[3] == [{"tag": "text", "text": "@张三"}]


def test_without_a_secret_a_feishu_post_has_no_signature(robot):
    robot.answers(FEISHU_OK)

    webhook_send(endpoint=make_endpoint(robot, Platform.FEISHU), reminder=make_reminder())

    assert set(robot.received[0].payload) == {"msg_type", "content"}


def test_a_feishu_escalation_is_marked_in_the_title(robot):
    robot.answers(FEISHU_OK)

    webhook_send(
        endpoint=make_endpoint(robot, Platform.FEISHU), reminder=make_reminder(escalation=True)
    )

    post = robot.received[0].payload["content"]["post"]["zh_cn"]
    assert post["title"] == f"{gettext('Escalated')} · 请审核：Q3 客户需求对接"


def test_feishus_older_status_code_answer_counts_as_success(robot):
    robot.answers({"Extra": None, "StatusCode": 0, "StatusMessage": "success"})

    webhook_send(endpoint=make_endpoint(robot, Platform.FEISHU), reminder=make_reminder())

    assert len(robot.received) == 1


# --- failures -------------------------------------------------------------------------------


def failure_of(endpoint: WebhookEndpoint) -> str:
    with pytest.raises(WebhookFailed) as caught:
        webhook_send(endpoint=endpoint, reminder=make_reminder())
    reason = str(caught.value)
    assert TOKEN not in reason  # the address holds the robot's credential
    return reason


def test_an_http_500_fails_with_the_status(robot):
    robot.answers(b"Internal Server Error", status=500)

    reason = failure_of(make_endpoint(robot, Platform.DINGTALK))

    assert "500" in reason and "Internal Server Error" in reason


def test_an_http_error_with_a_json_answer_fails_with_its_code(robot):
    robot.answers({"code": 9499, "msg": "Bad Request", "data": {}}, status=400)

    reason = failure_of(make_endpoint(robot, Platform.FEISHU))

    assert "400" in reason and "9499" in reason and "Bad Request" in reason


def test_a_dingtalk_error_code_fails_with_the_code_and_message(robot):
    robot.answers({"errcode": 310000, "errmsg": "sign not match"})

    reason = failure_of(make_endpoint(robot, Platform.DINGTALK, secret="SECwrong"))

    assert "310000" in reason and "sign not match" in reason


def test_a_wecom_error_code_fails(robot):
    robot.answers({"errcode": 93000, "errmsg": "invalid webhook url"})

    assert "93000" in failure_of(make_endpoint(robot, Platform.WECOM))


def test_a_feishu_error_code_fails(robot):
    robot.answers({"code": 19021, "msg": "sign match fail or timestamp is not within one hour"})

    reason = failure_of(make_endpoint(robot, Platform.FEISHU, secret="s"))

    assert "19021" in reason and "sign match fail" in reason


def test_an_answer_that_is_not_json_fails_quoting_it(robot):
    robot.answers(b"<html><body>502 Bad Gateway</body></html>")

    reason = failure_of(make_endpoint(robot, Platform.DINGTALK))

    assert "JSON" in reason and "502 Bad Gateway" in reason


def test_a_json_answer_without_a_result_code_fails(robot):
    robot.answers({"ok": True})

    assert '{"ok": true}' in failure_of(make_endpoint(robot, Platform.WECOM))


def test_a_closed_port_fails_as_refused():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once it is closed
    endpoint = WebhookEndpoint(
        platform=Platform.DINGTALK,
        url=f"http://127.0.0.1:{port}/robot/send?access_token={TOKEN}",
    )

    assert failure_of(endpoint) == gettext("The group robot refused the connection.")


def test_a_robot_that_does_not_answer_in_time_fails_as_a_timeout(robot, monkeypatch):
    monkeypatch.setattr(webhooks, "TIMEOUT", 0.3)
    robot.delay = 10  # released when the test ends

    started = time.monotonic()
    reason = failure_of(make_endpoint(robot, Platform.DINGTALK))

    assert time.monotonic() - started < 3
    assert reason == gettext("The group robot did not answer within %(seconds)s s.") % {
        "seconds": 0.3
    }
    assert len(robot.received) == 1


# --- through robots_deliver -----------------------------------------------------------------


@pytest.fixture
def pending(company) -> Reminder:
    """A reminder delivered in-app whose group-robot message is still to be sent."""
    return Reminder.objects.create(
        rule="test",
        target=company.sales,
        recipient=company.sales_staff,
        period="p",
        title="请更新今日进展：客户拜访",
        url="/tasks/7/",
        state=Reminder.State.SENT,
        robot_state=Reminder.State.PENDING,
    )


@pytest.fixture
def sales_robot(company, robot) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        department=company.sales, platform=Platform.DINGTALK, url=robot.url(), secret="SECsales"
    )


def test_a_working_robot_ends_sent(pending, sales_robot, robot):
    assert robots_deliver() == 1

    pending.refresh_from_db()
    assert pending.robot_state == Reminder.State.SENT
    assert pending.robot_attempts == 1 and pending.robot_error == ""
    [request] = robot.received
    assert "请更新今日进展：客户拜访" in request.payload["markdown"]["text"]
    assert "@张三" in request.payload["markdown"]["text"]
    assert robots_deliver() == 0  # sent once only
    assert len(robot.received) == 1


def pending_reminders(company, count: int) -> list[Reminder]:
    return Reminder.objects.bulk_create(
        Reminder(
            rule="test",
            target_type=ContentType.objects.get_for_model(company.sales),
            target_id=str(company.sales.pk),
            recipient=company.sales_staff,
            period=f"p{n}",
            title=f"提醒 {n}",
            state=Reminder.State.SENT,
            robot_state=Reminder.State.PENDING,
        )
        for n in range(count)
    )


def _time_passes():
    """The back-off between tries has run out."""
    Reminder.objects.update(robot_next_at=None)


def test_a_failed_try_waits_for_its_back_off(pending, sales_robot, robot):
    robot.answers(b"Internal Server Error", status=500)
    robots_deliver()
    robots_deliver()
    pending.refresh_from_db()
    assert pending.robot_attempts == 1 and len(robot.received) == 1
    assert pending.robot_next_at > timezone.now() + datetime.timedelta(minutes=1)


def test_a_failing_robot_is_retried_then_shows_failed_with_the_reason(pending, sales_robot, robot):
    robot.answers(b"Internal Server Error", status=500)

    for attempt in range(1, MAX_ROBOT_ATTEMPTS):
        _time_passes()
        assert robots_deliver() == 0
        pending.refresh_from_db()
        assert pending.robot_state == Reminder.State.PENDING
        assert pending.robot_attempts == attempt
        assert "500" in pending.robot_error

    _time_passes()
    assert robots_deliver() == 0
    pending.refresh_from_db()
    assert pending.robot_state == Reminder.State.FAILED
    assert pending.robot_attempts == MAX_ROBOT_ATTEMPTS
    assert "500" in pending.robot_error and "Internal Server Error" in pending.robot_error
    assert TOKEN not in pending.robot_error
    _time_passes()
    robots_deliver()
    assert len(robot.received) == MAX_ROBOT_ATTEMPTS  # a failed one is not tried again


def test_resend_puts_a_failed_one_back_and_the_next_run_sends_it(
    pending, sales_robot, robot, django_capture_on_commit_callbacks
):
    robot.answers({"errcode": 310000, "errmsg": "sign not match"})
    for _ in range(MAX_ROBOT_ATTEMPTS):
        _time_passes()
        robots_deliver()
    pending.refresh_from_db()
    assert pending.robot_state == Reminder.State.FAILED
    assert "310000" in pending.robot_error and "sign not match" in pending.robot_error

    robot.answers(DINGTALK_OK)  # the admin fixed the secret
    with django_capture_on_commit_callbacks() as callbacks:
        assert reminder_resend(reminder=pending) is True
    pending.refresh_from_db()
    assert pending.robot_state == Reminder.State.PENDING
    assert pending.robot_attempts == 0 and pending.robot_error == ""
    assert len(callbacks) == 1  # delivery is queued once the change commits

    assert robots_deliver() == 1
    pending.refresh_from_db()
    assert pending.robot_state == Reminder.State.SENT and pending.robot_attempts == 1
    assert len(robot.received) == MAX_ROBOT_ATTEMPTS + 1
    assert reminder_resend(reminder=pending) is False  # only a failed one is sent again


def test_a_robot_gets_no_more_than_its_platforms_limit_a_minute(company, sales_robot, robot):
    pending_reminders(company, 22)

    assert robots_deliver() == 20  # DingTalk: 20 messages a minute
    waiting = Reminder.objects.filter(robot_state=Reminder.State.PENDING)
    assert waiting.count() == 2 and len(robot.received) == 20
    assert all(r.robot_attempts == 0 for r in waiting)  # waiting is not a failed try
    assert all(r.robot_next_at > timezone.now() + datetime.timedelta(seconds=50) for r in waiting)
    _time_passes()
    assert robots_deliver() == 0  # the minute is not over for the robot

    Reminder.objects.update(robot_claimed_at=timezone.now() - datetime.timedelta(minutes=2))
    _time_passes()
    assert robots_deliver() == 2
    assert len(robot.received) == 22
    assert not Reminder.objects.exclude(robot_state=Reminder.State.SENT).exists()


def test_an_admin_sends_a_test_message_to_a_new_robot(company, sales_robot, robot, login):
    client = login(company.admin)
    changelist = reverse("admin:reminders_webhookendpoint_changelist")

    page = client.post(
        changelist,
        {"action": "send_test_message", "_selected_action": [sales_robot.pk]},
        follow=True,
    )

    [request] = robot.received
    assert request.payload["msgtype"] == "markdown"
    assert "测试" in request.payload["markdown"]["text"]
    assert "平台已接收" in page.content.decode()
    assert not Reminder.objects.exists()  # a test is not a reminder

    robot.answers({"errcode": 310000, "errmsg": "sign not match"})
    page = client.post(
        changelist,
        {"action": "send_test_message", "_selected_action": [sales_robot.pk]},
        follow=True,
    )
    assert "310000" in page.content.decode() and "sign not match" in page.content.decode()


# --- "sent" means the platform took this post -----------------------------------------------
# A row ends sent only when the worker still holding its claim got the platform's own success
# answer (HTTP 2xx and result code 0) to its own post; anything else is a failure to retry.


def assert_every_sent_row_got_a_success_answer(robot: Robot) -> None:
    answered = [r.payload["markdown"]["text"] for r in robot.answered_with_success()]
    for reminder in Reminder.objects.filter(robot_state=Reminder.State.SENT):
        assert any(f"#### {reminder.title}\n" in text for text in answered), reminder.title


def test_a_post_closed_without_an_answer_is_not_sent_and_is_retried(company, sales_robot, robot):
    pending_reminders(company, 5)
    robot.drop = {2}  # the third post arrives, and the connection closes without an answer

    assert robots_deliver() == 4

    [dropped] = Reminder.objects.exclude(robot_state=Reminder.State.SENT)
    assert dropped.title == "提醒 2"
    assert dropped.robot_state == Reminder.State.PENDING and dropped.robot_attempts == 1
    assert dropped.robot_error
    assert len(robot.received) == 5
    assert_every_sent_row_got_a_success_answer(robot)

    _time_passes()
    assert robots_deliver() == 1
    assert not Reminder.objects.exclude(robot_state=Reminder.State.SENT).exists()
    assert len(robot.received) == 6
    assert len(robot.answered_with_success()) == 5
    assert_every_sent_row_got_a_success_answer(robot)


def test_a_redirect_is_a_failure_not_followed(pending, sales_robot, robot):
    # urllib would turn the post into a GET to the new address and take its answer for the
    # platform's: a success without any post reaching it.
    robot.redirect_to = "/elsewhere"

    assert robots_deliver() == 0

    pending.refresh_from_db()
    assert pending.robot_state == Reminder.State.PENDING and pending.robot_attempts == 1
    assert "302" in pending.robot_error
    assert robot.gets == []


def test_an_answer_cut_short_of_its_length_is_a_failure(pending, sales_robot, robot):
    robot.overstated_length = 20  # says 48 bytes, sends the 28 of {"errcode": 0, "errmsg": "ok"}

    assert robots_deliver() == 0

    pending.refresh_from_db()
    assert pending.robot_state == Reminder.State.PENDING and pending.robot_attempts == 1
    assert pending.robot_error == gettext("The group robot's answer is incomplete.")


@pytest.mark.parametrize(
    "platform, answer",
    [
        (Platform.DINGTALK, {"code": 0, "msg": "success"}),  # a gateway's answer, not DingTalk's
        (Platform.DINGTALK, {"errcode": False, "errmsg": "ok"}),
        (Platform.WECOM, {"errcode": None}),
        (Platform.FEISHU, {"errcode": 0, "errmsg": "ok"}),  # not Feishu's answer
        (Platform.FEISHU, {"code": "0", "msg": "success"}),
    ],
)
def test_only_the_platforms_own_success_answer_counts(robot, platform, answer):
    robot.answers(answer)

    failure_of(make_endpoint(robot, platform))


def hang_past_the_claim_until(monkeypatch, worker_b) -> None:
    """The next post (worker A's) hangs past STALE_CLAIM: before it goes out, ``worker_b`` runs
    and finds A's claim stale."""
    send, taken_over = webhooks.webhook_send, []

    def hung(*, endpoint, reminder):
        if not taken_over:
            taken_over.append(True)
            Reminder.objects.filter(pk=reminder.pk).update(
                robot_claimed_at=timezone.now() - STALE_CLAIM - datetime.timedelta(minutes=1)
            )
            worker_b()
        send(endpoint=endpoint, reminder=reminder)

    monkeypatch.setattr(webhooks, "webhook_send", hung)


def test_a_worker_that_lost_its_claim_leaves_a_later_failure_in_place(
    pending, sales_robot, robot, monkeypatch
):
    """Worker B takes the row over and its post fails; then A's post is answered. The row is
    B's now: A does not mark it sent."""

    def worker_b():
        robot.answers(b"Bad Gateway", status=502)
        assert robots_deliver() == 0
        robot.answers(DINGTALK_OK)

    hang_past_the_claim_until(monkeypatch, worker_b)

    assert robots_deliver() == 0  # worker A

    pending.refresh_from_db()
    assert pending.robot_state == Reminder.State.PENDING
    assert pending.robot_attempts == 1 and "502" in pending.robot_error
    assert [r.answer_status for r in robot.received] == [502, 200]


def test_a_worker_that_lost_its_claim_leaves_a_later_success_in_place(
    pending, sales_robot, robot, monkeypatch
):
    """The other way round: B's post is taken, A's ends in a failure. The row stays sent, and
    is not posted a third time."""

    def worker_b():
        assert robots_deliver() == 1
        robot.answers(b"Bad Gateway", status=502)

    hang_past_the_claim_until(monkeypatch, worker_b)

    assert robots_deliver() == 0  # worker A

    pending.refresh_from_db()
    assert pending.robot_state == Reminder.State.SENT
    assert pending.robot_attempts == 1 and pending.robot_error == ""
    _time_passes()
    robots_deliver()
    assert len(robot.received) == 2


def test_the_in_app_relay_leaves_a_robot_outcome_alone(pending, sales_robot, robot):
    assert robots_deliver() == 1

    reminders_deliver()  # the in-app relay runs again: it finds nothing of its own to do

    pending.refresh_from_db()
    assert pending.robot_state == Reminder.State.SENT and pending.robot_attempts == 1
    assert len(robot.received) == 1
