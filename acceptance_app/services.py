"""Writes of stages 5–6: assemble and submit the delivery list (验收申请), accept it or send it
back for rework, write and file the retrospective, which archives the case.

Every service locks the case row first, then its own row, so two people acting on one delivery
at once are serialised: the second one finds the new state and is told.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acceptance_app.bundle_outbox import archive_bundle_queue
from acceptance_app.models import (
    AcceptanceReview,
    Delivery,
    DeliveryFile,
    DeliveryItem,
    ItemVerdict,
    Retrospective,
    SatisfactionRating,
)
from cases.archive_guard import lock_for_change, refuse_if_archived
from cases.models import Case
from collab_portal.activity.services import activity_record, refuse_if_urged_recently
from collab_portal.lib.refusals import ActionRefused, refuse_unless
from collab_portal.lib.stored_text import Text
from collab_portal.lib.uploads import check_upload, storage_name
from collab_portal.notifications.services import notify
from collab_portal.org.models import User
from collab_portal.org.selectors import acting_for, decider_for_department
from collab_portal.signoffs.models import SignOff
from collab_portal.signoffs.services import (
    external_link_consume,
    external_link_create,
    signing_password_check,
    signoff_record,
)
from requests_app.models import Receiver
from requests_app.one_time_links import LinkKind, case_invitation
from requests_app.policies import (
    belongs_to_another_side,
    initiator_side_key,
    may_decide_for_department,
    side_decider,
)
from requests_app.services import may_act_for
from tasks_app.models import Task, key_task_pks

Stage = Case.Stage
State = Delivery.State

ACCEPTANCE_LINK_PURPOSE = "acceptance"
MAX_FILES_PER_ITEM = 10
MAX_ITEMS = 200


# --- who does what --------------------------------------------------------------------------


def is_coordinator(user: User, request: Case) -> bool:
    """The case's coordinator, or the delegate in force for them."""
    return may_act_for(user, request.coordinator)


def may_prepare_delivery(user: User, request: Case) -> bool:
    """The coordinator assembles the delivery; task owners add the items of their own tasks."""
    return is_coordinator(user, request) or request.tasks.filter(owner=user).exists()


def may_add_item_for(user: User, task: Task) -> bool:
    return is_coordinator(user, task.request) or task.owner_id == user.pk


def acceptance_receiver(request: Case) -> Receiver | None:
    """For external work the external receiver's contact accepts through a link; None means
    the initiator accepts in the portal."""
    for receiver in request.receivers.all():
        if not receiver.is_internal and receiver.contact_id:
            return receiver
    return None


def acceptor_for(request: Case) -> User | None:
    """Who accepts in the portal now (the initiator or their delegate); None for external
    acceptance, which goes through a link."""
    if acceptance_receiver(request) is not None:
        return None
    acceptor = acting_for(request.initiator).person
    if belongs_to_another_side(acceptor, request, initiator_side_key(request)):
        return request.initiator  # a receiver never accepts its own delivery
    return acceptor


def may_accept(user: User, request: Case) -> bool:
    """The initiator or their delegate in force — never someone of a receiving side."""
    return (
        acceptance_receiver(request) is None
        and may_act_for(user, request.initiator)
        and not belongs_to_another_side(user, request, initiator_side_key(request))
    )


def may_send_link(user: User, request: Case) -> bool:
    receiver = acceptance_receiver(request)
    if receiver is None:
        return False
    return (
        user == request.initiator
        or user == receiver.party.internal_owner
        or is_coordinator(user, request)
        or user.is_portal_admin
    )


def acceptance_handlers(request: Case) -> list[User]:
    """Who acts on a pending acceptance: the acceptor in the portal, or for external work
    those who send the customer the link."""
    acceptor = acceptor_for(request)
    if acceptor is not None:
        return [acceptor]
    return [request.initiator, acceptance_receiver(request).party.internal_owner]


def rating_receivers(request: Case) -> list[Receiver]:
    """The internal receivers whose head rates the collaboration."""
    return [
        r
        for r in request.receivers.all()
        if r.is_internal and decider_for_department(r.department) is not None
    ]


def receivers_rated_by(user: User, request: Case) -> list[Receiver]:
    """The receivers ``user`` rates for: those whose head they are, or act for today, unless
    they belong to another side of the case."""
    return [
        r
        for r in rating_receivers(request)
        if may_decide_for_department(user, request, r.department)
    ]


