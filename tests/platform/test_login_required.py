"""Every page of the portal asks for a sign-in first, found by walking the URL configuration."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Pages that must answer strangers: signing in, choosing a language, the health check, the icon.
PUBLIC_URL_NAMES = {
    "login",
    "admin:login",
    "set_language",
    "healthz",
    "favicon",
    "signoffs:verify",
    "signoffs:verify_hash",
    "external:plan",
    "external:plan_file",
    "external:acceptance",
    "external:acceptance_file",
}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            for name, route in _walk(pattern.url_patterns, prefix + str(pattern.pattern)):
                yield (namespace + name if name else name), route
        elif isinstance(pattern, URLPattern):
            yield pattern.name, prefix + str(pattern.pattern)


def _concrete_path(route: str) -> str:
    """Turn a route or regex into a requestable path with placeholder arguments."""
    import re

    path = re.sub(r"<(?:int:)?\w+>", "1", route)
    path = re.sub(r"<\w+:\w+>", "x", path)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    path = path.replace("^", "").replace("$", "").replace("\\", "")
    path = re.sub(r"\(\?:[^)]*\)\??", "", path)
    return "/" + path.lstrip("/")


ROUTES = sorted(
    {
        (name or "", _concrete_path(route))
        for name, route in _walk(get_resolver().url_patterns)
        if (name or "") not in PUBLIC_URL_NAMES and "static" not in route
    }
)


def test_the_walk_finds_the_portals_pages():
    names = {name for name, _ in ROUTES}
    assert {"dashboard:home", "notifications:list", "logout", "password_change"} <= names
    assert len(ROUTES) > 30  # the admin's pages are included


@pytest.mark.parametrize(("name", "path"), ROUTES)
def test_it_sends_an_anonymous_visitor_to_sign_in(client, db, name, path):
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 302, (name, path, response.status_code)
        assert "/login/" in response["Location"], (name, path, response["Location"])
        assert not response.wsgi_request.user.is_authenticated


def test_public_pages_answer_without_sign_in(client, db):
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/healthz").content == b"ok"
