"""The forms of stages 3–4: a WBS task, the owners' quick actions, the due date change, the
WBS templates and Excel import, the tracking table's filters and the 周报's status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from collab_portal.lib.dates import DEADLINE, SCHEDULE
from collab_portal.lib.forms import DateWindowField, TablerFormMixin
from collab_portal.org.models import Department, User
from requests_app.forms import PeopleField, PersonField, people_choices
from requests_app.models import Milestone
from tasks_app.models import Task, WbsTemplate, WeeklySummary
from tasks_app.selectors import TrackingFilters
from tasks_app.services import COMMENTS_MAX_LENGTH, TaskData

if TYPE_CHECKING:
    from tasks_app.pages.tracking import TrackingTable


class MilestoneField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.due_on:%Y-%m-%d} · {obj.name}"


class TaskForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("Task name"), max_length=120)
    owner = PersonField(
        label=_("Owner"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Exactly one person answers for the task."),
    )
    lead_department = forms.ModelChoiceField(
        label=_("Lead department"), queryset=Department.objects.none(), required=False
    )
    start_on = DateWindowField(label=_("Start"), required=False, window=SCHEDULE)
    due_on = DateWindowField(label=_("Due"), required=False, window=SCHEDULE)
    deliverable_standard = forms.CharField(
        label=_("Deliverable standard"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "e.g. the interview notes hold the customer's core needs, priorities and advice"
        ),
    )
    collaborators = PeopleField(
        label=_("Collaborators"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    supporting_departments = forms.ModelMultipleChoiceField(
        label=_("Supporting departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 3}),
    )
    milestone = MilestoneField(
        label=_("Plan milestone"), queryset=Milestone.objects.none(), required=False
    )
    is_key = forms.BooleanField(label=_("Key task"), required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, request: Case, **kwargs):
        super().__init__(*args, **kwargs)
        people = people_choices()
        self.fields["owner"].queryset = people
        self.fields["collaborators"].queryset = people
        departments = Department.objects.filter(is_active=True).order_by("sort_order")
        self.fields["lead_department"].queryset = departments
        self.fields["supporting_departments"].queryset = departments
        self.fields["milestone"].queryset = Milestone.objects.filter(
            Q(plan__request=request, plan__state="confirmed")
        )

    @classmethod
    def initial_from(cls, task) -> dict:
        return {
            "name": task.name,
            "owner": task.owner_id,
            "lead_department": task.lead_department_id,
            "start_on": task.start_on,
            "due_on": task.due_on,
            "deliverable_standard": task.deliverable_standard,
            "collaborators": [u.pk for u in task.collaborators.all()],
            "supporting_departments": [d.pk for d in task.supporting_departments.all()],
            "milestone": task.milestone_id,
            "is_key": task.is_key,
            "description": task.description,
        }

    def task_data(self) -> TaskData:
        data = self.cleaned_data
        return TaskData(
            name=data["name"],
            description=data["description"].strip(),
            owner=data["owner"],
            collaborators=list(data["collaborators"]),
            lead_department=data["lead_department"],
            supporting_departments=list(data["supporting_departments"]),
            start_on=data["start_on"],
            due_on=data["due_on"],
            deliverable_standard=data["deliverable_standard"].strip(),
            is_key=data["is_key"],
            milestone=data["milestone"],
        )


class ProgressForm(TablerFormMixin, forms.Form):
    percent = forms.IntegerField(label=_("Progress %"), min_value=0, max_value=100)
    note = forms.CharField(
        label=_("Today's progress"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DelayForm(TablerFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the delay"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "e.g. the customer added 3 fields to the questionnaire: design takes 2 more days"
        ),
    )
    new_date = DateWindowField(label=_("New expected date"), window=DEADLINE)


class BlockForm(TablerFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("What blocks the task"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DueChangeForm(TablerFormMixin, forms.Form):
    new_due = DateWindowField(label=_("New due date"), window=SCHEDULE)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class TemplateSaveForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea
    )


class TemplateApplyForm(TablerFormMixin, forms.Form):
    template = forms.ModelChoiceField(label=_("Template"), queryset=WbsTemplate.objects.all())
    start_on = DateWindowField(label=_("Start date"), window=SCHEDULE)


class ImportForm(TablerFormMixin, forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class TrackingFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    department = forms.TypedChoiceField(
        label=_("Department"), required=False, coerce=int, empty_value=None
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, data, *, table: TrackingTable):
        super().__init__(data)
        everything = [("", gettext("All"))]
        self.fields["status"].choices = everything + list(Task.Status.choices)
        self.fields["owner"].choices = everything + [(u.pk, u.name) for u in table.owners]
        self.fields["department"].choices = everything + [(d.pk, d.name) for d in table.departments]
        for name in ("status", "owner", "department"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.fields["overdue"].widget.attrs["class"] = "form-check-input"

    def filters(self) -> TrackingFilters:
        """The valid filters; a value that is not among the choices is ignored."""
        self.is_valid()
        value = self.cleaned_data.get
        return TrackingFilters(
            status=value("status") or "",
            owner=value("owner"),
            department=value("department"),
            overdue_only=bool(value("overdue")),
        )


class WeeklySummaryForm(forms.Form):
    rag = forms.ChoiceField(label=_("Status"), choices=WeeklySummary.Rag.choices)
    comments = forms.CharField(
        label=_("Coordinator's comments"),
        required=False,
        max_length=COMMENTS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
