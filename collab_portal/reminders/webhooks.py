"""Posting a reminder to a department's group robot (DingTalk, WeCom or Feishu).

``webhook_send`` posts one reminder and returns, or raises ``WebhookFailed`` whose text is the
reason the admin log shows: the HTTP status, the platform's error code and message, a timeout, a
refused connection … Never the robot's address: it holds the robot's credential. The message
holds the reminder's title (marked when it is an escalation), its body, the link into the portal,
the recipient's name, and the portal's name (an admin can use it as the robot's keyword).
Everything is written in the portal's default language: the group is not one person.

A message counts as taken only on the platform's own success answer to this post: HTTP 2xx, the
whole answer as long as it said, and the platform's result code (below) the integer 0. A
redirect is a failure, never followed: urllib would repeat a 301/302/303 as a GET without the
message and take that answer for the platform's.

People's text (titles, bodies, names) shows as typed, never as markup: only the portal's own link
is a link. DingTalk and WeCom render their ``markdown`` text; neither documents a backslash
escape, so ``_markdown_plain`` replaces every character either interprets with its full-width
form (``[`` → ``［``, ``<`` → ``＜``, ``@`` → ``＠`` …), which reads the same in Chinese text, and
breaks ``://`` and ``www.`` so a client does not turn a typed address into a link. Feishu's
``text`` tags are plain text: nothing there is interpreted. Control characters become spaces.

The formats, from each platform's documentation:

DingTalk custom robot — https://open.dingtalk.com/document/group/custom-robot-access and
https://open.dingtalk.com/document/development/robot-message-type
    POST ``{"msgtype": "markdown", "markdown": {"title": …, "text": …},
    "at": {"atMobiles": [...], "isAtAll": false}}``; ``title`` is the preview in the chat list.
    An @ by mobile needs ``@<mobile>`` in the text as well. With a signing secret (加签) the URL
    gets ``&timestamp=<ms>&sign=<sign>``: ``sign`` is the URL-encoded base64 of
    HmacSHA256(key=secret, message=f"{timestamp}\\n{secret}"); the timestamp may be at most an
    hour off. Success: ``{"errcode": 0, "errmsg": "ok"}``; a signature, keyword or IP check that
    fails answers ``{"errcode": 310000, …}``. At most 20 messages a minute per robot.
    Its markdown renders headings (``#`` … ``######``), quotes (``>``), bold and italic (``**``,
    ``*``), links ``[text](url)``, images ``![](url)``, lists (``-``, ``1.``), line breaks, and
    an ``@<mobile>`` listed in ``atMobiles`` as a mention (``isAtAll`` for everyone); the clients
    also render HTML such as ``<font color=… size=…>`` (used widely, not documented) and turn
    addresses into links.

WeCom group robot — https://developer.work.weixin.qq.com/document/path/91770
    POST ``{"msgtype": "markdown", "markdown": {"content": …}}``, the content at most 4096 bytes
    of UTF-8; ``<font color="warning">`` is one of its three colours. No signature: the ``key``
    in the URL is the credential. An @ needs the WeCom userid (``<@userid>``), which the portal
    does not have, so the name is written out. Success: ``{"errcode": 0, "errmsg": "ok"}``.
    At most 20 messages a minute per robot. Its markdown renders headings (``#`` …), bold
    (``**``), links ``[text](url)``, inline code (`` ` ``), quotes (``>``), ``<font color="info|
    comment|warning">`` and ``<@userid>`` mentions (``<@all>`` for everyone); newer clients also
    render images ``![](url)`` and lists.

Feishu custom bot — https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
    POST ``{"timestamp": "<s>", "sign": …, "msg_type": "post", "content": {"post": {"zh_cn":
    {"title": …, "content": [[{"tag": "text", "text": …}], [{"tag": "a", "text": …,
    "href": …}]]}}}}``; ``timestamp`` and ``sign`` only with a signing secret: ``sign`` is the
    base64 of HmacSHA256(key=f"{timestamp}\\n{secret}", message=b""), the timestamp in seconds
    and at most an hour off. A body is at most 20 KB. Success: ``{"code": 0, "msg": "success"}``
    (older answers: ``{"StatusCode": 0, …}``); failures such as ``{"code": 19021, "msg": "sign
    match fail …"}`` or ``{"code": 9499, "msg": "Bad Request"}``. An @ needs the user's open_id,
    which the portal does not have, so the name is written out. Links, @s and images are tags of
    their own (``a``, ``at``, ``img``); a ``text`` tag's text is shown as it is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from collab_portal.lib.single_line import one_line
from collab_portal.reminders.models import Reminder, WebhookEndpoint

TIMEOUT = 5  # seconds, for the connection and for each read
BODY_LIMIT = 2000  # bytes of UTF-8: keeps a WeCom message well under its 4096
ANSWER_LIMIT = 64 * 1024  # bytes read of an answer
SNIPPET = 200  # characters of an unexpected answer quoted in the reason

Platform = WebhookEndpoint.Platform


class WebhookFailed(Exception):
    """The robot did not take the message; ``str()`` is the reason, for the admin log."""


@dataclass(frozen=True)
class _Message:
    headline: str  # the title, with the escalation marker in front when it is one
    title: str
    marker: str  # "Escalated", translated
    link_label: str
    signature: str  # the portal's name
    body_lines: list[str]
    link: str
    escalation: bool
    name: str
    mobile: str


def webhook_send(*, endpoint: WebhookEndpoint, reminder: Reminder) -> None:
    """Post ``reminder`` to ``endpoint``'s group robot; raise ``WebhookFailed`` if it is not
    taken (an HTTP error, an error code in the answer, no answer within ``TIMEOUT`` …)."""
    platform = _PLATFORMS.get(endpoint.platform)
    with translation.override(settings.LANGUAGE_CODE):
        if platform is None:
            raise WebhookFailed(
                _("Unknown group robot platform: %(platform)s") % {"platform": endpoint.platform}
            )
        build, plain = platform
        url, payload = build(endpoint, _message(reminder, plain))
        _check(_post(url, payload), endpoint.platform)


# --- the message ----------------------------------------------------------------------------


def _message(reminder: Reminder, plain: Callable[[str], str]) -> _Message:
    """The message's parts, people's text already written with ``plain`` for the platform."""
    marker = _("Escalated")
    title = plain(one_line(reminder.title))
    lines = [plain(one_line(line).strip()) for line in reminder.body.splitlines()]
    body = _clip("\n".join(line for line in lines if line), BODY_LIMIT)
    return _Message(
        headline=f"{marker} · {title}" if reminder.escalation else title,
        title=title,
        marker=marker,
        link_label=_("Open the record"),
        signature=_("Collab Portal"),
        body_lines=body.splitlines(),
        link=_portal_link(reminder.url),
        escalation=reminder.escalation,
        name=plain(one_line(reminder.recipient.name)),
        mobile=_mobile(reminder.recipient.phone),
    )


def _portal_link(path: str) -> str:
    """The portal's address of ``path``, written so that no markup can end the link early; ""
    when ``path`` is not a path of the portal."""
    if not path.startswith("/") or path.startswith("//"):
        return ""
    return settings.PORTAL_BASE_URL.rstrip("/") + quote(path, safe="/?#=&%+,;:@!$'")


# What DingTalk's and WeCom's markdown interpret in text (see the top), and its full-width twin.
_FULL_WIDTH = {
    "[": "［",
    "]": "］",
    "(": "（",
    ")": "）",
    "<": "＜",
    ">": "＞",
    "*": "＊",
    "_": "＿",
    "`": "｀",
    "~": "～",
    "#": "＃",
    "!": "！",
    "@": "＠",
    "|": "｜",
    "&": "＆",
    "\\": "＼",
    "-": "－",
    "+": "＋",
    "=": "＝",
}
_MARKUP = str.maketrans({c: _FULL_WIDTH[c] for c in "[]()<>*_`~#!@|&\\"})
# A list item, a rule or a heading's underline (- + =), an ordered list (1.): only at a line's
# start, so "2026-06-30" and "1.5" stay as they are.
_BLOCK_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)\.)")
_ADDRESS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):(?=//)|\b(www)\.")


def _markdown_plain(text: str) -> str:
    """``text`` as DingTalk's and WeCom's markdown show it as typed: no link, image, mention,
    tag, heading, emphasis, code, quote or list; addresses not turned into links."""
    text = _ADDRESS.sub(lambda m: f"{m[1]}：" if m[1] else f"{m[2]}．", text.translate(_MARKUP))
    return _BLOCK_START.sub(
        lambda m: m[1] + (_FULL_WIDTH[m[2]] if m[2] else f"{m[3]}．"), text, count=1
    )


def _clip(text: str, limit: int) -> str:
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode(errors="ignore") + "…"


def _mobile(phone: str) -> str:
    """The number as DingTalk knows it: digits only, without China's +86."""
    digits = "".join(c for c in phone if c.isdigit())
    if phone.strip().startswith("+86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def _dingtalk(endpoint: WebhookEndpoint, message: _Message) -> tuple[str, dict]:
    mentions = [f"@{message.name}"]
    if message.mobile:
        mentions.append(f"@{message.mobile}")
    paragraphs = [f"#### {message.headline}"]
    if message.body_lines:
        paragraphs.append("  \n".join(message.body_lines))
    if message.link:
        paragraphs.append(f"[{message.link_label}]({message.link})")
    paragraphs += [" ".join(mentions), f"— {message.signature}"]
    payload = {
        "msgtype": "markdown",
        "markdown": {"title": message.headline, "text": "\n\n".join(paragraphs)},
        "at": {"atMobiles": [message.mobile] if message.mobile else [], "isAtAll": False},
    }
    url = endpoint.url
    if endpoint.secret:
        timestamp = str(round(time.time() * 1000))
        digest = hmac.new(
            endpoint.secret.encode(), f"{timestamp}\n{endpoint.secret}".encode(), hashlib.sha256
        ).digest()
        signature = urlencode({"timestamp": timestamp, "sign": base64.b64encode(digest).decode()})
        url += ("&" if urlsplit(url).query else "?") + signature
    return url, payload


def _wecom(endpoint: WebhookEndpoint, message: _Message) -> tuple[str, dict]:
    headline = f"**{message.title}**"
    if message.escalation:
        headline = f'<font color="warning">{message.marker}</font> · {headline}'
    lines = [headline]
    lines += [f"> {line}" for line in message.body_lines]
    if message.link:
        lines.append(f"[{message.link_label}]({message.link})")
    lines += [f"@{message.name}", f'<font color="comment">{message.signature}</font>']
    return endpoint.url, {"msgtype": "markdown", "markdown": {"content": "\n".join(lines)}}


def _feishu(endpoint: WebhookEndpoint, message: _Message) -> tuple[str, dict]:
    rows: list[list[dict]] = [[{"tag": "text", "text": line}] for line in message.body_lines]
    if message.link:
        rows.append([{"tag": "a", "text": message.link_label, "href": message.link}])
    rows += [
        [{"tag": "text", "text": f"@{message.name}"}],
        [{"tag": "text", "text": f"— {message.signature}"}],
    ]
    locale = "zh_cn" if translation.get_language().startswith("zh") else "en_us"
    payload: dict = {}
    if endpoint.secret:
        timestamp = str(int(time.time()))
        key = f"{timestamp}\n{endpoint.secret}".encode()
        digest = hmac.new(key, b"", hashlib.sha256).digest()
        payload = {"timestamp": timestamp, "sign": base64.b64encode(digest).decode()}
    payload["msg_type"] = "post"
    payload["content"] = {"post": {locale: {"title": message.headline, "content": rows}}}
    return endpoint.url, payload


# Each platform's message, and how people's text is written in it to show as typed.
_PLATFORMS: dict[
    str, tuple[Callable[[WebhookEndpoint, _Message], tuple[str, dict]], Callable[[str], str]]
] = {
    Platform.DINGTALK: (_dingtalk, _markdown_plain),
    Platform.WECOM: (_wecom, _markdown_plain),
    Platform.FEISHU: (_feishu, str),
}


# --- the request and the answer -------------------------------------------------------------


class _RedirectsRefused(urllib.request.HTTPRedirectHandler):
    """urllib would follow a 301, 302 or 303 with a GET of the new address, without the message,
    and take that answer for the platform's: a redirect is an HTTP error here instead."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _post(url: str, payload: dict) -> object:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    opener = urllib.request.build_opener(_RedirectsRefused)
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            raw = response.read(ANSWER_LIMIT)
            if response.length:  # the answer ended before its Content-Length (or is too long)
                raise WebhookFailed(_("The group robot's answer is incomplete."))
    except urllib.error.HTTPError as error:
        raise WebhookFailed(_http_error(error)) from error
    except urllib.error.URLError as error:  # while connecting: the reason is the OSError
        raise WebhookFailed(_unreachable(error.reason)) from error
    except (OSError, http.client.HTTPException) as error:  # while waiting for the answer
        raise WebhookFailed(_unreachable(error)) from error
    except ValueError as error:  # not a URL urllib can open (its text would show the URL)
        raise WebhookFailed(_("The group robot's address is not valid.")) from error
    try:
        return json.loads(raw)
    except ValueError:
        raise WebhookFailed(
            _("The group robot's answer is not JSON: %(answer)s") % {"answer": _snippet(raw)}
        ) from None


def _http_error(error: urllib.error.HTTPError) -> str:
    try:
        raw = error.read(ANSWER_LIMIT)
    except (OSError, http.client.HTTPException):
        raw = b""
    try:
        code, message = _code_and_message(json.loads(raw))
    except ValueError:
        code, message = None, ""
    if 300 <= error.code < 400:
        return _(
            "The group robot's address redirects elsewhere (HTTP %(status)s): enter the address "
            "the platform gave."
        ) % {"status": error.code}
    if code is not None:
        text = _("error %(code)s, %(message)s") % {"code": code, "message": message}
    else:
        text = _snippet(raw) or error.reason
    return _("The group robot answered HTTP %(status)s: %(detail)s") % {
        "status": error.code,
        "detail": text,
    }


def _unreachable(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return _("The group robot did not answer within %(seconds)s s.") % {"seconds": TIMEOUT}
    if isinstance(reason, ConnectionRefusedError):
        return _("The group robot refused the connection.")
    return _("Could not reach the group robot: %(reason)s") % {"reason": reason}


# Where each platform's answer holds its result code and message; 0 is success, and only the
# platform's own keys count (a proxy's or gateway's {"code": 0} is not DingTalk taking it).
_RESULT_KEYS = {
    Platform.DINGTALK: (("errcode", "errmsg"),),
    Platform.WECOM: (("errcode", "errmsg"),),
    Platform.FEISHU: (("code", "msg"), ("StatusCode", "StatusMessage")),
}
_ANY_RESULT_KEYS = (("errcode", "errmsg"), ("code", "msg"), ("StatusCode", "StatusMessage"))


def _check(answer: object, platform: str) -> None:
    code, message = _code_and_message(answer, _RESULT_KEYS[platform])
    if code is None:
        raise WebhookFailed(
            _("The group robot's answer has no result code: %(answer)s")
            % {"answer": _snippet(json.dumps(answer, ensure_ascii=False).encode())}
        )
    if type(code) is not int or code != 0:  # JSON false and "0" are not the documented 0
        raise WebhookFailed(
            _("The group robot refused the message: error %(code)s, %(message)s")
            % {"code": code, "message": message}
        )


def _code_and_message(
    answer: object, keys: tuple[tuple[str, str], ...] = _ANY_RESULT_KEYS
) -> tuple[object, str]:
    """(code, message) of an answer: DingTalk and WeCom say ``errcode``/``errmsg``, Feishu
    ``code``/``msg`` (formerly ``StatusCode``/``StatusMessage``); (None, "") for anything else."""
    if not isinstance(answer, dict):
        return None, ""
    for code_key, message_key in keys:
        if answer.get(code_key) is not None:
            return answer[code_key], str(answer.get(message_key, ""))
    return None, ""


def _snippet(raw: bytes) -> str:
    text = " ".join(raw.decode(errors="replace").split())
    return text if len(text) <= SNIPPET else text[:SNIPPET] + "…"
