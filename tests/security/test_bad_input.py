"""Bad input, tried for real (issue 9, point 4), against PostgreSQL.

Every form of the portal gets the corpus of tests/security/bad_input_corpus.py: each input is
either refused with a message in the user's language (and nothing is written) or stored and
shown escaped; no request ends in a server error. Also: garbage in query strings and URLs,
files that lie about their type, tampered ids, double-clicked and out-of-order transitions,
and WBS cycles."""

from __future__ import annotations

import functools
import re

import pytest
from django.contrib.messages import constants, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from acceptance_app.models import Delivery, DeliveryItem
from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.notifications.models import Notification
from collab_portal.signoffs.models import SignOff
from requests_app.models import Attachment
from tasks_app.models import Task
from tests.security.bad_input_corpus import (
    BAD_DATES,
    BAD_QUERY_VALUES,
    CORPUS,
    FORM_IDS,
    FORMS,
    IMG_ONERROR,
    NAME_PAYLOAD,
    SCRIPT,
    SVG_ONLOAD,
    TEMPLATE_VAR,
    case_of,
    pages_showing_payloads,
    store_payloads,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# Inputs no form may accept: PostgreSQL cannot store NUL, and every text field has a limit.
MUST_REFUSE = {"nul", "oversized"}
# Inputs that, once stored, the page after the form shows: it must show them escaped.
SHOWN_AFTER_SAVING = {"markup", "template_syntax"}


# --- helpers ------------------------------------------------------------------------------


# Sessions, sign-ins, and the signing policy's singleton row that the first read creates.
NOT_CONTENT = {"django_session", "signoffs_signingpolicy", "axes_accesslog"}


@functools.cache
def _count_sql() -> str:
    tables = [t for t in connection.introspection.table_names() if t not in NOT_CONTENT]
    return " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM \"{t}\"" for t in tables)