def _raters(request: Case) -> list[User]:
    return [
        decider.person
        for r in rating_receivers(request)
        for decider in [side_decider(request, r.department)]
        if decider is not None
    ]


# --- helpers --------------------------------------------------------------------------------


def _lock_delivery(delivery: Delivery) -> tuple[Case, Delivery]:
    request = lock_for_change(delivery.request, archived_ok=True)
    return request, Delivery.objects.select_for_update().get(pk=delivery.pk)


def _refuse_wrong_stage(request: Case, *, allowed: tuple) -> None:
    refuse_if_archived(request)
    if request.stage not in allowed:
        raise ActionRefused(
            _("This request is now “%(stage)s”; that cannot be done any more.")
            % {"stage": request.get_stage_display()}
        )


def _acting_label(actor: User, principal: User | None) -> User | None:
    return principal if principal is not None and actor != principal else None


def latest_delivery(request: Case) -> Delivery | None:
    return request.deliveries.order_by("-version").first()


# --- the delivery list ----------------------------------------------------------------------


@dataclass
class ItemData:
    task: Task
    name: str
    version: str = ""
    quantity: int = 1
    notes: str = ""


def _case_tasks(request: Case) -> list[Task]:
    return list(request.tasks.only("pk", "parent_id", "wbs_code", "name", "is_key", "status"))


def _unfinished(tasks: list[Task]) -> set[int]:
    """The tasks not finished: a leaf not done, a parent with a subtask not finished."""
    children: dict[int | None, list[Task]] = {}
    for task in tasks:
        children.setdefault(task.parent_id, []).append(task)
    unfinished: set[int] = set()

    def walk(task: Task) -> bool:
        below = [walk(child) for child in children.get(task.pk, [])]  # every one is walked
        done = all(below) if below else task.status == Task.Status.DONE
        if not done:
            unfinished.add(task.pk)
        return done

    for root in children.get(None, []):
        walk(root)
    return unfinished


def key_tasks_not_done(request: Case, tasks: list[Task] | None = None) -> list[Task]:
    """The key tasks (``key_task_filter``: flagged, or under a flagged task) still to finish:
    the leaves, the work itself, in WBS order; a flagged parent is finished when they are."""
    tasks = _case_tasks(request) if tasks is None else tasks
    parents = {task.parent_id for task in tasks}
    key, unfinished = key_task_pks(tasks), _unfinished(tasks)
    pending = [t for t in tasks if t.pk in key and t.pk in unfinished and t.pk not in parents]
    return sorted(pending, key=lambda t: [int(p) for p in t.wbs_code.split(".") if p.isdigit()])


def submit_missing(delivery: Delivery) -> list[str]:
    """Why the delivery cannot be submitted yet, one line each; empty when it can."""
    missing = []
    items = list(delivery.items.select_related("task"))
    if not items:
        missing.append(_("The delivery list has no items."))
    tasks = _case_tasks(delivery.request)
    for task in key_tasks_not_done(delivery.request, tasks):
        missing.append(
            _("Key task %(code)s %(name)s is not done.")
            % {"code": task.wbs_code, "name": task.name}
        )
    # A key task's open work is listed above already.
    unfinished, reported = _unfinished(tasks), key_task_pks(tasks)
    for item in items:
        if item.task_id in unfinished and item.task_id not in reported:
            reported.add(item.task_id)
            missing.append(
                _("Task %(code)s %(name)s, which “%(item)s” answers, is not done.")
                % {"code": item.task.wbs_code, "name": item.task.name, "item": item.name}
            )
    return missing


def _draft_for_edit(*, actor: User, request: Case) -> Delivery:
    """The draft being assembled, started when the first item is added. After a rejection the
    next version starts as a copy of the rejected one, each item pointing at its predecessor."""
    _refuse_wrong_stage(request, allowed=(Stage.EXECUTING,))
    latest = latest_delivery(request)
    if latest is not None and latest.state == State.DRAFT:
        return Delivery.objects.select_for_update().get(pk=latest.pk)
    refuse_unless(
        latest is None or latest.state == State.REJECTED,
        _("The delivery is already with the acceptor."),
    )
    delivery = Delivery.objects.create(
        request=request, version=(latest.version + 1) if latest else 1, prepared_by=actor
    )
    if latest is not None:
        for old in latest.items.prefetch_related("files"):
            new = DeliveryItem.objects.create(
                delivery=delivery,
                task_id=old.task_id,
                name=old.name,
                version=old.version,
                quantity=old.quantity,
                notes=old.notes,
                position=old.position,
                previous=old,
                added_by=old.added_by,
            )
            DeliveryFile.objects.bulk_create(
                DeliveryFile(
                    item=new,
                    file=f.file.name,
                    name=f.name,
                    size=f.size,
                    content_type=f.content_type,
                    sha256=f.sha256,
                    uploaded_by=f.uploaded_by,
                )
                for f in old.files.all()
            )
        activity_record(
            subject=request,
            verb="delivery_new_version",
            actor=actor,
            target=delivery,
            comment=f"v{delivery.version}",
        )
    return delivery


