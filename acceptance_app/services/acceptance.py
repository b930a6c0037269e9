"""验收: the acceptor judges every item and signs; all passed → the delivery is accepted and the
case goes on to the retrospective, any failed → it is sent back, the failed items' tasks
reopen and the case returns to execution. In the portal the initiator (or their delegate)
decides; the customer's contact decides through a link (``customer_links``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acceptance_app.models import (
    AcceptanceReview,
    Delivery,
    DeliveryItem,
    ItemVerdict,
    Retrospective,
)
from acceptance_app.policies import _raters, may_accept
from acceptance_app.services.guards import _lock_delivery
from cases.models import Case
from cases.policies import decided_for, refuse_wrong_stage
from collab_portal.activity.services import activity_record
from collab_portal.lib.refusals import refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.notifications.services import notify
from collab_portal.org.models import User
from collab_portal.signoffs.models import SignOff
from collab_portal.signoffs.services import signing_password_check, signoff_record
from tasks_app.models import Task

Stage = Case.Stage
State = Delivery.State


@dataclass
class Verdict:
    passed: bool
    comment: str = ""


@dataclass
class Satisfaction:
    """The customer's optional rating of the collaboration, given with their decision."""

    score: int | None = None
    comment: str = ""


def _validate_satisfaction(satisfaction: Satisfaction | None) -> Satisfaction:
    satisfaction = satisfaction or Satisfaction()
    if satisfaction.score is not None and satisfaction.score not in range(1, 6):
        raise ValidationError({"satisfaction_score": _("Rate from 1 to 5.")})
    return Satisfaction(score=satisfaction.score, comment=satisfaction.comment.strip()[:2000])


def _validate_verdicts(delivery: Delivery, verdicts: dict[int, Verdict]) -> list[DeliveryItem]:
    items = list(delivery.items.select_related("task"))
    errors = {}
    for item in items:
        verdict = verdicts.get(item.pk)
        if verdict is None:
            errors[f"item_{item.pk}"] = _("Pass or fail every item.")
        elif not verdict.passed and not verdict.comment.strip():
            errors[f"item_{item.pk}"] = _("Say what must be reworked on “%(item)s”.") % {
                "item": item.name
            }
    if errors:
        raise ValidationError(errors)
    return items


def _decide(
    *,
    request: Case,
    delivery: Delivery,
    items: list[DeliveryItem],
    verdicts: dict[int, Verdict],
    comment: str,
    reviewer: User | None,
    on_behalf_of: User | None,
    contact=None,
    reviewer_name: str,
    role: str,
    typed_name: str = "",
    ip: str | None = None,
    user_agent: str = "",
    satisfaction: Satisfaction | None = None,
) -> AcceptanceReview:
    """Record the verdicts (and the customer's satisfaction), sign, and move the delivery and
    the case on: all pass → accepted, case to the retrospective; any fail → rejected, the
    failed items' tasks reopen, case back to execution."""
    all_passed = all(verdicts[item.pk].passed for item in items)
    satisfaction = satisfaction or Satisfaction()
    review = AcceptanceReview.objects.create(
        delivery=delivery,
        decision=AcceptanceReview.Decision.ACCEPTED
        if all_passed
        else AcceptanceReview.Decision.REJECTED,
        comment=comment.strip(),
        reviewer=reviewer,
        on_behalf_of=on_behalf_of,
        external_contact=contact,
        reviewer_name=reviewer_name[:120],
        satisfaction_score=satisfaction.score,
        satisfaction_comment=satisfaction.comment,
    )
    ItemVerdict.objects.bulk_create(
        ItemVerdict(
            review=review,
            item=item,
            passed=verdicts[item.pk].passed,
            comment=verdicts[item.pk].comment.strip(),
        )
        for item in items
    )
    delivery.decided_at = timezone.now()
    if all_passed:
        delivery.accept()
    else:
        delivery.reject()
    delivery.save()
    delivery = Delivery.objects.select_related("request").get(pk=delivery.pk)  # fresh review
    signoff_record(
        target=delivery,
        signer=reviewer,
        on_behalf_of=on_behalf_of,
        external_contact=contact,
        typed_name=typed_name,
        role=role,
        meaning=SignOff.Meaning.ACCEPTED if all_passed else SignOff.Meaning.REJECTED,
        comment=comment.strip(),
        ip=ip,
        user_agent=user_agent,
    )
    if all_passed:
        _accepted(request=request, delivery=delivery, actor=reviewer, actor_name=reviewer_name)
    else:
        _rejected(
            request=request,
            delivery=delivery,
            items=items,
            verdicts=verdicts,
            actor=reviewer,
            actor_name=reviewer_name,
        )
    return review


