"""The printed 《协作复盘报告》: the case's figures, the write-up, the receivers' ratings and the
customer's satisfaction, in the family of the other forms (documents/form_base.html).

A filed retrospective prints the figures frozen when it was filed; a draft prints the live
figures under the draft watermark. ``retrospective_context`` gives the same display rows to the
HTML page."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acceptance_app.metrics import RetrospectiveMetrics, retrospective_metrics
from acceptance_app.models import Retrospective, SatisfactionRating
from collab_portal.documents.rendering import render_pdf
from collab_portal.org.selectors import company_name
from requests_app.models import Receiver

TITLE = gettext_lazy("Collaboration Retrospective Report")
TEMPLATE = "acceptance_app/pdf/retrospective.html"
NOTHING = "—"
WRITE_UP_FIELDS = ("went_well", "problems", "lessons", "improvements")


def retrospective_pdf(*, retrospective: Retrospective) -> bytes:
    return render_pdf(template_name=TEMPLATE, context=retrospective_context(retrospective))


def metrics_of(retrospective: Retrospective) -> RetrospectiveMetrics:
    """The figures as filed; live ones while the retrospective is a draft."""
    if retrospective.is_filed and retrospective.metrics:
        return RetrospectiveMetrics.from_json(retrospective.metrics)
    return retrospective_metrics(retrospective.request)


def retrospective_context(retrospective: Retrospective) -> dict:
    """Everything the report shows, as display strings (the template only lays them out)."""
    case = retrospective.request
    metrics = metrics_of(retrospective)
    receivers = list(
        Receiver.objects.filter(request=case).select_related("department", "party", "contact")
    )
    ratings = list(
        SatisfactionRating.objects.filter(retrospective=retrospective).select_related(
            "rated_by",
            "on_behalf_of",
            *(f"receiver__{name}" for name in ("department", "party", "contact")),
        )
    )
    return {
        "company_name": company_name(),
        "form_number": case.code,
        "title": TITLE,
        "case": case,
        "retrospective": retrospective,
        "metrics": metrics,
        "is_draft": not retrospective.is_filed,
        "signatures": [],
        "case_rows": _case_rows(case, receivers),
        "schedule_rows": schedule_rows(metrics),
        "stage_rows": stage_rows(metrics, is_filed=retrospective.is_filed),
        "review_rows": review_rows(metrics),
        "return_reason_rows": return_reason_rows(metrics),
        "task_rows": task_rows(metrics),
        "delay_rows": delay_rows(metrics),
        "risk_rows": risk_rows(metrics),
        "acceptance_rows": acceptance_rows(metrics),
        "acceptance_round_rows": acceptance_round_rows(metrics),
        "write_up": write_up(retrospective),
        "rating_rows": [_rating_row(rating) for rating in ratings],
        "rating_summary": _rating_summary(ratings, receivers),
        "customer_rating": customer_rating(metrics),
        "filing_rows": _filing_rows(retrospective, metrics),
        "filename": _("Retrospective report") + f"-{case.code}.pdf",
    }


# Display helpers ------------------------------------------------------------------------------


def _date(day: datetime.date | None) -> str:
    return day.isoformat() if day else NOTHING


def _number(value: int | None) -> str:
    return NOTHING if value is None else str(value)


def _signed(value: int | None) -> str:
    if value is None:
        return NOTHING
    return f"+{value}" if value > 0 else str(value)


def _moment(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else NOTHING


def _person(user, on_behalf_of=None) -> str:
    if user is None:
        return NOTHING
    if on_behalf_of is not None:
        return _("%(delegate)s (for %(principal)s)") % {
            "delegate": user.name,
            "principal": on_behalf_of.name,
        }
    return user.name


def _yes_no_pending(value: bool | None) -> str:
    if value is None:
        return _("Not decided yet")
    return _("Yes") if value else _("No")


def _row(label, value) -> dict:
    return {"label": str(label), "value": value}


# Sections -------------------------------------------------------------------------------------


def _case_rows(case, receivers: list[Receiver]) -> list[dict]:
    return [
        _row(_("Subject"), case.subject),
        _row(_("Goal"), case.goal),
        _row(_("Quantified target"), case.target_display or NOTHING),
        _row(_("Initiator"), f"{case.initiator.name}（{case.initiator_department.name}）"),
        _row(_("Receivers"), "、".join(receiver.label for receiver in receivers) or NOTHING),
        _row(_("Coordinator"), case.coordinator.name if case.coordinator else NOTHING),
        _row(_("Expected deadline"), _date(case.expected_deadline)),
    ]


def schedule_rows(metrics: RetrospectiveMetrics) -> list[dict]:
    schedule = metrics.schedule
    actual_label = _("Actual") if schedule.is_accepted else _("Actual (so far)")
    return [
        {
            "label": _("Planned"),
            "start": _date(schedule.planned.start_on),
            "end": _date(schedule.planned.end_on),
            "days": _number(schedule.planned.days),
            "working_days": _number(schedule.planned.working_days),
        },
        {
            "label": actual_label,
            "start": _date(schedule.actual.start_on),
            "end": _date(schedule.actual.end_on),
            "days": _number(schedule.actual.days),
            "working_days": _number(schedule.actual.working_days),
        },
        {
            "label": _("Variance"),
            "start": "",
            "end": "",
            "days": _signed(schedule.variance_days),
            "working_days": _signed(schedule.variance_working_days),
        },
    ]


def _left(stage, *, filed_on: datetime.date | None) -> str:
    """When the case left the stage; the stage it was in when filed ends with the filing."""
    if stage.left_on or not stage.is_reached:
        return _date(stage.left_on)
    return _date(filed_on) if filed_on else _("In progress")


def stage_rows(metrics: RetrospectiveMetrics, *, is_filed: bool = False) -> list[dict]:
    filed_on = metrics.computed_on if is_filed else None
    return [
        {
            "number": stage.number,
            "label": stage.label,
            "entered": _date(stage.entered_on),
            "left": _left(stage, filed_on=filed_on),
            "actual_days": _number(stage.actual_days),
            "actual_working_days": _number(stage.actual_working_days),
            "planned_days": _number(stage.planned_days),
            "planned_working_days": _number(stage.planned_working_days),
            "variance": _signed(stage.variance_days),
        }
        for stage in metrics.stages
    ]


def review_rows(metrics: RetrospectiveMetrics) -> list[dict]:
    reviews = metrics.reviews
    return [
        _row(_("Rounds of review"), str(reviews.rounds)),
        _row(_("Returned for changes"), str(reviews.returns)),
    ]


def return_reason_rows(metrics: RetrospectiveMetrics) -> list[dict]:
    return [
        _row(_("Returned because: %(reason)s") % {"reason": reason.label}, str(reason.count))
        for reason in metrics.reviews.return_reasons
    ]


def task_rows(metrics: RetrospectiveMetrics) -> list[dict]:
    tasks = metrics.tasks
    percent = tasks.on_time_percent
    return [
        _row(_("Leaf tasks"), str(tasks.leaves)),
        _row(_("Done"), str(tasks.leaves_done)),
        _row(_("Done on time (by the planned due date)"), str(tasks.done_on_time)),
        _row(_("On-time rate"), NOTHING if percent is None else f"{percent}%"),
        _row(_("Finished after their due date"), str(tasks.overdue_at_finish)),
        _row(_("Not done"), str(tasks.leaves_open)),
        _row(_("Not done and overdue"), str(tasks.leaves_open_overdue)),
    ]


def delay_rows(metrics: RetrospectiveMetrics) -> list[dict]:
    rows = []
    for task in metrics.delays:
        reasons = [
            f"{reason.on.isoformat()} {reason.kind_label}"
            + (f" → {reason.new_due_on.isoformat()}" if reason.new_due_on else "")
            + f"：{reason.reason}"
            for reason in task.reasons
        ]
        rows.append(
            {
                "task": f"{task.wbs_code} {task.name}".strip(),
                "planned_due": _date(task.planned_due_on),
                "final_due": _date(task.final_due_on),
                "finished": _date(task.finished_on) if task.finished_on else _("Not done"),
                "days_late": str(task.days_late),
                "reasons": reasons or [_("No reason recorded")],
            }
        )
    return rows


def risk_rows(metrics: RetrospectiveMetrics) -> list[dict]:
    risks = metrics.risks
    return [
        _row(_("Raised"), str(risks.raised)),
        _row(_("Escalated to the leader in charge"), str(risks.escalated)),
        _row(_("Resolved"), str(risks.resolved)),
        _row(_("Resolved by their deadline"), str(risks.resolved_on_time)),
        _row(_("Still open"), str(risks.still_open)),
        _row(_("Open and past their deadline"), str(risks.open_overdue)),
    ]


def acceptance_rows(metrics: RetrospectiveMetrics) -> list[dict]:
    acceptance = metrics.acceptance
    rows = [
        _row(_("Acceptance rounds"), str(acceptance.round_count)),
        _row(_("Accepted at the first submission"), _yes_no_pending(acceptance.first_pass)),
    ]
    if acceptance.by_customer:
        rows.append(_row(_("Customer satisfaction"), _score(acceptance.customer_score)))
    return rows


def _score(score: int | None) -> str:
    return _("Not given") if score is None else f"{score} / 5"


def customer_rating(metrics: RetrospectiveMetrics) -> dict | None:
    """The customer's satisfaction as it counts (the last score given through the acceptance
    link), for the ratings beside the receiving heads'; None when no customer decided."""
    acceptance = metrics.acceptance
    if not acceptance.by_customer:
        return None
    found = acceptance.customer_round
    if found is None:
        return {"score": _score(None), "comment": NOTHING, "rated_by": "", "rated_at": ""}
    return {
        "score": _score(found.customer_score),
        "comment": found.customer_comment or NOTHING,
        "rated_by": found.customer_name,
        "rated_at": _date(found.decided_on),
        "version": f"v{found.version}",
    }


