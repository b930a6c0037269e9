import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab_portal.activity.models import Activity
from collab_portal.activity.selectors import last_activity_by
from collab_portal.activity.verbs import verb_label_lazy
from collab_portal.lib.refusals import ActionRefused
from collab_portal.lib.stored_text import Text, as_json, in_portal_language
from collab_portal.notifications.services import notify


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
    comment: str | Text = "",
) -> Activity:
    """Append a line to ``subject``'s timeline; call it inside the change's transaction.

    A line written by a delegate ``on_behalf_of`` someone also tells that person: every
    decision taken in someone's name reaches them. A ``comment`` of the portal's own words is a
    ``Text``, shown in each reader's language."""
    activity = Activity.objects.create(
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
        comment=in_portal_language(comment),
        comment_text=as_json(comment),
    )
    if on_behalf_of is not None and actor is not None and on_behalf_of.pk != actor.pk:
        _tell_principal(activity, subject=subject, principal=on_behalf_of)
    return activity


def _tell_principal(activity: Activity, *, subject: models.Model, principal) -> None:
    notify(
        recipients=[principal],
        actor=activity.actor,
        title=Text(
            gettext_lazy("{delegate} acted for you on {subject}: {action}"),
            delegate=activity.actor_name,
            subject=str(subject),
            action=verb_label_lazy(activity.verb),
        ),
        body=Text.from_json(activity.comment_text) if activity.comment_text else activity.comment,
        target=subject,
    )


URGE_INTERVAL = datetime.timedelta(hours=4)


def refuse_if_urged_recently(
    *, subject: models.Model, verb: str, actor, target: models.Model | None = None
) -> None:
    """催办 is rate-limited: ``actor`` urges on ``subject`` at most once per URGE_INTERVAL,
    the last urge being the last ``verb`` line they wrote on its timeline. With ``target``
    (a task, a risk) the limit is per record: the lines about that record count."""
    last = last_activity_by(subject, verb=verb, actor=actor, target=target)
    if last is not None and timezone.now() - last.created_at < URGE_INTERVAL:
        raise ActionRefused(
            _("You urged at %(last)s; you can urge again after %(next)s.")
            % {
                "last": timezone.localtime(last.created_at).strftime("%H:%M"),
                "next": timezone.localtime(last.created_at + URGE_INTERVAL).strftime("%m-%d %H:%M"),
            }
        )
