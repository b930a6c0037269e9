"""The irreversible steps ask first: each of their forms names its question for the confirm
dialog (static/js/confirm.js), and every portal page carries that dialog, accessible and in the
reader's language. The browser side is tests/browser/test_confirmations.py."""

import re

import pytest
from django.urls import reverse


def _form_posting_to(body: str, action: str) -> str:
    """The opening tag of the page's form that posts to ``action``."""
    found = re.findall(rf'<form [^>]*action="{re.escape(action)}"[^>]*>', body)
    assert len(found) == 1, (action, found)
    return found[0]


def _asks(tag: str, question: str, yes: str) -> bool:
    return f'data-confirm="{question}"' in tag and f'data-confirm-yes="{yes}"' in tag


def test_withdrawing_a_request_asks_first(company, login, pending):
    body = login(company.sales_staff).get(pending.get_absolute_url()).content.decode()
    tag = _form_posting_to(body, reverse("requests_app:withdraw", args=[pending.code]))
    assert _asks(tag, "撤回这个需求？", "撤回") and "data-confirm-detail=" in tag


def test_publishing_the_task_breakdown_asks_first(company, login, breakdown):
    body = login(company.tech_staff).get(reverse("tasks_app:wbs", args=[breakdown.code]))
    tag = _form_posting_to(
        body.content.decode(), reverse("tasks_app:wbs_publish", args=[breakdown.code])
    )
    assert _asks(tag, "发布任务分解？", "发布")


def test_submitting_and_withdrawing_a_delivery_ask_first(company, login, delivered):
    from acceptance_app import services

    code = delivered.request.code
    page = reverse("acceptance_app:overview", args=[code])
    client = login(company.tech_staff)
    tag = _form_posting_to(
        client.get(page).content.decode(), reverse("acceptance_app:submit", args=[code, 1])
    )
    assert _asks(tag, "提交这份交付清单验收？", "提交验收申请")

    services.delivery_submit(actor=company.tech_staff, delivery=delivered, summary="请验收")
    tag = _form_posting_to(
        client.get(page).content.decode(), reverse("acceptance_app:withdraw", args=[code, 1])
    )
    assert _asks(tag, "撤回这份交付清单？", "撤回")


def test_filing_the_retrospective_asks_first(company, login, in_retrospective):
    code = in_retrospective.request.code
    body = login(company.tech_staff).get(reverse("acceptance_app:retrospective", args=[code]))
    tag = _form_posting_to(
        body.content.decode(), reverse("acceptance_app:retrospective_file", args=[code])
    )
    assert _asks(tag, "提交复盘报告并归档这个需求？", "提交并归档")


@pytest.mark.parametrize("language, cancel", [("zh-hans", "取消"), ("en", "Cancel")])
def test_every_page_carries_the_dialog_labelled_for_screen_readers(
    company, client, language, cancel
):
    client.force_login(company.sales_staff)
    client.cookies["django_language"] = language
    body = client.get(reverse("dashboard:home")).content.decode()
    dialog = re.search(r'<div class="modal[^"]*" id="confirm-dialog"[^>]*>', body).group(0)
    for attribute in (
        'role="dialog"',
        'aria-modal="true"',
        'aria-labelledby="confirm-dialog-title"',
        'aria-describedby="confirm-dialog-detail"',
    ):
        assert attribute in dialog
    assert 'id="confirm-dialog-title"' in body and f">{cancel}</button>" in body
    assert "/static/js/confirm.js" in body
