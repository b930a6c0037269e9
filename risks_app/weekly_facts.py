"""The risk section of the 周报: the manual's weekly summary carries the case's open and major
risks. Collected with the task facts (``tasks_app.weekly_facts``) as plain JSON, the week seen
as it stood at its end (or now while it runs): the risks raised by then and not resolved by
then, major ones first, each with its impact, likelihood, owner and deadline, its escalation to
the leader in charge and whether it still waited for the 批示 then, and the latest 批示 given
by then; and the risks resolved during the week. Impact, likelihood and the 批示's decision are
kept as codes and named in the reader's language when shown."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from risks_app.models import Instruction, Level, Risk
from tasks_app.weekly_facts import WeeklyFacts

KEY = "risks"


def _on(moment: datetime.datetime | None) -> str:
    return timezone.localdate(moment).isoformat() if moment else ""


def _instruction(instruction: Instruction | None) -> dict | None:
    if instruction is None:
        return None
    return {
        "leader": instruction.leader.name,
        "on_behalf_of": instruction.on_behalf_of.name if instruction.on_behalf_of else "",
        "decision": instruction.decision,
        "text": instruction.text,
        "on": _on(instruction.created_at),
        "new_deadline": instruction.new_deadline.isoformat() if instruction.new_deadline else "",
        "extra_resources": instruction.extra_resources,
    }


def weekly_risk_facts(
    *,
    request: Case,
    week_start: datetime.date,
    cutoff: datetime.datetime,
    as_of: datetime.date,
) -> dict:
    """The case's risks for the week ending at ``cutoff`` (two queries)."""
    week_from = timezone.make_aware(datetime.datetime.combine(week_start, datetime.time.min))
    risks = list(
        Risk.objects.filter(request=request, created_at__lt=cutoff)
        .select_related("owner", "escalated_to", "task")
        .order_by("number")
    )
    latest: dict[int, Instruction] = {}
    for instruction in (
        Instruction.objects.filter(risk__in=risks, created_at__lt=cutoff)
        .select_related("leader", "on_behalf_of")
        .order_by("created_at", "pk")
    ):
        latest[instruction.risk_id] = instruction

    def resolved_by(moment: datetime.datetime, risk: Risk) -> bool:
        return risk.resolved_at is not None and risk.resolved_at < moment

    open_risks, resolved = [], []
    for risk in risks:
        if resolved_by(week_from, risk):
            continue
        if resolved_by(cutoff, risk):
            resolved.append(
                {
                    "id": risk.pk,
                    "number": risk.number,
                    "code": risk.code,
                    "description": risk.description,
                    "major": risk.is_major,
                    "resolved_on": _on(risk.resolved_at),
                }
            )
            continue
        escalated = risk.escalated_at is not None and risk.escalated_at < cutoff
        instruction = latest.get(risk.pk)
        answered = (
            escalated and instruction is not None and instruction.created_at >= risk.escalated_at
        )
        open_risks.append(
            {
                "id": risk.pk,
                "number": risk.number,
                "code": risk.code,
                "description": risk.description,
                "impact": risk.impact,
                "likelihood": risk.likelihood,
                "major": risk.is_major,
                "owner": risk.owner.name,
                "deadline": risk.deadline.isoformat(),
                "overdue": risk.deadline < as_of,
                "measures": risk.measures,
                "escalated_to": risk.escalated_to.name if escalated and risk.escalated_to else "",
                "escalated_on": _on(risk.escalated_at) if escalated else "",
                "waiting": escalated and not answered,
                "instruction": _instruction(instruction),
            }
        )
    open_risks.sort(key=lambda risk: (not risk["major"], risk["deadline"], risk["number"]))
    return {
        "open": open_risks,
        "resolved": resolved,
        "counts": {
            "open": len(open_risks),
            "major": sum(risk["major"] for risk in open_risks),
            "waiting": sum(risk["waiting"] for risk in open_risks),
        },
    }


LEVEL_LABELS = {level.value: level.label for level in Level}
DECISION_LABELS = {decision.value: decision.label for decision in Instruction.Decision}


def weekly_risk_section(kept: dict, request: Case) -> dict:
    """The kept risk facts as the page and the PDF show them (labels in the reader's language,
    links to the risks)."""
    rows = []
    for risk in kept.get("open", []):
        row = dict(risk)
        row["impact_label"] = LEVEL_LABELS.get(risk.get("impact"), risk.get("impact", ""))
        row["likelihood_label"] = LEVEL_LABELS.get(
            risk.get("likelihood"), risk.get("likelihood", "")
        )
        instruction = risk.get("instruction")
        if instruction:
            row["instruction"] = dict(
                instruction,
                decision_label=DECISION_LABELS.get(instruction["decision"], ""),
            )
        if risk.get("number"):
            row["url"] = reverse("risks_app:risk", args=[request.code, risk["number"]])
        rows.append(row)
    return {
        "title": _("Risks"),
        "risks": rows,
        "resolved": kept.get("resolved", []),
        "counts": kept.get("counts", {}),
    }


WEEKLY_RISKS = WeeklyFacts(
    key=KEY,
    collect=weekly_risk_facts,
    section=weekly_risk_section,
    template="risks_app/_weekly_risks.html",
    pdf_template="risks_app/pdf/_weekly_risks.html",
)
