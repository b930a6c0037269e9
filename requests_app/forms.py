from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from collab_portal.lib.dates import DEADLINE, RECORDED
from collab_portal.lib.forms import (
    DATE,
    DateTimeWindowField,
    DateWindowField,
    TablerFormMixin,
)
from collab_portal.org.models import Department, ExternalContact, User
from collab_portal.signoffs.models import SigningPolicy
from requests_app.models import KickoffMeeting, Receiver, Review, SyncRecord
from requests_app.services import PlanData, RegistrationData


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = []
        for item in files:
            cleaned.append(super().clean(item, initial))
        return cleaned


def people_choices():
    return (
        User.objects.filter(is_active=True)
        .select_related("department")
        .order_by("department__sort_order", "employee_no")
    )


def person_label(user: User) -> str:
    return f"{user.name} · {user.department or ''} {user.position}".strip()


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj)


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj)


class ContactField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.party.name} · {obj.name}{' · ' + obj.title if obj.title else ''}"


class RegistrationForm(TablerFormMixin, forms.Form):
    """《沟通需求登记表》."""

    subject = forms.CharField(
        label=_("Subject"),
        max_length=120,
        help_text=_("For example: Q3 product launch — customer requirements"),
    )
    goal = forms.CharField(
        label=_("Goal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What the collaboration must achieve, "
            "e.g. collect change requests from 10 key customers"
        ),
    )
    metric = forms.CharField(label=_("Metric"), max_length=60, required=False)
    target_value = forms.DecimalField(
        label=_("Target value"), max_digits=14, decimal_places=2, required=False, min_value=0
    )
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    internal_departments = forms.ModelMultipleChoiceField(
        label=_("Receiving departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    external_contacts = ContactField(
        label=_("External receivers (party and contact)"),
        queryset=ExternalContact.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    background = forms.CharField(
        label=_("Background"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    expected_deadline = DateWindowField(label=_("Expected deadline"), window=DEADLINE)
    initiator_role = forms.ChoiceField(
        label=_("I initiate this as"), choices=Case.InitiatorRole.choices
    )
    files = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("PDF, Office, images, text or ZIP; up to 20 MB each."),
    )

    def __init__(self, *args, initiator: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["internal_departments"].queryset = Department.objects.filter(
            is_active=True, kind__in=[Department.Kind.DEPARTMENT, Department.Kind.DIVISION]
        ).order_by("sort_order", "code")
        self.fields["external_contacts"].queryset = ExternalContact.objects.filter(
            party__is_active=True
        ).select_related("party")
        if not self.is_bound and "initiator_role" not in self.initial:
            is_head = Department.objects.filter(head=initiator).exists()
            self.initial["initiator_role"] = (
                Case.InitiatorRole.DEPARTMENT_HEAD
                if is_head
                else Case.InitiatorRole.PROJECT_LIAISON
            )

    @classmethod
    def initial_from(cls, request: Case) -> dict:
        receivers = list(request.receivers.all())
        return {
            "subject": request.subject,
            "goal": request.goal,
            "metric": request.metric,
            "target_value": request.target_value,
            "unit": request.unit,
            "background": request.background,
            "expected_deadline": request.expected_deadline,
            "initiator_role": request.initiator_role,
            "internal_departments": [r.department_id for r in receivers if r.is_internal],
            "external_contacts": [r.contact_id for r in receivers if not r.is_internal],
        }

    def data_for_service(self) -> RegistrationData:
        data = self.cleaned_data
        return RegistrationData(
            subject=data["subject"].strip(),
            goal=data["goal"].strip(),
            metric=data["metric"].strip(),
            target_value=data["target_value"],
            unit=data["unit"].strip(),
            background=data["background"].strip(),
            expected_deadline=data["expected_deadline"],
            initiator_role=data["initiator_role"],
            internal_departments=list(data["internal_departments"]),
            external_contacts=list(data["external_contacts"]),
            files=data["files"],
        )


class PasswordMixin(forms.Form):
    """Adds a password box when the admins require password re-entry for signing."""

    def add_signing_password(self):
        if SigningPolicy.current().require_password:
            self.fields["password"] = forms.CharField(
                label=_("Your password (required to sign)"),
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            )


class ReviewForm(TablerFormMixin, PasswordMixin):
    goal_quantifiable = forms.BooleanField(label=_("The goal is quantifiable"), required=False)
    receiver_clear = forms.BooleanField(label=_("The receiver is clear"), required=False)
    deadline_reasonable = forms.BooleanField(label=_("The deadline is reasonable"), required=False)
    reason_code = forms.ChoiceField(
        label=_("Reason for returning"),
        choices=[("", "—"), *Review.ReturnReason.choices],
        required=False,
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when returning: say what should change."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_signing_password()


class HandOverForm(TablerFormMixin, forms.Form):
    to = PersonField(label=_("Hand over to"), queryset=User.objects.none())
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = targets


class CopyInForm(TablerFormMixin, forms.Form):
    people = PeopleField(
        label=_("Copy in"),
        queryset=User.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = people_choices()


class CancelForm(TablerFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SyncRecordForm(TablerFormMixin, forms.Form):
    receiver = forms.ModelChoiceField(label=_("Receiver"), queryset=Receiver.objects.none())
    channel = forms.ChoiceField(label=_("Channel"), choices=SyncRecord.Channel.choices)
    sent_at = DateTimeWindowField(label=_("Sent at"), window=RECORDED)
    recipients = forms.CharField(
        label=_("Sent to"), max_length=200, help_text=_("Names or group, e.g. 朱明、秦浩")
    )
    materials = forms.CharField(
        label=_("Materials"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The registration form and background material sent, e.g. the project plan."),
    )
    files = MultipleFileField(label=_("Files sent"), required=False)

    def __init__(self, *args, request: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiver"].queryset = request.receivers.select_related(
            "department", "party", "contact"
        )
        self.fields["receiver"].label_from_instance = lambda receiver: receiver.label
        if not self.is_bound:
            self.initial.setdefault(
                "sent_at", timezone.localtime().replace(second=0, microsecond=0)
            )


class KickoffForm(TablerFormMixin, forms.Form):
    mode = forms.ChoiceField(label=_("Format"), choices=KickoffMeeting.Mode.choices)
    held_at = DateTimeWindowField(label=_("Time"), window=RECORDED)
    location = forms.CharField(label=_("Place or link"), max_length=200)
    invited = PeopleField(
        label=_("Invited"),
        queryset=User.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    attended = PeopleField(
        label=_("Attended"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    external_attendees = forms.CharField(
        label=_("External attendees"), max_length=300, required=False
    )
    minutes = forms.CharField(
        label=_("Minutes"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invited"].queryset = people_choices()
        self.fields["attended"].queryset = people_choices()


class PlanForm(TablerFormMixin, forms.Form):
    content = forms.CharField(
        label=_("Collaboration content"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What each side will do, "
            "e.g. development takes 15 working days and needs the test team."
        ),
    )
    resource_needs = forms.CharField(
        label=_("Resource needs"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    risk_points = forms.CharField(
        label=_("Risk points"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    coordinator = PersonField(
        label=_("Coordinator (project manager)"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Breaks the confirmed plan into tasks and follows them up."),
    )

    def __init__(self, *args, request: Case, **kwargs):
        super().__init__(*args, **kwargs)
        departments = [request.initiator_department_id] + [
            r.department_id for r in request.receivers.all() if r.is_internal
        ]
        self.fields["coordinator"].queryset = people_choices().filter(
            Q(department_id__in=departments) | Q(pk=request.initiator_id)
        )


class MilestoneForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("Milestone"), max_length=100, required=False)
    due_on = DateWindowField(label=_("Date"), required=False, window=DEADLINE)

    def clean(self):
        data = super().clean()
        if data.get("name") and not data.get("due_on"):
            self.add_error("due_on", _("Give the milestone a date."))
        if data.get("due_on") and not data.get("name"):
            self.add_error("name", _("Name the milestone."))
        return data


MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=3, max_num=30, absolute_max=30)


def plan_data(form: PlanForm, milestones) -> PlanData:
    return PlanData(
        content=form.cleaned_data["content"].strip(),
        resource_needs=form.cleaned_data["resource_needs"].strip(),
        risk_points=form.cleaned_data["risk_points"].strip(),
        coordinator=form.cleaned_data["coordinator"],
        milestones=[
            (row["name"].strip(), row["due_on"])
            for row in milestones.cleaned_data
            if row.get("name") and row.get("due_on")
        ],
    )


class PlanSignForm(TablerFormMixin, PasswordMixin):
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_signing_password()


class ExternalDecisionForm(TablerFormMixin, forms.Form):
    typed_name = forms.CharField(label=_("Your name"), max_length=50)
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you ask for changes."),
    )


class ListFilterForm(TablerFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    stage = forms.ChoiceField(
        label=_("Stage"),
        choices=[("", _("All stages")), *Case.Stage.choices],
        required=False,
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    created_from = forms.DateField(label=_("Created from"), required=False, widget=DATE)
    created_to = forms.DateField(label=_("to"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(is_active=True).order_by(
            "sort_order"
        )
