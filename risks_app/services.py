"""Writes on risks: raise, handle, escalate to the leader in charge, instruct, resolve, close."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.archive_guard import lock_for_change
from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.activity.services import activity_record, refuse_if_urged_recently
from collab_portal.lib.dates import DEADLINE
from collab_portal.lib.refusals import refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.notifications.services import notify
from collab_portal.org.models import User
from collab_portal.org.selectors import acting_for, leader_in_charge_of
from collab_portal.reminders.registry import Due, rule_spec
from collab_portal.reminders.services import reminders_plan, rule_settings
from requests_app.models import Milestone
from risks_app.models import Instruction, Risk
from risks_app.policies import (
    escalation_department,
    is_coordinator,
    may_handle,
    may_instruct,
    may_raise,
    may_see_case,
)
from tasks_app.models import Task

ESCALATION_RULE = "major_risk_raised"


def _lock(risk: Risk) -> Risk:
    """Lock the risk, then its case (always in this order), so a case archived or cancelled
    meanwhile is seen: a closed case's risks no longer change."""
    risk = (
        Risk.objects.select_related("request", "task", "owner")
        .select_for_update(of=("self",))
        .get(pk=risk.pk)
    )
    risk.request = lock_for_change(risk.request)
    refuse_unless(risk.request.stage != Case.Stage.CANCELLED, _("This request is closed."))
    return risk


@dataclass
class RiskData:
    description: str
    category: str
    impact: str
    likelihood: str
    measures: str
    deadline: datetime.date
    owner: User
    task: Task | None = None
    milestone: Milestone | None = None


def _validate(request: Case, data: RiskData) -> None:
    errors = {}
    if not data.description.strip():
        errors["description"] = _("Describe the risk.")
    if not data.measures.strip():
        errors["measures"] = _("Say how the risk will be answered.")
    if data.deadline < timezone.localdate():
        errors["deadline"] = _("The resolution deadline cannot be in the past.")
    else:
        errors |= DEADLINE.refusals(deadline=data.deadline)
    if data.task is not None and data.task.request_id != request.pk:
        errors["task"] = _("The task belongs to another request.")
    if data.milestone is not None and data.milestone.plan.request_id != request.pk:
        errors["milestone"] = _("The milestone belongs to another request.")
    if not data.owner.is_active:
        errors["owner"] = _("This account is deactivated.")
    if errors:
        raise ValidationError(errors)


def _escalate(*, risk: Risk, actor: User | None, comment: str | Text) -> None:
    leader = leader_in_charge_of(escalation_department(risk))
    refuse_unless(
        leader is not None,
        _("Nobody is leader in charge of %(department)s: ask an administrator to set one.")
        % {"department": escalation_department(risk).name},
    )
    from_state = risk.state
    risk.escalate()
    risk.escalated_to, risk.escalated_at = leader, timezone.now()
    risk.save()
    activity_record(
        subject=risk.request,
        verb="risk_escalate",
        actor=actor,
        target=risk,
        from_state=from_state,
        to_state=risk.state,
        comment=(
            Text(
                gettext_lazy("{code} → {leader}: {note}"),
                code=risk.code,
                leader=leader.name,
                note=comment,
            )
            if comment
            else f"{risk.code} → {leader.name}"
        ),
    )
    _plan_escalation_reminder(risk=risk, leader=leader, actor=actor, comment=comment)


def _plan_escalation_reminder(*, risk: Risk, leader: User, actor: User | None, comment: str):
    """The leader in charge (or the delegate acting for them) hears of the escalation through
    a reminder written in this transaction (the relay delivers it), once per escalation: its
    period counts the risk's escalations. Nothing when admins switched the rule off."""
    if not rule_settings(rule_spec(ESCALATION_RULE)).enabled:
        return
    person = acting_for(leader).person
    if actor is not None and person == actor:
        return
    escalations = Activity.objects.filter(
        subject_type=ContentType.objects.get_for_model(Case),
        subject_id=str(risk.request_id),
        target_type=ContentType.objects.get_for_model(Risk),
        target_id=str(risk.pk),
        verb="risk_escalate",
    ).count()
    title = Text(
        gettext_lazy("Escalated to you: {major}risk {code} of {case} “{description}”"),
        major=gettext_lazy("major ") if risk.is_major else "",
        code=risk.code,
        case=risk.request.code,
        description=risk.description[:40],
    )
    reminders_plan(
        rule=ESCALATION_RULE,
        dues=[
            Due(
                target=risk,
                recipient_id=person.pk,
                period=f"escalated:{escalations}",
                title=title,
                body=Text("{measures}\n{note}", measures=risk.measures, note=comment)
                if comment
                else risk.measures,
                url=risk.get_absolute_url(),
                escalation=True,
            )
        ],
    )


