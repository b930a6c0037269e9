"""The portal works with no internet: no page or stylesheet loads anything from outside."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import\s+["']?(?:https?:)?//"""
)


def test_no_template_or_stylesheet_references_an_outside_url():
    files = [
        *ROOT.glob("templates/**/*.html"),
        *ROOT.glob("static/**/*.css"),
        *ROOT.glob("static/**/*.js"),
    ]
    assert len(files) > 10
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in files
        for match in EXTERNAL.finditer(path.read_text(errors="ignore"))
    ]
    assert offenders == []


def test_every_static_file_a_template_names_exists():
    names = {
        name
        for path in ROOT.glob("templates/**/*.html")
        for name in re.findall(r"{% static '([^']+)' %}", path.read_text())
    }
    assert "vendor/tabler/tabler.min.css" in names
    missing = [name for name in names if not (ROOT / "static" / name).exists()]
    assert missing == []
