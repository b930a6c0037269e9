"""The access matrix: every URL of the portal × every role → allowed, or 404 (a stranger and a
deactivated account → the sign-in page). The URLs are found by walking the URL configuration,
so a page added without a row in ``TABLE`` fails ``test_every_url_has_a_row``.

Roles, all around cases that the sales department starts and the tech department receives:
the initiator; a colleague in the initiator's department with no part in the case; a member of
the receiving department; staff and head of a department of the other division; the sales
head; the coordinator; the sales division's leader in charge; an administrator. Finance (the
other division) starts cases of its own, so lists, searches and exports are checked for leaks
both ways.

A refused POST must change nothing (every row of the portal's own tables is compared before and
after), and on an archived case nobody's POST changes anything. The world is built once per
module in a transaction rolled back at the end; each test runs in a savepoint of its own. PDFs
are not laid out (WeasyPrint is replaced by a stub that returns the HTML it was given): who may
download them is the question here, and the stub lets the leak checks read them."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from acceptance_app.models import DeliveryFile, DeliveryItem
from collab_portal.documents import rendering
from collab_portal.notifications.models import Notification
from collab_portal.signoffs.models import ExternalLink, SignOff
from tasks_app.models import Task, WbsTemplate, WeeklySummary
from tests.fixtures.access_world import World, build_world

# --- roles ---------------------------------------------------------------------------------------

SIGNED_IN = [
    "initiator",
    "staff_same",
    "staff_receiver",
    "staff_other",
    "head_same",
    "head_other",
    "coordinator",
    "leader",
    "admin",
]
SIGNED_OUT = ["anonymous", "deactivated"]
ROLES = SIGNED_OUT + SIGNED_IN
EVERYONE = frozenset(SIGNED_IN)

# Who may see a case of the sales department, by its state (the visibility rule written out,
# not computed from the code under test).
SEES_OURS = frozenset(
    {"initiator", "staff_receiver", "head_same", "coordinator", "leader", "admin"}
)
SEES = {"draft": frozenset({"initiator", "admin"})}
SEES_FINANCE = frozenset({"staff_other", "head_other", "admin"})
# Whose dashboard covers the sales department; staff have no dashboard and get a page saying so.
DASHBOARD_OF_SALES = frozenset({"head_same", "leader", "admin"})
NO_DASHBOARD = frozenset(
    {"initiator", "staff_same", "staff_receiver", "staff_other", "coordinator"}
)


def sees(state: str) -> frozenset[str]:
    if state.startswith("fin_"):
        return SEES_FINANCE
    return SEES.get(state, SEES_OURS)


# --- how to build each URL ----------------------------------------------------------------------

Kwargs = Callable[[World, object], dict | None]  # (world, case or None) → kwargs, None if n/a


def code(world, case):
    return {"code": case.code}


def with_task(world, case):
    task = Task.objects.filter(request=case, children__isnull=True).order_by("pk").first()
    return {"code": case.code, "pk": task.pk} if task else None


def with_attachment(world, case):
    attachment = case.attachments.filter(sync_record__isnull=True).first()
    return {"code": case.code, "pk": attachment.pk} if attachment else None


def with_sync_record(world, case):
    record = case.sync_records.order_by("-pk").first()
    return {"code": case.code, "pk": record.pk} if record else None


def with_plan(world, case):
    return {"code": case.code, "version": 1} if case.plans.exists() else None


def with_external_receiver(world, case):
    receiver = case.receivers.filter(kind="external").first()
    return {"code": case.code, "receiver_pk": receiver.pk} if receiver else None


def with_internal_receiver(world, case):
    receiver = case.receivers.filter(kind="internal").first()
    return {"code": case.code, "receiver_pk": receiver.pk} if receiver else None


def with_risk(world, case):
    risk = case.risks.order_by("number").first()
    return {"code": case.code, "number": risk.number} if risk else None


def with_delivery(world, case):
    return {"code": case.code, "version": 1} if case.deliveries.filter(version=1) else None


def with_item(world, case):
    item = DeliveryItem.objects.filter(delivery__request=case).order_by("pk").first()
    return {"code": case.code, "pk": item.pk} if item else None


def with_file(world, case):
    file = DeliveryFile.objects.filter(item__delivery__request=case).order_by("pk").first()
    return {"code": case.code, "pk": file.pk} if file else None


def with_summary(world, case):
    summary = WeeklySummary.objects.filter(request=case).order_by("-pk").first()
    if summary is None:
        return None
    return {"code": case.code, "year": summary.iso_year, "week": summary.iso_week}


def with_link(world, case):
    """The case's latest one-time link (the plan's, or the delivery's)."""
    plans = [str(pk) for pk in case.plans.values_list("pk", flat=True)]
    deliveries = [str(pk) for pk in case.deliveries.values_list("pk", flat=True)]
    link = (
        ExternalLink.objects.filter(
            Q(target_type__model="collabplan", target_id__in=plans)
            | Q(target_type__model="delivery", target_id__in=deliveries)
        )
        .order_by("-pk")
        .first()
    )
    return {"code": case.code, "pk": link.pk} if link else None


