"""What the risk pages show: the register's rows, filters and matrix; a risk's page with its
escalation, instructions, timeline and the actions the user may take (``policies``). Reads
only."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.activity.selectors import TimelineEntry
from collab_portal.activity.verbs import verb_label
from collab_portal.lib.urls import CODE, NUMBER, reversed_once
from collab_portal.org.models import User
from collab_portal.org.selectors import acting_for, escalation_decider_for
from risks_app import policies
from risks_app.forms import RiskFilterForm, RiskForm
from risks_app.models import Instruction, Level, Risk
from risks_app.selectors import (
    LEVELS,
    RiskFilters,
    case_risks,
    matrix,
    of_cases,
    register_risks,
    visible_case_ids,
)
from tasks_app.models import Task

PAGE_SIZE = 50
STATE_CLASSES = {
    Risk.State.OPEN: "bg-secondary-lt",
    Risk.State.MITIGATING: "bg-blue-lt",
    Risk.State.ESCALATED: "bg-red-lt",
    Risk.State.RESOLVED: "bg-green-lt",
    Risk.State.CLOSED: "bg-green text-green-fg",
}
# The matrix's colours (红/橙/黄/蓝) as Tabler classes.
COLOUR_CLASSES = {
    "red": "bg-red text-red-fg",
    "orange": "bg-orange text-orange-fg",
    "yellow": "bg-yellow text-yellow-fg",
    "blue": "bg-blue text-blue-fg",
}


# --- the register ---------------------------------------------------------------------------


@dataclass
class RiskRow:
    """One line of the register, its PDF and its Excel file."""

    risk: Risk
    code: str
    url: str
    case_code: str
    case_url: str
    case_subject: str
    description: str
    category: str
    impact: str
    likelihood: str
    measures: str
    owner: str
    threatened: str
    task_url: str
    deadline: object
    overdue: bool
    state: str
    state_label: str
    state_class: str
    major: bool
    instruction: str = ""


def _threatened(risk: Risk) -> str:
    parts = []
    if risk.task_id:
        parts.append(f"{risk.task.wbs_code} {risk.task.name}")
    if risk.milestone_id:
        parts.append(f"{_('Milestone')} {risk.milestone.name}")
    return " / ".join(parts)


def risk_rows(risks: list[Risk], *, instructions: bool = False) -> list[RiskRow]:
    """The rows of ``risks`` (fetched with risk_queryset); with ``instructions``, each holds its
    latest 批示 (one more query, whatever the number of risks)."""
    if instructions:
        prefetch_related_objects(
            risks,
            Prefetch("instructions", queryset=Instruction.objects.order_by("created_at", "pk")),
        )
    risk_url = reversed_once("risks_app:risk", CODE, NUMBER)
    case_url = reversed_once("requests_app:detail", CODE)
    task_url = reversed_once("tasks_app:task", CODE, NUMBER)
    rows = []
    for risk in risks:
        case = risk.request
        latest = list(risk.instructions.all())[-1:] if instructions else []
        rows.append(
            RiskRow(
                risk=risk,
                code=risk.code,
                url=risk_url(case.code, risk.number),
                case_code=case.code,
                case_url=case_url(case.code),
                case_subject=case.subject,
                description=risk.description,
                category=risk.get_category_display(),
                impact=risk.get_impact_display(),
                likelihood=risk.get_likelihood_display(),
                measures=risk.measures,
                owner=risk.owner.name,
                threatened=_threatened(risk),
                task_url=task_url(case.code, risk.task_id) if risk.task_id else "",
                deadline=risk.deadline,
                overdue=risk.is_overdue,
                state=risk.state,
                state_label=risk.get_state_display(),
                state_class=STATE_CLASSES.get(risk.state, ""),
                major=risk.is_major,
                instruction=latest[0].text if latest else "",
            )
        )
    return rows


@dataclass
class MatrixCellView:
    impact: str
    likelihood: str
    colour: str
    css: str
    count: int
    url: str  # "" for an empty cell: nothing to list


@dataclass
class MatrixView:
    likelihood_labels: list[str]
    rows: list[tuple[str, list[MatrixCellView]]]
    total: int


def matrix_view(risks: QuerySet[Risk], *, base_url: str, query: QueryDict) -> MatrixView:
    """The 3×3 matrix of exactly ``risks`` (rows impact 高→低, columns likelihood 高→低). A
    cell links to the same page with the same filters narrowed to its impact and likelihood,
    which lists exactly the cell's risks."""
    labels = dict(Level.choices)
    counted = matrix(risks)
    rows = []
    for impact, cells in counted.rows:
        views = []
        for cell in cells:
            url = ""
            if cell.count:
                narrowed = query.copy()
                narrowed.pop("page", None)
                narrowed["impact"], narrowed["likelihood"] = cell.impact, cell.likelihood
                url = f"{base_url}?{narrowed.urlencode()}"
            views.append(
                MatrixCellView(
                    impact=cell.impact,
                    likelihood=cell.likelihood,
                    colour=cell.colour,
                    css=COLOUR_CLASSES[cell.colour],
                    count=cell.count,
                    url=url,
                )
            )
        rows.append((str(labels[impact]), views))
    return MatrixView(
        likelihood_labels=[str(labels[level]) for level in LEVELS], rows=rows, total=counted.total
    )