@transaction.atomic
def delivery_new_version(*, actor: User, request: Case) -> Delivery:
    """After a rejection: start the next version as a copy of the rejected one, to rework."""
    request = lock_for_change(request, archived_ok=True)
    _refuse_wrong_stage(request, allowed=(Stage.EXECUTING,))
    refuse_unless(
        may_prepare_delivery(actor, request),
        _("Task owners and the coordinator prepare the delivery."),
    )
    latest = latest_delivery(request)
    refuse_unless(
        latest is not None and latest.state == State.REJECTED,
        _("A new version starts from a delivery sent back for rework."),
    )
    return _draft_for_edit(actor=actor, request=request)


def _validate_item(*, request: Case, data: ItemData) -> None:
    errors = {}
    if data.task is None or data.task.request_id != request.pk:
        errors["task"] = _("Choose a task of this request.")
    if not data.name.strip():
        errors["name"] = _("Name the deliverable.")
    if not 1 <= (data.quantity or 0) <= 100000:
        errors["quantity"] = _("The quantity is a whole number from 1 to 100000.")
    if errors:
        raise ValidationError(errors)


def _store_files(*, item: DeliveryItem, files, actor: User) -> None:
    if item.files.count() + len(files) > MAX_FILES_PER_ITEM:
        raise ValidationError(
            {"files": _("At most %(count)d files per item.") % {"count": MAX_FILES_PER_ITEM}}
        )
    for uploaded in files:
        try:
            checked = check_upload(uploaded)
        except ValidationError as error:
            raise ValidationError({"files": error.messages}) from None
        row = DeliveryFile(
            item=item,
            name=checked.safe_name,
            size=checked.size,
            content_type=checked.content_type,
            sha256=checked.sha256,
            uploaded_by=actor,
        )
        uploaded.seek(0)
        row.file.save(storage_name(prefix="deliveries", checked=checked), uploaded, save=False)
        row.save()


@transaction.atomic
def delivery_item_add(*, actor: User, request: Case, data: ItemData, files=()) -> DeliveryItem:
    request = lock_for_change(request, archived_ok=True)
    _refuse_wrong_stage(request, allowed=(Stage.EXECUTING,))
    _validate_item(request=request, data=data)
    refuse_unless(
        may_add_item_for(actor, data.task),
        _("Task owners add the items of their own tasks; the coordinator adds any."),
    )
    delivery = _draft_for_edit(actor=actor, request=request)
    refuse_unless(
        delivery.items.count() < MAX_ITEMS,
        _("A delivery holds at most %(count)d items.") % {"count": MAX_ITEMS},
    )
    item = DeliveryItem.objects.create(
        delivery=delivery,
        task=data.task,
        name=data.name.strip(),
        version=data.version.strip(),
        quantity=data.quantity,
        notes=data.notes.strip(),
        position=delivery.items.count() + 1,
        added_by=actor,
    )
    _store_files(item=item, files=list(files), actor=actor)
    activity_record(
        subject=request, verb="delivery_item_add", actor=actor, target=delivery, comment=item.name
    )
    return item


def _lock_draft_item(*, actor: User, item: DeliveryItem) -> DeliveryItem:
    request = lock_for_change(item.delivery.request, archived_ok=True)
    _refuse_wrong_stage(request, allowed=(Stage.EXECUTING,))
    item = DeliveryItem.objects.select_related("delivery", "task").get(pk=item.pk)
    refuse_unless(
        item.delivery.state == State.DRAFT, _("Only a draft delivery list can be changed.")
    )
    refuse_unless(
        may_add_item_for(actor, item.task),
        _("Task owners change the items of their own tasks; the coordinator changes any."),
    )
    return item


