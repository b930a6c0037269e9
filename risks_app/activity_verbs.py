from django.utils.translation import gettext_lazy as _

VERBS = {
    "risk_raise": _("raised a risk"),
    "risk_mitigate": _("started handling a risk"),
    "risk_resolve": _("resolved a risk"),
    "risk_close": _("closed a risk"),
    "risk_reopen": _("reopened a risk"),
    "risk_escalate": _("escalated a risk to the leader in charge"),
    "risk_instruct": _("gave an instruction on an escalated risk"),
    "risk_major_override": _("changed whether a risk is major"),
    "risk_edit": _("updated a risk"),
    "risk_urge": _("urged the instruction on an escalated risk"),
}
