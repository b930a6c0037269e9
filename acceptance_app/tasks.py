from celery import shared_task

from acceptance_app.bundle_outbox import archive_bundle_build, archive_bundles_sweep


@shared_task
def build_archive_bundle(request_id: int) -> str:
    """Build the bundle of a newly archived case, once, ahead of its first download."""
    bundle = archive_bundle_build(request_id=request_id)
    return bundle.state if bundle else ""


@shared_task
def build_waiting_archive_bundles() -> int:
    """The sweep: the bundles a broker outage or a dead worker left waiting."""
    return archive_bundles_sweep()