@transaction.atomic
def delivery_item_update(
    *, actor: User, item: DeliveryItem, data: ItemData, files=()
) -> DeliveryItem:
    item = _lock_draft_item(actor=actor, item=item)
    _validate_item(request=item.delivery.request, data=data)
    refuse_unless(
        may_add_item_for(actor, data.task),
        _("Task owners change the items of their own tasks; the coordinator changes any."),
    )
    item.task = data.task
    item.name = data.name.strip()
    item.version = data.version.strip()
    item.quantity = data.quantity
    item.notes = data.notes.strip()
    item.save()
    _store_files(item=item, files=list(files), actor=actor)
    return item


def _delete_stored_file(name: str, storage) -> None:
    """Versions share the stored file of an unchanged item; delete it when nobody refers to it."""
    if name and not DeliveryFile.objects.filter(file=name).exists():
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def delivery_item_remove(*, actor: User, item: DeliveryItem) -> None:
    item = _lock_draft_item(actor=actor, item=item)
    stored = [(f.file.name, f.file.storage) for f in item.files.all()]
    name, delivery = item.name, item.delivery
    item.delete()
    for file_name, storage in stored:
        _delete_stored_file(file_name, storage)
    activity_record(
        subject=delivery.request,
        verb="delivery_item_remove",
        actor=actor,
        target=delivery,
        comment=name,
    )


@transaction.atomic
def delivery_file_remove(*, actor: User, file: DeliveryFile) -> None:
    _lock_draft_item(actor=actor, item=file.item)
    file = DeliveryFile.objects.get(pk=file.pk)
    name, storage = file.file.name, file.file.storage
    file.delete()
    _delete_stored_file(name, storage)


@transaction.atomic
def delivery_submit(
    *, actor: User, delivery: Delivery, summary: str = "", changes: str = ""
) -> Delivery:
    """验收申请: the coordinator submits the list; the case moves to acceptance."""
    request, delivery = _lock_delivery(delivery)
    _refuse_wrong_stage(request, allowed=(Stage.EXECUTING,))
    refuse_unless(is_coordinator(actor, request), _("Only the coordinator submits the delivery."))
    refuse_unless(delivery.state == State.DRAFT, _("This delivery list is not a draft any more."))
    missing = submit_missing(delivery)
    if missing:
        raise ActionRefused(
            _("It cannot be submitted yet: %(missing)s") % {"missing": "；".join(missing)}
        )
    if delivery.version > 1 and not changes.strip():
        raise ValidationError({"changes": _("Say what was reworked since the last version.")})
    delivery.summary = summary.strip()
    delivery.changes = changes.strip()
    delivery.submit()
    delivery.submitted_by = actor
    delivery.submitted_at = timezone.now()
    delivery.save()
    request.request_acceptance()
    request.save()
    activity_record(
        subject=request,
        verb="delivery_submit",
        actor=actor,
        on_behalf_of=_acting_label(actor, request.coordinator),
        target=delivery,
        from_state=Stage.EXECUTING,
        to_state=request.stage,
        comment=f"v{delivery.version}",
    )
    acceptor = acceptor_for(request)
    receiver = acceptance_receiver(request)
    notify(
        recipients=acceptance_handlers(request),
        actor=actor,
        title=Text(
            gettext_lazy("The delivery v{version} of {code} awaits acceptance")
            if acceptor
            else gettext_lazy(
                "The delivery v{version} of {code} is ready: send the acceptance link to {party}"
            ),
            version=delivery.version,
            code=request.code,
            party=receiver.label if receiver else "",
        ),
        target=delivery,
    )
    return delivery


@transaction.atomic
def delivery_withdraw(*, actor: User, delivery: Delivery) -> Delivery:
    """撤回: the coordinator takes back a delivery not decided yet; it becomes a draft again."""
    request, delivery = _lock_delivery(delivery)
    refuse_unless(is_coordinator(actor, request), _("Only the coordinator withdraws the delivery."))
    _refuse_wrong_stage(request, allowed=(Stage.ACCEPTING,))
    refuse_unless(
        delivery.state == State.SUBMITTED, _("This delivery was decided; it cannot be withdrawn.")
    )
    delivery.withdraw()
    delivery.submitted_at = None
    delivery.save()
    request.withdraw_acceptance()
    request.save()
    activity_record(
        subject=request,
        verb="delivery_withdraw",
        actor=actor,
        target=delivery,
        from_state=Stage.ACCEPTING,
        to_state=request.stage,
        comment=f"v{delivery.version}",
    )
    return delivery


