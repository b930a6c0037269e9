"""Forms of the risk pages: the register's filters, raising a risk, and the actions on one.

The services validate what they require (a reason, the evidence…) and say so in their own
words; these forms only parse what the browser sends."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case
from collab_portal.lib.dates import DEADLINE
from collab_portal.lib.forms import DateWindowField, TablerFormMixin
from collab_portal.org.models import User
from requests_app.forms import PersonField, people_choices
from requests_app.models import Milestone
from risks_app.models import Instruction, Level, Risk
from risks_app.selectors import RiskFilters
from risks_app.services import RiskData
from tasks_app.forms import MilestoneField
from tasks_app.models import Task

REQUIRED = {"required": True}
RESPONSIBLE = gettext_lazy("Responsible person")  # 责任人, as on the printed form


def _label(model, name: str):
    """The model field's own (translated) name, as a ModelForm would label it."""
    return capfirst(model._meta.get_field(name).verbose_name)


def wbs_key(task: Task) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in task.wbs_code.split(".")), task.pk


class _WbsOrder(ModelChoiceIterator):
    """The case's tasks in WBS order (1, 1.1, 1.2, 2, … 10): a text sort would put 10 before 2."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for task in sorted(self.queryset, key=wbs_key):
            yield self.choice(task)


class TaskField(forms.ModelChoiceField):
    iterator = _WbsOrder

    def label_from_instance(self, obj):
        label = f"{obj.wbs_code} {obj.name}"
        return f"{label} · {_('key task')}" if obj.key_task else label


class RiskFilterForm(TablerFormMixin, forms.Form):
    state = forms.ChoiceField(label=_label(Risk, "state"), required=False)
    category = forms.ChoiceField(label=_label(Risk, "category"), required=False)
    impact = forms.ChoiceField(label=_label(Risk, "impact"), required=False)
    likelihood = forms.ChoiceField(label=_label(Risk, "likelihood"), required=False)
    owner = forms.TypedChoiceField(label=RESPONSIBLE, required=False, coerce=int, empty_value=None)
    major = forms.BooleanField(label=gettext_lazy("Major only"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    open = forms.BooleanField(label=gettext_lazy("Open only"), required=False)

    def __init__(self, data, *, owners: list[User]):
        super().__init__(data)
        everything = [("", _("All"))]
        self.fields["state"].choices = everything + list(Risk.State.choices)
        self.fields["category"].choices = everything + list(Risk.Category.choices)
        self.fields["impact"].choices = everything + list(Level.choices)
        self.fields["likelihood"].choices = everything + list(Level.choices)
        self.fields["owner"].choices = everything + [(user.pk, user.name) for user in owners]

    def filters(self) -> RiskFilters:
        """The valid filters; a value that is not among the choices is ignored."""
        self.is_valid()
        value = self.cleaned_data.get
        return RiskFilters(
            state=value("state") or "",
            category=value("category") or "",
            impact=value("impact") or "",
            likelihood=value("likelihood") or "",
            owner=value("owner"),
            major_only=bool(value("major")),
            overdue_only=bool(value("overdue")),
            open_only=bool(value("open")),
        )


class RiskForm(TablerFormMixin, forms.Form):
    """Raising a risk on a case (《风险应对记录表》's columns)."""

    description = forms.CharField(
        label=_label(Risk, "description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    category = forms.ChoiceField(label=_label(Risk, "category"), choices=Risk.Category.choices)
    impact = forms.ChoiceField(
        label=_label(Risk, "impact"), choices=[("", "---------"), *Level.choices]
    )
    likelihood = forms.ChoiceField(
        label=_label(Risk, "likelihood"), choices=[("", "---------"), *Level.choices]
    )
    measures = forms.CharField(
        label=_label(Risk, "measures"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deadline = DateWindowField(label=_label(Risk, "deadline"), window=DEADLINE)
    owner = PersonField(label=RESPONSIBLE, queryset=User.objects.none())
    task = TaskField(label=_label(Risk, "task"), queryset=Task.objects.none(), required=False)
    milestone = MilestoneField(
        label=_label(Risk, "milestone"),
        queryset=Milestone.objects.none(),
        required=False,
    )

    def __init__(self, *args, request: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_choices()
        self.fields["task"].queryset = Task.objects.filter(request=request).with_key_task()
        self.fields["milestone"].queryset = Milestone.objects.filter(
            plan__request=request, plan__state="confirmed"
        )

    def risk_data(self) -> RiskData:
        return RiskData(**self.cleaned_data)


class EscalateForm(TablerFormMixin, forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ResolveForm(TablerFormMixin, forms.Form):
    resolution = forms.CharField(
        label=_label(Risk, "resolution"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, **REQUIRED}),
    )
    evidence = forms.CharField(
        label=_label(Risk, "evidence"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, **REQUIRED}),
        help_text=gettext_lazy("A document, a link, a test result."),
    )


class ReopenForm(TablerFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, **REQUIRED}),
    )


class InstructForm(TablerFormMixin, forms.Form):
    """批示."""

    decision = forms.ChoiceField(
        label=gettext_lazy("Instruction decision"), choices=Instruction.Decision.choices
    )
    text = forms.CharField(
        label=_label(Instruction, "text"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, **REQUIRED}),
    )
    new_deadline = DateWindowField(
        label=_label(Instruction, "new_deadline"), required=False, window=DEADLINE
    )
    extra_resources = forms.CharField(
        label=_label(Instruction, "extra_resources"), max_length=500, required=False
    )


class MajorForm(TablerFormMixin, forms.Form):
    """The coordinator's override of the computed 'major' flag."""

    major = forms.TypedChoiceField(
        label=gettext_lazy("Major risk"),
        choices=[("yes", gettext_lazy("Major")), ("no", gettext_lazy("Not major"))],
        coerce=lambda value: value == "yes",
    )
    reason = forms.CharField(
        label=_label(Risk, "major_override_reason"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, **REQUIRED}),
    )
