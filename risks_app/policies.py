"""Who may do what on risks, and when.

Whoever may see a case takes part in it and raises its risks while it executes or is being
accepted (a major one escalates at once, to the leader in charge of the threatened task's lead
department, else of the initiating department). The risk's owner or the coordinator handles,
escalates, resolves, reopens and urges it; the coordinator (or an admin) closes it and decides
whether it is major; the leader in charge it was escalated to (or their delegate in force)
gives the instruction (批示). An archived or cancelled case's risks no longer change.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from cases.archive_guard import archived_message, is_archived
from cases.models import Case
from collab_portal.org.models import Department, User
from requests_app.policies import may_act_for
from risks_app.models import Risk
from tasks_app.models import Task

RISK_STAGES = (Case.Stage.EXECUTING, Case.Stage.ACCEPTING)
READ_ONLY_STAGES = (Case.Stage.ARCHIVED, Case.Stage.CANCELLED)


# --- who ------------------------------------------------------------------------------------


# One of the two copies of this rule (acceptance_app.policies has the other, with delegates):
# the case kernel will hold the one.
def is_coordinator(user: User, request: Case) -> bool:
    return user.is_active and (user == request.coordinator or user.is_portal_admin)


def may_handle(user: User, risk: Risk) -> bool:
    return user.is_active and (user.pk == risk.owner_id or is_coordinator(user, risk.request))


def escalation_department(risk: Risk) -> Department:
    """The lead department of the threatened task, else the initiating department."""
    if risk.task_id and risk.task.lead_department_id:
        return risk.task.lead_department
    return risk.request.initiator_department


def may_instruct(user: User, risk: Risk) -> bool:
    return risk.state == Risk.State.ESCALATED and may_act_for(user, risk.escalated_to)


def may_urge(user: User, risk: Risk) -> bool:
    """The owner or the coordinator chases the instruction an escalated risk waits for."""
    return (
        risk.state == Risk.State.ESCALATED
        and risk.escalated_to_id is not None
        and may_handle(user, risk)
    )


def may_see_case(user: User, case: Case) -> bool:
    """The case's participants: whoever may see it."""
    return Case.objects.visible_to(user).filter(pk=case.pk).exists()


# --- raising a risk -------------------------------------------------------------------------


def may_raise(case: Case) -> bool:
    """Whoever sees the case may raise a risk while it is executing or being accepted."""
    return case.stage in RISK_STAGES


def may_raise_on(task: Task) -> bool:
    """登记风险 from a task's page: any task not done, while its case takes risks (whoever sees
    the task's page sees its case)."""
    return task.status != Task.Status.DONE and may_raise(task.request)


def raise_refusal(case: Case) -> str:
    """Why no risk may be raised on ``case`` now; empty when one may."""
    if may_raise(case):
        return ""
    if is_archived(case):
        return archived_message()
    return _("Risks are recorded while the request is executing.")


# --- a risk's page --------------------------------------------------------------------------


@dataclass
class RiskActions:
    start: bool = False
    escalate: bool = False
    resolve: bool = False
    close: bool = False
    reopen: bool = False
    instruct: bool = False
    override: bool = False
    urge: bool = False

    @property
    def any(self) -> bool:
        return any(vars(self).values())


def risk_actions(*, user: User, risk: Risk) -> RiskActions:
    """What ``user`` may do on ``risk`` now: the services' own rules."""
    if risk.request.stage in READ_ONLY_STAGES:
        return RiskActions()
    handler = may_handle(user, risk)
    coordinator = is_coordinator(user, risk.request)
    state = risk.state
    handling = state in (Risk.State.OPEN, Risk.State.MITIGATING)
    instruct = may_instruct(user, risk)
    return RiskActions(
        start=handler and state == Risk.State.OPEN,
        escalate=handler and handling,
        resolve=handler and handling,
        close=coordinator and state == Risk.State.RESOLVED,
        reopen=handler and state in (Risk.State.RESOLVED, Risk.State.CLOSED),
        instruct=instruct,
        override=coordinator,
        urge=may_urge(user, risk) and not instruct,
    )
