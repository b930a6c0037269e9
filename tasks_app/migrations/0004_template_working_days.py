"""A template's offsets and durations are working days (issue 18, point 4).

The manual's example already counts them so (3 + 1 + 2 + 4 + 1 + 3 + 2 + 3 = 19, one task after
the other): only its description changes. A template saved from a case before counted calendar
days from its first task; which weekday that was is not kept, so its days are converted as if it
started on a Monday (a task of 7 calendar days becomes 5 working days)."""

from django.db import migrations, models

MANUAL_TEMPLATE = "客户需求对接（手册示例）"
OLD_NOTE = "日期为自然日偏移，套用时按所选开始日期平移。"
NEW_NOTE = "开始偏移和工期均为工作日（按法定节假日及调休），套用时从所选开始日期起排期。"


def _working_days_before(days: int) -> int:
    """The Mondays to Fridays among the ``days`` days from a Monday."""
    weeks, rest = divmod(days, 7)
    return weeks * 5 + min(rest, 5)


def _calendar_days_before(working_days: int) -> int:
    weeks, rest = divmod(working_days, 5)
    return weeks * 7 + rest


def _convert(apps, to_working_days: bool):
    WbsTemplate = apps.get_model("tasks_app", "WbsTemplate")
    WbsTemplateItem = apps.get_model("tasks_app", "WbsTemplateItem")
    for template in WbsTemplate.objects.filter(name=MANUAL_TEMPLATE, created_by=None):
        old, new = (OLD_NOTE, NEW_NOTE) if to_working_days else (NEW_NOTE, OLD_NOTE)
        template.description = template.description.replace(old, new)
        template.save(update_fields=["description"])
    saved = WbsTemplateItem.objects.exclude(
        template__name=MANUAL_TEMPLATE, template__created_by=None
    )
    convert = _working_days_before if to_working_days else _calendar_days_before
    for item in saved:
        first = item.start_offset_days
        last = first + max(item.duration_days, 1)
        item.start_offset_days = convert(first)
        item.duration_days = max(1, convert(last) - convert(first))
        item.save(update_fields=["start_offset_days", "duration_days"])


def to_working_days(apps, schema_editor):
    _convert(apps, to_working_days=True)


def to_calendar_days(apps, schema_editor):
    _convert(apps, to_working_days=False)


class Migration(migrations.Migration):
    dependencies = [
        ("tasks_app", "0003_task_is_leaf"),
    ]

    operations = [
        migrations.AlterField(
            model_name="wbstemplateitem",
            name="duration_days",
            field=models.PositiveIntegerField(default=1, verbose_name="duration (working days)"),
        ),
        migrations.AlterField(
            model_name="wbstemplateitem",
            name="start_offset_days",
            field=models.PositiveIntegerField(
                default=0, verbose_name="starts after (working days)"
            ),
        ),
        migrations.RunPython(to_working_days, to_calendar_days),
    ]