def nothing(world, case):
    return {}


@dataclass(frozen=True)
class Row:
    """How one URL answers: built from the case in each of ``states`` (or from the world alone
    when ``states`` is empty), to ``who`` (default: whoever sees the case) and 404 to the
    rest. ``post_only``: GET answers 405; ``form``: GET may redirect back to the case for
    someone who sees it but may not use the form."""

    kwargs: Kwargs = code
    states: tuple[str, ...] = ()
    who: frozenset[str] | None = None
    post_only: bool = False
    form: bool = False
    query: str = ""
    ok: tuple[int, ...] = (200,)


def page(states=(), kwargs=code, **options) -> Row:
    return Row(kwargs=kwargs, states=tuple(states), **options)


def form(states, kwargs=code, **options) -> Row:
    return Row(kwargs=kwargs, states=tuple(states), form=True, ok=(200, 302), **options)


def action(states=(), kwargs=code, **options) -> Row:
    return Row(kwargs=kwargs, states=tuple(states), post_only=True, ok=(200, 302), **options)


def own_notification(world, case):
    return {"pk": world.extra["notification"].pk}


def own_delegation(world, case):
    return {"pk": world.delegation.pk}


def template(world, case):
    return {"pk": world.template.pk}


SALES = "department={sales}"

TABLE: dict[str, Row] = {
    # the portal's own pages: every signed-in person, about themselves
    "dashboard:home": page(who=EVERYONE, kwargs=nothing),
    "dashboard:tab_counts": page(who=EVERYONE, kwargs=nothing),
    "notifications:list": page(who=EVERYONE, kwargs=nothing),
    "notifications:open": action(who=frozenset({"head_same"}), kwargs=own_notification),
    "notifications:read_all": action(who=EVERYONE, kwargs=nothing),
    "org:my_delegations": page(who=EVERYONE, kwargs=nothing),
    "org:delegation_cancel": action(who=frozenset({"head_same"}), kwargs=own_delegation),
    "org:my_reminder_channels": page(who=EVERYONE, kwargs=nothing),
    # the dashboard of the sales department: its head, its leader in charge, admins; staff get
    # the friendly "no dashboard" page on the dashboard itself and 404 on everything behind it
    "insights:weekly": page(who=DASHBOARD_OF_SALES | NO_DASHBOARD, kwargs=nothing, query=SALES),
    "insights:kpis": page(who=DASHBOARD_OF_SALES, kwargs=nothing, query=SALES),
    "insights:drill": page(
        who=DASHBOARD_OF_SALES,
        kwargs=lambda world, case: {"kind": "tasks"},
        query=SALES + "&status=in_progress",
    ),
    "insights:weekly_pdf": page(who=DASHBOARD_OF_SALES, kwargs=nothing, query=SALES),
    "insights:weekly_xlsx": page(who=DASHBOARD_OF_SALES, kwargs=nothing, query=SALES),
    # lists: every signed-in person, each seeing their own rows (see the leak tests)
    "requests_app:list": page(who=EVERYONE, kwargs=nothing),
    "requests_app:all": page(who=EVERYONE, kwargs=nothing),
    "requests_app:waiting": page(who=EVERYONE, kwargs=nothing),
    "requests_app:create": page(who=EVERYONE, kwargs=nothing),
    "tasks_app:my_tasks": page(who=EVERYONE, kwargs=nothing),
    "tasks_app:wbs_templates": page(who=EVERYONE, kwargs=nothing),
    # templates are the company's: anyone may ask, only an administrator deletes (a message)
    "tasks_app:wbs_template_delete": action(who=EVERYONE, kwargs=template),
    "risks_app:register": page(who=EVERYONE, kwargs=nothing),
    "acceptance_app:list": page(who=EVERYONE, kwargs=nothing),
    # stage 1
    "requests_app:detail": page(["draft", "pending", "syncing", "archived", "fin_executing"]),
    "requests_app:edit": form(["draft", "pending"]),
    "requests_app:submit": action(["draft"]),
    "requests_app:withdraw": action(["pending"]),
    "requests_app:urge": action(["pending"]),
    "requests_app:review": action(["pending"]),
    "requests_app:hand_over": action(["pending"]),
    "requests_app:copy_in": form(["syncing", "archived"]),
    "requests_app:cancel": action(["syncing"]),
    "requests_app:attachment": page(["syncing"], with_attachment),
    "requests_app:attachment_delete": action(["syncing"], with_attachment),
    "requests_app:pdf_registration": page(["draft", "pending"]),
    # stage 2
    "requests_app:sync_add": form(["syncing"]),
    "requests_app:sync_ack": action(["syncing"], with_sync_record),
    "requests_app:kickoff": form(["syncing"]),
    "requests_app:sync_finish": action(["syncing"]),
    "requests_app:pdf_sync": page(["syncing"]),
    "requests_app:plan_edit": form(["planning"]),
    "requests_app:plan_propose": action(["planning"]),
    "requests_app:plan_sign": action(["planning"]),
    "requests_app:link_email": action(["planning"]),
    "requests_app:link_revoke": action(["planning", "accepting"], with_link),
    "requests_app:plan_urge": action(["planning"]),
    "requests_app:plan_new_version": action(["planning"]),
    "requests_app:plan_link": action(["planning"], with_external_receiver),
    "requests_app:plan": page(["planning"], with_plan, ok=(200, 302)),  # the case page shows it
    "requests_app:pdf_plan": page(["planning"], with_plan),
    # stage 3
    "tasks_app:wbs": page(["breakdown", "executing"]),
    "tasks_app:wbs_add": form(["breakdown"]),
    "tasks_app:wbs_edit": form(["breakdown"], with_task),
    "tasks_app:wbs_delete": action(["breakdown"], with_task),
    "tasks_app:wbs_indent": action(["breakdown"], with_task),
    "tasks_app:wbs_outdent": action(["breakdown"], with_task),
    "tasks_app:wbs_up": action(["breakdown"], with_task),
    "tasks_app:wbs_down": action(["breakdown"], with_task),
    "tasks_app:wbs_publish": action(["breakdown"]),
    "tasks_app:wbs_template_save": action(["executing"]),
    "tasks_app:wbs_template_apply": action(["breakdown"]),
    "tasks_app:wbs_export": page(["executing"]),
    "tasks_app:wbs_import": action(["breakdown"]),
    # stage 4
    "tasks_app:task": page(["executing"], with_task),
    "tasks_app:task_start": action(["executing"], with_task),
    "tasks_app:task_done": action(["executing"], with_task),
    "tasks_app:task_resume": action(["executing"], with_task),
    "tasks_app:task_progress": action(["executing"], with_task),
    "tasks_app:task_delay": action(["executing"], with_task),
    "tasks_app:task_block": action(["executing"], with_task),
    "tasks_app:task_due": action(["executing"], with_task),
    "tasks_app:task_urge": action(["executing"], with_task),
    "tasks_app:tracking": page(["executing"]),
    "tasks_app:tracking_xlsx": page(["executing"]),
    "tasks_app:tracking_pdf": page(["executing"]),
    "tasks_app:gantt": page(["executing"]),
    "tasks_app:gantt_data": page(["executing"]),
    "tasks_app:weekly_list": page(["executing"]),
    "tasks_app:weekly_draft": action(["executing"]),
    "tasks_app:weekly_detail": page(["executing"], with_summary),
    "tasks_app:weekly_update": action(["executing"], with_summary),
    "tasks_app:weekly_publish": action(["executing"], with_summary),
    "tasks_app:weekly_pdf": page(["executing"], with_summary),
    "risks_app:case_register": page(["executing"]),
    "risks_app:case_register_pdf": page(["executing"]),
    "risks_app:case_register_xlsx": page(["executing"]),
    "risks_app:risk_create": form(["executing"]),
    "risks_app:risk": page(["executing"], with_risk),
    "risks_app:risk_start": action(["executing"], with_risk),
    "risks_app:risk_escalate": action(["executing"], with_risk),
    "risks_app:risk_resolve": action(["executing"], with_risk),
    "risks_app:risk_close": action(["executing"], with_risk),
    "risks_app:risk_reopen": action(["executing"], with_risk),
    "risks_app:risk_instruct": action(["executing"], with_risk),
    "risks_app:risk_major": action(["executing"], with_risk),
    "risks_app:risk_urge": action(["executing"], with_risk),
    # stage 5
    "acceptance_app:overview": page(["accepting"]),
    "acceptance_app:new_version": action(["accepting"]),
    "acceptance_app:item_add": form(["accepting"]),
    "acceptance_app:item_edit": form(["accepting"], with_item),
    "acceptance_app:item_remove": action(["accepting"], with_item),
    "acceptance_app:file": page(["accepting"], with_file),
    "acceptance_app:file_remove": action(["accepting"], with_file),
    "acceptance_app:delivery": page(["accepting"], with_delivery),
    "acceptance_app:submit": action(["accepting"], with_delivery),
    "acceptance_app:withdraw": action(["accepting"], with_delivery),
    "acceptance_app:urge": action(["accepting"], with_delivery),
    "acceptance_app:accept": action(["accepting"], with_delivery),
    "acceptance_app:link": action(["accepting"], with_delivery),
    "acceptance_app:delivery_pdf": page(["accepting"], with_delivery),
    "acceptance_app:acceptance_pdf": page(["retrospective"], with_delivery),
    # stage 6
    "acceptance_app:retrospective": page(["retrospective", "archived"]),
    "acceptance_app:retrospective_save": action(["retrospective"]),
    "acceptance_app:retrospective_rate": action(["retrospective"], with_internal_receiver),
    "acceptance_app:retrospective_file": action(["retrospective"]),
    "acceptance_app:retrospective_pdf": page(["retrospective", "archived"]),
    "acceptance_app:bundle": page(["archived"]),
    "acceptance_app:bundle_status": page(["archived"]),
}