@dataclass
class Register:
    form: RiskFilterForm
    filters: RiskFilters
    active: bool
    risks: QuerySet[Risk]
    page: Page
    rows: list[RiskRow]
    matrix: MatrixView
    query: str  # the filters, to carry over to the PDF / Excel links and the pages


def _owners(risks: QuerySet[Risk]) -> list[User]:
    return list(User.objects.filter(pk__in=risks.values("owner_id")).order_by("display_name", "pk"))


def _query(data: QueryDict) -> str:
    query = data.copy()
    query.pop("page", None)
    return query.urlencode()


def _register(form, filters, risks, *, data: QueryDict, base_url: str) -> Register:
    """The page's risks are picked by id first and only those 50 read with their case, owner,
    task and milestone: sorting every risk of a division joined to all of those costs more
    than the page. The matrix counts exactly these risks, so its total is the page count."""
    matrix = matrix_view(risks, base_url=base_url, query=data)
    paginator = Paginator(risks.values_list("pk", flat=True), PAGE_SIZE)
    paginator.count = matrix.total  # a cached property: no second COUNT query
    page = paginator.get_page(data.get("page"))
    return Register(
        form=form,
        filters=filters,
        active=filters != RiskFilters(),
        risks=risks,
        page=page,
        rows=risk_rows(list(risks.filter(pk__in=list(page.object_list))), instructions=True),
        matrix=matrix,
        query=_query(data),
    )


def case_filters(*, case: Case, data: QueryDict) -> tuple[RiskFilterForm, RiskFilters]:
    form = RiskFilterForm(data, owners=_owners(Risk.objects.filter(request=case)))
    return form, form.filters()


def case_register(*, case: Case, data: QueryDict) -> Register:
    """The case's register: its risks through the filters, the matrix of those same risks."""
    form, filters = case_filters(case=case, data=data)
    risks = case_risks(request=case, filters=filters)
    base_url = reverse("risks_app:case_register", args=[case.code])
    return _register(form, filters, risks, data=data, base_url=base_url)


def cross_register(*, user: User, data: QueryDict) -> Register:
    """The risks of every case ``user`` may see (leaders in charge and admins use it)."""
    visible = visible_case_ids(user)
    form = RiskFilterForm(data, owners=_owners(Risk.objects.filter(of_cases(visible))))
    filters = form.filters()
    risks = register_risks(case_ids=visible, filters=filters)
    base_url = reverse("risks_app:register")
    return _register(form, filters, risks, data=data, base_url=base_url)


def filters_description(form: RiskFilterForm) -> str:
    """The active filters in words, for the printed form: “状态：处理中；仅逾期”."""
    parts = []
    for name in ("state", "category", "impact", "likelihood", "owner"):
        value = form.cleaned_data.get(name)
        if value:
            label = dict(form.fields[name].choices).get(value, value)
            parts.append(f"{form.fields[name].label}: {label}")
    for name in ("major", "overdue", "open"):
        if form.cleaned_data.get(name):
            parts.append(str(form.fields[name].label))
    return "; ".join(parts)