@transaction.atomic
def delivery_urge(*, actor: User, delivery: Delivery) -> None:
    """催办: the coordinator nudges the acceptor, at most once per 4 hours."""
    request, delivery = _lock_delivery(delivery)
    refuse_unless(is_coordinator(actor, request), _("Only the coordinator urges the acceptance."))
    _refuse_wrong_stage(request, allowed=(Stage.ACCEPTING,))
    refuse_unless(delivery.state == State.SUBMITTED, _("This delivery is not awaiting acceptance."))
    refuse_if_urged_recently(subject=request, verb="delivery_urge", actor=actor)
    recipients = acceptance_handlers(request)
    activity_record(
        subject=request,
        verb="delivery_urge",
        actor=actor,
        target=delivery,
        comment=", ".join(r.name for r in recipients if r),
    )
    notify(
        recipients=recipients,
        actor=actor,
        title=Text(
            gettext_lazy("{name} is waiting for the acceptance of {code} v{version}"),
            name=actor.name,
            code=request.code,
            version=delivery.version,
        ),
        target=delivery,
    )


# --- acceptance -----------------------------------------------------------------------------


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
    _refuse_wrong_stage(request, allowed=(Stage.ACCEPTING,))
    refuse_unless(delivery.state == State.SUBMITTED, _("This delivery is not awaiting acceptance."))
    refuse_unless(
        may_accept(actor, request),
        _("Only the initiator (or their delegate) accepts this delivery."),
    )
    items = _validate_verdicts(delivery, verdicts)
    signing_password_check(user=actor, password=password)
    on_behalf_of = _acting_label(actor, request.initiator)
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


@transaction.atomic
def acceptance_link_create(*, actor: User, delivery: Delivery) -> str:
    """A one-time, expiring link for the external receiver's contact to accept the delivery.
    Returns the URL path with the raw token; only its hash is stored."""
    request, delivery = _lock_delivery(delivery)
    _refuse_wrong_stage(request, allowed=(Stage.ACCEPTING,))
    refuse_unless(delivery.state == State.SUBMITTED, _("This delivery is not awaiting acceptance."))
    receiver = acceptance_receiver(request)
    refuse_unless(receiver is not None, _("This delivery is accepted in the portal, not by link."))
    refuse_unless(
        may_send_link(actor, request),
        _("Only the initiator, the coordinator or the party's internal owner sends the link."),
    )
    _link, token = external_link_create(
        target=delivery, contact=receiver.contact, purpose=ACCEPTANCE_LINK_PURPOSE, created_by=actor
    )
    activity_record(
        subject=request, verb="delivery_link", actor=actor, target=delivery, comment=receiver.label
    )
    return reverse("external:acceptance", args=[token])


ACCEPTANCE_LINKS = LinkKind(
    purpose=ACCEPTANCE_LINK_PURPOSE,
    label=gettext_lazy("Acceptance"),
    model=Delivery,
    records=lambda request: request.deliveries.all(),
    may_send=lambda user, request, contact: may_send_link(user, request),
    invitation=case_invitation(
        gettext_lazy(
            "{company} delivered version {version} of {code} “{subject}” and asks you to "
            "accept it item by item through the link below, where each delivered file opens."
        )
    ),
    url_name="external:acceptance",
)


@transaction.atomic
def acceptance_external_decide(
    *,
    token: str,
    typed_name: str,
    ip: str | None,
    verdicts: dict[int, Verdict],
    comment: str = "",
    user_agent: str = "",
    satisfaction: Satisfaction | None = None,
) -> AcceptanceReview:
    """The external contact judges every item through the link, and may rate the
    collaboration; the link is consumed in the same transaction, so it works once."""
    if not typed_name.strip():
        raise ValidationError({"typed_name": _("Type your full name to sign.")})
    satisfaction = _validate_satisfaction(satisfaction)
    link = external_link_consume(
        token=token, purpose=ACCEPTANCE_LINK_PURPOSE, typed_name=typed_name, ip=ip
    )
    delivery = Delivery.objects.select_related("request").get(pk=link.target_id)
    request, delivery = _lock_delivery(delivery)
    _refuse_wrong_stage(request, allowed=(Stage.ACCEPTING,))
    refuse_unless(delivery.state == State.SUBMITTED, _("This delivery is not awaiting acceptance."))
    items = _validate_verdicts(delivery, verdicts)
    name = " ".join(typed_name.split())
    return _decide(
        request=request,
        delivery=delivery,
        items=items,
        verdicts=verdicts,
        comment=comment,
        reviewer=None,
        on_behalf_of=None,
        contact=link.contact,
        reviewer_name=f"{name}（{link.contact.party.name}）",
        typed_name=name,
        role=Text(gettext_lazy("Contact of %(party)s"), party=link.contact.party.name),
        ip=ip,
        user_agent=user_agent[:300],
        satisfaction=satisfaction,
    )