# Pages that answer strangers by design (checked in ``test_public_pages``), and pages that are
# not the portal's: Django's admin (tests/platform), signing in and out, the password pages,
# the language switch, the health check and the icon (tests/platform/test_login_required.py).
PUBLIC = {
    "signoffs:verify",
    "signoffs:verify_hash",
    "external:plan",
    "external:plan_file",
    "external:acceptance",
    "external:acceptance_file",
}
SKIPPED_PREFIXES = ("admin:",)
SKIPPED = {
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "set_language",
    "healthz",
    "favicon",
}


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or ''}", str(pattern.pattern)


def portal_url_names() -> set[str]:
    return {
        name
        for name, route in _walk(get_resolver().url_patterns)
        if not name.startswith(SKIPPED_PREFIXES) and name not in SKIPPED and "static" not in route
    }


# --- the world, shared by every test of this module ---------------------------------------------


@dataclass
class Stage:
    world: World
    clients: dict[str, Client]


@pytest.fixture(scope="module")
def world_media(tmp_path_factory):
    return tmp_path_factory.mktemp("access_media")


@pytest.fixture(scope="module")
def stage(django_db_setup, django_db_blocker, world_media):
    """Built once in a transaction that is rolled back after the module's last test; each test
    runs in a savepoint inside it."""
    hasher = f"{MD5PasswordHasher.__module__}.{MD5PasswordHasher.__name__}"
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=[hasher], MEDIA_ROOT=world_media),
        transaction.atomic(),
    ):
        world = build_world()
        world.extra["notification"] = Notification.objects.filter(
            recipient=world.users["head_same"]
        ).first()
        assert world.extra["notification"] is not None
        clients = {"anonymous": Client()}
        for role, user in world.users.items():
            clients[role] = Client()
            clients[role].force_login(user)
        deactivated = world.users["deactivated"]
        deactivated.is_active = False
        deactivated.save(update_fields=["is_active"])
        yield Stage(world, clients)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def media_root(settings, world_media):
    """The world's uploads stay where they were stored (the shared fixture moves MEDIA_ROOT)."""
    settings.MEDIA_ROOT = world_media
    return world_media


