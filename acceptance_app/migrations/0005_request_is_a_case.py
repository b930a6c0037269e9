"""The case moved to the kernel (``cases.0001_initial``): deliveries, retrospectives and archive bundles (and their history) point at
``cases.Case``. Only Django's state changes; the columns and their constraints already
point at the renamed table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("acceptance_app", "0004_customer_satisfaction"),
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="archivebundle",
                    name="request",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="archive_bundle",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="delivery",
                    name="request",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicaldelivery",
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
                    model_name="historicalretrospective",
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
                    model_name="retrospective",
                    name="request",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="retrospective",
                        to="cases.case",
                    ),
                ),
            ],
            database_operations=[],  # the same columns, pointing at the same (renamed) table
        ),
    ]
