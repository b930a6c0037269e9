"""Stage 2, second half, the collaboration plan (协作方案): drafting it, proposing it, every
side's co-signature (会签) or request for a revision, urging the sides, and the next version.
The external sides sign through one-time links (``external``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.archive_guard import lock_for_change
from cases.models import Case
from cases.policies import decided_for, refuse_wrong_stage
from collab_portal.activity.services import activity_record, refuse_if_urged_recently
from collab_portal.lib.dates import DEADLINE
from collab_portal.lib.refusals import ActionRefused, refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.notifications.services import notify
from collab_portal.org.models import User
from collab_portal.signoffs.models import SignOff
from collab_portal.signoffs.services import signing_password_check, signoff_record
from requests_app.models import CollabPlan, Milestone
from requests_app.policies import (
    Side,
    may_edit_plan,
    may_urge_plan,
    plan_awaits_confirmation,
    plan_sides,
    side_decider,
    sides_to_sign_for,
    signed_side_keys,
)
from requests_app.selectors import current_plan
from requests_app.services.shared_rules import _role_label

Stage = Case.Stage


def _side_deciders(request: Case) -> list[User]:
    return [
        decider.person
        for side in plan_sides(request)
        if side.department is not None
        for decider in [side_decider(request, side.department)]
        if decider is not None
    ]


@dataclass
class PlanData:
    content: str
    resource_needs: str = ""
    risk_points: str = ""
    coordinator: User | None = None
    milestones: list[tuple[str, datetime.date]] = field(default_factory=list)


def _validate_plan(request: Case, data: PlanData) -> None:
    if not data.milestones:
        raise ValidationError({"milestones": _("Add at least one milestone with its date.")})
    outside = [name for name, due in data.milestones if not DEADLINE.holds(due)]
    if outside:
        first, last = DEADLINE.bounds()
        message = _("Milestones outside %(first)s to %(last)s: %(names)s") % {
            "first": first.isoformat(),
            "last": last.isoformat(),
            "names": "、".join(outside),
        }
        raise ValidationError({"milestones": message})
    late = [name for name, due in data.milestones if due > request.expected_deadline]
    if late:
        raise ValidationError(
            {
                "milestones": _("Milestones after the expected deadline (%(deadline)s): %(names)s")
                % {"deadline": request.expected_deadline.isoformat(), "names": "、".join(late)}
            }
        )
    past = [name for name, due in data.milestones if due < timezone.localdate()]
    if past:
        raise ValidationError(
            {"milestones": _("Milestones in the past: %(names)s") % {"names": "、".join(past)}}
        )


@transaction.atomic
def plan_save(*, actor: User, request: Case, data: PlanData) -> CollabPlan:
    """Create the first version, or edit the current draft version."""
    request = lock_for_change(request)
    refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    may_edit_plan(actor, request).or_refuse()
    _validate_plan(request, data)
    plan = current_plan(request)
    if plan is None:
        plan = CollabPlan(request=request, version=1, author=actor)
    elif plan.state != CollabPlan.State.DRAFT:
        raise ActionRefused(
            _("Version %(version)s is “%(state)s” and cannot be edited.")
            % {"version": plan.version, "state": plan.get_state_display()}
        )
    plan.content = data.content
    plan.resource_needs = data.resource_needs
    plan.risk_points = data.risk_points
    plan.coordinator = data.coordinator
    plan.save()
    plan.milestones.all().delete()
    Milestone.objects.bulk_create(
        [
            Milestone(plan=plan, name=name, due_on=due, position=index)
            for index, (name, due) in enumerate(data.milestones)
        ]
    )
    activity_record(
        subject=request, verb="plan_draft", actor=actor, target=plan, comment=f"v{plan.version}"
    )
    return plan


@transaction.atomic
def plan_propose(*, actor: User, plan: CollabPlan) -> CollabPlan:
    request = lock_for_change(plan.request)
    plan = CollabPlan.objects.select_for_update().get(pk=plan.pk)
    refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    may_edit_plan(actor, request).or_refuse()
    refuse_unless(plan.state == CollabPlan.State.DRAFT, _("Only a draft can be proposed."))
    refuse_unless(
        plan.coordinator_id is not None, _("Name the coordinator before proposing the plan.")
    )
    plan.propose()
    plan.proposed_at = timezone.now()
    plan.save()
    activity_record(
        subject=request, verb="plan_propose", actor=actor, target=plan, comment=f"v{plan.version}"
    )
    notify(
        recipients=_side_deciders(request),
        actor=actor,
        title=Text(
            gettext_lazy("Please confirm the plan v{version} of {code} “{subject}”"),
            version=plan.version,
            code=request.code,
            subject=request.subject,
        ),
        target=plan,
    )
    return plan


def _confirm_if_complete(*, request: Case, plan: CollabPlan, actor_name: str, actor=None) -> bool:
    signed = signed_side_keys(plan)
    if any(side.key not in signed for side in plan_sides(request)):
        return False
    plan.confirm()
    plan.confirmed_at = timezone.now()
    plan.save()
    request.confirm_plan()
    request.coordinator = plan.coordinator
    request.save()
    activity_record(
        subject=request,
        verb="plan_confirmed",
        actor=actor,
        actor_name=actor_name,
        target=plan,
        from_state=Stage.PLANNING,
        to_state=request.stage,
        comment=f"v{plan.version}",
    )
    notify(
        recipients=[request.initiator, plan.author, plan.coordinator, *_side_deciders(request)],
        actor=actor,
        title=Text(
            gettext_lazy(
                "The plan of {code} is confirmed by every side; "
                "{coordinator} breaks it into tasks next"
            ),
            code=request.code,
            coordinator=plan.coordinator.name,
        ),
        target=request,
    )
    return True


@transaction.atomic
def plan_sign(
    *, actor: User, plan: CollabPlan, comment: str = "", password: str = ""
) -> list[SignOff]:
    """会签: a side's head (or delegate) confirms the proposed plan for every side they decide
    for. The last signature confirms the plan and moves the case to task breakdown."""
    request = lock_for_change(plan.request)
    plan = CollabPlan.objects.select_for_update().get(pk=plan.pk)
    refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    plan_awaits_confirmation(plan).or_refuse()
    sides = sides_to_sign_for(actor, plan)
    refuse_unless(bool(sides), _("You do not sign this plan, or you have signed it already."))
    signing_password_check(user=actor, password=password)
    signoffs = []
    for side in sides:
        head = side.department.head
        signoffs.append(
            signoff_record(
                target=plan,
                signer=actor,
                on_behalf_of=decided_for(actor, head),
                role=_role_label(actor=head, department=side.department),
                meaning=SignOff.Meaning.CONFIRMED,
                comment=comment,
                side_key=side.key,
            )
        )
        activity_record(
            subject=request,
            verb="plan_sign",
            actor=actor,
            on_behalf_of=decided_for(actor, head),
            target=plan,
            comment=f"{side.label} · v{plan.version}" + (f"：{comment}" if comment else ""),
        )
    _confirm_if_complete(request=request, plan=plan, actor_name=actor.name, actor=actor)
    return signoffs


def _revision_requested(
    *,
    request: Case,
    plan: CollabPlan,
    comment: str,
    actor,
    actor_name: str,
    on_behalf_of=None,
):
    plan.request_revision()
    plan.revision_comment = comment
    plan.save()
    activity_record(
        subject=request,
        verb="plan_revision",
        actor=actor,
        actor_name=actor_name,
        on_behalf_of=on_behalf_of,
        target=plan,
        comment=f"v{plan.version}：{comment}",
    )
    notify(
        recipients=[plan.author, request.initiator],
        actor=actor,
        title=Text(
            gettext_lazy("{name} asked for a revision of the plan v{version} of {code}"),
            name=actor_name,
            version=plan.version,
            code=request.code,
        ),
        body=comment,
        target=plan,
    )


@transaction.atomic
def plan_request_revision(*, actor: User, plan: CollabPlan, comment: str) -> CollabPlan:
    request = lock_for_change(plan.request)
    plan = CollabPlan.objects.select_for_update().get(pk=plan.pk)
    refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    plan_awaits_confirmation(plan).or_refuse()
    sides = sides_to_sign_for(actor, plan)
    refuse_unless(bool(sides), _("You do not sign this plan, or you have signed it already."))
    refuse_unless(bool(comment.strip()), _("Say what should change in the plan."))
    head = sides[0].department.head
    _revision_requested(
        request=request,
        plan=plan,
        comment=comment.strip(),
        actor=actor,
        actor_name=actor.name,
        on_behalf_of=decided_for(actor, head),
    )
    return plan


@transaction.atomic
def plan_urge(*, actor: User, plan: CollabPlan) -> list[User]:
    """催办: the plan's author or the initiator nudges every side that has not signed — the
    head of an internal side (or the delegate in force), the internal owner of an external
    party (to chase its contact; the initiator when it has none) — at most once per 4 hours
    per plan version and sender. Returns who was nudged."""
    request = lock_for_change(plan.request)
    plan = CollabPlan.objects.select_for_update().get(pk=plan.pk)
    refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    may_urge_plan(actor, plan).or_refuse()
    refuse_if_urged_recently(subject=request, verb="plan_urge", actor=actor, target=plan)
    signed = signed_side_keys(plan)
    deciders: list[User] = []
    chasers: list[tuple[User, Side]] = []
    for side in plan_sides(request):
        if side.key in signed:
            continue
        if side.is_external:
            owner = side.receiver.party.internal_owner
            chaser = owner if owner is not None and owner.is_active else request.initiator
            chasers.append((chaser, side))
            continue
        decider = side_decider(request, side.department)
        if decider is not None:
            deciders.append(decider.person)
    nudged = list(
        {
            person.pk: person
            for person in [*deciders, *(chaser for chaser, _side in chasers)]
            if person != actor and person.is_active
        }.values()
    )
    refuse_unless(
        bool(nudged),
        _("There is nobody else to urge: the sides that have not signed wait on you."),
    )
    activity_record(
        subject=request,
        verb="plan_urge",
        actor=actor,
        target=plan,
        comment=f"v{plan.version}：" + "、".join(person.name for person in nudged),
    )
    notify(
        recipients=deciders,
        actor=actor,
        title=Text(
            gettext_lazy(
                "{name} is waiting for your confirmation of the plan v{version} of {code}"
            ),
            name=actor.name,
            version=plan.version,
            code=request.code,
        ),
        target=plan,
    )
    for chaser, side in chasers:
        notify(
            recipients=[chaser],
            actor=actor,
            title=Text(
                gettext_lazy(
                    "{name} is waiting for {party}'s confirmation of the plan v{version} of "
                    "{code}: please follow it up with them"
                ),
                name=actor.name,
                party=side.label,
                version=plan.version,
                code=request.code,
            ),
            target=plan,
        )
    return nudged


@transaction.atomic
def plan_new_version(*, actor: User, plan: CollabPlan) -> CollabPlan:
    """Start the next version from a version that was sent back; the old one stays readable."""
    request = lock_for_change(plan.request)
    refuse_wrong_stage(request, allowed=(Stage.PLANNING,))
    may_edit_plan(actor, request).or_refuse()
    latest = current_plan(request)
    refuse_unless(
        latest is not None
        and latest.pk == plan.pk
        and plan.state == CollabPlan.State.REVISION_REQUESTED,
        _("A new version starts from the latest version sent back for revision."),
    )
    new = CollabPlan.objects.create(
        request=request,
        version=plan.version + 1,
        content=plan.content,
        resource_needs=plan.resource_needs,
        risk_points=plan.risk_points,
        coordinator=plan.coordinator,
        author=actor,
    )
    Milestone.objects.bulk_create(
        [
            Milestone(plan=new, name=m.name, due_on=m.due_on, position=m.position)
            for m in plan.milestones.all()
        ]
    )
    activity_record(
        subject=request, verb="plan_new_version", actor=actor, target=new, comment=f"v{new.version}"
    )
    return new
