"""The shared form base: every one-line text field refuses control characters; text areas,
passwords and other fields are left as they were."""

import pytest
from django import forms

from collab_portal.lib.forms import TablerFormMixin
from tests.security.test_email_header_attacks import ONE_LINE_MESSAGE, PAYLOADS


class SampleForm(TablerFormMixin, forms.Form):
    title = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    kind = forms.CharField(required=False, widget=forms.HiddenInput)
    notes = forms.CharField(required=False, widget=forms.Textarea)
    password = forms.CharField(required=False, widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["added_later"] = forms.CharField(required=False)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("field", ["title", "kind", "added_later"])
def test_a_one_line_field_refuses_control_characters(field, payload):
    form = SampleForm({"title": "客户需求", field: payload})

    assert not form.is_valid()
    assert form.errors[field] == [ONE_LINE_MESSAGE]


def test_text_areas_and_passwords_take_what_they_took():
    form = SampleForm(
        {
            "title": "  客户需求对接 (Q3) — 第二版  ",
            "notes": "第一行\r\n\t第二行",
            "password": "a\tb",
        }
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == "客户需求对接 (Q3) — 第二版"
    assert form.cleaned_data["notes"] == "第一行\r\n\t第二行"
    assert form.cleaned_data["password"] == "a\tb"


def test_an_email_with_a_line_break_is_refused():
    form = SampleForm({"title": "x", "email": "a@example.com\r\nBcc: x@evil.example"})

    assert not form.is_valid() and "email" in form.errors