# --- raising a risk -------------------------------------------------------------------------


def prefill(*, case: Case, task_pk: str | None) -> dict:
    """The form's initial values; from a task (``?task=<pk>``): the task, its owner, its
    blocker as the description, category other, impact high when the task is key."""
    task = (
        Task.objects.filter(request=case, pk=task_pk)
        .select_related("owner", "parent__parent__parent")
        .first()
        if task_pk and task_pk.isdecimal()  # "²".isdigit() is true, int("²") fails
        else None
    )
    if task is None:
        return {}
    initial = {"task": task, "category": Risk.Category.OTHER}
    if task.owner_id and task.owner.is_active:
        initial["owner"] = task.owner
    if task.status == Task.Status.BLOCKED and task.status_reason:
        initial["description"] = task.status_reason
    if task.counts_as_key:
        initial["impact"] = Level.HIGH
    return initial


@dataclass
class MajorPreview:
    major: bool
    escalate_to: str  # who the escalation will reach, "" when nobody is set


def major_preview(*, case: Case, form: RiskForm) -> MajorPreview:
    """Whether the risk as filled in will be major, and so escalated at once, and to whom."""
    values = form.initial
    if form.is_bound:
        form.is_valid()
        values = form.cleaned_data  # the fields that are valid
    risk = Risk(
        request=case,
        impact=values.get("impact") or "",
        task=values.get("task"),
        milestone=values.get("milestone"),
    )
    if not risk.computed_major:
        return MajorPreview(False, "")
    decider = escalation_decider_for(policies.escalation_department(risk))
    return MajorPreview(True, decider.label if decider else "")


# --- a risk's page --------------------------------------------------------------------------


@dataclass
class InstructionView:
    instruction: Instruction
    who: str
    decision: str


@dataclass
class RiskPage:
    risk: Risk
    row: RiskRow
    actions: policies.RiskActions
    escalated_to: str  # the acting person's label (“王五 (代 钱总)”) while it waits
    waiting: bool
    major_overridden: bool
    instructions: list[InstructionView]
    timeline: list[TimelineEntry]


def _who(person: User, on_behalf_of: User | None) -> str:
    if on_behalf_of is None:
        return person.name
    return _("%(delegate)s (for %(principal)s)") % {
        "delegate": person.name,
        "principal": on_behalf_of.name,
    }


def risk_timeline(risk: Risk) -> list[TimelineEntry]:
    """The case's timeline lines about this risk, oldest first (one query)."""
    activities = Activity.objects.filter(
        subject_type=ContentType.objects.get_for_model(Case),
        subject_id=str(risk.request_id),
        target_type=ContentType.objects.get_for_model(Risk),
        target_id=str(risk.pk),
    ).select_related("on_behalf_of")
    labels = dict(Risk.State.choices)
    return [
        TimelineEntry(
            activity=activity,
            action=verb_label(activity.verb),
            from_label=str(labels.get(activity.from_state, "")),
            to_label=str(labels.get(activity.to_state, "")),
        )
        for activity in activities
    ]


def risk_page(*, user: User, risk: Risk) -> RiskPage:
    waiting = risk.state == Risk.State.ESCALATED and risk.escalated_to is not None
    if waiting:
        escalated_to = acting_for(risk.escalated_to).label
    else:
        escalated_to = risk.escalated_to.name if risk.escalated_to else ""
    instructions = [
        InstructionView(
            instruction=instruction,
            who=_who(instruction.leader, instruction.on_behalf_of),
            decision=instruction.get_decision_display(),
        )
        for instruction in risk.instructions.select_related("leader", "on_behalf_of")
    ]
    return RiskPage(
        risk=risk,
        row=risk_rows([risk])[0],
        actions=policies.risk_actions(user=user, risk=risk),
        escalated_to=escalated_to,
        waiting=waiting,
        major_overridden=risk.major_override is not None,
        instructions=instructions,
        timeline=risk_timeline(risk),
    )
