"""The customer's acceptance page behind the one-time link, and the delivered files it opens."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from acceptance_app import pages, selectors, services
from acceptance_app.forms import ExternalAcceptanceForm
from collab_portal.lib.forms import apply_validation_error
from collab_portal.lib.refusals import ActionRefused
from collab_portal.signoffs.services import ExternalLinkInvalid, external_link_resolve
from requests_app.views.links import link_file_download, link_refused


def _invalid(request, message):
    return link_refused(request, message)


@login_not_required
@require_http_methods(["GET", "POST"])
def external_acceptance(request, token):
    """The external contact's page: judge each item, type their name, sign."""
    try:
        link = external_link_resolve(token=token, purpose=services.ACCEPTANCE_LINK_PURPOSE)
    except ExternalLinkInvalid as invalid:
        return _invalid(request, invalid.message)
    page = pages.external_acceptance_page(link=link)
    delivery = page.delivery
    form = ExternalAcceptanceForm(
        request.POST or None, items=[row.item for row in page.rows], initial=page.carried_over
    )
    if request.method == "POST" and form.is_valid():
        try:
            review = services.acceptance_external_decide(
                token=token,
                typed_name=form.cleaned_data["typed_name"],
                verdicts=form.verdicts(),
                comment=form.cleaned_data["comment"],
                ip=request.META.get("REMOTE_ADDR"),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                satisfaction=form.satisfaction(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except (ActionRefused, ExternalLinkInvalid) as refused:
            return _invalid(request, refused.message)
        else:
            return render(
                request,
                "acceptance_app/external_done.html",
                {"delivery": delivery, "review": review},
            )
    context = {
        "delivery": delivery,
        "page": page,
        "judged": form.row_fields(page.rows),
        "link": link,
        "token": token,
        "form": form,
    }
    return render(request, "acceptance_app/external_acceptance.html", context)


@login_not_required
@require_GET
def external_acceptance_file(request, token, pk):
    """A file of the delivery version the link asks to accept, and of no other version."""
    return link_file_download(
        request,
        token=token,
        purpose=services.ACCEPTANCE_LINK_PURPOSE,
        file_of=lambda link: selectors.link_file_for(link=link, pk=pk),
    )
