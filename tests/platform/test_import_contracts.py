"""The import contracts: which way imports point between the layers (issue 19, point 7).

Every module outside tests and migrations is read, not imported. Each import in it (relative ones
resolved, those under ``TYPE_CHECKING`` too), each ``apps.get_model("app", "Model")``, each string
that names a model (``"tasks_app.Task"``, as a ``ForeignKey`` takes it) and each module named to
``import_module`` / ``import_string`` / ``include`` is checked against the table below.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Layer:
    name: str
    packages: tuple[str, ...]
    rule: str  # the rule its module breaks by importing a later layer


# The layers, lowest first. A module may import its own layer and the layers listed before it, never
# one listed after it; the standard library, Django and third-party packages are open to all. A
# module belongs to the layer of the longest package that holds it.
# fmt: off
LAYERS = (
    Layer("lib",        ("collab_portal.lib",), "lib imports no app"),
    Layer("platform",   ("collab_portal",),     "the platform imports no kernel, stage or above"),
    Layer("kernel",     ("cases",),             "the kernel imports no stage"),
    Layer("stage 1–2",  ("requests_app",),      "a stage imports no later stage"),
    Layer("stage 3–4",  ("tasks_app",),         "a stage imports no later stage"),
    Layer("stage 4",    ("risks_app",),         "a stage imports no later stage"),
    Layer("stage 5–6",  ("acceptance_app",),    "a stage imports no later stage"),
    Layer("insights",   ("insights_app",),      "insights imports every stage, nothing above"),
    Layer("ops",        ("ops",),               ""),
)
# fmt: on
# The last layer runs everything, and nothing imports it.
TOP = LAYERS[-1].packages[0]
# The project's wiring names every app (settings, the URL root, Celery, the servers): it is in no
# layer, imports any layer but ops, and only ops imports it (apps read django.conf.settings).
WIRING = (
    "collab_portal/__init__.py",
    "collab_portal/urls.py",
    "collab_portal/settings.py",
    "collab_portal/celery.py",
    "collab_portal/wsgi.py",
    "collab_portal/asgi.py",
)
# Our code outside the layers: not read, and no layer imports it. (The entry points at the root,
# manage.py and gunicorn.conf.py, are not read either.)
TOOLS = ("tests", "benchmarks")

RULE_TOP = f"nothing imports {TOP}"
RULE_WIRING = f"only {TOP} imports the project's wiring"
RULE_TOOLS = "the code imports no tests or benchmarks"
RULE_UNPLACED = "every package of ours has its layer in LAYERS"

_MODEL_NAME = re.compile(r"(?P<label>[a-z][a-z0-9_]*)\.(?P<model>[A-Z][A-Za-z0-9]*)")
_IMPORTING_BY_NAME = {"import_module", "import_string", "include"}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    target: str  # the module, or the name in a module, that was imported or named
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.target}: {self.rule}"


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _module_of(path: str) -> str:
    return ".".join(Path(path).with_suffix("").parts).removesuffix(".__init__")


_WIRING_MODULES = tuple(_module_of(path) for path in WIRING if not path.endswith("__init__.py"))


def _layer_index(module: str) -> int | None:
    """The index in LAYERS of the layer holding ``module``; None when no layer does."""
    held = [
        (len(package), index)
        for index, layer in enumerate(LAYERS)
        for package in layer.packages
        if _within(module, package)
    ]
    return max(held)[1] if held else None


def ours() -> set[str]:
    """The top-level names of our code: the layers, the tools and any other package at the root
    (one missing from LAYERS is ours, unplaced)."""
    return (
        {path.parent.name for path in ROOT.glob("*/__init__.py")}
        | {package.split(".")[0] for layer in LAYERS for package in layer.packages}
        | set(TOOLS)
    )


def rule_broken(path: str, target: str, our_names: set[str]) -> str | None:
    """The rule the module at ``path`` breaks by importing or naming ``target``, if any."""
    module = _module_of(path)
    if target.split(".")[0] not in our_names:
        return None  # the standard library, Django, a third-party package
    if _within(target, TOP):
        return None if _within(module, TOP) else RULE_TOP
    if any(_within(target, tool) for tool in TOOLS):
        return RULE_TOOLS
    if path in WIRING:
        return None
    source = _layer_index(module)
    if any(_within(target, wiring) for wiring in _WIRING_MODULES):
        return None if _within(module, TOP) else RULE_WIRING
    reached = _layer_index(target)
    if reached is None:
        return RULE_UNPLACED
    return LAYERS[source].rule if reached > source else None


def _resolved(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute name of the module a ``from … import`` reads from."""
    if not node.level:
        return node.module or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _named(node: ast.AST, labels: dict[str, str]) -> list[str]:
    """What a node names without importing it: a model by its app label ("tasks_app.Task",
    ``get_model("tasks_app", "Task")``), a module by its dotted path given to an importing call."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        model = _MODEL_NAME.fullmatch(node.value)
        return (
            [f"{labels[model['label']]}.{model['model']}"]
            if model and model["label"] in labels
            else []
        )
    if not isinstance(node, ast.Call):
        return []
    called = (
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    )
    texts = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
    if not texts or not all(isinstance(text, str) for text in texts):
        return []
    if called == "get_model" and len(texts) == 2 and texts[0] in labels:
        return [f"{labels[texts[0]]}.{texts[1]}"]
    return [texts[0]] if called in _IMPORTING_BY_NAME else []


def violations_in(
    source: str, *, path: str, labels: dict[str, str], our_names: set[str] | None = None
) -> list[Violation]:
    """Every rule the module at ``path`` (relative to the root) breaks, reading ``source``."""
    our_names = ours() if our_names is None else our_names
    module, is_package = _module_of(path), path.endswith("__init__.py")
    targets: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.Import):
            targets.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolved(node, module, is_package)
            targets.extend(
                (node.lineno, base if alias.name == "*" else f"{base}.{alias.name}".lstrip("."))
                for alias in node.names
            )
        else:
            targets.extend((node.lineno, target) for target in _named(node, labels))
    return [
        Violation(path, line, target, rule)
        for line, target in sorted(targets)
        if (rule := rule_broken(path, target, our_names))
    ]


def app_labels() -> dict[str, str]:
    """App label → the app's package ("org" → "collab_portal.org")."""
    return {config.label: config.name for config in apps.get_app_configs()}


