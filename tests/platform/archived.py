"""Shared by the “archived means read-only everywhere” tests: archive a case the way tests may
(the stage is protected; a queryset update passes it by), and a snapshot of every record that
hangs off a case, to prove a refused write left the database exactly as it was."""

from __future__ import annotations

from django.contrib.messages import get_messages

from cases.archive_guard import archived_message
from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.notifications.models import Notification
from collab_portal.signoffs.models import ExternalLink, SignOff
from requests_app.models import (
    Attachment,
    CarbonCopy,
    CollabPlan,
    KickoffMeeting,
    Milestone,
    Receiver,
    Review,
    SyncRecord,
)
from risks_app.models import Instruction, Risk
from tasks_app.models import (
    ProgressUpdate,
    Task,
    TaskDateChange,
    WbsTemplate,
    WbsTemplateItem,
    WeeklySummary,
)

RECORDS = [
    Case,
    Receiver,
    Attachment,
    CarbonCopy,
    Review,
    SyncRecord,
    KickoffMeeting,
    CollabPlan,
    Milestone,
    Task,
    ProgressUpdate,
    TaskDateChange,
    WeeklySummary,
    WbsTemplate,
    WbsTemplateItem,
    Risk,
    Instruction,
    Activity,
    Notification,
    SignOff,
    ExternalLink,
]


def _tables():
    models = []
    for model in RECORDS:
        models.append(model)
        models += [field.remote_field.through for field in model._meta.many_to_many]
        history = getattr(model, "history", None)
        if history is not None and hasattr(history, "model"):
            models.append(history.model)
    return models


def snapshot() -> dict[str, list[dict]]:
    """Every row of every case record (with its many-to-many rows and its history)."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in _tables()
    }


def archive(case: Case) -> Case:
    Case.objects.filter(pk=case.pk).update(stage=Case.Stage.ARCHIVED)
    return Case.objects.get(pk=case.pk)


def set_stage(case: Case, stage: str) -> Case:
    Case.objects.filter(pk=case.pk).update(stage=stage)
    return Case.objects.get(pk=case.pk)


def fresh(obj):
    """The object as the database holds it now (what a view would fetch)."""
    return type(obj)._default_manager.get(pk=obj.pk)


def shown_messages(response) -> list[str]:
    """The messages the user sees on the page a followed redirect led to (else those queued)."""
    if getattr(response, "redirect_chain", None):
        return [str(message) for message in response.context["messages"]]
    return [str(message) for message in get_messages(response.wsgi_request)]


def assert_refused_as_archived(response) -> None:
    """The user got a page (no server error) telling them, once, that the request is archived."""
    assert response.status_code == 200, response.status_code
    assert shown_messages(response).count(archived_message()) == 1, shown_messages(response)
