"""Moving what the services wrote for a demo case into the past: ``_Timeline`` marks when
each step happened and moves every row written since to its moment.
"""

from __future__ import annotations

import bisect
import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from acceptance_app.models import (
    AcceptanceReview,
    Delivery,
    DeliveryFile,
    DeliveryItem,
    Retrospective,
    SatisfactionRating,
)
from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.notifications.models import Notification
from collab_portal.signoffs.models import ExternalLink, SignOff
from requests_app.models import CollabPlan, KickoffMeeting, Review, SyncRecord
from risks_app.models import Instruction, Risk
from tasks_app.models import ProgressUpdate, Task, TaskDateChange

ONE_DAY = datetime.timedelta(days=1)
READ_AFTER = datetime.timedelta(days=7)  # older notifications were read long ago


# ---------------------------------------------------------------------------------------------
# Moving what the services wrote into the past

# The records the services write for a case (and their history): each of their timestamps
# moves by the shift of the moment it was written at; a link's expiry moves with its creation.
# Sign-offs move too (demo data only: the portal never changes a recorded sign-off), so the
# printed forms show when each decision was "made"; _reseal_signatures then seals them again.
STAMPED = [
    Activity,
    Notification,
    Case,
    Review,
    SyncRecord,
    KickoffMeeting,
    CollabPlan,
    Task,
    TaskDateChange,
    ProgressUpdate,
    Risk,
    Instruction,
    Delivery,
    DeliveryItem,
    DeliveryFile,
    AcceptanceReview,
    Retrospective,
    SatisfactionRating,
    ExternalLink,
    SignOff,
]
MOVES_WITH = {(ExternalLink, "expires_at"): "created_at"}

# When the steps of stages 1–2 happened, by timeline verb: (day after registration, hour,
# minute); None: right after the step before.
OPENING = {
    "create": (0, 9, 30),
    "submit": (0, 10, 5),
    "approve": (1, 14, 20),
    "sync_record": (2, 9, 40),
    "sync_ack": (2, 15, 10),
    "kickoff": (4, 14, 0),
    "sync_done": (4, 16, 30),
    "plan_draft": (6, 10, 0),
    "plan_propose": (7, 9, 30),
    "plan_sign": (8, 11, 0),
    "plan_link": (8, 14, 0),
    "plan_confirmed": None,
}


def _stamped_fields():
    """(model, [(timestamp, the timestamp that says when it was written)]) to move."""
    histories = [model.history.model for model in STAMPED if hasattr(model, "history")]
    for model in STAMPED + histories:
        yield (
            model,
            [
                (f.name, MOVES_WITH.get((model, f.name), f.name))
                for f in model._meta.concrete_fields
                if isinstance(f, models.DateTimeField)
            ],
        )


class _Timeline:
    """One case's story in the past. ``at(day, …)`` says that what the services write from now
    on happened at that moment; ``apply()`` moves every row written since the first mark to its
    moment, keeping the order (and the milliseconds) in which it was written."""

    def __init__(self, start: datetime.date):
        self.start = start
        self._anchors: list[tuple[datetime.datetime, datetime.datetime]] = []  # (real, demo)
        self._last: datetime.datetime | None = None

    def day(self, offset: int) -> datetime.date:
        return self.start + datetime.timedelta(days=offset)

    def moment(self, day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
        """A moment on a working day (a weekend counts as the Friday before), after the last
        one."""
        while day.weekday() >= 5:
            day -= ONE_DAY
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
        if self._last is not None and moment <= self._last:
            moment = self._last + datetime.timedelta(minutes=7)
        if moment >= timezone.now() - datetime.timedelta(hours=1):
            raise ValueError(f"demo moment {moment} is not in the past")
        self._last = moment
        return moment

    def at(self, offset: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
        return self.mark(self.day(offset), hour, minute)

    def mark(self, day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
        moment = self.moment(day, hour, minute)
        self._anchors.append((timezone.now(), moment))
        return moment

    def anchor(self, real: datetime.datetime, moment: datetime.datetime) -> None:
        """What was written from ``real`` on happened at ``moment`` (``real`` is later than
        every mark so far)."""
        self._anchors.append((real, moment))

    def spread_opening(self, case: Case) -> None:
        """Stages 1–2 ran in one call; spread them over the days after registration."""
        activities = Activity.objects.filter(
            subject_type=ContentType.objects.get_for_model(Case), subject_id=str(case.pk)
        ).order_by("pk")
        for activity in activities:
            when = OPENING.get(activity.verb)
            if when is None:
                moment = self.moment(self._last.date(), self._last.hour, self._last.minute)
            else:
                day, hour, minute = when
                moment = self.moment(self.day(day), hour, minute)
            self.anchor(activity.created_at, moment)

    def apply(self) -> None:
        end = timezone.now() + datetime.timedelta(seconds=1)
        anchors = sorted(self._anchors)
        starts = [real for real, _demo in anchors]
        first = starts[0]

        def moved(value: datetime.datetime) -> datetime.datetime:
            real, demo = anchors[bisect.bisect_right(starts, value) - 1]
            return value - (real - demo)

        def written(value) -> bool:
            return value is not None and first <= value < end

        mine = list(
            Notification.objects.filter(created_at__gte=first, created_at__lt=end).values_list(
                "pk", flat=True
            )
        )
        for model, fields in _stamped_fields():
            names = list(dict.fromkeys(name for pair in fields for name in pair))
            when = Q()
            for _name, anchor in fields:
                when |= Q(**{f"{anchor}__gte": first, f"{anchor}__lt": end})
            for row in model.objects.filter(when).values("pk", *names):
                changes = {
                    name: row[name] - (row[anchor] - moved(row[anchor]))
                    for name, anchor in fields
                    if written(row[anchor]) and row[name] is not None
                }
                model.objects.filter(pk=row["pk"]).update(**changes)
        Notification.objects.filter(
            pk__in=mine, read_at=None, created_at__lt=timezone.now() - READ_AFTER
        ).update(read_at=F("created_at") + datetime.timedelta(hours=2))