def acceptance_round_rows(metrics: RetrospectiveMetrics) -> list[dict]:
    return [
        {
            "version": f"v{round_.version}",
            "submitted": _date(round_.submitted_on),
            "decided": _date(round_.decided_on),
            "outcome": round_.outcome_label,
            "items": str(round_.items),
            "failed": str(round_.failed_count),
            "failed_items": [
                f"{item.name}：{item.comment}" if item.comment else item.name
                for item in round_.failed_items
            ],
            "customer_score": _customer_score(round_),
        }
        for round_ in metrics.acceptance.rounds
    ]


def _customer_score(round_) -> str:
    if not round_.customer_name:
        return NOTHING
    score = _score(round_.customer_score)
    return f"{score}：{round_.customer_comment}" if round_.customer_comment else score


def write_up(retrospective: Retrospective) -> list[dict]:
    return [
        _row(
            capfirst(Retrospective._meta.get_field(name).verbose_name),
            getattr(retrospective, name) or NOTHING,
        )
        for name in WRITE_UP_FIELDS
    ]


def _rating_row(rating: SatisfactionRating) -> dict:
    return {
        "receiver": rating.receiver.label,
        "score": f"{rating.score} / 5",
        "comment": rating.comment or NOTHING,
        "rated_by": _person(rating.rated_by, rating.on_behalf_of),
        "rated_at": _moment(rating.rated_at),
    }


def _rating_summary(ratings: list[SatisfactionRating], receivers: list[Receiver]) -> str:
    if not ratings:
        return _("No ratings yet")
    average = sum(rating.score for rating in ratings) / len(ratings)
    departments = sum(1 for receiver in receivers if receiver.is_internal)
    return _("Average %(average)s / 5 (%(rated)d of %(departments)d receiving departments)") % {
        "average": f"{average:.1f}",
        "rated": len(ratings),
        "departments": departments,
    }


def _filing_rows(retrospective: Retrospective, metrics: RetrospectiveMetrics) -> list[dict]:
    return [
        _row(_("Written by"), _person(retrospective.author)),
        _row(
            _("Filed by"),
            _person(retrospective.filed_by) if retrospective.is_filed else _("Not filed yet"),
        ),
        _row(_("Filed at"), _moment(retrospective.filed_at)),
        _row(_("Figures as of"), _date(metrics.computed_on)),
    ]
