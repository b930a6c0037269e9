"""The case moved from requests_app to the kernel (``requests_app.CollabRequest`` →
``cases.Case``). A database at the schema from before the move, with a row in every table of
every app (files, history, rows pointing at the case through a content type, permissions),
migrates to the latest schema with every row, id, foreign key and file intact and reachable
through the new model: the task's case is still the same case, a sign-off still verifies.

The rows are made by the models as they were before the move (the migration state), field by
field, so the test covers every table there is, whatever later migrations add."""

from __future__ import annotations

import datetime
import decimal
import uuid

import pytest
from django.apps import apps as current_apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.org.models import User
from collab_portal.reminders.models import Reminder
from collab_portal.signoffs.integrity import check_signature, seal
from collab_portal.signoffs.models import ExternalLink, SignOff
from tasks_app.models import Task

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# The leaf migrations before the move: the schema of the portal before the kernel.
BEFORE_THE_KERNEL = [
    ("requests_app", "0002_signed_refs"),
    ("tasks_app", "0004_template_working_days"),
    ("risks_app", "0001_initial"),
    ("acceptance_app", "0004_customer_satisfaction"),
    ("cases", None),
]
MOVED_MODELS = {
    "requests_app.collabrequest": "cases.case",
    "requests_app.historicalcollabrequest": "cases.historicalcase",
}


def _migrate(targets):
    """Migrate to ``targets`` (None: the latest); returns the models as they are then."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    if targets is None:
        targets = executor.loader.graph.leaf_nodes()
    return executor.migrate(targets).apps


class OldWorld:
    """One row of every model of the old schema, made field by field (one row per model,
    reused by every foreign key to it), every file field holding a file."""

    def __init__(self, apps):
        self.apps = apps
        self.rows: dict[str, models.Model] = {}
        self.files: dict[tuple[str, str], bytes] = {}
        self.counter = 0
        self.in_progress: set[str] = set()

    def model(self, label):
        return self.apps.get_model(label)

    def content_type(self):
        """What every content-type column points at: the case's."""
        ContentType = self.model("contenttypes.ContentType")
        return ContentType.objects.get(app_label="requests_app", model="collabrequest")

    def _unique(self, length=64) -> str:
        self.counter += 1
        return f"k{self.counter}"[:length]

    def value(self, model, field, overrides):
        label = model._meta.label_lower
        if field.name in overrides:
            return overrides[field.name]
        if field.is_relation:
            related = field.related_model._meta.label_lower
            if related == "contenttypes.contenttype":
                return self.content_type()
            if field.null and (related == label or related in self.in_progress):
                return None  # a cycle (a parent, a tree): left empty
            return self.row(related)
        if field.choices:
            return field.choices[0][0]
        kind = field.get_internal_type()
        if kind in {"FileField", "ImageField"}:
            data = f"the file of {label}.{field.name}".encode()
            name = default_storage.save(f"upgrade/{label}-{field.name}.bin", ContentFile(data))
            self.files[(label, field.name)] = data
            return name
        if kind == "JSONField":
            return {"value": self._unique()}
        if kind == "BooleanField":
            return True
        if kind == "DecimalField":
            return decimal.Decimal("1.00")
        if kind in {"DateTimeField"}:
            return timezone.now()
        if kind == "DateField":
            return datetime.date(2026, 3, 2)
        if kind == "TimeField":
            return datetime.time(9, 0)
        if kind == "DurationField":
            return datetime.timedelta(days=1)
        if kind == "UUIDField":
            return uuid.uuid4()
        if kind == "GenericIPAddressField":
            return "127.0.0.1"
        if kind == "EmailField":
            return f"{self._unique()}@example.com"
        if kind.endswith("IntegerField"):
            return 1
        if kind in {"CharField", "TextField", "SlugField", "URLField", "FSMField"}:
            return self._unique(field.max_length or 64)
        raise AssertionError(f"no value for {label}.{field.name} ({kind})")

    def row(self, label):
        """The one row of ``label`` every foreign key to it shares (made on first use)."""
        label = label.lower()
        if label == "contenttypes.contenttype":
            return self.content_type()
        if label not in self.rows:
            self.rows[label] = self.make(label)
        return self.rows[label]

    def make(self, label, **overrides):
        model = self.model(label)
        self.in_progress.add(label)
        overrides = {**self.overrides(model), **overrides}
        values = {}
        for field in model._meta.concrete_fields:
            if isinstance(field, models.AutoField):
                continue
            value = self.value(model, field, overrides)
            if field.is_relation:
                values[field.attname] = self._pk(value)
            else:
                values[field.name] = value
        row = model(**values)
        if label == "signoffs.signoff":
            seal(row)  # sealed as the portal seals: over the case's content type as it was then
        row.save(force_insert=True)
        self.in_progress.discard(label)
        for m2m in model._meta.local_many_to_many:
            getattr(row, m2m.name).add(self.row(m2m.related_model._meta.label_lower))
        return row

    @staticmethod
    def _pk(value):
        return value.pk if isinstance(value, models.Model) else value

    def overrides(self, model) -> dict:
        label = model._meta.label_lower
        case_id = lambda: str(self.row("requests_app.collabrequest").pk)  # noqa: E731
        found = {}
        # the record a content-type column points at: the case
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model._meta.label_lower == (
                "contenttypes.contenttype"
            ):
                id_name = (
                    "object_id"
                    if field.name == "content_type"
                    else field.name.removesuffix("_type") + "_id"
                )
                if any(f.name == id_name for f in model._meta.concrete_fields):
                    found[id_name] = case_id()
        if model.__name__.startswith("Historical"):
            base = label.replace(".historical", ".")
            found["id"] = self.row(base).pk
        specific = {
            "org.delegation": lambda: {"delegate": self.second_user()},
            "requests_app.receiver": lambda: {"kind": "internal", "party": None},
            "acceptance_app.acceptancereview": lambda: {"external_contact": None},
            "signoffs.signoff": lambda: {"external_contact": None, "legacy_sha256": ""},
            "auth.permission": lambda: {"codename": "probe_collabrequest", "name": "probe"},
            "org.user": lambda: {"is_active": True, "is_superuser": False},
            "admin.logentry": lambda: {"object_repr": "the case", "action_flag": 2},
        }
        if label in specific:
            found.update(specific[label]())
        return found

    def second_user(self):
        return self.make("org.user")

    def fill(self):
        for model in self.apps.get_models():
            self.row(model._meta.label_lower)
        # the stock permissions of the case, held by a group and a user
        Permission = self.model("auth.Permission")
        view_case = Permission.objects.get(
            content_type=self.content_type(), codename="view_collabrequest"
        )
        self.row("auth.group").permissions.add(view_case)
        self.row("org.user").user_permissions.add(view_case)
        self.row("org.user").groups.add(self.row("auth.group"))


