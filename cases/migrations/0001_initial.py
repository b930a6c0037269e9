"""The case moves from requests_app to the kernel (``requests_app.CollabRequest`` →
``cases.Case``, its history with it) and keeps every row: the tables were renamed by
``requests_app.0003_case_tables_move_to_cases``, so this only tells Django's state that they
are the kernel's now, and renames the content types (and their permissions) in place, so every
row that points at the case through a content type — activity, notifications, reminders,
sign-offs, external links, the admin's log — still does. The other apps' foreign keys follow
(``*_request_is_a_case``), then ``requests_app.0004`` forgets the old model."""

import django.db.models.deletion
import django_fsm
import simple_history.models
from django.conf import settings
from django.db import migrations, models

MOVED = {  # (app_label, model) before → after
    ("requests_app", "collabrequest"): ("cases", "case"),
    ("requests_app", "historicalcollabrequest"): ("cases", "historicalcase"),
}
ACTIONS = ("add", "change", "delete", "view")


def _rename_content_types(apps, renames):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for (old_app, old_model), (new_app, new_model) in renames.items():
        content_type = ContentType.objects.filter(app_label=old_app, model=old_model).first()
        if content_type is None:  # a database migrated from empty: created after migrating
            continue
        if ContentType.objects.filter(app_label=new_app, model=new_model).exists():
            raise RuntimeError(
                f"Both content types {old_app}.{old_model} and {new_app}.{new_model} exist: "
                "renaming the first would leave the rows pointing at the second behind. Move "
                "those rows to the first (or delete the second if nothing points at it) and "
                "migrate again."
            )
        content_type.app_label, content_type.model = new_app, new_model
        content_type.save(update_fields=["app_label", "model"])
        for action in ACTIONS:
            Permission.objects.filter(
                content_type=content_type, codename=f"{action}_{old_model}"
            ).update(codename=f"{action}_{new_model}")


def forwards(apps, schema_editor):
    _rename_content_types(apps, MOVED)


def backwards(apps, schema_editor):
    _rename_content_types(apps, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("org", "0004_holiday_years"),
        ("requests_app", "0003_case_tables_move_to_cases"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HistoricalCase",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "code",
                            models.CharField(db_index=True, max_length=20, verbose_name="number"),
                        ),
                        ("subject", models.CharField(max_length=120, verbose_name="subject")),
                        ("goal", models.TextField(max_length=2000, verbose_name="goal")),
                        (
                            "metric",
                            models.CharField(blank=True, max_length=60, verbose_name="metric"),
                        ),
                        (
                            "target_value",
                            models.DecimalField(
                                blank=True,
                                decimal_places=2,
                                max_digits=14,
                                null=True,
                                verbose_name="target value",
                            ),
                        ),
                        ("unit", models.CharField(blank=True, max_length=20, verbose_name="unit")),
                        (
                            "background",
                            models.TextField(
                                blank=True, max_length=5000, verbose_name="background"
                            ),
                        ),
                        ("expected_deadline", models.DateField(verbose_name="expected deadline")),
                        (
                            "initiator_role",
                            models.CharField(
                                choices=[
                                    ("department_head", "Department head"),
                                    ("project_liaison", "Project liaison"),
                                    ("account_manager", "Account manager"),
                                ],
                                max_length=20,
                                verbose_name="initiator's role",
                            ),
                        ),
                        (
                            "stage",
                            django_fsm.FSMField(
                                choices=[
                                    ("draft", "Draft"),
                                    ("pending_review", "Pending review"),
                                    ("returned", "Returned"),
                                    ("syncing", "Information sync"),
                                    ("planning", "Plan confirmation"),
                                    ("breakdown", "Task breakdown"),
                                    ("executing", "Executing"),
                                    ("accepting", "Acceptance"),
                                    ("retrospective", "Retrospective"),
                                    ("archived", "Archived"),
                                    ("cancelled", "Cancelled"),
                                ],
                                default="draft",
                                max_length=20,
                                protected=True,
                                verbose_name="stage",
                            ),
                        ),
                        (
                            "submitted_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="submitted at"
                            ),
                        ),
                        (
                            "approved_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="approved at"),
                        ),
                        (
                            "cancel_reason",
                            models.TextField(blank=True, verbose_name="reason for cancelling"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                blank=True, editable=False, verbose_name="created at"
                            ),
                        ),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "coordinator",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="coordinator",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "initiator",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="initiator",
                            ),
                        ),
                        (
                            "initiator_department",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="org.department",
                                verbose_name="initiating department",
                            ),
                        ),
                        (
                            "reviewer",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="reviewer",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical collaboration request",
                        "verbose_name_plural": "historical collaboration requests",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="Case",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "code",
                            models.CharField(max_length=20, unique=True, verbose_name="number"),
                        ),
                        ("subject", models.CharField(max_length=120, verbose_name="subject")),
                        ("goal", models.TextField(max_length=2000, verbose_name="goal")),
                        (
                            "metric",
                            models.CharField(blank=True, max_length=60, verbose_name="metric"),
                        ),
                        (
                            "target_value",
                            models.DecimalField(
                                blank=True,
                                decimal_places=2,
                                max_digits=14,
                                null=True,
                                verbose_name="target value",
                            ),
                        ),
                        ("unit", models.CharField(blank=True, max_length=20, verbose_name="unit")),
                        (
                            "background",
                            models.TextField(
                                blank=True, max_length=5000, verbose_name="background"
                            ),
                        ),
                        ("expected_deadline", models.DateField(verbose_name="expected deadline")),
                        (
                            "initiator_role",
                            models.CharField(
                                choices=[
                                    ("department_head", "Department head"),
                                    ("project_liaison", "Project liaison"),
                                    ("account_manager", "Account manager"),
                                ],
                                max_length=20,
                                verbose_name="initiator's role",
                            ),
                        ),
                        (
                            "stage",
                            django_fsm.FSMField(
                                choices=[
                                    ("draft", "Draft"),
                                    ("pending_review", "Pending review"),
                                    ("returned", "Returned"),
                                    ("syncing", "Information sync"),
                                    ("planning", "Plan confirmation"),
                                    ("breakdown", "Task breakdown"),
                                    ("executing", "Executing"),
                                    ("accepting", "Acceptance"),
                                    ("retrospective", "Retrospective"),
                                    ("archived", "Archived"),
                                    ("cancelled", "Cancelled"),
                                ],
                                default="draft",
                                max_length=20,
                                protected=True,
                                verbose_name="stage",
                            ),
                        ),
                        (
                            "submitted_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="submitted at"
                            ),
                        ),
                        (
                            "approved_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="approved at"),
                        ),
                        (
                            "cancel_reason",
                            models.TextField(blank=True, verbose_name="reason for cancelling"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="created at"),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(auto_now=True, verbose_name="updated at"),
                        ),
                        (
                            "coordinator",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="coordinated_requests",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="coordinator",
                            ),
                        ),
                        (
                            "initiator",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="initiated_requests",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="initiator",
                            ),
                        ),
                        (
                            "initiator_department",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="initiated_requests",
                                to="org.department",
                                verbose_name="initiating department",
                            ),
                        ),
                        (
                            "reviewer",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="requests_to_review",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="reviewer",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "collaboration request",
                        "verbose_name_plural": "collaboration requests",
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [
                            models.Index(
                                fields=["stage", "-created_at"], name="cases_case_stage_8cab1d_idx"
                            )
                        ],
                    },
                    bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
                ),
            ],
            database_operations=[],  # the tables are there already, renamed
        ),
        migrations.RunPython(forwards, backwards),
    ]
