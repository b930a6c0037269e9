"""The dashboard's questions: which department and week, and which periods to compare."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from insights_app.scope import DepartmentChoice, Week, parse_week, this_week

LONGEST_PERIOD = datetime.timedelta(days=3 * 366)


class DashboardForm(forms.Form):
    department = forms.ChoiceField(label=_("Department"), required=False)
    week = forms.CharField(label=_("Week"), required=False, max_length=10)

    def __init__(self, *args, choices: list[DepartmentChoice], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [
            (choice.value, "\u3000" * choice.depth + choice.label) for choice in choices
        ]

    def clean_week(self) -> Week:
        value = self.cleaned_data.get("week")
        if not value:
            return this_week()
        week = parse_week(value)
        if week is None:
            raise forms.ValidationError(
                _("“%(value)s” is not a week up to this one: pick one from the list."),
                params={"value": value},
            )
        return week


class ComparisonForm(forms.Form):
    """Two periods of the KPIs side by side: the 缩短30%协作周期 check."""

    period_start = forms.DateField(label=_("Period from"), required=False)
    period_end = forms.DateField(label=_("to"), required=False)
    baseline_start = forms.DateField(label=_("Baseline from"), required=False)
    baseline_end = forms.DateField(label=_("to"), required=False)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        period_end = data.get("period_end") or today
        period_start = data.get("period_start") or period_end - datetime.timedelta(weeks=12)
        baseline_end = data.get("baseline_end") or period_start - datetime.timedelta(days=1)
        baseline_start = data.get("baseline_start") or baseline_end - (period_end - period_start)
        for start, end in ((period_start, period_end), (baseline_start, baseline_end)):
            if end < start:
                raise forms.ValidationError(_("A period must end on or after the day it starts."))
            if end - start > LONGEST_PERIOD:
                raise forms.ValidationError(_("A period may be at most three years long."))
            if start.year < 2000 or end.year > today.year + 1:
                raise forms.ValidationError(_("Pick dates between 2000 and next year."))
        data.update(
            period=(period_start, period_end),
            baseline=(baseline_start, baseline_end),
        )
        return data
