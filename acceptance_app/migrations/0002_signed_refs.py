"""Acceptance sign-offs made before signed references: each item's task becomes a reference
(its code and name as signed, plus the task's identity). See requests_app's 0002."""

from django.db import migrations

from collab_portal.signoffs.integrity import resealed


def _delivery(apps, snapshot: dict, target_id: str) -> dict:
    items = snapshot.get("items")
    task_ids = list(
        apps.get_model("acceptance_app", "DeliveryItem")
        .objects.filter(delivery_id=target_id)
        .order_by("position", "pk")
        .values_list("task_id", flat=True)
    )
    if not isinstance(items, list) or len(items) != len(task_ids):
        return snapshot
    converted = []
    for item, task_id in zip(items, task_ids, strict=True):
        if isinstance(item, dict) and isinstance(item.get("task"), str):
            item = {**item, "task": {"ref": f"tasks_app.task:{task_id}", "name": item["task"]}}
        converted.append(item)
    return {**snapshot, "items": converted}


def convert_snapshots(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    SignOff = apps.get_model("signoffs", "SignOff")
    content_type = ContentType.objects.filter(app_label="acceptance_app", model="delivery").first()
    if content_type is None:
        return
    signoffs = SignOff.objects.filter(target_type=content_type).select_related("target_type")
    for signoff in signoffs.order_by("pk").iterator():
        converted = _delivery(apps, signoff.snapshot, signoff.target_id)
        if converted == signoff.snapshot:
            continue
        signoff.snapshot = converted
        resealed(SignOff.objects, signoff)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("acceptance_app", "0001_initial"),
        ("signoffs", "0002_seal"),
    ]

    operations = [migrations.RunPython(convert_snapshots, migrations.RunPython.noop)]
