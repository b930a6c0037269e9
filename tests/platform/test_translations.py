"""Every string is translatable, Chinese is complete, and the compiled catalogues are current."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ["zh_Hans", "en"]


def _catalogue(locale: str, root: Path = ROOT) -> polib.POFile:
    return polib.pofile(str(root / "locale" / locale / "LC_MESSAGES" / "django.po"))


def test_every_chinese_string_is_translated_and_none_is_fuzzy():
    catalogue = _catalogue("zh_Hans")
    assert len(catalogue) > 100
    # A plural entry always has its msgstr[n] keys, empty or not: each form must be filled.
    untranslated = [
        e.msgid
        for e in catalogue
        if (not all(e.msgstr_plural.values()) if e.msgid_plural else not e.msgstr)
    ]
    assert untranslated == []
    assert [e.msgid for e in catalogue if "fuzzy" in e.flags] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalogue_matches_its_source(locale):
    source = _catalogue(locale)
    compiled = polib.mofile(str(ROOT / "locale" / locale / "LC_MESSAGES" / "django.mo"))
    compiled_strings = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in compiled}
    assert {(e.msgctxt, e.msgid): e.msgstr for e in source if e.msgstr} == {
        k: v for k, v in compiled_strings.items() if k[1] and v
    }


def test_the_catalogues_hold_every_string_in_the_code(tmp_path):
    """makemessages on a copy of the sources finds nothing the committed catalogue lacks."""
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", "vendor", "*.mo")
    for name in ("collab_portal", "cases", "ops", "templates", "locale"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    for app in ROOT.glob("*_app"):
        shutil.copytree(app, copy / app.name, ignore=ignore)
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "zh_Hans",
            "--no-obsolete",
            "--no-location",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    extracted = {e.msgid for e in _catalogue("zh_Hans", copy)}
    committed = {e.msgid for e in _catalogue("zh_Hans")}
    assert sorted(extracted - committed) == [], "run `make messages` and translate the new strings"


SOURCE_FOLDERS = [
    "collab_portal",
    "cases",
    "requests_app",
    "tasks_app",
    "risks_app",
    "acceptance_app",
    "insights_app",
    "ops",
]
EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def _translated_at_import(path: Path) -> list[str]:
    """Calls outside any function that translate once, in the language of whoever imported the
    module first: an eager gettext, or str() of a choice's lazy label."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    eager = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER
    }
    found = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue  # runs in the request's language
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Name):
                argument = child.args[0] if child.args else None
                if child.func.id in eager or (
                    child.func.id == "str"
                    and isinstance(argument, ast.Attribute)
                    and argument.attr in {"label", "verbose_name"}
                ):
                    found.append(f"{path.relative_to(ROOT)}:{child.lineno}")
            visit(child)

    visit(tree)
    return found


def test_no_string_is_translated_once_when_its_module_is_imported():
    modules = [
        path
        for folder in SOURCE_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    ]
    assert len(modules) > 100
    assert [place for path in modules for place in _translated_at_import(path)] == []
