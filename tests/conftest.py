"""The one conftest: registers the shared fixtures of tests/fixtures/ (tests/factories.py holds
the factory_boy factories), gives every test a clean start (uploads, language, cache), and skips
with a reason the tests of real services (PostgreSQL, Redis, Chromium) that are not configured.

``make test`` runs the suite on several pytest-xdist workers (tests/fixtures/workers.py says
what each has of its own); the browser tests go to one worker together, so Chromium starts once."""

import os
import shutil

import pytest
from django.conf import settings

pytest_plugins = [
    "tests.fixtures.workers",  # each xdist worker's own Redis database and broker folder
    "tests.fixtures.database",  # the migrations' rows back after each transaction=True test
    "tests.fixtures.company",  # the company and the people who play each part
    "tests.fixtures.registration",  # cases in stages 1–2, one fixture per state
    "tests.fixtures.execution",  # in stages 3–4
    "tests.fixtures.acceptance",  # in stages 5–6
    "tests.fixtures.tracking",  # an executing case with a task in every status
    "tests.fixtures.weekly",  # an executing case around the current ISO week
    "tests.fixtures.risks",  # the key and the plain task of an executing case
    "tests.fixtures.signable",  # departments as signable records; the client in English
    "tests.fixtures.robot",  # a group robot on loopback
    "tests.fixtures.demo",  # the demo company of seed_demo, seeded once per run
]


def pytest_collection_modifyitems(config, items):
    engine = settings.DATABASES["default"]["ENGINE"]
    reasons = {
        "postgres": None
        if engine == "django.db.backends.postgresql"
        else "needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)",
        "redis": None if settings.REDIS_URL else "needs Redis: set REDIS_URL=redis://… (CI does)",
        "browser": None
        if shutil.which("chromium") or os.path.exists("/usr/bin/chromium")
        else "needs Debian's chromium (make test installs it)",
    }
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))
        if item.get_closest_marker("browser"):
            # One worker takes them all (``--dist loadgroup``): Chromium starts once.
            item.add_marker(pytest.mark.xdist_group("browser"))
        elif _uses_a_module_scoped_fixture(item):
            # Likewise a module whose tests share a world built once (the access matrix's).
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))

    if hasattr(config, "workerinput"):
        # The slowest tests first, so that no worker starts one of them when the others are
        # nearly done (xdist sends the groups, largest first, then the tests in this order).
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def _uses_a_module_scoped_fixture(item) -> bool:
    definitions = getattr(item, "_fixtureinfo", None)
    return definitions is not None and any(
        fixturedefs[-1].scope == "module" for fixturedefs in definitions.name2fixturedefs.values()
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing is not what these tests check; the demo's 33 passwords cost seconds otherwise."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the portal's default language, whatever an earlier test activated."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    """Every test stores its uploads (and archive bundles) in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty in-memory cache (the KPIs are kept there for minutes)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
