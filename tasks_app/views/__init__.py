"""The pages of stages 3–4, one module per family (their contexts are built in
``tasks_app.pages``): the WBS editor, the tasks, the WBS templates, tracking and the 周报."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


def with_valid_form(form: forms.Form, service: Callable[[dict], Any]) -> Callable[[], Any]:
    """An action for ``run_service``: ``service(form.cleaned_data)``, or the form's errors
    refused as a service's would be (its messages alone, without the fields' labels, as these
    pages have always said them)."""

    def action():
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        return service(form.cleaned_data)

    return action
