"""The case moved to the kernel (``cases.0001_initial``): risks (and their history) point at
``cases.Case``. Only Django's state changes; the columns and their constraints already
point at the renamed table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("risks_app", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="historicalrisk",
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
                    model_name="risk",
                    name="request",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="risks",
                        to="cases.case",
                    ),
                ),
            ],
            database_operations=[],  # the same columns, pointing at the same (renamed) table
        ),
    ]
