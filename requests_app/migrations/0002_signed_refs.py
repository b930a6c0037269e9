"""Sign-offs made before signed references: the people, department and receivers their
snapshots name become references (the name as signed, plus the record's identity), so renaming
a department no longer reads as a change of what was signed. The names stay exactly as signed;
the fingerprint the forms printed then stays provable (``integrity.names_only``)."""

from django.db import migrations

from collab_portal.signoffs.integrity import resealed


def _ref(label: str, pk, name):
    return {"ref": f"{label}:{pk}", "name": name}


def _wrapped(names, label: str, pks: list):
    if not isinstance(names, list) or len(names) != len(pks):
        return names
    if not all(isinstance(name, str) for name in names):
        return names
    return [_ref(label, pk, name) for pk, name in zip(pks, names, strict=True)]


def _registration(apps, snapshot: dict, target_id: str) -> dict:
    case = apps.get_model("requests_app", "CollabRequest").objects.filter(pk=target_id).first()
    if case is None:
        return snapshot
    converted = dict(snapshot)
    if isinstance(snapshot.get("initiator"), str):
        converted["initiator"] = _ref("org.user", case.initiator_id, snapshot["initiator"])
    if isinstance(snapshot.get("initiator_department"), str):
        converted["initiator_department"] = _ref(
            "org.department", case.initiator_department_id, snapshot["initiator_department"]
        )
    receivers = list(
        apps.get_model("requests_app", "Receiver")
        .objects.filter(request_id=case.pk)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    converted["receivers"] = _wrapped(snapshot.get("receivers"), "requests_app.receiver", receivers)
    return converted


def _plan(apps, snapshot: dict, target_id: str) -> dict:
    plan = apps.get_model("requests_app", "CollabPlan").objects.filter(pk=target_id).first()
    coordinator = snapshot.get("coordinator")
    if plan is None or not plan.coordinator_id or not isinstance(coordinator, str):
        return snapshot
    if not coordinator:
        return snapshot
    return {**snapshot, "coordinator": _ref("org.user", plan.coordinator_id, coordinator)}


def convert_snapshots(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    SignOff = apps.get_model("signoffs", "SignOff")
    for model_name, convert in (("collabrequest", _registration), ("collabplan", _plan)):
        content_type = ContentType.objects.filter(
            app_label="requests_app", model=model_name
        ).first()
        if content_type is None:
            continue
        signoffs = SignOff.objects.filter(target_type=content_type).select_related("target_type")
        for signoff in signoffs.order_by("pk").iterator():
            converted = convert(apps, signoff.snapshot, signoff.target_id)
            if converted == signoff.snapshot:
                continue
            signoff.snapshot = converted
            resealed(SignOff.objects, signoff)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("requests_app", "0001_initial"),
        ("signoffs", "0002_seal"),
    ]

    operations = [migrations.RunPython(convert_snapshots, migrations.RunPython.noop)]
