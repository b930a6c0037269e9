"""Sign-offs made before seals: migrating seals them, turns the names their snapshots hold into
references (the names kept exactly as signed), and the fingerprints their forms printed still
verify — renaming a department afterwards does not read as a change."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from cases.models import Case
from collab_portal.signoffs.canonical import snapshot_hash
from collab_portal.signoffs.integrity import check_signature, names_only
from collab_portal.signoffs.models import SignOff
from requests_app import services
from requests_app.models import CollabPlan

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_SEALS = [
    ("signoffs", "0001_initial"),
    ("requests_app", "0001_initial"),
    ("acceptance_app", "0001_initial"),
]


def _migrate(targets):
    """Migrate to ``targets``; returns the models as they were then."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _legacy(signoff: SignOff) -> tuple[dict, str]:
    """The snapshot as the portal stored it before references, and its fingerprint."""
    legacy = names_only(signoff.snapshot)
    return legacy, snapshot_hash(legacy)


def test_old_signoffs_are_sealed_and_their_printed_fingerprints_still_verify(
    company, proposed, login
):
    case = proposed.request
    services.plan_sign(actor=company.sales_head, plan=proposed)
    kinds = {
        "registration": ContentType.objects.get_for_model(Case),
        "plan": ContentType.objects.get_for_model(CollabPlan),
    }
    current = {
        kind: SignOff.objects.get(target_type=content_type) for kind, content_type in kinds.items()
    }
    printed = {}
    try:
        old_models = _migrate(BEFORE_SEALS)
        for kind, signoff in current.items():
            legacy, fingerprint = _legacy(signoff)
            printed[kind] = fingerprint
            old_models.get_model("signoffs", "SignOff").objects.filter(pk=signoff.pk).update(
                snapshot=legacy, sha256=fingerprint
            )
    finally:
        call_command("migrate", verbosity=0)

    for kind, before in current.items():
        after = SignOff.objects.select_related("target_type").get(pk=before.pk)
        assert after.legacy_sha256 == printed[kind]
        assert after.snapshot == before.snapshot  # references again, names as signed
        assert after.sha256 == snapshot_hash(after.seal) != printed[kind]
        assert check_signature(after).intact

    company.sales.name = "市场营销部"
    company.sales.save()
    client = login(company.sales_head)
    for kind, fingerprint in printed.items():
        page = client.get(reverse("signoffs:verify_hash", args=[fingerprint]))
        assert page.status_code == 200, kind
        assert "记录与签字时一致" in page.content.decode(), kind
    assert (
        case.code
        in client.get(reverse("signoffs:verify_hash", args=[printed["plan"]])).content.decode()
    )
