"""Every page a demo user can reach by following links answers without a server error, for
each role: the pages render with real data, not just in the unit tests' small worlds."""

import re
from collections import deque

import pytest
from django.core.management import call_command

LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/accounts/logout", "/admin/", "/static/", "/media/", "/i18n/")
ROLES = ["zhengkai", "wufang", "qinhao", "sunwei", "chenjing", "fenglei", "hanxue", "admin"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", quiet_logins=True)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.slow
@pytest.mark.parametrize("username", ROLES)
def test_every_reachable_page_renders_for(demo, client, django_db_blocker, username):
    from collab_portal.org.models import User

    with django_db_blocker.unblock():
        client.force_login(User.objects.get(username=username))
        seen, queue, failures = set(), deque(["/"]), []
        while queue and len(seen) < 400:
            url = queue.popleft()
            if url in seen or url.startswith(SKIP):
                continue
            seen.add(url)
            response = client.get(url)
            if response.status_code >= 500:
                failures.append((url, response.status_code))
                continue
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                for link in LINK.findall(response.content.decode()):
                    link = link.replace("&amp;", "&")
                    if link not in seen:
                        queue.append(link)
    assert failures == []
    assert len(seen) > 10, seen
