"""One-time links and the public pages (issue 17, finding 13).

A link's token (/x/plan/<token>/, /x/accept/<token>/; it lives 7 days) is a password: it must
not reach the web server's access log, Django's log, a browser's or proxy's cache, or another
site as a Referer. The public pages answer 405 to the methods they do not serve (they answered
OPTIONS with 200, or with 302 to a signed-in visitor), and TRACE is refused on every page."""

from __future__ import annotations

import datetime
import io
import json
import logging
import re
import runpy
import subprocess
import sys
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest
from django.urls import get_resolver, reverse
from gunicorn.config import Config

from acceptance_app import services as acceptance_services
from collab_portal.signoffs.models import ExternalLink
from requests_app import services as request_services
from tests.platform.processes import ROOT, child_env, free_port, stop, wait_until
from tests.platform.test_login_required import PUBLIC_URL_NAMES, _concrete_path, _walk

pytestmark = pytest.mark.django_db

UNSERVED = ("OPTIONS", "TRACE", "PUT", "DELETE", "PATCH")
# A token as external_link_create makes them (secrets.token_urlsafe(32)), of no link.
STRANGER_TOKEN = "Zm9yZ2VkLXRva2VuLW9mLW5vLWxpbmstYXQtYWxsLTQz"


@pytest.fixture
def plan_link(company, external_planning) -> str:
    """The path of a live plan-confirmation link for the external contact."""
    return request_services.plan_external_link_create(
        actor=company.sales_staff,
        plan=external_planning.plans.get(),
        receiver=external_planning.receivers.get(kind="external"),
    )


@pytest.fixture
def acceptance_link(company, external_submitted) -> str:
    return acceptance_services.acceptance_link_create(
        actor=company.sales_staff, delivery=external_submitted
    )


def _token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


# --- (a) logs -------------------------------------------------------------------------------


def _gunicorn_logger(tmp_path):
    """The logger gunicorn builds from the project's gunicorn.conf.py, writing to files."""
    options = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    cfg = Config()
    for name in ("logger_class", "access_log_format"):
        if name in options:
            cfg.set(name, options[name])
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("errorlog", str(tmp_path / "error.log"))
    return cfg.logger_class(cfg)


def _access(logger, path: str, referer: str) -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "pytest",
    }
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    request = SimpleNamespace(headers=[("REFERER", referer), ("USER-AGENT", "pytest")])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=12))


def test_gunicorns_access_and_error_logs_never_carry_a_link_token(tmp_path):
    logger = _gunicorn_logger(tmp_path)
    token, other = "s3cr3t-T0ken_of-43-characters-xxxxxxxxxxxxx", "another-token-AAAA"
    _access(logger, f"/x/plan/{token}/", referer="-")
    _access(
        logger, "/static/css/portal.css", referer=f"https://portal.example.com/x/accept/{other}/"
    )
    _access(logger, "/verify/" + "ab" * 32 + "/", referer="-")
    logger.error("Error handling request %s", f"/x/accept/{other}/?x=1")
    for handler in [*logger.access_log.handlers, *logger.error_log.handlers]:
        handler.flush()

    access = (tmp_path / "access.log").read_text()
    errors = (tmp_path / "error.log").read_text()
    assert token not in access and other not in access and other not in errors
    assert '"GET /x/plan/***/ HTTP/1.1" 200 1234' in access
    assert "https://portal.example.com/x/accept/***/" in access
    assert "/verify/" + "ab" * 32 + "/" in access  # a signature's fingerprint is no secret
    assert "Error handling request /x/accept/***/?x=1" in errors


def test_djangos_log_never_carries_a_link_token(client, plan_link):
    """django.request logs every 4xx with its path (“Gone: /x/plan/…”)."""
    console = next(h for h in logging.getLogger("django").handlers if h.name == "console")
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        assert client.get(f"/x/plan/{STRANGER_TOKEN}/").status_code == 410
        assert client.delete(plan_link).status_code == 405
        logging.getLogger("django.request").warning("Not Found: %s", plan_link)
    finally:
        console.setStream(previous)
    logged = stream.getvalue()
    assert "/x/plan/***/" in logged
    assert STRANGER_TOKEN not in logged and _token(plan_link) not in logged


# --- (b) caches and Referer -----------------------------------------------------------------


def _assert_private(response, what):
    assert "no-store" in response.get("Cache-Control", ""), what
    assert response.get("Referrer-Policy") == "same-origin", what


