"""复盘: the coordinator writes the retrospective; each receiving department's head (or delegate)
rates the collaboration.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from acceptance_app.models import Retrospective, SatisfactionRating
from acceptance_app.policies import is_coordinator, receivers_rated_by
from acceptance_app.services.guards import _lock_retrospective
from cases.models import Case
from cases.policies import decided_for, refuse_wrong_stage
from collab_portal.activity.services import activity_record
from collab_portal.lib.refusals import refuse_unless
from collab_portal.org.models import User
from requests_app.models import Receiver

Stage = Case.Stage


@dataclass
class WriteUp:
    went_well: str
    problems: str
    lessons: str
    improvements: str


@transaction.atomic
def retrospective_save(
    *, actor: User, retrospective: Retrospective, data: WriteUp
) -> Retrospective:
    """The coordinator writes (and rewrites) the retrospective until it is filed."""
    request, retrospective = _lock_retrospective(retrospective)
    refuse_wrong_stage(request, allowed=(Stage.RETROSPECTIVE,), archived_first=True)
    refuse_unless(
        is_coordinator(actor, request), _("Only the coordinator writes the retrospective.")
    )
    for field in ("went_well", "problems", "lessons", "improvements"):
        setattr(retrospective, field, getattr(data, field).strip())
    retrospective.author = actor
    retrospective.save()
    activity_record(subject=request, verb="retrospective_save", actor=actor, target=retrospective)
    return retrospective


@transaction.atomic
def rating_save(
    *,
    actor: User,
    retrospective: Retrospective,
    receiver: Receiver,
    score: int,
    comment: str = "",
) -> SatisfactionRating:
    """A receiving department's head (or delegate) rates the collaboration, 1–5."""
    request, retrospective = _lock_retrospective(retrospective)
    refuse_wrong_stage(request, allowed=(Stage.RETROSPECTIVE,), archived_first=True)
    refuse_unless(
        receiver.request_id == request.pk
        and receiver.pk in {r.pk for r in receivers_rated_by(actor, request)},
        _("Only the head of a receiving department rates for it."),
    )
    if score not in range(1, 6):
        raise ValidationError({"score": _("Rate from 1 to 5.")})
    rating, _created = SatisfactionRating.objects.update_or_create(
        retrospective=retrospective,
        receiver=receiver,
        defaults={
            "score": score,
            "comment": comment.strip(),
            "rated_by": actor,
            "on_behalf_of": decided_for(actor, receiver.department.head),
        },
    )
    activity_record(
        subject=request,
        verb="retrospective_rate",
        actor=actor,
        on_behalf_of=decided_for(actor, receiver.department.head),
        target=retrospective,
        comment=f"{receiver.label} · {score}/5"
        + (f"：{comment.strip()}" if comment.strip() else ""),
    )
    return rating
