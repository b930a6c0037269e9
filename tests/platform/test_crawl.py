"""Every page a demo user can reach by following links answers without a server error, for
each role: the pages render with real data, not just in the unit tests' small worlds."""

import re
from collections import deque

import pytest
from django.core.management import call_command

from collab_portal.org.models import User

LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/accounts/logout", "/admin/", "/static/", "/media/", "/i18n/")
# Forms, workbooks and bundles are rendered once, by the first role that reaches them: they are
# slow, and the other roles' right to them is the access tests' business.
DOWNLOAD = re.compile(r"pdf|xlsx|\.zip")
ROLES = ["zhengkai", "wufang", "qinhao", "sunwei", "chenjing", "fenglei", "hanxue", "admin"]


def _crawl(client, downloaded: set, limit=400):
    seen, queue, failures = set(), deque(["/"]), []
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen or url.startswith(SKIP):
            continue
        seen.add(url)
        if DOWNLOAD.search(url):
            if url in downloaded:
                continue
            downloaded.add(url)
        response = client.get(url)
        if response.status_code >= 500:
            failures.append((url, response.status_code))
        elif response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            queue.extend(
                link.replace("&amp;", "&") for link in LINK.findall(response.content.decode())
            )
    return seen, failures


@pytest.mark.slow
def test_every_reachable_page_renders_for_every_role(db, client):
    call_command("seed_demo", quiet_logins=True)
    downloaded = set()
    for username in ROLES:
        client.force_login(User.objects.get(username=username))
        seen, failures = _crawl(client, downloaded)
        assert failures == [], username
        assert len(seen) > 10, (username, seen)
    assert any(url.endswith("archive.zip") for url in downloaded)
