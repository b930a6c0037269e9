from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab_portal.lib.dates import DEADLINE, SCHEDULE
from collab_portal.lib.forms import DateWindowField, TablerFormMixin
from collab_portal.org.models import User


class DelegationForm(TablerFormMixin, forms.Form):
    delegate = forms.ModelChoiceField(label=_("Delegate"), queryset=User.objects.none())
    starts_on = DateWindowField(label=_("From"), window=SCHEDULE)
    ends_on = DateWindowField(label=_("To"), window=DEADLINE)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("For example: business trip, annual leave."),
    )

    def __init__(self, *args, principal: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = (
            User.objects.filter(is_active=True)
            .exclude(pk=principal.pk)
            .select_related("department")
            .order_by("department__sort_order", "employee_no")
        )
        self.fields["delegate"].label_from_instance = lambda user: (
            f"{user.name} · {user.department or ''} {user.position}".strip()
        )
        if not self.is_bound:
            self.initial.setdefault("starts_on", timezone.localdate())


class ReminderChannelsForm(TablerFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["remind_by_email", "remind_by_robot"]
