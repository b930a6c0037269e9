"""The one-time links: creating the plan's link for an external receiver's contact, revoking or
e-mailing any of the case's links, and the pages the link's holder opens (the plan to confirm,
its files), which acceptance_app's links share."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.selectors import case_for
from collab_portal.lib.forms import apply_validation_error
from collab_portal.lib.refusals import ActionRefused
from collab_portal.lib.uploads import StoredFileChanged, unchanged_file_response, withheld_message
from collab_portal.lib.views import run_service
from collab_portal.signoffs.services import ExternalLinkInvalid, external_link_resolve
from requests_app import forms, selectors, services
from requests_app.models import CollabPlan
from requests_app.one_time_links import new_link
from requests_app.services.external import PLAN_LINK_PURPOSE

WITHHELD_HINT = gettext_lazy("Tell the person who sent you the link.")


@require_POST
def plan_link_create(request, code, receiver_pk):
    case = case_for(user=request.user, code=code)
    plan = selectors.current_plan(case)
    receiver = get_object_or_404(case.receivers, pk=receiver_pk)
    if plan is None:
        messages.error(request, _("Draft the plan first."))
        return redirect(case)
    try:
        path = services.plan_external_link_create(actor=request.user, plan=plan, receiver=receiver)
    except ActionRefused as refused:
        messages.error(request, refused.message)
        return redirect(case)
    shown = new_link(request=request, case=case, path=path, contact=receiver.contact)
    response = render(
        request,
        "requests_app/link_created.html",
        {"case": case, "receiver": receiver, "new_link": shown},
    )
    add_never_cache_headers(response)  # the raw token is shown once
    return response


@require_POST
def link_revoke(request, code, pk):
    """Revoke one of the case's unused one-time links (the plan's or a delivery's)."""
    case = case_for(user=request.user, code=code)
    link = selectors.case_link_for(request=case, pk=pk)
    return run_service(
        request,
        lambda: services.case_link_revoke(actor=request.user, request=case, link=link),
        success=_("The link is revoked: whoever opens it is told so."),
        then=lambda: redirect(case),
    )


@require_POST
def link_email(request, code):
    """E-mail the link just shown (its token posted by that page) to its contact, once. From
    the page itself (htmx) the answer replaces the button; otherwise back to the case."""
    case = case_for(user=request.user, code=code)
    token = request.POST.get("token", "")[:200]
    try:
        link = services.case_link_email(
            actor=request.user, request=case, token=token, base_url=request.build_absolute_uri("/")
        )
    except (ActionRefused, ExternalLinkInvalid) as refused:
        sent, message = False, refused.message
    else:
        sent, message = (
            True,
            _("E-mailed to %(name)s <%(address)s>.")
            % {
                "name": link.contact.name,
                "address": link.emailed_to,
            },
        )
    if not request.htmx:
        (messages.success if sent else messages.error)(request, message)
        return redirect(case)
    context = {"sent": sent, "message": message, "token": token, "case": case}
    response = render(request, "requests_app/_link_email_result.html", context)
    add_never_cache_headers(response)  # it holds the token when it offers to try again
    return response


def link_refused(request, message, *, status=410, hint=""):
    """The page of a one-time link that cannot serve what was asked, saying why."""
    context = {"message": message, "hint": hint}
    return render(request, "requests_app/external_invalid.html", context, status=status)


@login_not_required
@require_http_methods(["GET", "POST"])
def external_plan(request, token):
    """The external contact's page: read the plan, type their name, confirm or ask for changes."""
    try:
        link = external_link_resolve(token=token, purpose=PLAN_LINK_PURPOSE)
    except ExternalLinkInvalid as invalid:
        return link_refused(request, invalid.message)
    plan = CollabPlan.objects.select_related(
        "request", "request__initiator_department", "coordinator"
    ).get(pk=link.target_id)
    form = forms.ExternalDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_external_decide(
                token=token,
                typed_name=form.cleaned_data["typed_name"],
                comment=form.cleaned_data["comment"],
                agree=request.POST.get("decision") == "confirm",
                ip=request.META.get("REMOTE_ADDR"),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except (ActionRefused, ExternalLinkInvalid) as refused:
            return link_refused(request, refused.message)
        else:
            return render(request, "requests_app/external_done.html", {"plan": plan})
    context = {
        "plan": plan,
        "link": link,
        "token": token,
        "form": form,
        "milestones": plan.milestones.all(),
        "attachments": selectors.plan_link_attachments(plan=plan, contact=link.contact),
    }
    return render(request, "requests_app/external_plan.html", context)


def link_file_download(request, *, token: str, purpose: str, file_of):
    """A file behind a one-time link, to its holder while the link is usable: ``file_of(link)``
    finds it among what the link shows (404 for any other file)."""
    try:
        link = external_link_resolve(token=token, purpose=purpose)
    except ExternalLinkInvalid as invalid:
        return link_refused(request, invalid.message)
    file = file_of(link)
    try:
        return unchanged_file_response(file)
    except StoredFileChanged:
        return link_refused(request, withheld_message(file.name), status=409, hint=WITHHELD_HINT)


@login_not_required
@require_GET
def external_plan_file(request, token, pk):
    """The case's material for the holder of the plan's link: the registration's attachments
    and what was sent to the link's party, nothing else."""
    return link_file_download(
        request,
        token=token,
        purpose=PLAN_LINK_PURPOSE,
        file_of=lambda link: selectors.plan_link_attachment_for(link=link, pk=pk),
    )