class _HtmlAsPdf:
    def __init__(self, string, **_options):
        self.html = string

    def write_pdf(self, *args, **kwargs):
        return b"%PDF-1.4\n" + self.html.encode()


@pytest.fixture(autouse=True)
def pdfs_without_layout(monkeypatch):
    monkeypatch.setattr(rendering.weasyprint, "HTML", _HtmlAsPdf)


# --- the snapshot that refused requests must leave as it was ------------------------------------

PORTAL_APPS = {
    "org",
    "signoffs",
    "activity",
    "notifications",
    "reminders",
    "documents",
    "cases",
    "requests_app",
    "tasks_app",
    "risks_app",
    "acceptance_app",
    "insights_app",
}
IGNORED_FIELDS = {"last_login"}


def snapshot() -> dict[str, list[dict]]:
    rows = {}
    for config in apps.get_app_configs():
        if config.label not in PORTAL_APPS:
            continue
        for model in config.get_models():
            if model.__name__.startswith("Historical"):
                continue  # a history row follows a change of its own table, compared here
            rows[model._meta.label] = [
                {k: v for k, v in row.items() if k not in IGNORED_FIELDS}
                for row in model._default_manager.order_by("pk").values()
            ]
    return rows


def changed_tables(before, after) -> list[str]:
    return [label for label in before if before[label] != after[label]]