def project_paths() -> list[str]:
    """Every module the contracts read, relative to the root: the layers' packages without
    their tests and migrations."""
    tops = sorted({package.split(".")[0] for layer in LAYERS for package in layer.packages})
    return [
        str(path.relative_to(ROOT))
        for top in tops
        for path in sorted((ROOT / top).rglob("*.py"))
        if not {"migrations", "tests"} & set(path.relative_to(ROOT).parts)
        and not path.name.startswith("test_")
        and path.name != "conftest.py"
    ]


def project_violations() -> list[Violation]:
    labels, our_names = app_labels(), ours()
    return [
        violation
        for path in project_paths()
        for violation in violations_in(
            (ROOT / path).read_text(encoding="utf-8"), path=path, labels=labels, our_names=our_names
        )
    ]


def test_the_code_keeps_the_import_contracts():
    broken = project_violations()
    assert not broken, "imports against the layers:\n" + "\n".join(map(str, broken))


def test_every_package_of_ours_has_its_layer_or_is_a_tool():
    placed = {package.split(".")[0] for layer in LAYERS for package in layer.packages}
    assert ours() - placed - set(TOOLS) == set()


def test_the_contracts_read_every_layer_and_no_migration():
    read = set(project_paths())
    for path in (
        "collab_portal/lib/forms.py",
        "collab_portal/calendar/workdays.py",
        "collab_portal/org/models.py",
        "collab_portal/urls.py",
        "requests_app/models.py",
        "tasks_app/models.py",
        "insights_app/kpis/queries.py",
        "cases/models.py",
        "ops/management/commands/seed_demo.py",
    ):
        assert path in read
    assert not any("/migrations/" in path for path in read)


# Each rule broken, and kept, by a few lines of source.
LABELS = {
    "auth": "django.contrib.auth",
    "org": "collab_portal.org",
    "cases": "cases",
    "requests_app": "requests_app",
    "tasks_app": "tasks_app",
    "risks_app": "risks_app",
}
OURS = {
    *("collab_portal", "cases", "requests_app", "tasks_app", "risks_app", "acceptance_app"),
    *("insights_app", "ops", "tests", "benchmarks"),
    "newstage",  # a package at the root that LAYERS does not name
}
PLATFORM_RULE = LAYERS[1].rule
STAGE_RULE = "a stage imports no later stage"


