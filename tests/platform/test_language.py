"""Chinese by default, English on request, and the choice stays with the account."""

from django.conf import settings
from django.urls import reverse


def test_the_portal_speaks_chinese_by_default(company, login):
    client = login(company.sales_head)
    body = client.get(reverse("dashboard:home")).content.decode()
    assert "工作台" in body and "待我处理" in body
    assert '<html lang="zh-hans">' in body


def test_switching_to_english_changes_the_pages_and_is_kept_on_the_account(company, login):
    client = login(company.sales_head)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response["Location"] == "/"
    body = client.get(reverse("dashboard:home")).content.decode()
    assert "Waiting for me" in body and "待我处理" not in body
    company.sales_head.refresh_from_db()
    assert company.sales_head.language == "en"


def test_signing_in_restores_the_accounts_language(company, client):
    company.sales_head.language = "en"
    company.sales_head.save()
    response = client.post(
        reverse("login"), {"username": "sales_head", "password": "Collab-Test-Pass-2026"}
    )
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Waiting for me" in client.get("/").content.decode()


def test_the_login_page_offers_the_other_language(client, db):
    body = client.get(reverse("login")).content.decode()
    assert "登录" in body and 'value="en"' in body
    client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert "Sign in to your account" in client.get(reverse("login")).content.decode()


def test_an_unknown_language_changes_nothing(company, login):
    client = login(company.sales_head)
    client.post(reverse("set_language"), {"language": "klingon", "next": "/"})
    company.sales_head.refresh_from_db()
    assert company.sales_head.language == "zh-hans"
    assert "待我处理" in client.get("/").content.decode()


def test_an_english_browser_still_gets_chinese_until_someone_switches(client, db):
    body = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录你的账户" in body