# --- the matrix ---------------------------------------------------------------------------------


def test_every_url_has_a_row():
    names = portal_url_names()
    assert names - PUBLIC - set(TABLE) == set(), "add a row to TABLE for these URLs"
    assert set(TABLE) - names == set(), "these rows name no URL any more"


def _url(stage: Stage, name: str, row: Row, state: str | None) -> str | None:
    world = stage.world
    case = world.case(state) if state else None
    kwargs = row.kwargs(world, case)
    if kwargs is None:
        return None
    url = reverse(name, kwargs=kwargs)
    if row.query:
        url += "?" + row.query.format(sales=world.departments["sales"].pk)
    return url


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def _cases_of(row: Row) -> list[str | None]:
    return list(row.states) or [None]


def _allowed(row: Row, state: str | None) -> frozenset[str]:
    if row.who is not None:
        return row.who
    return sees(state)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_the_matrix(stage, name, db):
    row = TABLE[name]
    clients = stage.clients
    problems = []
    writes = row.post_only or row.form
    before = snapshot() if writes else None
    for state in _cases_of(row):
        url = _url(stage, name, row, state)
        assert url, (name, state, "the world has nothing to build this URL from")
        allowed = _allowed(row, state)
        for role in ROLES:
            problems += _check_get(clients[role], url, row, role, allowed, state)
            if role not in allowed and writes:
                # refused, and (checked below) nothing changed
                got = clients[role].post(url, {})
                refused = _is_login_redirect(got) if role in SIGNED_OUT else got.status_code == 404
                if not refused:
                    problems.append(("POST", state, role, "refused", _describe(got)))
    problems += _post_to_the_archived_case(stage, name, row)
    assert problems == [], problems
    if writes:
        changed = changed_tables(before, snapshot())
        assert changed == [], f"a refused request changed {changed}"