def _tables(apps, renamed=None) -> dict[str, list[dict]]:
    """Every row of every table (M2M tables included), by model label."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        tables[(renamed or {}).get(label, label)] = list(
            model._base_manager.order_by("pk").values()
        )
    return tables


def _expected_after(before: dict, case_content_types: set[int]) -> dict:
    """The rows the move changes on purpose: the case's content types and their permissions."""
    expected = dict(before)
    expected["contenttypes.contenttype"] = [
        dict(
            row,
            **dict(
                zip(
                    ("app_label", "model"),
                    MOVED_MODELS[f"{row['app_label']}.{row['model']}"].split("."),
                    strict=True,
                )
            ),
        )
        if row["id"] in case_content_types
        else row
        for row in before["contenttypes.contenttype"]
    ]
    expected["auth.permission"] = [
        {
            **row,
            "codename": row["codename"]
            .replace("_historicalcollabrequest", "_historicalcase")
            .replace("_collabrequest", "_case"),
        }
        if row["content_type_id"] in case_content_types
        and row["codename"].split("_", 1)[0] in {"add", "change", "delete", "view"}
        else row
        for row in before["auth.permission"]
    ]
    return expected


def test_an_existing_database_keeps_every_row_file_and_link_when_the_case_moves_to_the_kernel():
    try:
        old_apps = _migrate(BEFORE_THE_KERNEL)
        world = OldWorld(old_apps)
        world.fill()
        before = _tables(old_apps, renamed=MOVED_MODELS)
        empty = [label for label, rows in before.items() if not rows]
        assert empty == [], "every table holds a row"
        old_case = world.rows["requests_app.collabrequest"]
        old_content_type = world.content_type()
        case_content_types = set(
            old_apps.get_model("contenttypes.ContentType")
            .objects.filter(app_label="requests_app", model__endswith="collabrequest")
            .values_list("pk", flat=True)
        )
    finally:
        _migrate(None)

    after = _tables(current_apps)
    assert sorted(after) == sorted(before)
    expected = _expected_after(before, case_content_types)
    changed = [label for label in before if after[label] != expected[label]]
    assert changed == []

    # the case, its history and its stage machine, through the new model
    case = Case.objects.get(pk=old_case.pk)
    assert (case.code, case.stage) == (old_case.code, old_case.stage)
    assert case.history.model._meta.db_table == "cases_historicalcase"
    assert case.history.get().id == case.pk
    assert ContentType.objects.get_for_model(Case).pk == old_content_type.pk

    # every foreign key to the case, of every app, still leads to it (and back)
    pointing = [
        field
        for model in current_apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is Case
    ]
    assert {f.model._meta.app_label for f in pointing} >= {
        "requests_app",
        "tasks_app",
        "risks_app",
        "acceptance_app",
    }
    for field in pointing:
        label = field.model._meta.label_lower
        row = field.model._base_manager.get(pk=world.rows[label].pk)
        assert getattr(row, field.name) == case, label
    task = Task.objects.get(pk=world.rows["tasks_app.task"].pk)
    assert task.request == case and list(case.tasks.all()) == [task]

    # the rows that point at the case through its content type
    assert Activity.objects.get(pk=world.rows["activity.activity"].pk).subject == case
    assert Reminder.objects.get(pk=world.rows["reminders.reminder"].pk).target == case
    assert ExternalLink.objects.get(pk=world.rows["signoffs.externallink"].pk).target == case
    assert LogEntry.objects.get(pk=world.rows["admin.logentry"].pk).get_edited_object() == case
    signoff = SignOff.objects.get(pk=world.rows["signoffs.signoff"].pk)
    assert signoff.target == case
    assert check_signature(signoff).intact  # the seal taken before the move still holds

    # the case's permissions, held by a group and a user, under the new names
    user = User.objects.get(pk=world.rows["org.user"].pk)
    assert user.has_perm("cases.view_case")
    assert set(user.groups.get().permissions.values_list("codename", flat=True)) >= {"view_case"}

    # every uploaded file, read through the new models
    assert world.files
    for (label, field_name), data in world.files.items():
        model = current_apps.get_model(label)
        row = model._base_manager.get(pk=world.rows[label].pk)
        with getattr(row, field_name).open("rb") as stored:
            assert stored.read() == data, label