@transaction.atomic
def risk_raise(*, actor: User, request: Case, data: RiskData) -> Risk:
    """Any participant of an executing case raises a risk; a major one escalates at once."""
    request = lock_for_change(request)
    refuse_unless(may_raise(request), _("Risks are recorded while the request is executing."))
    refuse_unless(may_see_case(actor, request), _("Only the request's participants raise risks."))
    _validate(request, data)
    number = (Risk.objects.filter(request=request).aggregate(m=Max("number"))["m"] or 0) + 1
    risk = Risk.objects.create(
        request=request,
        number=number,
        description=data.description.strip(),
        category=data.category,
        impact=data.impact,
        likelihood=data.likelihood,
        measures=data.measures.strip(),
        deadline=data.deadline,
        owner=data.owner,
        task=data.task,
        milestone=data.milestone,
        raised_by=actor,
    )
    activity_record(
        subject=request,
        verb="risk_raise",
        actor=actor,
        target=risk,
        comment=f"{risk.code} {risk.description[:60]}",
    )
    notify(
        recipients=[data.owner, request.coordinator],
        actor=actor,
        title=Text(
            gettext_lazy("Risk {code} of {case}: {description}"),
            code=risk.code,
            case=request.code,
            description=risk.description[:40],
        ),
        target=risk,
    )
    if risk.is_major:
        _escalate(
            risk=risk,
            actor=None,
            comment=Text(gettext_lazy("A major risk escalates on creation.")),
        )
    return risk


@transaction.atomic
def risk_start_handling(*, actor: User, risk: Risk) -> Risk:
    risk = _lock(risk)
    refuse_unless(
        may_handle(actor, risk), _("Only the risk's owner or the coordinator can do this.")
    )
    refuse_unless(risk.state == Risk.State.OPEN, _("Only an open risk starts being handled."))
    risk.start_handling()
    risk.save()
    activity_record(
        subject=risk.request,
        verb="risk_mitigate",
        actor=actor,
        target=risk,
        from_state=Risk.State.OPEN,
        to_state=risk.state,
        comment=risk.code,
    )
    return risk


@transaction.atomic
def risk_escalate(*, actor: User, risk: Risk, comment: str = "") -> Risk:
    """The owner or the coordinator escalates any open risk to the leader in charge."""
    risk = _lock(risk)
    refuse_unless(
        may_handle(actor, risk), _("Only the risk's owner or the coordinator can do this.")
    )
    refuse_unless(
        risk.state in (Risk.State.OPEN, Risk.State.MITIGATING),
        _("Only an open risk can be escalated."),
    )
    _escalate(risk=risk, actor=actor, comment=comment.strip())
    return risk


@transaction.atomic
def risk_instruct(
    *,
    actor: User,
    risk: Risk,
    decision: str,
    text: str,
    new_deadline: datetime.date | None = None,
    extra_resources: str = "",
) -> Instruction:
    """批示: the leader in charge (or their delegate) answers; the risk goes back to handling."""
    risk = _lock(risk)
    refuse_unless(
        may_instruct(actor, risk),
        _("This escalation waits for %(name)s.")
        % {"name": risk.escalated_to.name if risk.escalated_to else "—"},
    )
    errors = {}
    if decision not in Instruction.Decision.values:
        errors["decision"] = _("Choose a decision.")
    if not text.strip():
        errors["text"] = _("Write the instruction.")
    if new_deadline is not None and new_deadline < timezone.localdate():
        errors["new_deadline"] = _("The new deadline cannot be in the past.")
    else:
        errors |= DEADLINE.refusals(new_deadline=new_deadline)
    if decision == Instruction.Decision.EXTEND_DEADLINE and new_deadline is None:
        errors["new_deadline"] = _("Give the new deadline.")
    if errors:
        raise ValidationError(errors)
    principal = risk.escalated_to
    instruction = Instruction.objects.create(
        risk=risk,
        leader=actor,
        on_behalf_of=principal if actor != principal else None,
        decision=decision,
        text=text.strip(),
        new_deadline=new_deadline,
        extra_resources=extra_resources.strip(),
    )
    risk.receive_instruction()
    if new_deadline:
        risk.deadline = new_deadline
    risk.save()
    activity_record(
        subject=risk.request,
        verb="risk_instruct",
        actor=actor,
        on_behalf_of=principal if actor != principal else None,
        target=risk,
        from_state=Risk.State.ESCALATED,
        to_state=risk.state,
        comment=f"{risk.code} {instruction.get_decision_display()}：{instruction.text}",
    )
    notify(
        recipients=[risk.owner, risk.request.coordinator],
        actor=actor,
        title=Text(
            gettext_lazy("{leader} gave an instruction on risk {code} of {case}"),
            leader=actor.name,
            code=risk.code,
            case=risk.request.code,
        ),
        body=instruction.text,
        target=risk,
    )
    return instruction


