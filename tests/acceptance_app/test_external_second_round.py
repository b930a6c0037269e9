"""The customer's second acceptance round (issue 18, point 7): the link's page says what failed
in the round before, with the customer's own comments, and marks each item new, changed (and
what changed) or unchanged against the version before, so only the rework needs judging again:
an unchanged item that passed before is offered as passed."""

import re

import pytest

from acceptance_app import services
from tests.fixtures.acceptance import first_fails, rework_and_resubmit


def _token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _link(company, delivery) -> str:
    return services.acceptance_link_create(actor=company.sales_staff, delivery=delivery)


def _item_block(page: str, item) -> str:
    """The part of the page about one item: from its block's start to the next block's."""
    start = page.index(f'data-testid="verdict-{item.pk}"')
    following = page.find('data-testid="verdict-', start + 1)
    return page[start : following if following != -1 else len(page)]


@pytest.fixture
def second_round(company, external_submitted):
    """v1 sent back by the customer (调研问卷 failed: 问卷题目不全; overall: 请补全问卷), then
    v2 (``rework_and_resubmit``)."""
    services.acceptance_external_decide(
        token=_token(_link(company, external_submitted)),
        typed_name="高建华",
        ip=None,
        verdicts=first_fails(external_submitted, "问卷题目不全"),
        comment="请补全问卷",
    )
    return rework_and_resubmit(company, external_submitted.request)


def test_the_second_round_shows_what_failed_before_with_the_customers_comments(
    company, client, second_round
):
    page = client.get(_link(company, second_round)).content.decode()

    def earlier(name):
        block = _item_block(page, second_round.items.get(name=name))
        found = re.search(r'data-testid="earlier-verdict">(.*?)</div>', block, re.S)
        return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()) if found else None

    assert earlier("调研问卷") == "第 1 版的结论：不通过 · 问卷题目不全"
    assert earlier("方案反馈报告") == "第 1 版的结论：通过"
    assert earlier("访谈纪要") is None
    assert "请补全问卷" in page  # the overall comment of the round before
    assert "补全问卷题目" in page  # what the team says it reworked


def test_each_item_is_marked_new_changed_or_unchanged_with_what_changed(
    company, client, second_round
):
    page = client.get(_link(company, second_round)).content.decode()

    def mark(name):
        block = _item_block(page, second_round.items.get(name=name))
        found = re.search(r'data-testid="item-change"[^>]*>([^<]*)<', block)
        return found.group(1).strip() if found else None

    assert mark("调研问卷") == "已修改：版本、文件"
    assert mark("方案反馈报告") == "未改动"
    assert mark("访谈纪要") == "新增"


def test_an_unchanged_item_that_passed_before_is_offered_as_passed(company, client, second_round):
    page = client.get(_link(company, second_round)).content.decode()

    def checked(name):
        block = _item_block(page, second_round.items.get(name=name))
        return re.findall(r'<input[^>]*value="(pass|fail)"[^>]*checked', block)

    assert checked("方案反馈报告") == ["pass"]
    assert checked("调研问卷") == [] and checked("访谈纪要") == []


def test_the_first_round_shows_no_earlier_verdicts_or_marks(company, client, external_submitted):
    page = client.get(_link(company, external_submitted)).content.decode()
    assert 'data-testid="earlier-verdict"' not in page
    assert 'data-testid="item-change"' not in page
    assert not re.findall(r'<input[^>]*value="pass"[^>]*checked', page)
