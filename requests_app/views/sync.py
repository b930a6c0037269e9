"""Stage 2, first half: recording the information sync and the kickoff meeting, acknowledging
receipt, and finishing the sync."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cases.selectors import case_for
from collab_portal.lib.forms import apply_validation_error
from collab_portal.lib.refusals import ActionRefused
from collab_portal.lib.views import run_service
from requests_app import forms, policies, services
from requests_app.models import KickoffMeeting, SyncRecord
from requests_app.views.case import _case_action, _form_closed


@require_http_methods(["GET", "POST"])
def sync_record_add(request, code):
    case = case_for(user=request.user, code=code)
    if not (form_open := policies.sync_form_open(request.user, case)):
        return _form_closed(request, case, form_open.reason)
    form = forms.SyncRecordForm(request.POST or None, request.FILES or None, request=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sync_record_add(
                actor=request.user,
                request=case,
                receiver=data["receiver"],
                channel=data["channel"],
                sent_at=data["sent_at"],
                recipients=data["recipients"].strip(),
                materials=data["materials"].strip(),
                files=data["files"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except ActionRefused as refused:
            messages.error(request, refused.message)
            return redirect(case)
        else:
            messages.success(request, _("The information sync is recorded."))
            return redirect(case)
    return render(request, "requests_app/sync_form.html", {"form": form, "case": case})


@require_POST
def sync_acknowledge(request, code, pk):
    case = case_for(user=request.user, code=code)
    record = get_object_or_404(SyncRecord, pk=pk, request=case)
    return run_service(
        request,
        lambda: services.sync_acknowledge(actor=request.user, record=record),
        success=_("Receipt acknowledged."),
        then=lambda: redirect(case),
    )


@require_http_methods(["GET", "POST"])
def kickoff_record(request, code):
    case = case_for(user=request.user, code=code)
    if not (form_open := policies.kickoff_form_open(request.user, case)):
        return _form_closed(request, case, form_open.reason)
    initial = {}
    existing = KickoffMeeting.objects.filter(request=case).first()
    if existing is not None:
        initial = {
            "mode": existing.mode,
            "held_at": existing.held_at,
            "location": existing.location,
            "invited": list(existing.invited.all()),
            "attended": list(existing.attended.all()),
            "external_attendees": existing.external_attendees,
            "minutes": existing.minutes,
            "decisions": existing.decisions,
        }
    form = forms.KickoffForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.kickoff_record(
                actor=request.user,
                request=case,
                mode=data["mode"],
                held_at=data["held_at"],
                location=data["location"].strip(),
                invited=list(data["invited"]),
                attended=list(data["attended"]),
                minutes=data["minutes"].strip(),
                decisions=data["decisions"].strip(),
                external_attendees=data["external_attendees"].strip(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except ActionRefused as refused:
            messages.error(request, refused.message)
            return redirect(case)
        else:
            messages.success(request, _("The kickoff meeting is recorded."))
            return redirect(case)
    return render(request, "requests_app/kickoff_form.html", {"form": form, "case": case})


sync_finish = _case_action(
    services.request_finish_sync,
    gettext_lazy("The information sync is complete; the receivers draft the plan next."),
)
