from django import forms
from django.utils.translation import gettext_lazy as _

from acceptance_app.services import ItemData, Satisfaction, Verdict, WriteUp
from collab_portal.lib.forms import TablerFormMixin
from requests_app.forms import MultipleFileField, PasswordMixin

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class TaskChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, task):
        owner = f" · {task.owner.name}" if task.owner_id else ""
        return f"{task.wbs_code} {task.name}{owner}"


class ItemForm(TablerFormMixin, forms.Form):
    task = TaskChoiceField(label=_("Task it answers"), queryset=None)
    name = forms.CharField(label=_("Deliverable"), max_length=120)
    version = forms.CharField(label=_("Version"), max_length=30, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100000, initial=1)
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=TEXTAREA)
    files = MultipleFileField(
        label=_("Files"),
        required=False,
        help_text=_("Up to 10 files per item, 20 MB each; documents, images, archives."),
    )

    def __init__(self, *args, tasks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = tasks

    def item_data(self) -> ItemData:
        data = self.cleaned_data
        return ItemData(
            task=data["task"],
            name=data["name"],
            version=data["version"],
            quantity=data["quantity"],
            notes=data["notes"],
        )


class SubmitForm(TablerFormMixin, forms.Form):
    summary = forms.CharField(
        label=_("Summary for the acceptor"), max_length=5000, required=False, widget=TEXTAREA
    )
    changes = forms.CharField(
        label=_("What was reworked since the last version"),
        max_length=5000,
        required=False,
        widget=TEXTAREA,
    )

    def __init__(self, *args, first_version: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if first_version:
            del self.fields["changes"]
        else:
            self.fields["changes"].required = True


class VerdictsMixin:
    """One pass/fail choice and a comment per delivered item: ``item_<pk>`` and
    ``comment_<pk>``."""

    VERDICT_CHOICES = [("pass", _("Pass")), ("fail", _("Fail"))]

    def add_item_fields(self, items):
        self.item_names = []
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=item.name,
                choices=self.VERDICT_CHOICES,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                error_messages={"required": _("Pass or fail every item.")},
            )
            self.fields[f"comment_{item.pk}"] = forms.CharField(
                label=_("Comment"),
                max_length=2000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            )
            self.item_names.append((f"item_{item.pk}", f"comment_{item.pk}", item))

    def verdicts(self) -> dict[int, Verdict]:
        return {
            item.pk: Verdict(
                passed=self.cleaned_data[verdict] == "pass",
                comment=self.cleaned_data[comment],
            )
            for verdict, comment, item in self.item_names
        }

    def item_fields(self):
        """(verdict field, comment field, item) for each item, for the template."""
        return [(self[verdict], self[comment], item) for verdict, comment, item in self.item_names]


class AcceptanceForm(TablerFormMixin, VerdictsMixin, PasswordMixin):
    comment = forms.CharField(
        label=_("Overall comment"), max_length=5000, required=False, widget=TEXTAREA
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_item_fields(items)
        self.add_signing_password()
        if "password" in self.fields:
            self.fields["password"].widget.attrs["class"] = "form-control"


class ExternalAcceptanceForm(TablerFormMixin, VerdictsMixin, forms.Form):
    comment = forms.CharField(
        label=_("Overall comment"), max_length=5000, required=False, widget=TEXTAREA
    )
    satisfaction_score = forms.TypedChoiceField(
        label=_("How satisfied are you with this collaboration?"),
        choices=[(n, f"{n} ★") for n in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Optional: 1 is very dissatisfied, 5 very satisfied."),
        error_messages={"invalid_choice": _("Rate from 1 to 5.")},
    )
    satisfaction_comment = forms.CharField(
        label=_("What should we keep or improve? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    typed_name = forms.CharField(label=_("Your name"), max_length=50)

    def satisfaction(self) -> Satisfaction:
        return Satisfaction(
            score=self.cleaned_data["satisfaction_score"],
            comment=self.cleaned_data["satisfaction_comment"],
        )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_item_fields(items)

    def row_fields(self, rows):
        """(verdict field, comment field, ``ItemRow``) for each row, for the template."""
        return [(self[f"item_{row.item.pk}"], self[f"comment_{row.item.pk}"], row) for row in rows]


class WriteUpForm(TablerFormMixin, forms.Form):
    went_well = forms.CharField(
        label=_("What went well"), max_length=5000, required=False, widget=TEXTAREA
    )
    problems = forms.CharField(
        label=_("Problems"), max_length=5000, required=False, widget=TEXTAREA
    )
    lessons = forms.CharField(
        label=_("Lessons learned"), max_length=5000, required=False, widget=TEXTAREA
    )
    improvements = forms.CharField(
        label=_("Improvements"), max_length=5000, required=False, widget=TEXTAREA
    )

    def write_up(self) -> WriteUp:
        return WriteUp(**{name: self.cleaned_data[name] for name in self.fields})


class RatingForm(TablerFormMixin, forms.Form):
    score = forms.TypedChoiceField(
        label=_("Rating"),
        choices=[(n, f"{n} ★") for n in range(5, 0, -1)],
        coerce=int,
    )
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False, widget=TEXTAREA)
