"""collab_portal.lib.secret_urls: one-time link tokens cut from log lines."""

import logging

import pytest

from collab_portal.lib.secret_urls import HideLinkTokens, without_link_tokens


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('"GET /x/plan/AbC-_9/ HTTP/1.1" 200', '"GET /x/plan/***/ HTTP/1.1" 200'),
        (
            "https://portal.example.com/x/accept/AbC?x=1",
            "https://portal.example.com/x/accept/***?x=1",
        ),
        ("Gone: /x/plan/AbC/ and /x/accept/DeF/", "Gone: /x/plan/***/ and /x/accept/***/"),
        ("/verify/" + "a" * 64 + "/", "/verify/" + "a" * 64 + "/"),
        ("/requests/CR-2026-0001/tasks/3/", "/requests/CR-2026-0001/tasks/3/"),
    ],
)
def test_only_the_token_segment_of_a_link_is_hidden(line, expected):
    assert without_link_tokens(line) == expected


def test_the_filter_rewrites_the_formatted_message_once():
    record = logging.LogRecord(
        "django.request", logging.WARNING, "", 0, "%s: %s", ("Gone", "/x/plan/AbC/"), None
    )
    assert HideLinkTokens().filter(record)
    assert record.getMessage() == "Gone: /x/plan/***/"
    untouched = logging.LogRecord("x", logging.INFO, "", 0, "%d%%", (5,), None)
    HideLinkTokens().filter(untouched)
    assert untouched.getMessage() == "5%"
