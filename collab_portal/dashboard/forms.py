"""The inbox's filters (a GET form): type, initiator, department, stage, dates."""

from django import forms
from django.utils.translation import gettext_lazy as _

from collab_portal.dashboard.inbox import FilterChoices, InboxFilters
from collab_portal.lib.forms import DATE, TablerFormMixin


class InboxFilterForm(TablerFormMixin, forms.Form):
    tab = forms.CharField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Type"), required=False)
    initiator = forms.TypedChoiceField(
        label=_("Initiator"), required=False, coerce=int, empty_value=None
    )
    department = forms.TypedChoiceField(
        label=_("Department involved"), required=False, coerce=int, empty_value=None
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    since_from = forms.DateField(label=_("Date from"), required=False, widget=DATE)
    since_to = forms.DateField(label=_("Date to"), required=False, widget=DATE)

    CASE_FILTERS = ("initiator", "department", "stage", "since_from", "since_to")  # not the type

    def __init__(self, *args, choices: FilterChoices, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["kind"].choices = [("", _("All types")), *choices.kinds]
        fields["initiator"].choices = [("", _("Anyone")), *choices.initiators]
        fields["department"].choices = [("", _("All departments")), *choices.departments]
        fields["stage"].choices = [("", _("All stages")), *choices.stages]

    def clean(self):
        data = super().clean()
        start, end = data.get("since_from"), data.get("since_to")
        if start and end and start > end:
            self.add_error("since_to", _("The end date is before the start date."))
        return data

    def filters(self) -> InboxFilters:
        """The filters to apply: none while the form is unbound or invalid (its errors say
        why)."""
        if not self.is_bound or not self.is_valid():
            return InboxFilters()
        data = self.cleaned_data
        return InboxFilters(
            kind=data["kind"],
            initiator=data["initiator"],
            department=data["department"],
            stage=data["stage"],
            since_from=data["since_from"],
            since_to=data["since_to"],
        )
