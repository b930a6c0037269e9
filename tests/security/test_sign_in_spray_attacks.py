"""Password spraying (issue 17, finding 14): the lockout counted per username and address only,
so 4 wrong passwords for each of 10 accounts from one address were never slowed. An address
now has a limit of its own (20 failures within an hour, above the per-account 5): past it,
every sign-in from there is refused, the right password included, with a message that says
until when; other addresses are not affected."""

import datetime
import re

import pytest
from axes.models import AccessFailureLog
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SPRAYER = "198.51.100.7"
COLLEAGUE = "198.51.100.8"
ADDRESS_LOCKED = {
    "zh-hans": re.compile(r"您所在网络地址的登录失败次数过多，从该地址登录已暂停至 (\d\d:\d\d)。"),
    "en": re.compile(
        r"Too many failed sign-in attempts from your network address\. Sign-in from it is "
        r"paused until (\d\d:\d\d)\."
    ),
}


def sign_in(client, username, password, address):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


@pytest.fixture
def accounts():
    return [UserFactory(username=f"staff{n:02d}") for n in range(11)]


def _spray(client, accounts, address=SPRAYER):
    """4 wrong passwords for each of the first 10 accounts: each stays under its own limit."""
    return [
        sign_in(client, account.username, f"Guess-{attempt}-2026", address).status_code
        for account in accounts[:10]
        for attempt in range(4)
    ]


def test_spraying_from_one_address_locks_the_address_out(client, accounts):
    statuses = _spray(client, accounts)

    limit = 20
    assert statuses[:limit] == [200] * limit  # wrong passwords, said so
    assert set(statuses[limit:]) == {429}  # the address is locked out
    # The right password of an 11th account is refused from that address, saying until when.
    response = sign_in(Client(), accounts[10].username, TEST_PASSWORD, SPRAYER)
    assert response.status_code == 429
    match = ADDRESS_LOCKED["zh-hans"].search(response.text)
    assert match, response.text
    failures = AccessFailureLog.objects.filter(ip_address=SPRAYER).order_by("-attempt_time")
    twentieth_latest = failures[limit - 1].attempt_time
    until = timezone.localtime(twentieth_latest + datetime.timedelta(hours=1))
    assert match.group(1) == until.strftime("%H:%M")
    assert 'name="password"' in response.text
    # Another address still signs in, to the same account.
    colleague = Client()
    assert sign_in(colleague, accounts[10].username, TEST_PASSWORD, COLLEAGUE).status_code == 302
    assert colleague.session[SESSION_KEY] == str(accounts[10].pk)


def test_the_address_lockout_message_follows_the_chosen_language(client, accounts):
    _spray(client, accounts)
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = sign_in(english, accounts[10].username, TEST_PASSWORD, SPRAYER)
    assert response.status_code == 429
    assert ADDRESS_LOCKED["en"].search(response.text), response.text


def test_the_address_signs_in_again_once_its_failures_are_an_hour_old(client, accounts):
    _spray(client, accounts)
    hour_ago = timezone.now() - datetime.timedelta(hours=1, seconds=1)
    AccessFailureLog.objects.update(attempt_time=hour_ago)

    response = sign_in(client, accounts[10].username, TEST_PASSWORD, SPRAYER)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(accounts[10].pk)


def test_a_single_accounts_limit_still_locks_that_account_only(client, accounts):
    for _attempt in range(5):
        response = sign_in(client, "staff00", "wrong-password", SPRAYER)
    assert response.status_code == 429
    assert "此账号在您这台电脑上的登录已被暂停 15 分钟" in response.text
    assert not ADDRESS_LOCKED["zh-hans"].search(response.text)
    assert sign_in(Client(), "staff01", TEST_PASSWORD, SPRAYER).status_code == 302
