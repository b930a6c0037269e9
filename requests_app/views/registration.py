"""Stage 1: the registration form and its attachments, submitting, withdrawing and urging, and
the review (approve or return, hand over)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.selectors import case_for
from collab_portal.lib.forms import apply_validation_error
from collab_portal.lib.refusals import ActionRefused
from collab_portal.lib.uploads import StoredFileChanged, file_withheld, unchanged_file_response
from collab_portal.lib.views import run_service
from requests_app import forms, policies, selectors, services
from requests_app.views.case import _case_action, _form_closed


@require_http_methods(["GET", "POST"])
def request_create(request):
    form = forms.RegistrationForm(
        request.POST or None, request.FILES or None, initiator=request.user
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and (saved := _save_registration(request, form, case=None))
    ):
        return saved
    return render(request, "requests_app/form.html", {"form": form, "case": None})


@require_http_methods(["GET", "POST"])
def request_edit(request, code):
    case = case_for(user=request.user, code=code)
    if not (form_open := policies.registration_form_open(request.user, case)):
        return _form_closed(request, case, form_open.reason)
    form = forms.RegistrationForm(
        request.POST or None,
        request.FILES or None,
        initiator=request.user,
        initial=forms.RegistrationForm.initial_from(case),
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and (saved := _save_registration(request, form, case=case))
    ):
        return saved
    attachments = case.attachments.filter(sync_record__isnull=True)
    return render(
        request, "requests_app/form.html", {"form": form, "case": case, "attachments": attachments}
    )


def _save_registration(request, form, *, case):
    """保存草稿 saves the registration form (a new draft when ``case`` is None); 提交 beside it
    saves and submits at once, and a refused submit keeps the draft and says why. None when the
    form has to show what is wrong."""
    data = form.data_for_service()
    refused = None
    try:
        if request.POST.get("action") == "submit":
            case, refused = services.request_save_and_submit(
                actor=request.user, request=case, data=data
            )
            done = _("Submitted for review.")
        elif case is None:
            case = services.request_create(initiator=request.user, data=data)
            done = _("Saved as a draft. Submit it for review when it is ready.")
        else:
            services.request_update(actor=request.user, request=case, data=data)
            done = _("Your changes are saved.")
    except ValidationError as error:
        apply_validation_error(form, error)
        return None
    except ActionRefused as refusal:
        form.add_error(None, refusal.message)
        return None
    if refused is None:
        messages.success(request, done)
    else:
        messages.error(
            request,
            _("Saved as a draft but not submitted: %(reason)s") % {"reason": refused.message},
        )
    return redirect(case)


@require_GET
def attachment_download(request, code, pk):
    case = case_for(user=request.user, code=code)
    attachment = get_object_or_404(case.attachments, pk=pk)
    try:
        return unchanged_file_response(attachment)
    except StoredFileChanged:
        return file_withheld(request, case, attachment.name)


@require_POST
def attachment_delete(request, code, pk):
    case = case_for(user=request.user, code=code)
    attachment = get_object_or_404(case.attachments, pk=pk)
    # Back to the form while it is open; to the case once it is signed or archived.
    back = reverse("requests_app:edit", args=[case.code]) if case.is_editable else case
    return run_service(
        request,
        lambda: services.attachment_delete(actor=request.user, attachment=attachment),
        success=_("The attachment was removed."),
        then=lambda: redirect(back),
    )


request_submit = _case_action(services.request_submit, gettext_lazy("Submitted for review."))
request_withdraw = _case_action(
    services.request_withdraw, gettext_lazy("Withdrawn: the request is a draft again.")
)
request_urge = _case_action(services.request_urge, gettext_lazy("The reviewer has been reminded."))


@require_POST
def request_review(request, code):
    """One form, two buttons: approve (all three checks) or return (reason and comment)."""
    case = case_for(user=request.user, code=code)
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(case)
    data = form.cleaned_data
    checks = {
        "goal_quantifiable": data["goal_quantifiable"],
        "receiver_clear": data["receiver_clear"],
        "deadline_reasonable": data["deadline_reasonable"],
    }
    if request.POST.get("decision") == "approve":
        return run_service(
            request,
            lambda: services.request_approve(
                actor=request.user,
                request=case,
                comment=data["comment"].strip(),
                password=data.get("password", ""),
                **checks,
            ),
            success=_("Approved and signed."),
            then=lambda: redirect(case),
        )
    return run_service(
        request,
        lambda: services.request_return(
            actor=request.user,
            request=case,
            reason_code=data["reason_code"],
            comment=data["comment"],
            **checks,
        ),
        success=_("Returned to the initiator with your comment."),
        then=lambda: redirect(case),
    )


@require_POST
def request_hand_over(request, code):
    case = case_for(user=request.user, code=code)
    form = forms.HandOverForm(
        request.POST, targets=selectors.qualified_hand_over_targets(request=case)
    )
    if not form.is_valid():
        messages.error(request, _("Choose a department head or leader in charge to hand over to."))
        return redirect(case)
    return run_service(
        request,
        lambda: services.request_hand_over(
            actor=request.user,
            request=case,
            to=form.cleaned_data["to"],
            comment=form.cleaned_data["comment"],
        ),
        success=_("The review was handed over."),
        then=lambda: redirect(case),
    )
