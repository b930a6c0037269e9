"""Form helpers shared by every portal form."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from collab_portal.lib.dates import DateWindow
from collab_portal.lib.single_line import CONTROL_CHARACTERS

# The browser's date picker: its value is always yyyy-mm-dd, whatever the language's date format
# (Chinese renders 2026/11/27, which the picker rejects and shows empty).
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The browser's date and time picker: yyyy-mm-ddThh:mm, for the same reason.
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class _WindowedPicker:
    """A picker that offers only the days of its field's window: ``min`` and ``max`` are reckoned
    each time it is shown (the window moves with today)."""

    window: DateWindow
    day_starts, day_ends = "", ""  # appended to the first and last day

    def get_context(self, name, value, attrs):
        first, last = self.window.bounds()
        limits = {
            "min": f"{first:%Y-%m-%d}{self.day_starts}",
            "max": f"{last:%Y-%m-%d}{self.day_ends}",
        }
        return super().get_context(name, value, {**(attrs or {}), **limits})


class _WindowedDateInput(_WindowedPicker, forms.DateInput):
    def __init__(self, window: DateWindow):
        super().__init__(attrs=dict(DATE.attrs), format=DATE.format)
        self.window = window


class _WindowedDateTimeInput(_WindowedPicker, forms.DateTimeInput):
    day_starts, day_ends = "T00:00", "T23:59"

    def __init__(self, window: DateWindow):
        super().__init__(attrs=dict(DATETIME.attrs), format=DATETIME.format)
        self.window = window


class _InWindow:
    """Refuses a value outside ``window`` with the window's message."""

    def __init__(self, *, window: DateWindow, **kwargs):
        self.window = window
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        refusal = self.window.refusal(value)
        if refusal:
            raise ValidationError(refusal, code="outside_window")


class DateWindowField(_InWindow, forms.DateField):
    """A date inside ``window``, picked with the browser's date picker."""

    def __init__(self, *, window: DateWindow, **kwargs):
        super().__init__(window=window, widget=_WindowedDateInput(window), **kwargs)


class DateTimeWindowField(_InWindow, forms.DateTimeField):
    """A date and time whose day lies inside ``window``."""

    def __init__(self, *, window: DateWindow, **kwargs):
        super().__init__(window=window, widget=_WindowedDateTimeInput(window), **kwargs)


def refuse_control_characters(value: str) -> None:
    """A one-line field holds one line: a line break typed or pasted into a subject would end up
    in an e-mail's header (which Django then refuses to send) or a chat message's markup."""
    if CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _(
                "Enter this on one line: line breaks, tabs and other control characters are not "
                "allowed."
            ),
            code="control_characters",
        )


def is_single_line(field: forms.Field) -> bool:
    """A text field typed on one line: not a text area, not a password."""
    return isinstance(field, forms.CharField) and not isinstance(
        field.widget, forms.Textarea | forms.PasswordInput
    )


class TablerFormMixin:
    """Give every widget the Tabler class it needs, so templates stay plain ``{{ field }}``; and
    every one-line text field refuses control characters."""

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
        for field in self.fields.values():  # here, so fields a form adds after __init__ count
            if is_single_line(field) and refuse_control_characters not in field.validators:
                field.validators.append(refuse_control_characters)
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