def _accepted(*, request: Case, delivery: Delivery, actor, actor_name: str) -> None:
    request.accept_delivery()
    request.save()
    Retrospective.objects.get_or_create(request=request, defaults={"author": request.coordinator})
    activity_record(
        subject=request,
        verb="delivery_accept",
        actor=actor,
        actor_name=actor_name,
        target=delivery,
        from_state=Stage.ACCEPTING,
        to_state=request.stage,
        comment=f"v{delivery.version}",
    )
    notify(
        recipients=[request.coordinator, request.initiator, *_raters(request)],
        actor=actor,
        title=Text(
            gettext_lazy("{code} v{version} is accepted; the retrospective follows"),
            code=request.code,
            version=delivery.version,
        ),
        url=reverse("acceptance_app:retrospective", args=[request.code]),
        target=request,
    )


def _rejected(
    *,
    request: Case,
    delivery: Delivery,
    items: list[DeliveryItem],
    verdicts: dict[int, Verdict],
    actor,
    actor_name: str,
) -> None:
    request.reject_delivery()
    request.save()
    failed = [item for item in items if not verdicts[item.pk].passed]
    reopened = []
    for task_id in dict.fromkeys(item.task_id for item in failed):
        task = Task.objects.select_for_update().get(pk=task_id)
        reasons = "；".join(
            f"{item.name}：{verdicts[item.pk].comment.strip()}"
            for item in failed
            if item.task_id == task_id
        )
        if task.status == Task.Status.DONE:
            task.reopen()
            task.progress = 0
            task.completed_at = None
        task.status_reason = _("Rework after acceptance v%(version)s: %(reasons)s") % {
            "version": delivery.version,
            "reasons": reasons,
        }
        task.save()
        reopened.append(task)
        activity_record(
            subject=request,
            verb="task_rework",
            actor=actor,
            actor_name=actor_name,
            target=task,
            from_state=Task.Status.DONE,
            to_state=task.status,
            comment=reasons,
        )
    activity_record(
        subject=request,
        verb="delivery_reject",
        actor=actor,
        actor_name=actor_name,
        target=delivery,
        from_state=Stage.ACCEPTING,
        to_state=request.stage,
        comment=f"v{delivery.version}：" + "；".join(item.name for item in failed),
    )
    notify(
        recipients=[request.coordinator, *[task.owner for task in reopened]],
        actor=actor,
        title=Text(
            gettext_lazy("{name} sent {code} v{version} back for rework ({count} items)"),
            name=actor_name,
            code=request.code,
            version=delivery.version,
            count=len(failed),
        ),
        body="\n".join(f"{item.name}：{verdicts[item.pk].comment.strip()}" for item in failed),
        target=delivery,
    )


@transaction.atomic
def acceptance_decide(
    *,
    actor: User,
    delivery: Delivery,
    verdicts: dict[int, Verdict],
    comment: str = "",
    password: str = "",
) -> AcceptanceReview:
    """The initiator (or their delegate) judges every item; the decision is signed."""
    request, delivery = _lock_delivery(delivery)
    refuse_wrong_stage(request, allowed=(Stage.ACCEPTING,), archived_first=True)
    refuse_unless(delivery.state == State.SUBMITTED, _("This delivery is not awaiting acceptance."))
    refuse_unless(
        may_accept(actor, request),
        _("Only the initiator (or their delegate) accepts this delivery."),
    )
    items = _validate_verdicts(delivery, verdicts)
    signing_password_check(user=actor, password=password)
    on_behalf_of = decided_for(actor, request.initiator)
    return _decide(
        request=request,
        delivery=delivery,
        items=items,
        verdicts=verdicts,
        comment=comment,
        reviewer=actor,
        on_behalf_of=on_behalf_of,
        reviewer_name=actor.name,
        role=Text(gettext_lazy("Initiator of %(code)s"), code=request.code),
    )
