from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext as _

from collab_portal.activity.models import Activity
from collab_portal.activity.verbs import verb_label
from collab_portal.lib.stored_text import shown


@dataclass(frozen=True)
class TimelineEntry:
    activity: Activity
    action: str
    from_label: str
    to_label: str

    @property
    def who(self) -> str:
        activity = self.activity
        if activity.on_behalf_of_id:
            return _("%(delegate)s (for %(principal)s)") % {
                "delegate": activity.actor_name,
                "principal": activity.on_behalf_of.name,
            }
        if not activity.actor_name and activity.actor_id is None:
            return _("System")  # the portal itself, named in the reader's language
        return activity.actor_name

    @property
    def comment(self) -> str:
        return shown(self.activity.comment_text, self.activity.comment)


def timeline_for(subject: models.Model, *, state_labels: dict[str, str]) -> list[TimelineEntry]:
    """The case's timeline, oldest first, in one query."""
    activities = Activity.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=str(subject.pk)
    ).select_related("on_behalf_of")
    return [
        TimelineEntry(
            activity=activity,
            action=verb_label(activity.verb),
            from_label=str(state_labels.get(activity.from_state, "")),
            to_label=str(state_labels.get(activity.to_state, "")),
        )
        for activity in activities
    ]


def last_activity_by(
    subject: models.Model, *, verb: str, actor, target: models.Model | None = None
) -> Activity | None:
    """``actor``'s last ``verb`` line on ``subject``'s timeline (about ``target`` when given)."""
    lines = Activity.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=str(subject.pk),
        verb=verb,
        actor=actor,
    )
    if target is not None:
        lines = lines.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
        )
    return lines.order_by("-created_at").first()