def table_counts() -> dict[str, int]:
    """Rows per table of the whole database, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_count_sql())
        return dict(cursor.fetchall())


def case_state(case) -> dict:
    """What an edit could change on the case, besides new rows."""
    return Case.objects.filter(pk=case.pk).values().get()


def changed_tables(before: dict, after: dict) -> dict:
    return {t: (before[t], after.get(t)) for t in before if before[t] != after.get(t)}


def feedback(response) -> tuple[list[str], list[str]]:
    """(error texts, other message texts) that ``response`` gives the user: its form errors and
    the messages added while handling it (not those left over from an earlier request)."""
    errors, others = [], []
    storage = get_messages(response.wsgi_request)
    for message in storage._queued_messages:
        (errors if message.level >= constants.WARNING else others).append(str(message))
    context = response.context
    form_errors = []
    if context is not None:
        for key in ("form", "milestones", "write_up_form", "rating_form"):
            form = context.get(key)
            if form is not None and getattr(form, "is_bound", False) and form.errors:
                if hasattr(form, "forms"):
                    form_errors += [
                        str(e) for f in form.forms for es in f.errors.values() for e in es
                    ]
                    form_errors += [str(e) for e in form.non_form_errors()]
                else:
                    form_errors += [str(e) for es in form.errors.values() for e in es]
    return errors + form_errors, others


def was_refused(response, errors) -> bool:
    return bool(errors) or response.status_code in (400, 403, 404, 410)


def assert_harmless(client, response):
    """No raw markup from the corpus on the page the user lands on."""
    pages = [response]
    if response.status_code == 302:
        pages.append(client.get(response.url))
    for page in pages:
        assert page.status_code < 500
        body = page.content.decode()
        assert SCRIPT not in body
        assert IMG_ONERROR not in body
        assert "<svg/onload" not in body
        assert "md5$" not in body and "pbkdf2" not in body  # {{ request.user.password }}


@pytest.fixture
def stage_value(request, company):
    spec = request.node.callspec.params["spec"]
    return company if spec.stage == "company" else request.getfixturevalue(spec.stage)


def payload_for(spec, value, ctx, text):
    data = spec.payload(value, ctx)
    for name in spec.text_fields:
        data[name] = text
    if spec.extra.get("item_comments"):
        for key in list(data):
            if key.startswith("comment_"):
                data[key] = text
    return data


# --- every form × the corpus --------------------------------------------------------------


@pytest.mark.parametrize("spec", FORMS, ids=FORM_IDS)
def test_every_form_refuses_or_stores_harmlessly_each_bad_input(spec, company, stage_value, client):
    client.force_login(getattr(company, spec.actor))
    case = None if spec.stage == "company" else case_of(stage_value)
    ctx = {"company": company, "case": case}
    url = spec.url(stage_value, ctx)

    # The valid payload goes through: the table is right, so a refusal below means something.
    with transaction.atomic():
        before = table_counts()
        response = client.post(url, spec.payload(stage_value, ctx))
        errors, _others = feedback(response)
        assert not errors, f"{spec.name}: the valid payload was refused: {errors}"
        assert response.status_code in (200, 302)
        transaction.set_rollback(True)

    for item, text in CORPUS.items():
        with transaction.atomic():
            before = table_counts()
            state = case_state(case) if case else None
            response = client.post(url, payload_for(spec, stage_value, ctx, text))
            assert response.status_code < 500, (spec.name, item)
            errors, _others = feedback(response)
            if item in MUST_REFUSE:
                assert was_refused(response, errors), f"{spec.name} accepted {item}"
            if was_refused(response, errors):
                assert errors, f"{spec.name}/{item}: refused without saying why"
                assert all(CHINESE.search(e) for e in errors), (spec.name, item, errors)
                assert changed_tables(before, table_counts()) == {}, (spec.name, item)
                if case:
                    assert case_state(case) == state, (spec.name, item)
            elif item in SHOWN_AFTER_SAVING:
                assert_harmless(client, response)
            transaction.set_rollback(True)


@pytest.mark.parametrize("spec", [s for s in FORMS if s.date_fields], ids=lambda s: s.name)
def test_dates_out_of_range_are_refused_with_a_message(spec, company, stage_value, client):
    client.force_login(getattr(company, spec.actor))
    case = None if spec.stage == "company" else case_of(stage_value)
    ctx = {"company": company, "case": case}
    url = spec.url(stage_value, ctx)
    for bad in BAD_DATES:
        data = spec.payload(stage_value, ctx)
        data.update(dict.fromkeys(spec.date_fields, bad))
        with transaction.atomic():
            before = table_counts()
            response = client.post(url, data)
            assert response.status_code < 500, (spec.name, bad)
            errors, _others = feedback(response)
            assert errors and all(CHINESE.search(e) for e in errors), (spec.name, bad, errors)
            assert changed_tables(before, table_counts()) == {}, (spec.name, bad)
            transaction.set_rollback(True)


def test_inverted_dates_are_refused(company, breakdown, client):
    client.force_login(company.tech_staff)
    url = reverse("tasks_app:wbs_add", args=[breakdown.code])
    before = Task.objects.count()
    response = client.post(
        url,
        {
            "name": "倒置日期",
            "owner": company.tech_staff.pk,
            "start_on": "2030-05-10",
            "due_on": "2030-05-01",
        },
    )
    errors, _ = feedback(response)
    assert errors and all(CHINESE.search(e) for e in errors)
    assert Task.objects.count() == before

    client.force_login(company.sales_head)
    response = client.post(
        reverse("org:my_delegations"),
        {"delegate": company.sales_staff.pk, "starts_on": "2030-05-10", "ends_on": "2030-05-01"},
    )
    errors, _ = feedback(response)
    assert errors and all(CHINESE.search(e) for e in errors)
    assert not company.sales_head.delegations_given.exists()


def test_login_and_password_change_survive_the_corpus(company, client):
    for text in (CORPUS["nul"], CORPUS["oversized"], SCRIPT, TEMPLATE_VAR):
        response = client.post(reverse("login"), {"username": text, "password": text})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
        assert SCRIPT not in response.content.decode()
    client.force_login(company.sales_staff)
    for text in (CORPUS["nul"], SCRIPT, CORPUS["invisible_and_right_to_left"]):
        response = client.post(
            reverse("password_change"),
            {"old_password": text, "new_password1": text, "new_password2": text},
        )
        assert response.status_code == 200
        errors, _ = feedback(response)
        assert errors and all(CHINESE.search(e) for e in errors)
    company.sales_staff.refresh_from_db()
    assert company.sales_staff.check_password("Collab-Test-Pass-2026")


# --- query strings and URLs ---------------------------------------------------------------


LIST_PARAMS = (
    "q",
    "stage",
    "department",
    "created_from",
    "created_to",
    "page",
    "tab",
    "kind",
    "initiator",
    "since_from",
    "since_to",
    "week",
    "state",
    "category",
    "impact",
    "likelihood",
    "owner",
    "major",
    "overdue",
    "open",
    "status",
    "part",
    "task",
    "period_start",
    "period_end",
    "baseline_start",
    "baseline_end",
    "sha256",
)


def test_list_and_filter_pages_survive_garbage_query_strings(company, executing, client):
    client.force_login(company.admin)
    code = executing.code
    urls = [
        reverse("dashboard:home"),
        reverse("requests_app:all"),
        reverse("requests_app:waiting"),
        reverse("insights:weekly"),
        reverse("insights:kpis"),
        *[reverse("insights:drill", args=[k]) for k in ("tasks", "cases", "risks", "deliveries")],
        reverse("risks_app:register"),
        reverse("acceptance_app:list"),
        reverse("tasks_app:my_tasks"),
        reverse("notifications:list"),
        reverse("signoffs:verify"),
        reverse("tasks_app:tracking", args=[code]),
        reverse("tasks_app:gantt_data", args=[code]),
        reverse("risks_app:case_register", args=[code]),
        reverse("risks_app:risk_create", args=[code]),
        reverse("acceptance_app:item_add", args=[code]),
        reverse("tasks_app:wbs_add", args=[code]),
    ]
    for value in BAD_QUERY_VALUES:
        query = dict.fromkeys(LIST_PARAMS, value)
        for url in urls:
            response = client.get(url, query)
            assert response.status_code in (200, 302, 400, 404), (url, value)
            assert "<script>alert(1)</script>" not in response.content.decode()


def test_garbage_in_urls_is_not_found_not_a_server_error(company, executing, client):
    client.force_login(company.admin)
    task = executing.tasks.first()
    for url in (
        "/requests/%00/",
        "/requests/CR-%00/edit/",
        "/requests/" + "长" * 500 + "/",
        f"/requests/{executing.code}/tasks/99999999999999999999/",
        f"/requests/{executing.code}/risks/99999999999999999999/",
        f"/requests/{executing.code}/weekly/99999999-W99/",
        f"/requests/{executing.code}/delivery/v99999999999999999999/",
        "/verify/%00/",
        "/verify/" + "a" * 5000 + "/",
        "/x/plan/%00/",
        "/x/accept/" + "z" * 2000 + "/",
        "/notifications/99999999999999999999/open/",
    ):
        response = client.get(url)
        assert response.status_code in (301, 302, 404, 405, 410), url
    for url in (
        f"/requests/{executing.code}/tasks/{task.pk}/start/",
        "/requests/%00/submit/",
        "/me/delegations/99999999999999999999/cancel/",
    ):
        response = client.post(url)
        assert response.status_code in (302, 404), url


# --- tampered hidden fields and other departments' ids --------------------------------------


def test_ids_from_another_case_or_of_nothing_are_refused(company, syncing, client):
    """The sync form's receiver of another department's case, and garbage ids."""
    from requests_app import services as request_services
    from tests.fixtures.registration import registration

    other = request_services.request_create(
        initiator=company.tech_staff, data=registration(internal_departments=[company.sales])
    )
    client.force_login(company.sales_staff)
    url = reverse("requests_app:sync_add", args=[syncing.code])
    before = table_counts()
    for receiver in (other.receivers.get().pk, "abc", "²", "\x00", "99999999999999999999", "-1"):
        data = {
            "receiver": receiver,
            "channel": "dingtalk",
            "sent_at": "2026-01-01T10:00",
            "recipients": "赵六",
        }
        response = client.post(url, data)
        assert response.status_code == 200, receiver
        errors, _ = feedback(response)
        assert errors and all(CHINESE.search(e) for e in errors), (receiver, errors)
    response = client.post(url, {**data, "channel": "carrier-pigeon"})
    assert feedback(response)[0]
    assert changed_tables(before, table_counts()) == {}


def test_tampered_ids_in_execution_are_refused(company, executing, client):
    from tests.factories import UserFactory

    gone = UserFactory(department=company.tech, is_active=False)
    client.force_login(company.tech_staff)
    code = executing.code
    before = table_counts()
    for parent in ("abc", "²", "\x00", "99999999999999999999", "-1"):
        response = client.post(
            reverse("tasks_app:wbs_add", args=[code]) + f"?parent={parent}",
            {"name": "x", "parent": parent},
        )
        assert response.status_code in (302, 404), parent
    risk = {
        "description": "d",
        "category": "other",
        "impact": "low",
        "likelihood": "low",
        "measures": "m",
        "deadline": "2030-01-01",
    }
    for owner in (gone.pk, "abc", "99999999999999999999"):
        response = client.post(
            reverse("risks_app:risk_create", args=[code]), {**risk, "owner": owner}
        )
        errors, _ = feedback(response)
        assert errors and all(CHINESE.search(e) for e in errors), owner
    for task in ("abc", "99999999999999999999", "²"):
        response = client.post(
            reverse("risks_app:risk_create", args=[code]),
            {**risk, "owner": company.tech_staff.pk, "task": task},
        )
        assert feedback(response)[0], task
    client.force_login(company.tech_head)  # owns 问卷设计 only
    foreign = executing.tasks.get(name="客户访谈")
    response = client.post(
        reverse("acceptance_app:item_add", args=[code]),
        {"task": foreign.pk, "name": "x", "quantity": "1"},
    )
    assert response.status_code in (200, 302)
    assert changed_tables(before, table_counts()) == {}


# --- files that lie about themselves ------------------------------------------------------


def _upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type)


LYING_FILES = {
    "html_named_pdf": ("报告.pdf", b"<!doctype html><script>window.__xss=1</script>"),
    "exe_named_pdf": ("报告.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64),
    "script_named_txt": ("run.txt", b"#!/bin/sh\nrm -rf /\n"),
    "right_to_left_exe": ("\u202efdp.exe", b"MZ\x90\x00" + b"\x00" * 64),
    "svg_named_png": ("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='x()'/>"),
    "empty": ("空.pdf", b""),
}


@pytest.mark.parametrize("item", LYING_FILES, ids=list(LYING_FILES))
def test_a_file_that_lies_about_its_type_is_refused_and_nothing_is_stored(
    item, company, client, media_root
):
    name, content = LYING_FILES[item]
    client.force_login(company.sales_staff)
    data = {**FORMS[0].payload(None, {"company": company}), "files": [_upload(name, content)]}
    before = table_counts()
    response = client.post(reverse("requests_app:create"), data)
    assert response.status_code == 200
    errors, _ = feedback(response)
    assert errors and all(CHINESE.search(e) for e in errors), errors
    assert changed_tables(before, table_counts()) == {}  # no case without its attachment
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_a_file_over_the_size_limit_is_refused(company, client, media_root):
    client.force_login(company.sales_staff)
    big = _upload("大文件.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024))
    data = {**FORMS[0].payload(None, {"company": company}), "files": [big]}
    response = client.post(reverse("requests_app:create"), data)
    errors, _ = feedback(response)
    assert any("20" in e and CHINESE.search(e) for e in errors), errors
    assert not Case.objects.exists() and not Attachment.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_a_path_traversal_name_is_stored_under_a_name_of_our_own(company, client, media_root):
    client.force_login(company.sales_staff)
    files = [
        _upload("../../etc/passwd", b"root:x:0:0\n", "text/plain"),
        _upload("..\\..\\windows\\notes.txt", b"[fonts]\n", "text/plain"),
        _upload("\u202ecod.pdf", b"%PDF-1.4\nok\n%%EOF"),
    ]
    data = {**FORMS[0].payload(None, {"company": company}), "files": files}
    response = client.post(reverse("requests_app:create"), data)
    assert response.status_code == 302
    stored = list(Attachment.objects.order_by("pk"))
    assert [a.name for a in stored] == ["passwd.txt", "notes.txt", "cod.pdf"]
    for attachment in stored:
        path = media_root.joinpath(attachment.file.name).resolve()
        assert path.is_file() and media_root.resolve() in path.parents
        assert "passwd" not in attachment.file.name and "\u202e" not in attachment.name
    assert not (media_root.parent / "etc").exists()


# --- double clicks, replays and transitions out of order -----------------------------------


def _counts():
    return (Activity.objects.count(), SignOff.objects.count(), Notification.objects.count())


def _post_twice(client, url, data=None):
    first = client.post(url, data or {})
    after_first = _counts()
    second = client.post(url, data or {})
    errors, _ = feedback(second)
    return first, second, after_first, errors


def test_a_double_clicked_submit_and_approve_happen_once(company, draft, client):
    client.force_login(company.sales_staff)
    first, _second, after_first, errors = _post_twice(
        client, reverse("requests_app:submit", args=[draft.code])
    )
    assert first.status_code == 302 and errors and CHINESE.search(errors[0])
    assert _counts() == after_first
    draft.refresh_from_db()
    assert draft.stage == "pending_review"

    client.force_login(company.sales_head)
    review = {
        "goal_quantifiable": "on",
        "receiver_clear": "on",
        "deadline_reasonable": "on",
        "decision": "approve",
    }
    _first, _second, after_first, errors = _post_twice(
        client, reverse("requests_app:review", args=[draft.code]), review
    )
    assert errors and CHINESE.search(errors[0])
    assert _counts() == after_first
    assert draft.reviews.count() == 1
    draft.refresh_from_db()
    assert draft.stage == "syncing"


def test_a_replayed_plan_signature_is_refused(company, proposed, client):
    client.force_login(company.tech_head)
    url = reverse("requests_app:plan_sign", args=[proposed.request.code])
    _first, _second, after_first, errors = _post_twice(client, url, {"decision": "confirm"})
    assert errors and CHINESE.search(errors[0])
    assert _counts() == after_first
    assert SignOff.objects.filter(signer=company.tech_head).count() == 1


def test_a_double_clicked_task_completion_and_delivery_submission_happen_once(
    company, delivered, client
):
    case = delivered.request
    client.force_login(company.tech_staff)
    _f, _s, after_first, errors = _post_twice(
        client,
        reverse("acceptance_app:submit", args=[case.code, delivered.version]),
        {"summary": "请验收"},
    )
    assert errors and CHINESE.search(errors[0])
    assert _counts() == after_first
    delivered.refresh_from_db()
    assert delivered.state == Delivery.State.SUBMITTED
    assert DeliveryItem.objects.filter(delivery=delivered).count() == 2


def test_a_double_clicked_task_completion_happens_once(company, executing, client):
    task = executing.tasks.get(name="客户访谈")
    client.force_login(company.tech_staff)
    _f, _s, after_first, errors = _post_twice(
        client, reverse("tasks_app:task_done", args=[executing.code, task.pk])
    )
    assert errors and CHINESE.search(errors[0])
    assert _counts() == after_first
    task.refresh_from_db()
    assert task.status == Task.Status.DONE


def test_later_stages_actions_on_an_earlier_stage_case_are_refused(company, pending, client):
    """A case waiting for its first review: every later stage's action is refused in words
    (or the page does not exist yet), and the case and the database stay as they were."""
    before, state = table_counts(), case_state(pending)
    attempts = [
        (company.sales_staff, "requests_app:submit", {}),
        (company.sales_staff, "requests_app:sync_finish", {}),
        (company.tech_head, "requests_app:plan_sign", {"decision": "confirm"}),
        (company.tech_head, "requests_app:plan_propose", {}),
        (company.tech_staff, "tasks_app:wbs_publish", {}),
        (company.sales_staff, "acceptance_app:retrospective_file", {}),
        (company.sales_staff, "acceptance_app:new_version", {}),
    ]
    refused_in_words = 0
    for actor, name, data in attempts:
        client.force_login(actor)
        response = client.post(reverse(name, args=[pending.code]), data)
        assert response.status_code in (302, 404), name
        if response.status_code == 302:
            errors, _ = feedback(response)
            assert errors and all(CHINESE.search(e) for e in errors), (name, errors)
            refused_in_words += 1
    assert refused_in_words >= 4
    client.force_login(company.sales_staff)
    response = client.post(reverse("acceptance_app:submit", args=[pending.code, 1]), {})
    assert response.status_code == 404
    assert changed_tables(before, table_counts()) == {}
    assert case_state(pending) == state


# --- the WBS cannot loop --------------------------------------------------------------------


def test_a_task_cannot_become_its_own_ancestor(company, breakdown, add_task, client):
    top = add_task(breakdown, "调研")
    child = add_task(breakdown, "访谈", parent=top)
    tree = list(Task.objects.order_by("pk").values_list("pk", "parent_id", "wbs_code"))
    client.force_login(company.tech_staff)
    url = reverse("tasks_app:wbs_edit", args=[breakdown.code, top.pk])
    edit = {
        **FORMS[9].payload(breakdown, {"company": company}),
        "start_on": top.start_on.isoformat(),
        "due_on": top.due_on.isoformat(),
    }
    for parent in (top.pk, child.pk):  # the edit form takes no parent: tampering is ignored
        response = client.post(url + f"?parent={parent}", {**edit, "parent": parent})
        assert response.status_code == 302, feedback(response)
    # indenting the first task of a level has nothing to go under; outdenting the top neither
    for name, task in (("wbs_indent", top), ("wbs_indent", child), ("wbs_outdent", top)):
        response = client.post(reverse(f"tasks_app:{name}", args=[breakdown.code, task.pk]))
        assert response.status_code == 302
        errors, _ = feedback(response)
        assert errors and CHINESE.search(errors[0]), (name, task)
    assert list(Task.objects.order_by("pk").values_list("pk", "parent_id", "wbs_code")) == tree


# --- stored payloads come out escaped, in pages and PDFs --------------------------------------


def _pdf_text(response) -> str:
    import io

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return "".join(text.split())


def test_stored_markup_and_template_syntax_are_shown_literally(company, executing, client):
    risk = store_payloads(company, executing)
    task = executing.tasks.get(name=SCRIPT)
    password_hash = company.tech_staff.password
    client.force_login(company.tech_staff)
    for url in pages_showing_payloads(executing, risk, task.pk):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for raw in (SCRIPT, IMG_ONERROR, SVG_ONLOAD, NAME_PAYLOAD):
            assert raw not in body, (url, raw)
        assert password_hash not in body and "md5$" not in body, url
    response = client.get(reverse("tasks_app:task", args=[executing.code, task.pk]))
    assert "&lt;script&gt;window.__xss=1" in response.content.decode()
    response = client.get(executing.get_absolute_url())
    assert "{{ request.user.password }}" in response.content.decode()

    texts = {
        url: _pdf_text(client.get(url))
        for url in (
            reverse("requests_app:pdf_registration", args=[executing.code]),
            reverse("tasks_app:tracking_pdf", args=[executing.code]),
            reverse("risks_app:case_register_pdf", args=[executing.code]),
        )
    }
    for url, text in texts.items():
        assert "<script>window.__xss=1" in text, url
    registration = texts[reverse("requests_app:pdf_registration", args=[executing.code])]
    assert "<script>window.__xss=1;alert('xss')</script>" in registration
    assert "{{request.user.password}}" in registration
