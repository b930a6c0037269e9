"""The delivery list (交付清单) while the case executes: task owners add the items of their own
tasks with their files, the coordinator any; after a rejection the next version starts as a
copy of the one sent back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from acceptance_app.models import Delivery, DeliveryFile, DeliveryItem
from acceptance_app.policies import may_add_item_for, may_prepare_delivery
from acceptance_app.selectors import latest_delivery
from cases.archive_guard import lock_for_change
from cases.models import Case
from cases.policies import refuse_wrong_stage
from collab_portal.activity.services import activity_record
from collab_portal.lib.refusals import refuse_unless
from collab_portal.lib.uploads import check_upload, storage_name
from collab_portal.org.models import User
from tasks_app.models import Task

Stage = Case.Stage
State = Delivery.State


MAX_FILES_PER_ITEM = 10
MAX_ITEMS = 200


@dataclass
class ItemData:
    task: Task
    name: str
    version: str = ""
    quantity: int = 1
    notes: str = ""


def _draft_for_edit(*, actor: User, request: Case) -> Delivery:
    """The draft being assembled, started when the first item is added. After a rejection the
    next version starts as a copy of the rejected one, each item pointing at its predecessor."""
    refuse_wrong_stage(request, allowed=(Stage.EXECUTING,), archived_first=True)
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
    refuse_wrong_stage(request, allowed=(Stage.EXECUTING,), archived_first=True)
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
    refuse_wrong_stage(request, allowed=(Stage.EXECUTING,), archived_first=True)
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
    refuse_wrong_stage(request, allowed=(Stage.EXECUTING,), archived_first=True)
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
