from celery import shared_task

from acceptance_app.bundle import archive_bundle_store
from requests_app.models import CollabRequest


@shared_task
def build_archive_bundle(request_id: int) -> str:
    """Build the bundle of a newly archived case ahead of its first download."""
    return archive_bundle_store(request=CollabRequest.objects.get(pk=request_id))
