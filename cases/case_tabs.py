"""The case page's tabs (表单 / 流程 / 任务 / 风险 / 交付 / 讨论) instead of one long column:
which tabs a case has (none stays empty), the later stages' links each lists, and which opens
first, the tab of the case's current stage. The template wraps the existing sections in them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import pgettext_lazy

from cases.case_links import ResolvedLink
from cases.models import Case

Stage = Case.Stage

FORM, PROCESS, TASKS, RISKS, DELIVERY, DISCUSSION = (
    "form",
    "process",
    "tasks",
    "risks",
    "delivery",
    "discussion",
)
LABELS = {
    FORM: pgettext_lazy("case tab", "Form"),
    PROCESS: pgettext_lazy("case tab", "Process"),
    TASKS: pgettext_lazy("case tab", "Tasks"),
    RISKS: pgettext_lazy("case tab", "Risks"),
    DELIVERY: pgettext_lazy("case tab", "Delivery"),
    DISCUSSION: pgettext_lazy("case tab", "Discussion"),
}
STAGE_TAB = {
    Stage.DRAFT: FORM,
    Stage.PENDING_REVIEW: FORM,
    Stage.RETURNED: FORM,
    Stage.CANCELLED: FORM,
    Stage.SYNCING: PROCESS,
    Stage.PLANNING: PROCESS,
    Stage.BREAKDOWN: TASKS,
    Stage.EXECUTING: TASKS,
    Stage.ACCEPTING: DELIVERY,
    Stage.RETROSPECTIVE: DELIVERY,
    Stage.ARCHIVED: DELIVERY,
}


@dataclass(frozen=True)
class CaseTab:
    key: str
    label: str
    is_open: bool
    links: list[ResolvedLink] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The pane's id, and the #hash that links straight to it."""
        return f"tab-{self.key}"


def case_tabs(
    *, stage: str, has_process: bool, has_timeline: bool, links: list[ResolvedLink]
) -> list[CaseTab]:
    """The tabs of a case in ``stage``: 表单 always, 流程 once there is a review, sync or plan,
    任务 / 风险 / 交付 once their stage's pages exist, 讨论 once the timeline has a line."""
    present = {
        FORM: True,
        PROCESS: has_process,
        TASKS: any(link.tab == TASKS for link in links),
        RISKS: any(link.tab == RISKS for link in links),
        DELIVERY: any(link.tab == DELIVERY for link in links),
        DISCUSSION: has_timeline,
    }
    wanted = STAGE_TAB.get(stage, FORM)
    first = wanted if present[wanted] else FORM
    return [
        CaseTab(
            key=key,
            label=str(LABELS[key]),
            is_open=key == first,
            links=[link for link in links if link.tab == key or (key == FORM and not link.tab)],
        )
        for key in LABELS
        if present[key]
    ]
