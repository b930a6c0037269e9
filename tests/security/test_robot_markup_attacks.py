"""Markup in people's text does not reach a department's chat group as markup (issue 17,
finding 8): a task titled ``[点此重新登录](http://evil/phish)`` must not become a link in the
DingTalk group, nor ``<font>``, ``<@all>`` or an image pass through to WeCom.

Each payload goes into a reminder's title, its body (alone on a line and inside a sentence) and
the recipient's name; the message the loopback robot receives must hold exactly the markup of
the same message about plain text — the portal's heading, its one link, its own colours and its
@ of the recipient — and still read as what was typed."""

from __future__ import annotations

import re

import pytest

from collab_portal.org.models import User
from collab_portal.reminders.models import Reminder, WebhookEndpoint
from collab_portal.reminders.webhooks import webhook_send
from tests.fixtures.robot import FEISHU_OK, Robot

pytestmark = pytest.mark.usefixtures("no_proxy")

Platform = WebhookEndpoint.Platform
LINK = "https://portal.example.com/tasks/7/"
PLAIN = "普通文字"

PAYLOADS = [
    "[点此重新登录](http://evil.example/phish)",
    "![x](http://evil.example/a.png)",
    '<font color="warning">紧急 系统将停用</font>',
    "<font color=#ff0000 size=6>红字</font>",
    "<@all>",
    "<@zhangsan>",
    "@all 请立即处理",
    "@13900000000",
    "# heading",
    "###### 小标题",
    "**bold** and *italic* and __under__",
    "`code` and ```block```",
    "~~strike~~",
    "> quoted",
    "- list item",
    "+ list item",
    "1. ordered item",
    "---",
    "===",
    "[text][ref]",
    "[ref]: http://evil.example/ref",
    "<http://evil.example/autolink>",
    '<a href="http://evil.example/">点我</a>',
    "<img src=http://evil.example/p.png>",
    "http://evil.example/bare",
    "www.evil.example",
    "dingtalk://dingtalkclient/page/link?url=http%3A%2F%2Fevil.example&pc_slide=true",
    "&lt;font color=&quot;warning&quot;&gt;x&lt;/font&gt;",
    r"\[escaped\](http://evil.example/esc)",
    "| a | b |",
]

LINE_START = r"\s*(?:>\s*)*"  # a line's start, inside a quote too (WeCom's body lines are quoted)
# What DingTalk's and WeCom's markdown (and their clients) interpret, as the platforms document
# and as they are seen to render: see collab_portal/reminders/webhooks.py.
MARKUP = {
    "link": re.compile(r"\[[^\]]*\]\s*[(\[]"),
    "reference": re.compile(r"(?m)^\s*\[[^\]]+\]:"),
    "image": re.compile(r"!\["),
    "tag": re.compile(r"<\s*/?\s*[A-Za-z@!][^>]*>"),  # HTML, <@userid>, <http://…>
    "mention": re.compile(r"@"),
    "heading": re.compile(rf"(?m)^{LINE_START}#{{1,6}}"),
    "rule or underline": re.compile(rf"(?m)^{LINE_START}(?:[-=*_]\s*){{3,}}$"),
    "emphasis": re.compile(r"\*|_|~~"),
    "code": re.compile(r"`"),
    "quote": re.compile(r"(?m)^\s*>(?:\s*>)*"),
    "list": re.compile(rf"(?m)^{LINE_START}(?:[-+*]|\d+[.)])\s"),
    "address": re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://|\bwww\."),
    "entity": re.compile(r"&#?\w+;"),
    "table": re.compile(r"\|"),
    "escape": re.compile(r"\\"),
}

# How a person reads the escaped text: the full-width forms are the characters they typed.
AS_READ = str.maketrans(
    {
        "［": "[",
        "］": "]",
        "（": "(",
        "）": ")",
        "＜": "<",
        "＞": ">",
        "＊": "*",
        "＿": "_",
        "｀": "`",
        "～": "~",
        "＃": "#",
        "！": "!",
        "＠": "@",
        "｜": "|",
        "＆": "&",
        "＼": "\\",
        "－": "-",
        "＋": "+",
        "＝": "=",
        "．": ".",
        "：": ":",
    }
)


@pytest.fixture(autouse=True)
def portal_base_url(settings):
    settings.PORTAL_BASE_URL = "https://portal.example.com"


def reminder_about(text: str) -> Reminder:
    recipient = User(username="target", display_name=text)
    return Reminder(
        recipient=recipient,
        rule="test",
        period="p",
        escalation=True,
        title=f"请更新今日进展：{text}",
        body=f"{text}\n任务说明 {text} 请在今天处理",
        url="/tasks/7/",
    )


def posted(robot: Robot, platform: str, text: str) -> dict:
    if platform == Platform.FEISHU:
        robot.answers(FEISHU_OK)
    webhook_send(
        endpoint=WebhookEndpoint(platform=platform, url=robot.url()),
        reminder=reminder_about(text),
    )
    return robot.received[-1].payload


def markup_in(text: str) -> dict[str, list[str]]:
    return {name: pattern.findall(text) for name, pattern in MARKUP.items()}


def markdown_of(platform: str, payload: dict) -> list[str]:
    """The texts the platform renders: DingTalk's preview title and text, WeCom's content."""
    if platform == Platform.DINGTALK:
        return [payload["markdown"]["title"], payload["markdown"]["text"]]
    return [payload["markdown"]["content"]]


@pytest.mark.parametrize("platform", [Platform.DINGTALK, Platform.WECOM])
@pytest.mark.parametrize("attack", PAYLOADS)
def test_markdown_robots_get_no_markup_but_the_portals_own(robot, platform, attack):
    plain = markdown_of(platform, posted(robot, platform, PLAIN))
    attacked = markdown_of(platform, posted(robot, platform, attack))

    for reference, text in zip(plain, attacked, strict=True):
        assert markup_in(text) == markup_in(reference), text
        assert re.findall(r"\]\(([^)]*)\)", text) == re.findall(r"\]\(([^)]*)\)", reference)
    assert re.findall(r"\]\(([^)]*)\)", attacked[-1]) == [LINK]  # the portal's own link
    read = attacked[-1].translate(AS_READ)
    assert read.count(attack) >= 3, read  # the title, the body's two lines: still as typed
    if platform == Platform.DINGTALK:
        assert robot.received[-1].payload["at"] == {"atMobiles": [], "isAtAll": False}


@pytest.mark.parametrize("attack", PAYLOADS)
def test_feishu_shows_it_as_plain_text_with_the_portals_link_only(robot, attack):
    post = posted(robot, Platform.FEISHU, attack)["content"]["post"]["zh_cn"]

    elements = [element for row in post["content"] for element in row]
    assert {element["tag"] for element in elements} == {"text", "a"}
    assert [e["href"] for e in elements if e["tag"] == "a"] == [LINK]
    assert all(set(e) == {"tag", "text"} for e in elements if e["tag"] == "text")  # no un_escape
    texts = [e["text"] for e in elements if e["tag"] == "text"]
    assert attack in post["title"]
    assert texts[0] == attack and attack in texts[1] and f"@{attack}" in texts