# --- retrospective and archive --------------------------------------------------------------


@dataclass
class WriteUp:
    went_well: str
    problems: str
    lessons: str
    improvements: str


def _lock_retrospective(retrospective: Retrospective) -> tuple[Case, Retrospective]:
    request = lock_for_change(retrospective.request, archived_ok=True)
    return request, Retrospective.objects.select_for_update().get(pk=retrospective.pk)


@transaction.atomic
def retrospective_save(
    *, actor: User, retrospective: Retrospective, data: WriteUp
) -> Retrospective:
    """The coordinator writes (and rewrites) the retrospective until it is filed."""
    request, retrospective = _lock_retrospective(retrospective)
    _refuse_wrong_stage(request, allowed=(Stage.RETROSPECTIVE,))
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
    _refuse_wrong_stage(request, allowed=(Stage.RETROSPECTIVE,))
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
            "on_behalf_of": _acting_label(actor, receiver.department.head),
        },
    )
    activity_record(
        subject=request,
        verb="retrospective_rate",
        actor=actor,
        on_behalf_of=_acting_label(actor, receiver.department.head),
        target=retrospective,
        comment=f"{receiver.label} · {score}/5"
        + (f"：{comment.strip()}" if comment.strip() else ""),
    )
    return rating


def file_missing(retrospective: Retrospective) -> list[str]:
    """What the retrospective still lacks before it can be filed."""
    missing = []
    labels = {
        "went_well": _("What went well"),
        "problems": _("Problems"),
        "lessons": _("Lessons learned"),
        "improvements": _("Improvements"),
    }
    for field, label in labels.items():
        if not getattr(retrospective, field).strip():
            missing.append(_("“%(part)s” is not written.") % {"part": label})
    rated = set(retrospective.ratings.values_list("receiver_id", flat=True))
    for receiver in rating_receivers(retrospective.request):
        if receiver.pk not in rated:
            missing.append(
                _("%(department)s has not rated the collaboration.")
                % {"department": receiver.label}
            )
    return missing


@transaction.atomic
def retrospective_file(*, actor: User, retrospective: Retrospective) -> Retrospective:
    """归档: the coordinator files the retrospective; its metrics are frozen as they are now
    and the case is archived, read-only from then on."""
    from acceptance_app.metrics import retrospective_metrics

    request, retrospective = _lock_retrospective(retrospective)
    _refuse_wrong_stage(request, allowed=(Stage.RETROSPECTIVE,))
    refuse_unless(
        is_coordinator(actor, request), _("Only the coordinator files the retrospective.")
    )
    missing = file_missing(retrospective)
    if missing:
        raise ActionRefused(
            _("It cannot be filed yet: %(missing)s") % {"missing": "；".join(missing)}
        )
    request.archive()
    request.save()
    activity_record(
        subject=request,
        verb="case_archive",
        actor=actor,
        target=retrospective,
        from_state=Stage.RETROSPECTIVE,
        to_state=request.stage,
    )
    # Frozen after the archive row, so stage 6 has its end date in the figures.
    retrospective.metrics = retrospective_metrics(request).as_json()
    retrospective.filed_by = actor
    retrospective.filed_at = timezone.now()
    retrospective.save()
    archive_bundle_queue(request=request)  # built once, by the worker (bundle_outbox)
    notify(
        recipients=[
            request.initiator,
            request.coordinator,
            *_raters(request),
        ],
        actor=actor,
        title=Text(gettext_lazy("{code} is archived with its retrospective"), code=request.code),
        url=reverse("acceptance_app:retrospective", args=[request.code]),
        target=request,
    )
    return retrospective
