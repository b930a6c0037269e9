"""The case moved to the kernel (``cases.0001_initial``): the records of stages 1 and 2 point
at ``cases.Case``, and this app forgets ``CollabRequest`` once nothing points at it any more
(after every app's ``*_request_is_a_case``). Only Django's state changes: the tables were
renamed by ``0003_case_tables_move_to_cases`` and are the kernel's now."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("acceptance_app", "0005_request_is_a_case"),
        ("cases", "0001_initial"),
        ("requests_app", "0003_case_tables_move_to_cases"),
        ("risks_app", "0002_request_is_a_case"),
        ("tasks_app", "0005_request_is_a_case"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="carboncopy",
                    name="request",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="carbon_copies",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="collabplan",
                    name="request",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="plans",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="kickoffmeeting",
                    name="request",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="kickoff",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalcollabplan",
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
                    model_name="syncrecord",
                    name="request",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sync_records",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalkickoffmeeting",
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
                    model_name="receiver",
                    name="request",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="receivers",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="attachment",
                    name="request",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachments",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="review",
                    name="request",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reviews",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalsyncrecord",
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
                migrations.DeleteModel(name="CollabRequest"),
                migrations.DeleteModel(name="HistoricalCollabRequest"),
            ],
            database_operations=[],  # the tables are cases_case and cases_historicalcase now
        ),
    ]
