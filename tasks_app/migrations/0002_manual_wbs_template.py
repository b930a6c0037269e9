"""Ship the process manual's own WBS example (二(三) 任务拆解) as a template
(``tasks_app.standard_templates``, which the demo uses too)."""

from django.db import migrations

from tasks_app.standard_templates import MANUAL_TEMPLATE_NAME, add_manual_template


def add_template(apps, schema_editor):
    add_manual_template(
        apps.get_model("tasks_app", "WbsTemplate"), apps.get_model("tasks_app", "WbsTemplateItem")
    )


def remove_template(apps, schema_editor):
    WbsTemplate = apps.get_model("tasks_app", "WbsTemplate")
    WbsTemplate.objects.filter(name=MANUAL_TEMPLATE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tasks_app", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_template, remove_template),
    ]
