"""Reads over risks: access, the register with its filters and matrix, what waits for whom."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.db.models.lookups import Lookup
from django.shortcuts import get_object_or_404

from cases.models import OPEN_STAGES, Case
from cases.selectors import case_for
from collab_portal.lib.queries import id_in
from collab_portal.org.models import User
from collab_portal.org.selectors import principals_acting_for
from risks_app.models import Level, Risk

LEVELS = [Level.HIGH, Level.MEDIUM, Level.LOW]
# Likelihood × impact → colour (红/橙/黄/蓝).
SCORE = {Level.HIGH: 3, Level.MEDIUM: 2, Level.LOW: 1}


def colour_for(impact: str, likelihood: str) -> str:
    score = SCORE[impact] * SCORE[likelihood]
    if score >= 9:
        return "red"
    if score >= 6:
        return "orange"
    if score >= 3:
        return "yellow"
    return "blue"


def risk_queryset() -> QuerySet[Risk]:
    return Risk.objects.select_related(
        "request",
        "owner",
        "task",
        "task__lead_department",
        "task__parent__parent__parent",  # whether the task is key (Task.counts_as_key)
        "milestone",
        "escalated_to",
    )


def risk_for(*, user: User, code: str, number: int) -> Risk:
    """The risk if ``user`` may see its case, else 404."""
    request = case_for(user=user, code=code)
    return get_object_or_404(risk_queryset(), request=request, number=number)


def case_visibility(user: User, overseen: list[int]) -> Q:
    """Who sees a case through its risks (a rule of ``Case.objects.visible_to``): their
    owners."""
    return Q(pk__in=Risk.objects.filter(owner=user).values("request_id"))


@dataclass
class RiskFilters:
    state: str = ""
    category: str = ""
    impact: str = ""
    likelihood: str = ""
    owner: int | None = None
    major_only: bool = False
    overdue_only: bool = False
    open_only: bool = False

    def apply(self, risks: QuerySet[Risk]) -> QuerySet[Risk]:
        for name in ("state", "category", "impact", "likelihood"):
            value = getattr(self, name)
            if value:
                risks = risks.filter(**{name: value})
        if self.owner:
            risks = risks.filter(owner_id=self.owner)
        if self.overdue_only:
            risks = risks.overdue()
        elif self.open_only:
            risks = risks.open()
        return risks


def filtered(risks: QuerySet[Risk], filters: RiskFilters) -> QuerySet[Risk]:
    rows = filters.apply(risks)
    return rows.major() if filters.major_only else rows


def case_risks(*, request: Case, filters: RiskFilters) -> QuerySet[Risk]:
    return filtered(risk_queryset().filter(request=request).order_by("number"), filters)


def visible_case_ids(user: User) -> list[int]:
    """Read once per page: the register's page, count, matrix and owner list each filter by
    it, and the visibility rule is several subqueries."""
    return list(Case.objects.visible_to(user).values_list("pk", flat=True))


def of_cases(case_ids: list[int]) -> Q | Lookup:
    """Risks of the cases ``case_ids`` (sent to PostgreSQL as one array: ``id_in``)."""
    return id_in("request_id", case_ids)


def register_risks(*, case_ids: list[int], filters: RiskFilters) -> QuerySet[Risk]:
    """Across the cases ``case_ids`` (those the person may see: ``visible_case_ids``)."""
    return filtered(
        risk_queryset().filter(of_cases(case_ids)).order_by("-created_at", "-pk"), filters
    )


@dataclass
class MatrixCell:
    impact: str
    likelihood: str
    colour: str
    count: int


@dataclass
class Matrix:
    rows: list[tuple[str, list[MatrixCell]]] = field(default_factory=list)
    total: int = 0


def matrix(risks: QuerySet[Risk]) -> Matrix:
    """3×3 likelihood × impact counts of the given risks (rows: impact high → low; 1 query)."""
    counts = {
        (row["impact"], row["likelihood"]): row["n"]
        for row in risks.order_by().values("impact", "likelihood").annotate(n=Count("pk"))
    }
    result = Matrix(total=sum(counts.values()))
    for impact in LEVELS:
        cells = [
            MatrixCell(
                impact,
                likelihood,
                colour_for(impact, likelihood),
                counts.get((impact, likelihood), 0),
            )
            for likelihood in LEVELS
        ]
        result.rows.append((impact, cells))
    return result


def escalations_waiting(user: User) -> QuerySet[Risk]:
    """Escalations waiting for ``user``'s instruction; those of an archived or cancelled case
    can no longer be answered, so they wait for nobody."""
    return risk_queryset().filter(
        state=Risk.State.ESCALATED,
        escalated_to_id__in=principals_acting_for(user),
        request__stage__in=OPEN_STAGES,
    )
