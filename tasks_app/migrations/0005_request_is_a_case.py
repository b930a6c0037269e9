"""The case moved to the kernel (``cases.0001_initial``): tasks and weekly summaries (and their history) point at
``cases.Case``. Only Django's state changes; the columns and their constraints already
point at the renamed table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("tasks_app", "0004_template_working_days"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="historicaltask",
                    name="request",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalweeklysummary",
                    name="request",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="request",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tasks",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="weeklysummary",
                    name="request",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="weekly_summaries",
                        to="cases.case",
                    ),
                ),
            ],
            database_operations=[],  # the same columns, pointing at the same (renamed) table
        ),
    ]