@pytest.mark.parametrize(
    "path, source, rule",
    [
        (
            "collab_portal/lib/workdays.py",
            "from collab_portal.org.models import X",
            "lib imports no app",
        ),
        (
            "collab_portal/lib/forms.py",
            "import collab_portal.notifications.services",
            "lib imports no app",
        ),
        ("collab_portal/lib/forms.py", "from collab_portal import calendar", "lib imports no app"),
        ("collab_portal/lib/views.py", "from requests_app import models", "lib imports no app"),
        ("collab_portal/lib/views.py", "user = ForeignKey('org.User')", "lib imports no app"),
        ("collab_portal/lib/views.py", "from tests.factories import UserFactory", RULE_TOOLS),
        ("collab_portal/lib/views.py", "from collab_portal import settings", RULE_WIRING),
        ("collab_portal/dashboard/inbox.py", "from requests_app.models import X", PLATFORM_RULE),
        ("collab_portal/dashboard/inbox.py", "from cases.models import Case", PLATFORM_RULE),
        ("collab_portal/dashboard/inbox.py", "from insights_app import kpis", PLATFORM_RULE),
        ("collab_portal/org/admin.py", "apps.get_model('tasks_app', 'Task')", PLATFORM_RULE),
        (
            "collab_portal/org/admin.py",
            "case = ForeignKey('cases.Case')",
            PLATFORM_RULE,
        ),
        ("collab_portal/dashboard/views.py", "import_module('tasks_app.views')", PLATFORM_RULE),
        ("collab_portal/org/views.py", "from collab_portal.celery import app", RULE_WIRING),
        (
            "cases/models.py",
            "from requests_app.models import Review",
            "the kernel imports no stage",
        ),
        ("requests_app/models.py", "from tasks_app.models import Task", STAGE_RULE),
        ("requests_app/models.py", "apps.get_model('risks_app', 'Risk')", STAGE_RULE),
        ("tasks_app/models.py", "from acceptance_app import services", STAGE_RULE),
        ("tasks_app/models.py", "risk = ForeignKey('risks_app.Risk')", STAGE_RULE),
        ("acceptance_app/views.py", "from insights_app.kpis import KPIS", STAGE_RULE),
        ("insights_app/views.py", "from ops.management.commands import seed_demo", RULE_TOP),
        ("collab_portal/org/seeding.py", "import ops", RULE_TOP),
        ("collab_portal/urls.py", "include('ops.urls')", RULE_TOP),
        ("tasks_app/views.py", "from newstage.models import Thing", RULE_UNPLACED),
    ],
)
def test_a_broken_rule_is_named_with_its_file_and_line(path, source, rule):
    found = violations_in(f"import os\n\n{source}\n", path=path, labels=LABELS, our_names=OURS)
    assert [(violation.path, violation.line, violation.rule) for violation in found] == [
        (path, 3, rule)
    ]
    assert str(found[0]) == f"{path}:3: {found[0].target}: {rule}"


@pytest.mark.parametrize(
    "path, source",
    [
        ("collab_portal/lib/workdays.py", "import chinese_calendar\nfrom django.db import models"),
        (
            "collab_portal/lib/forms.py",
            "from collab_portal.lib.urls import CODE\nfrom . import dates",
        ),
        ("collab_portal/lib/forms.py", "user = ForeignKey('auth.User')"),
        ("collab_portal/notifications/services.py", "from collab_portal.org.models import User"),
        ("collab_portal/notifications/services.py", "from ..lib import forms\nfrom ..org import X"),
        ("collab_portal/org/admin.py", "perm = 'org.add_holidayyear'\nurl = 'requests_app:detail'"),
        ("collab_portal/org/admin.py", "model = apps.get_model('org', 'User')"),
        (
            "cases/models.py",
            "from collab_portal.org.models import User\nfrom collab_portal import lib",
        ),
        (
            "requests_app/models.py",
            "from cases.models import Case\nfrom collab_portal import activity",
        ),
        (
            "tasks_app/models.py",
            "from requests_app import models\nf = ForeignKey('requests_app.A')",
        ),
        (
            "acceptance_app/services.py",
            "from tasks_app.models import Task\nfrom risks_app import m",
        ),
        ("insights_app/kpis.py", "from acceptance_app.models import Delivery\nimport tasks_app"),
        ("ops/management/commands/seed_demo.py", "import insights_app.kpis\nimport ops.apps"),
        ("ops/management/commands/seed_demo.py", "from collab_portal.celery import app"),
        ("collab_portal/__init__.py", "from collab_portal.celery import app as celery_app"),
        ("collab_portal/urls.py", "from tasks_app import views\ninclude('insights_app.urls')"),
        (
            "collab_portal/settings.py",
            "INSTALLED_APPS = ['collab_portal.org', 'insights_app', 'ops']",
        ),
    ],
)
def test_imports_down_the_layers_are_kept(path, source):
    assert violations_in(source, path=path, labels=LABELS, our_names=OURS) == []


def test_a_relative_import_is_read_from_its_package():
    source = "from ..org.models import User\nfrom ... import requests_app\n"
    found = violations_in(source, path="collab_portal/lib/forms.py", labels=LABELS, our_names=OURS)
    assert [(violation.line, violation.target) for violation in found] == [
        (1, "collab_portal.org.models.User"),
        (2, "requests_app"),
    ]
    in_package = violations_in(
        "from .models import User\nfrom . import selectors",
        path="collab_portal/org/__init__.py",
        labels=LABELS,
        our_names=OURS,
    )
    assert in_package == []
