"""The case's tables take the kernel's names before the model moves there
(``cases.0001_initial``): ``requests_app_collabrequest`` → ``cases_case`` and its history
``requests_app_historicalcollabrequest`` → ``cases_historicalcase``, and the one named index
with them. A rename keeps every row, id and sequence, and the foreign keys of the other tables
follow it (PostgreSQL points at the table itself; SQLite rewrites the references)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0002_signed_refs"),
    ]

    operations = [
        migrations.AlterModelTable(name="collabrequest", table="cases_case"),
        migrations.AlterModelTable(name="historicalcollabrequest", table="cases_historicalcase"),
        migrations.RenameIndex(
            model_name="collabrequest",
            new_name="cases_case_stage_8cab1d_idx",
            old_name="requests_ap_stage_a76075_idx",
        ),
    ]