@transaction.atomic
def risk_urge(*, actor: User, risk: Risk) -> User:
    """催办: the risk's owner or the coordinator nudges the leader in charge (or the delegate
    acting for them) for the instruction, at most once per 4 hours per risk. Returns whom."""
    risk = _lock(risk)
    refuse_unless(
        may_handle(actor, risk),
        _("Only the risk's owner or the coordinator can urge the instruction."),
    )
    refuse_unless(
        risk.state == Risk.State.ESCALATED and risk.escalated_to is not None,
        _("Only an escalated risk waits for the leader's instruction."),
    )
    person = acting_for(risk.escalated_to).person
    refuse_unless(person != actor, _("The instruction waits for you: give it below."))
    refuse_if_urged_recently(subject=risk.request, verb="risk_urge", actor=actor, target=risk)
    activity_record(
        subject=risk.request,
        verb="risk_urge",
        actor=actor,
        target=risk,
        comment=f"{risk.code} → {person.name}",
    )
    notify(
        recipients=[person],
        actor=actor,
        title=Text(
            gettext_lazy("{name} is waiting for your instruction on risk {code} of {case}"),
            name=actor.name,
            code=risk.code,
            case=risk.request.code,
        ),
        body=risk.description[:200],
        target=risk,
    )
    return person


@transaction.atomic
def risk_resolve(*, actor: User, risk: Risk, resolution: str, evidence: str) -> Risk:
    risk = _lock(risk)
    refuse_unless(
        may_handle(actor, risk), _("Only the risk's owner or the coordinator can do this.")
    )
    refuse_unless(
        risk.state in (Risk.State.OPEN, Risk.State.MITIGATING),
        _("An escalated risk waits for the leader's instruction first."),
    )
    errors = {}
    if not resolution.strip():
        errors["resolution"] = _("Say how the risk was resolved.")
    if not evidence.strip():
        errors["evidence"] = _("Give the evidence (a document, a link, a test result).")
    if errors:
        raise ValidationError(errors)
    from_state = risk.state
    risk.resolve()
    risk.resolution, risk.evidence, risk.resolved_at = (
        resolution.strip(),
        evidence.strip(),
        timezone.now(),
    )
    risk.save()
    activity_record(
        subject=risk.request,
        verb="risk_resolve",
        actor=actor,
        target=risk,
        from_state=from_state,
        to_state=risk.state,
        comment=f"{risk.code}：{risk.resolution}",
    )
    notify(
        recipients=[risk.request.coordinator],
        actor=actor,
        title=Text(
            gettext_lazy("Risk {code} of {case} is resolved: please confirm and close it"),
            code=risk.code,
            case=risk.request.code,
        ),
        target=risk,
    )
    return risk


@transaction.atomic
def risk_close(*, actor: User, risk: Risk) -> Risk:
    """The coordinator confirms the resolution."""
    risk = _lock(risk)
    refuse_unless(is_coordinator(actor, risk.request), _("Only the coordinator closes a risk."))
    refuse_unless(risk.state == Risk.State.RESOLVED, _("Only a resolved risk can be closed."))
    risk.close()
    risk.closed_at = timezone.now()
    risk.save()
    activity_record(
        subject=risk.request,
        verb="risk_close",
        actor=actor,
        target=risk,
        from_state=Risk.State.RESOLVED,
        to_state=risk.state,
        comment=risk.code,
    )
    return risk


@transaction.atomic
def risk_reopen(*, actor: User, risk: Risk, reason: str) -> Risk:
    risk = _lock(risk)
    refuse_unless(
        may_handle(actor, risk), _("Only the risk's owner or the coordinator can do this.")
    )
    refuse_unless(
        risk.state in (Risk.State.RESOLVED, Risk.State.CLOSED),
        _("Only a resolved or closed risk can be reopened."),
    )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the risk is reopened.")})
    from_state = risk.state
    risk.reopen()
    risk.resolved_at = risk.closed_at = None
    risk.save()
    activity_record(
        subject=risk.request,
        verb="risk_reopen",
        actor=actor,
        target=risk,
        from_state=from_state,
        to_state=risk.state,
        comment=f"{risk.code}：{reason.strip()}",
    )
    notify(
        recipients=[risk.owner, risk.request.coordinator],
        actor=actor,
        title=Text(
            gettext_lazy("Risk {code} of {case} was reopened"),
            code=risk.code,
            case=risk.request.code,
        ),
        body=reason.strip(),
        target=risk,
    )
    return risk


@transaction.atomic
def risk_override_major(*, actor: User, risk: Risk, major: bool, reason: str) -> Risk:
    """The coordinator overrides the computed 'major' flag, with a reason; becoming major
    escalates an open risk."""
    risk = _lock(risk)
    refuse_unless(
        is_coordinator(actor, risk.request),
        _("Only the coordinator decides whether a risk is major."),
    )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why.")})
    was_major = risk.is_major
    risk.major_override = major
    risk.major_override_reason = reason.strip()
    risk.save()
    activity_record(
        subject=risk.request,
        verb="risk_major_override",
        actor=actor,
        target=risk,
        comment=f"{risk.code}：{_('major') if major else _('not major')}，{reason.strip()}",
    )
    if major and not was_major and risk.state in (Risk.State.OPEN, Risk.State.MITIGATING):
        _escalate(risk=risk, actor=actor, comment=reason.strip())
    return risk