def _check_get(client, url, row: Row, role, allowed, state) -> list[tuple]:
    if row.post_only and role in SIGNED_IN and role != "initiator":
        return []  # Django answers 405 before the view, whoever asks: one role shows it
    got = client.get(url)
    if role in SIGNED_OUT:
        expected, answer = "login", "login" if _is_login_redirect(got) else got.status_code
    elif row.post_only:
        expected, answer = 405, got.status_code
    elif role not in allowed:
        expected, answer = 404, got.status_code
    else:
        expected, answer = "ok", "ok" if _answers_ok(got, row) else got.status_code
    return [] if answer == expected else [("GET", state, role, expected, _describe(got))]


def _post_to_the_archived_case(stage, name, row: Row) -> list[tuple]:
    """An archived case is read-only: whoever sees it may post, nothing changes (the
    snapshot around the whole test says so), and the answer is a page or a redirect with a
    message, never an error."""
    if not (row.post_only or row.form) or not row.states:
        return []
    url = _url(stage, name, row, "archived")
    if url is None:
        return []  # the archived case has no such record (a pending review, a draft summary)
    problems = []
    for role in sorted(SEES_OURS):
        got = stage.clients[role].post(url, {})
        if got.status_code not in (200, 302, 400) or _is_login_redirect(got):
            problems.append(("POST", "archived", role, "refused", _describe(got)))
    return problems


def _answers_ok(response, row: Row) -> bool:
    if response.status_code not in row.ok:
        return False
    if response.status_code == 302:
        return not _is_login_redirect(response)
    return True


def _describe(response) -> str:
    location = response.get("Location", "")
    return f"{response.status_code} {location}".strip()


# --- public pages: the external contact's links and the fingerprint check -----------------------


def test_the_external_links_open_without_an_account_only_with_a_valid_token(stage, db):
    world = stage.world
    pages = [
        (reverse("external:plan", args=[world.plan_token]), world.case("planning")),
        (reverse("external:acceptance", args=[world.acceptance_token]), world.case("accepting")),
    ]
    for url, case in pages:
        for role in ROLES:
            response = stage.clients[role].get(url)
            assert response.status_code == 200, (url, role)
            assert case.subject in response.content.decode()
        for bad in (url.replace(url.rstrip("/").rsplit("/", 1)[-1], "x" * 43), url[:-3] + "/"):
            response = stage.clients["anonymous"].get(bad)
            assert response.status_code in (404, 410), bad
            assert case.subject not in response.content.decode()


