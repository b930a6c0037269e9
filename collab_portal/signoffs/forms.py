from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from collab_portal.lib.forms import TablerFormMixin
from collab_portal.signoffs.selectors import normalise_sha256

INVALID_HASH_MESSAGE = _(
    "This is not a SHA-256 fingerprint: it has 64 characters, digits 0–9 and letters a–f."
)


class VerifyForm(TablerFormMixin, forms.Form):
    sha256 = forms.CharField(
        label=_("SHA-256 fingerprint"),
        max_length=200,
        help_text=_("Printed under the signatures of the form."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_sha256(self):
        value = normalise_sha256(self.cleaned_data["sha256"])
        if value is None:
            raise ValidationError(INVALID_HASH_MESSAGE, code="invalid")
        return value
