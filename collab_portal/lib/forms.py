"""Form helpers shared by every portal form."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

# The browser's date picker: its value is always yyyy-mm-dd, whatever the language's date format
# (Chinese renders 2026/11/27, which the picker rejects and shows empty).
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TablerFormMixin:
    """Give every widget the Tabler class it needs, so templates stay plain ``{{ field }}``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(
                widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple
            ):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid"


class PortalPasswordChangeForm(TablerFormMixin, PasswordChangeForm):
    pass


class PortalAuthenticationForm(AuthenticationForm):
    """Django's sign-in form sets the username's max_length without validating it: a longer
    name would reach the login-throttling log, whose column cannot hold it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when it names one the form
    has, otherwise at the top."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)
