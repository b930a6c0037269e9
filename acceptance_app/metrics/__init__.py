"""The retrospective's figures (复盘指标), computed from the case's records, never typed: what they
are and how they are filed (``figures``), and how they are computed (``compute``).

``retrospective_metrics(case)`` reads the case's timeline, reviews, tasks, due-date changes,
delay reports, risks and deliveries with a fixed number of queries (about ten, whatever the
number of tasks or risks) and answers a frozen ``RetrospectiveMetrics``. Filing the
retrospective freezes it into ``Retrospective.metrics`` with ``as_json()``; the filed figures
come back with ``RetrospectiveMetrics.from_json()``. The JSON holds codes and numbers only, never
a translated word, so a filed report prints in whichever language the reader uses.

How the durations are counted
-----------------------------
Every duration runs from one date to another (dates in the portal's time zone):

- calendar days: ``end - start``;
- working days: the working days after ``start`` up to and including ``end`` (the PRC
  calendar with its make-up days and the admins' overrides, ``WorkdayCalendar``).

Both add up: the days of consecutive stages sum to the days of the whole, and a stage entered
and left on the same day took 0 days.

Planned duration of the case: from the approval (审核通过, the day the request left stage 1)
to the planned end, which is the later of the case's expected deadline and the last milestone
of its confirmed plan (the same window the task breakdown must fit in:
``tasks_app.services.plan_window_end``).
Actual duration: from the approval to the acceptance (the day the case left stage 5 accepted);
before that, to the day the case was cancelled, or to ``today``.

Per stage (the six stages of the manual, ``requests_app.pages.STEPPER``): the time between
entering and leaving the stage's states on the timeline, summed over every visit (a delivery
sent back for rework returns the case to execution). Time spent archived or cancelled is not a
stage's time. Only execution has a plan: from the earliest planned start to the latest planned
due date of the published task breakdown. The other stages have no planned duration (None).
"""

from acceptance_app.metrics.compute import retrospective_metrics
from acceptance_app.metrics.figures import (
    AcceptanceFigures,
    AcceptanceRound,
    DelayedTask,
    DelayReason,
    FailedItem,
    ReasonCount,
    RetrospectiveMetrics,
    ReviewFigures,
    RiskFigures,
    Schedule,
    Span,
    StageDuration,
    TaskFigures,
)

__all__ = [
    "AcceptanceFigures",
    "AcceptanceRound",
    "DelayReason",
    "DelayedTask",
    "FailedItem",
    "ReasonCount",
    "RetrospectiveMetrics",
    "ReviewFigures",
    "RiskFigures",
    "Schedule",
    "Span",
    "StageDuration",
    "TaskFigures",
    "retrospective_metrics",
]
