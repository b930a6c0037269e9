"""Hardening (issue 9, point 3): the headers production sends on every page, login throttling,
password rules and sessions that end on logout.

Uploads checked by content and the PDF renderer's fetcher are tested where they live:
tests/lib/test_uploads.py, tests/requests_app/test_views.py, tests/acceptance_app/test_views.py
and tests/documents/test_rendering.py (a hostile template, with file and network spies).
"""

import importlib.util
import os
from collections import deque
from http.cookies import SimpleCookie
from pathlib import Path
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD, UserFactory
from tests.platform.test_crawl import DOWNLOAD, LINK, SKIP
from tests.platform.test_production_settings import SECRET

SETTINGS_FILE = Path(django_settings.BASE_DIR) / "collab_portal" / "settings.py"
HTTPS = {"X-Forwarded-Proto": "https"}  # what the HTTPS proxy in front of gunicorn sends
LOGIN = "/accounts/login/"
LOCKED_OUT = {
    "zh-hans": "登录失败次数过多。此账号在您这台电脑上的登录已被暂停 15 分钟。",
    "en": "Too many failed sign-in attempts. Sign-in for this account from your computer "
    "is blocked for 15 minutes.",
}


def production_module():
    """collab_portal/settings.py as DJANGO_ENV=production loads it, in a module of its own."""
    environment = {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    with mock.patch.dict(os.environ, environment):
        spec = importlib.util.spec_from_file_location("production_settings", SETTINGS_FILE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


@pytest.fixture
def production(settings):
    """Every security-related setting of production: headers, cookies, redirects, CSP, DEBUG."""
    module = production_module()
    names = [
        name
        for name in dir(module)
        if name.startswith(("SECURE_", "SESSION_", "CSRF_", "LANGUAGE_COOKIE_"))
        or name in {"X_FRAME_OPTIONS", "CONTENT_SECURITY_POLICY", "DEBUG", "ALLOWED_HOSTS"}
    ]
    for name in names:
        setattr(settings, name, getattr(module, name))
    assert settings.SECURE_HSTS_SECONDS and settings.SESSION_COOKIE_SECURE and not settings.DEBUG
    return settings


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def header_problems(url, response) -> list[str]:
    """What is missing from ``response``'s protective headers, as readable lines."""
    expected = {
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    problems = [
        f"{url}: {name} is {response.get(name)!r}"
        for name, value in expected.items()
        if response.get(name) != value
    ]
    if "Content-Security-Policy" not in response:
        return [*problems, f"{url}: no Content-Security-Policy"]
    policy = directives(response)
    if policy.get("script-src") != ["'self'"]:
        problems.append(f"{url}: script-src is {policy.get('script-src')}")
    for name, value in {
        "default-src": ["'self'"],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }.items():
        if policy.get(name) != value:
            problems.append(f"{url}: {name} is {policy.get(name)}")
    return problems


def sign_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


# Headers and cookies under production settings.


def test_production_policy_allows_no_inline_script_and_no_eval():
    policy = production_module().CONTENT_SECURITY_POLICY["DIRECTIVES"]

    assert policy["script-src"] == ["'self'"]
    assert not [
        (name, value)
        for name, values in policy.items()
        for value in values
        if value in {"'unsafe-eval'", "'unsafe-hashes'"}
        or (value == "'unsafe-inline'" and name != "style-src-attr")
    ]


def test_plain_http_is_sent_to_https(production, db):
    response = Client().get(LOGIN)

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"


def test_every_page_a_signed_in_user_reaches_carries_the_protective_headers(
    production, company, submitted
):
    """Following links from the workbench as the case's coordinator, with a case in acceptance:
    the workbench, lists, case pages of every stage, tasks, risks, acceptance, dashboard."""
    client = Client(headers=HTTPS)
    response = client.get(LOGIN)
    problems = header_problems(LOGIN, response)
    csrf = response.cookies[django_settings.CSRF_COOKIE_NAME]
    response = sign_in(client, company.tech_staff.username, TEST_PASSWORD)
    assert response.status_code == 302, response.text[:500]
    session = response.cookies[django_settings.SESSION_COOKIE_NAME]
    language = response.cookies[django_settings.LANGUAGE_COOKIE_NAME]

    seen, queue = set(), deque(["/"])
    while queue and len(seen) < 80:
        url = queue.popleft()
        if url in seen or url.startswith(SKIP) or DOWNLOAD.search(url):
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, url
        problems += header_problems(url, response)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            queue.extend(link.replace("&amp;", "&") for link in LINK.findall(response.text))

    assert problems == []
    case = reverse("requests_app:detail", args=[submitted.request.code])
    assert any(url.startswith(case) for url in seen), seen
    assert len(seen) > 30, seen
    for cookie in (session, csrf, language):
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax", cookie


# Login throttling.


@pytest.fixture
def person(db):
    return UserFactory(username="liming")


def test_five_wrong_passwords_lock_the_username_on_that_address_with_a_clear_message(
    client, person
):
    for _attempt in range(4):
        response = sign_in(client, "liming", "wrong-password")
        assert response.status_code == 200
        assert 'data-testid="locked-out"' not in response.text

    response = sign_in(client, "liming", "wrong-password")

    assert response.status_code == 429
    assert LOCKED_OUT["zh-hans"] in response.text
    assert 'name="password"' in response.text  # the sign-in form stays on the page
    assert "Content-Security-Policy" in response
    # Even the right password is refused until the cool-off ends.
    response = sign_in(client, "liming", TEST_PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    # The same person from another computer, and another person from this one, still get in.
    assert sign_in(Client(), "liming", TEST_PASSWORD, REMOTE_ADDR="10.1.2.3").status_code == 302
    UserFactory(username="zhaolei")
    assert sign_in(Client(), "zhaolei", TEST_PASSWORD).status_code == 302


def test_the_lockout_message_follows_the_chosen_language(client, person):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    for _attempt in range(5):
        response = sign_in(client, "liming", "wrong-password")

    assert response.status_code == 429
    assert LOCKED_OUT["en"] in response.text
    assert "Ask your portal administrator if you need it unlocked sooner." in response.text


def test_an_administrator_unlocks_by_deleting_the_access_attempt_in_the_admin(client, person):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    for _attempt in range(5):
        sign_in(client, "liming", "wrong-password")
    attempt = AccessAttempt.objects.get(username="liming")
    assert attempt.failures_since_start == 5

    operator = Client()
    operator.force_login(admin)
    changelist = operator.get(reverse("admin:axes_accessattempt_changelist"))
    assert "liming" in changelist.text
    response = operator.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302

    assert not AccessAttempt.objects.filter(username="liming").exists()
    assert sign_in(client, "liming", TEST_PASSWORD).status_code == 302
    assert client.session[SESSION_KEY] == str(person.pk)


def test_a_successful_sign_in_forgets_the_earlier_failures(client, person):
    for _attempt in range(4):
        sign_in(client, "liming", "wrong-password")
    assert sign_in(client, "liming", TEST_PASSWORD).status_code == 302
    client.post(reverse("logout"))

    for _attempt in range(4):
        assert sign_in(client, "liming", "wrong-password").status_code == 200
    assert sign_in(client, "liming", TEST_PASSWORD).status_code == 302


@pytest.mark.parametrize("behind_proxy", [False, True])
def test_the_client_address_comes_from_the_proxy_only_when_there_is_one(
    settings, client, person, behind_proxy
):
    """Behind the proxy, each person's address is the X-Forwarded-For entry the proxy appended;
    without one, a client rotating that header must not escape the lockout."""
    settings.AXES_BEHIND_PROXY = behind_proxy
    for attempt in range(5):
        forwarded = {"HTTP_X_FORWARDED_FOR": f"203.0.113.9, 10.0.0.{attempt}"}
        response = sign_in(client, "liming", "wrong-password", **forwarded)

    assert (response.status_code == 429) is not behind_proxy
    assert sorted(AccessAttempt.objects.values_list("ip_address", flat=True)) == (
        [f"10.0.0.{attempt}" for attempt in range(5)] if behind_proxy else ["127.0.0.1"]
    )


def test_a_sign_in_or_sign_out_without_the_csrf_token_is_refused(person):
    browser = Client(enforce_csrf_checks=True)

    assert sign_in(browser, "liming", TEST_PASSWORD).status_code == 403
    assert SESSION_KEY not in browser.session
    browser.force_login(person)
    assert browser.post(reverse("logout")).status_code == 403
    assert browser.session[SESSION_KEY] == str(person.pk)


# Sessions and passwords.


def test_signing_out_ends_the_session_for_its_old_cookie_too(client, person):
    page = reverse("password_change")
    assert sign_in(client, "liming", TEST_PASSWORD).status_code == 302
    old_cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert client.get(page).status_code == 200

    assert client.get(reverse("logout")).status_code == 405  # signing out is a POST only
    assert client.get(page).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302

    replay = Client()
    replay.cookies = SimpleCookie({django_settings.SESSION_COOKIE_NAME: old_cookie})
    response = replay.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_the_password_page_states_the_rules_in_chinese(client, person):
    client.force_login(person)

    response = client.get(reverse("password_change"))

    assert "你的密码必须包含至少 10 个字符。" in response.text
    assert "你的密码不能是一个常见密码。" in response.text


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Qx7-kp2!", "密码长度太短。密码必须包含至少 10 个字符。"),
        ("password123", "这个密码太常见了。"),
        ("2026051809134", "密码只包含数字。"),
    ],
)
def test_a_weak_new_password_is_refused_with_the_rule_it_breaks(client, person, password, message):
    client.force_login(person)

    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": password, "new_password2": password},
    )

    assert response.status_code == 200
    assert message in response.text
    person.refresh_from_db()
    assert person.check_password(TEST_PASSWORD)


def test_a_strong_new_password_is_accepted(client, person):
    client.force_login(person)
    new = "Lantern-Orchard-4417"

    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password(new)
