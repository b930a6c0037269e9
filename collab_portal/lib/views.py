"""The one way a view runs a write: call the service, tell the person what came of it, go on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from collab_portal.lib.refusals import ActionRefused


def form_errors(form: forms.Form) -> str:
    """A form's errors as one message: “Label: error”."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return " ".join(parts)


def run_service(
    request: HttpRequest,
    action: Callable[[], Any],
    *,
    success: str | Callable[[Any], str],
    then: Callable[[], HttpResponse],
    form: forms.Form | None = None,
) -> HttpResponse:
    """Run ``action`` (a service call) and answer with ``then()``.

    A ``form`` that does not validate is reported and ``action`` is not run. A refusal
    (``ActionRefused``) or invalid input (``ValidationError``) from the service becomes an error
    message, anything else the ``success`` message (a text, or a function of what ``action``
    returned). Nothing the service refused is half done: services write in one transaction.
    """
    if form is not None and not form.is_valid():
        messages.error(request, form_errors(form))
        return then()
    try:
        result = action()
    except ActionRefused as refused:
        messages.error(request, refused.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success(result) if callable(success) else success)
    return then()
