"""The production topology files are valid as far as a machine without a Docker engine can tell."""

import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def compose_dir(tmp_path):
    if not shutil.which("docker-compose"):
        pytest.skip("needs docker-compose (make test installs it)")
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    return tmp_path


def _compose(directory, *args):
    return subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_compose_runs_every_service_with_a_health_check(compose_dir):
    services = _compose(compose_dir, "config", "--services")
    assert services.returncode == 0, services.stderr
    assert set(services.stdout.split()) == {"db", "redis", "web", "worker", "beat"}
    config = _compose(compose_dir, "config").stdout
    assert config.count("healthcheck:") == 5
    for volume in ("pgdata:", "redisdata:", "media:"):
        assert volume in config


def test_compose_refuses_to_start_without_an_env_file_password(compose_dir):
    (compose_dir / ".env").write_text("DJANGO_ENV=production\n")
    result = _compose(compose_dir, "config", "-q")
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_the_image_has_the_cjk_fonts_and_fast_font_subsetting():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("fonts-noto-cjk", "libharfbuzz-subset0", "libpango-1.0-0"):
        assert package in dockerfile
    assert "collectstatic" in dockerfile and "gunicorn" in dockerfile


def test_env_example_names_every_setting_the_code_reads():
    settings_source = (ROOT / "collab_portal" / "settings.py").read_text()
    example = (ROOT / ".env.example").read_text()

    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_source))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read <= documented, read - documented


def _options(command: list[str]) -> dict[str, str]:
    """``--name value`` pairs of a command line."""
    return {name: value for name, value in itertools.pairwise(command) if name.startswith("--")}


def test_gunicorn_replaces_each_worker_after_a_bounded_number_of_requests():
    """So the memory one request made a worker take (an upload to refuse, a large export) does
    not stay with that worker for good (issue 17, finding 5)."""
    from benchmarks.load import gunicorn_command

    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    image = _options(json.loads(cmd.group(1)))
    assert int(image["--max-requests"]) == 1000
    assert 0 < int(image["--max-requests-jitter"]) < int(image["--max-requests"])
    benchmark = _options(gunicorn_command(8000, 4, 1))
    for option in ("--max-requests", "--max-requests-jitter", "--timeout"):
        assert benchmark[option] == image[option]
    for guide in ("operators-guide.md", "operators-guide.zh.md"):
        started = [
            line
            for line in (ROOT / "docs" / guide).read_text().splitlines()
            if line.startswith(".venv/bin/gunicorn")
        ]
        assert started and all(
            "--max-requests 1000 --max-requests-jitter 100" in line for line in started
        )


def test_compose_runs_the_web_service_with_the_images_command(compose_dir):
    """The web service keeps the image's gunicorn command, worker recycling included."""
    config = _compose(compose_dir, "config").stdout
    web = config.split("\n  web:\n", 1)[1].split("\n  worker:\n", 1)[0]
    assert "command:" not in web
