"""Production settings refuse an unsafe start and pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "p7Jq-2vX9rLw_8mNc4Tz0kYb6HsEa1Ud5FgRiOoQeWl3VnSxCtMyBjKhZpGuDfIA"


def _manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_real_secret_key():
    for secret in ("", "django-insecure-" + "x" * 60, "short"):
        result = _manage(
            "check",
            env_overrides={
                "DJANGO_ENV": "production",
                "DJANGO_SECRET_KEY": secret,
                "DJANGO_ALLOWED_HOSTS": "portal.example.com",
            },
        )
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage(
        "check", env_overrides={"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": SECRET}
    )
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_passes_check_deploy_with_no_warning():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": SECRET,
            "DJANGO_ALLOWED_HOSTS": "portal.example.com",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.redis
def test_cache_url_shares_the_cache_through_redis_between_processes():
    """With CACHE_URL every web process reads what another counted (the dashboard's figures,
    the KPIs); two separate processes stand in for two gunicorn workers."""
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15").rsplit("/", 1)[0]
    env = {"CACHE_URL": f"{base}/8"}
    key = f"shared-{os.getpid()}"
    written = _manage(
        "shell",
        "-c",
        "from django.conf import settings; from django.core.cache import cache; "
        f"cache.set('{key}', 42, 30); print(settings.CACHES['default']['BACKEND'])",
        env_overrides=env,
    )
    assert written.returncode == 0, written.stderr
    assert written.stdout.strip().endswith("django.core.cache.backends.redis.RedisCache")
    read = _manage(
        "shell",
        "-c",
        f"from django.core.cache import cache; print(cache.get('{key}')); cache.delete('{key}')",
        env_overrides=env,
    )
    assert read.stdout.strip().endswith("42"), read.stderr