def test_every_answer_of_a_link_page_is_stored_nowhere_and_sent_nowhere(
    client, plan_link, acceptance_link
):
    for link in (plan_link, acceptance_link):
        response = client.get(link)
        assert response.status_code == 200
        _assert_private(response, ("GET", link))
        response = client.post(link, {"typed_name": ""})  # refused: the name is missing
        assert response.status_code == 200
        _assert_private(response, ("POST refused", link))
        _assert_private(client.options(link), ("OPTIONS", link))

    confirmed = client.post(plan_link, {"typed_name": "高建华", "decision": "confirm"})
    assert confirmed.status_code == 200
    assert ExternalLink.objects.filter(used_at__isnull=False).count() == 1
    _assert_private(confirmed, "the plan confirmed")
    used = client.get(plan_link)
    assert used.status_code == 410
    _assert_private(used, "a used link")
    for purpose in ("plan", "accept"):
        stranger = client.get(f"/x/{purpose}/{STRANGER_TOKEN}/")
        assert stranger.status_code == 410
        _assert_private(stranger, ("no such link", purpose))
        _assert_private(client.get(f"/x/{purpose}/{STRANGER_TOKEN}/extra/"), "404 under /x/")


def test_the_page_that_shows_a_new_link_once_is_not_stored(company, external_planning, login):
    client = login(company.sales_staff)
    receiver = external_planning.receivers.get(kind="external")
    response = client.post(
        reverse("requests_app:plan_link", args=[external_planning.code, receiver.pk])
    )
    assert response.status_code == 200 and "/x/plan/" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


# --- (c) methods ----------------------------------------------------------------------------

PUBLIC_PATHS = sorted(
    {
        (name, _concrete_path(route))
        for name, route in _walk(get_resolver().url_patterns)
        if name in PUBLIC_URL_NAMES
    }
)
ALL_PATHS = sorted(
    {(name or "", _concrete_path(route)) for name, route in _walk(get_resolver().url_patterns)}
)
SERVES = {
    "login": "GET, HEAD, POST",
    "signoffs:verify": "GET",
    "signoffs:verify_hash": "GET",
    "external:plan": "GET, POST",
    "external:acceptance": "GET, POST",
    "external:plan_file": "GET",
    "external:acceptance_file": "GET",
    "healthz": "GET",
    "favicon": "GET",
    "set_language": "POST",
}


def test_the_walk_finds_every_public_page():
    assert {name for name, _path in PUBLIC_PATHS} == PUBLIC_URL_NAMES


@pytest.mark.parametrize(("name", "path"), PUBLIC_PATHS)
def test_a_public_page_answers_405_with_allow_to_a_method_it_does_not_serve(
    name, path, company, client
):
    for signed_in in (False, True):
        if signed_in:
            client.force_login(company.sales_staff)
        for method in UNSERVED:
            response = client.generic(method, path)
            assert response.status_code == 405, (name, method, signed_in, response.status_code)
            allowed = {m.strip() for m in response["Allow"].split(",")}
            assert allowed and allowed <= {"GET", "HEAD", "POST"}, (name, response["Allow"])
            if name in SERVES:
                assert response["Allow"] == SERVES[name], (name, method)


def test_the_sign_in_page_still_serves_get_and_post(company, client):
    assert client.get(reverse("login")).status_code == 200
    assert client.head(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"), {"username": company.sales_staff.username, "password": "wrong"}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_trace_is_refused_on_every_page_signed_in_or_not(company, client):
    for signed_in in (False, True):
        if signed_in:
            client.force_login(company.admin)
        for name, path in ALL_PATHS:
            response = client.generic("TRACE", path)
            assert response.status_code in (404, 405), (name, path, signed_in)
            if response.status_code == 405:
                assert response.has_header("Allow"), (name, path)
                assert "TRACE" not in response["Allow"]
        assert client.generic("TRACE", "/").status_code == 405


# --- the image's web server, for real -------------------------------------------------------


def _dockerfile_command() -> list[str]:
    dockerfile = (ROOT / "Dockerfile").read_text()
    (command,) = re.findall(r"^CMD (\[.*\])$", dockerfile, flags=re.MULTILINE)
    return json.loads(command)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_images_gunicorn_logs_no_token(tmp_path):
    """gunicorn started as the image starts it (its CMD, the project's gunicorn.conf.py): a
    link page, then a stylesheet it loads with the link as Referer."""
    command = _dockerfile_command()
    assert command[0] == "gunicorn"
    port = free_port()
    bind = command.index("--bind") + 1
    command[bind] = f"127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *command[1:], "--workers", "1"],
        cwd=ROOT,
        env=child_env(),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def get(path, **headers):
        request = urllib.request.Request(base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    try:
        assert wait_until(lambda: _answers(base), timeout=30), log.read_text()
        assert get(f"/x/plan/{STRANGER_TOKEN}/") == 410
        get("/healthz", Referer=f"{base}/x/accept/{STRANGER_TOKEN}/")
    finally:
        stop(process)
    logged = log.read_text()
    assert "/x/plan/***/" in logged and "/x/accept/***/" in logged, logged
    assert STRANGER_TOKEN not in logged


def _answers(base: str) -> bool:
    try:
        urllib.request.urlopen(base + "/healthz", timeout=2)
    except OSError:
        return False
    return True
