"""What the risk register puts in the inbox (工作台): escalations waiting for my instruction,
the instructions I gave, and the cases where I own a risk or was escalated to. Reads only;
each source asks a fixed number of queries whatever the data size."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy

from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.dashboard.inbox import (
    HANDLED,
    INVOLVED,
    WAITING,
    InboxContext,
    InboxRow,
    register_inbox_source,
)
from collab_portal.lib.stored_text import shown
from requests_app.inbox import involvement_rows
from risks_app.models import Risk
from risks_app.selectors import escalations_waiting

# With only() a deferred FSM field would be read back row by row (the transition mixin reads it
# when the row is loaded): the state fields are always fetched.
FIELDS_SHOWN = ("pk", "number", "description", "state", "request__code", "request__stage")


def _title(risk: Risk) -> str:
    return f"{risk.code} {risk.description[:40]}"


def waiting_rows(*, context: InboxContext) -> list[InboxRow]:
    """Escalations waiting for my instruction (``escalations_waiting``, 2 queries)."""
    return [
        InboxRow(
            kind="escalation",
            case_id=risk.request_id,
            url=risk.get_absolute_url(),
            since=risk.escalated_at or risk.created_at,
            title=_title(risk),
            detail=risk.request.subject,
            counterpart_id=risk.owner_id,
            key=f"risk:{risk.pk}",
        )
        for risk in escalations_waiting(context.user)
    ]


def handled_rows(*, context: InboxContext) -> list[InboxRow]:
    """The instructions (批示) I gave, from the timeline (2 queries)."""
    activities = list(
        Activity.objects.filter(
            actor=context.user,
            verb="risk_instruct",
            subject_type=ContentType.objects.get_for_model(Case),
            target_type=ContentType.objects.get_for_model(Risk),
        ).only("subject_id", "target_id", "comment", "comment_text", "created_at")
    )
    risks = Risk.objects.filter(pk__in={int(a.target_id) for a in activities}).select_related(
        "request"
    )
    by_pk = {risk.pk: risk for risk in risks.only(*FIELDS_SHOWN)}
    rows = []
    for activity in activities:
        risk = by_pk.get(int(activity.target_id))
        rows.append(
            InboxRow(
                kind="risk_instruct",
                case_id=int(activity.subject_id),
                url=risk.get_absolute_url() if risk else "",
                since=activity.created_at,
                title=_title(risk) if risk else "",
                detail=shown(activity.comment_text, activity.comment),
                key=f"activity:{activity.pk}",
            )
        )
    return rows


def involved_rows(*, context: InboxContext) -> list[InboxRow]:
    """Cases where I own a risk or a risk was escalated to me (1 query)."""
    return involvement_rows(
        {
            "risk_owner": (Risk.objects.filter(owner=context.user), "request_id"),
            "risk_escalated": (Risk.objects.filter(escalated_to=context.user), "request_id"),
        }
    )


def register() -> None:
    register_inbox_source(
        WAITING, waiting_rows, kinds={"escalation": gettext_lazy("Escalated risk")}
    )
    register_inbox_source(
        HANDLED, handled_rows, kinds={"risk_instruct": gettext_lazy("Instruction")}
    )
    register_inbox_source(
        INVOLVED,
        involved_rows,
        kinds={
            "risk_owner": gettext_lazy("Risk owner"),
            "risk_escalated": gettext_lazy("Risk escalated to me"),
        },
    )
