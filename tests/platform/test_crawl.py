"""Every page a demo user can reach by following links answers without a server error, for
each role: the pages render with real data, not just in the unit tests' small worlds. Every
form control on them has a name a screen reader can say (a label, or aria-label)."""

import re
from collections import deque
from html.parser import HTMLParser

import pytest

from acceptance_app.bundle_outbox import archive_bundles_sweep
from collab_portal.org.models import User

LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/accounts/logout", "/admin/", "/static/", "/media/", "/i18n/")
# Forms, workbooks and bundles are rendered once, by the first role that reaches them: they are
# slow, and the other roles' right to them is the access tests' business.
DOWNLOAD = re.compile(r"pdf|xlsx|\.zip")
ROLES = ["zhengkai", "wufang", "qinhao", "sunwei", "chenjing", "fenglei", "hanxue", "admin"]


class _Controls(HTMLParser):
    """The form controls of a page that have no name: no <label for>, no enclosing <label>, no
    aria-label, aria-labelledby or title."""

    UNNAMED_INPUTS = {"hidden", "submit", "button", "reset", "image"}

    def __init__(self):
        super().__init__()
        self.labelled_ids: set[str] = set()
        self.candidates: list[tuple[str, str]] = []  # (id, description)
        self.open_labels = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self.open_labels += 1
            if attrs.get("for"):
                self.labelled_ids.add(attrs["for"])
            return
        is_control = tag in ("select", "textarea") or (
            tag == "input" and attrs.get("type", "text") not in self.UNNAMED_INPUTS
        )
        named = self.open_labels or any(
            attrs.get(name) for name in ("aria-label", "aria-labelledby", "title")
        )
        if is_control and not named:
            self.candidates.append((attrs.get("id", ""), f"{tag} name={attrs.get('name')}"))

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels = max(0, self.open_labels - 1)

    def unnamed(self) -> list[str]:
        return [what for id_, what in self.candidates if not id_ or id_ not in self.labelled_ids]


def _unnamed_controls(html: str) -> list[str]:
    parser = _Controls()
    parser.feed(html)
    return parser.unnamed()


DATE_INPUT_VALUE = re.compile(
    r'<input[^>]*type="date"[^>]*value="([^"]*)"|<input[^>]*value="([^"]*)"[^>]*type="date"'
)
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _unreadable_dates(html: str) -> list[str]:
    """Date pickers given a value the browser rejects (it only reads yyyy-mm-dd)."""
    values = [a or b for a, b in DATE_INPUT_VALUE.findall(html)]
    return [f"date input value={value}" for value in values if not ISO_DAY.fullmatch(value)]


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
            html = response.content.decode()
            failures += [(url, control) for control in _unnamed_controls(html)]
            failures += [(url, problem) for problem in _unreadable_dates(html)]
            queue.extend(link.replace("&amp;", "&") for link in LINK.findall(html))
    return seen, failures


@pytest.mark.slow
def test_every_reachable_page_renders_for_every_role(demo, client):
    archive_bundles_sweep()  # as make run's worker does: the archived cases' bundles
    downloaded = set()
    for username in ROLES:
        client.force_login(User.objects.get(username=username))
        seen, failures = _crawl(client, downloaded)
        assert failures == [], username
        assert len(seen) > 10, (username, seen)
    assert any(url.endswith("archive.zip") for url in downloaded)


def test_a_control_without_a_name_is_found():
    html = (
        '<label for="a">A</label><input id="a" name="a"><label><input name="b"></label>'
        '<input name="c" aria-label="C"><input type="hidden" name="d"><textarea name="e">'
        '</textarea><select id="f" name="f"></select>'
    )
    assert _unnamed_controls(html) == ["textarea name=e", "select name=f"]


def test_a_date_picker_given_a_local_date_is_found():
    html = '<input type="date" name="a" value="2026-11-27"><input value="2026/11/27" type="date">'
    assert _unreadable_dates(html) == ["date input value=2026/11/27"]
