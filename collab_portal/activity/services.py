from django.contrib.contenttypes.models import ContentType
from django.db import models

from collab_portal.activity.models import Activity


def activity_record(
    *,
    subject: models.Model,
    verb: str,
    actor=None,
    actor_name: str = "",
    on_behalf_of=None,
    target: models.Model | None = None,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
) -> Activity:
    """Append a line to ``subject``'s timeline; call it inside the change's transaction."""
    return Activity.objects.create(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=str(subject.pk),
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        verb=verb,
        actor=actor,
        actor_name=actor_name or (actor.name if actor is not None else ""),
        on_behalf_of=on_behalf_of,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
    )