def test_the_fingerprint_page_shows_the_signed_content_only_to_who_sees_the_case(stage, db):
    case = stage.world.case("executing")
    plan = case.plans.get()
    signoff = SignOff.objects.filter(
        target_type=ContentType.objects.get_for_model(plan), target_id=str(plan.pk)
    ).first()
    assert signoff is not None
    url = reverse("signoffs:verify_hash", args=[signoff.sha256])
    for role in ROLES:
        response = stage.clients[role].get(url)
        assert response.status_code == 200, role
        body = response.content.decode()
        assert (case.subject in body) == (role in SEES_OURS), role
    assert stage.clients["anonymous"].get(reverse("signoffs:verify")).status_code == 200


# --- lists, searches, exports and the dashboard leak no row -------------------------------------

LISTS = [
    ("dashboard:home", {}, ""),
    *[
        ("dashboard:home", {}, f"tab={tab}")
        for tab in ("handled", "initiated", "involved", "copied", "drafts")
    ],
    ("requests_app:list", {}, ""),
    ("requests_app:all", {}, ""),
    ("requests_app:all", {}, "q=CR-"),
    ("requests_app:all", {}, "q=%E4%B8%93%E6%A1%88"),  # 专案, in every subject
    ("requests_app:waiting", {}, ""),
    ("tasks_app:my_tasks", {}, ""),
    ("risks_app:register", {}, ""),
    ("acceptance_app:list", {}, ""),
    ("acceptance_app:list", {}, "q=CR-"),
    ("notifications:list", {}, ""),
    ("insights:weekly", {}, ""),
    ("insights:drill", {"kind": "tasks"}, "status=upcoming"),
    ("insights:drill", {"kind": "risks"}, ""),
    ("insights:drill", {"kind": "deliveries"}, "state=waiting"),
    ("insights:drill", {"kind": "cases"}, "stage=pending_review"),
    ("insights:weekly_pdf", {}, ""),
    ("insights:weekly_xlsx", {}, ""),
]


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for values in sheet.iter_rows(values_only=True)
            for value in values
            if value is not None
        )
    return content.decode("utf-8", errors="replace")


def _shows(text: str, case) -> bool:
    return bool(re.search(re.escape(case.code) + r"(?!\d)", text)) or case.subject in text


@pytest.mark.parametrize(("name", "kwargs", "query"), LISTS, ids=lambda v: str(v) or "-")
def test_no_list_shows_a_case_the_role_may_not_see(stage, name, kwargs, query, db):
    world = stage.world
    url = reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")
    leaks, shown = [], set()
    for role in SIGNED_IN:
        response = stage.clients[role].get(url)
        if response.status_code == 404:
            continue  # not their page (the matrix checks who gets it)
        assert response.status_code == 200, (role, response.status_code)
        text = _text(response)
        for state, case in world.cases.items():
            if _shows(text, case):
                shown.add(state)
                if role not in sees(state):
                    leaks.append((role, state, case.code))
    assert leaks == []
    assert shown, "the page listed no case for anyone: the check would prove nothing"


def test_only_an_administrator_deletes_a_wbs_template(stage, db):
    """Templates are the company's, not a department's: anyone may ask, the refusal is a
    message, and only an administrator's request deletes."""
    template = stage.world.template
    url = reverse("tasks_app:wbs_template_delete", args=[template.pk])
    for role in SIGNED_IN:
        if role == "admin":
            continue
        response = stage.clients[role].post(url)
        assert response.status_code == 302, role
        assert WbsTemplate.objects.filter(pk=template.pk).exists(), role
    assert stage.clients["admin"].post(url).status_code == 302
    assert not WbsTemplate.objects.filter(pk=template.pk).exists()


def test_a_deactivated_persons_session_is_over(stage, db):
    """Signed in before the account was switched off: every page sends them to sign in, and
    nothing they post is done."""
    client = stage.clients["deactivated"]
    home = client.get(reverse("dashboard:home"))
    assert _is_login_redirect(home)
    before = snapshot()
    case = stage.world.case("executing")
    response = client.post(reverse("risks_app:risk_create", args=[case.code]), {"description": "x"})
    assert _is_login_redirect(response)
    assert changed_tables(before, snapshot()) == []
