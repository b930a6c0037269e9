"""The retrospective (stage 6): writing, rating and filing it, its PDF, and the archive bundle of
the archived case.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from acceptance_app import pages, policies, retrospective_printing, selectors, services
from acceptance_app.bundle import bundle_filename
from acceptance_app.forms import RatingForm, WriteUpForm
from cases.selectors import case_for
from collab_portal.documents.rendering import pdf_response
from collab_portal.lib.views import run_service

logger = logging.getLogger(__name__)


def _retrospective_context(request, case, retrospective, **forms):
    page = pages.retrospective_page(user=request.user, retrospective=retrospective)
    return {
        "case": case,
        "page": page,
        "report": retrospective_printing.retrospective_context(retrospective),
        "write_up_form": forms.get("write_up_form")
        or WriteUpForm(
            initial={
                name: getattr(retrospective, name)
                for name in ("went_well", "problems", "lessons", "improvements")
            }
        ),
        "rating_form": forms.get("rating_form") or RatingForm(),
        "rating_receiver": forms.get("rating_receiver"),
        "bundle": pages.bundle_status(case),
    }


@require_GET
def retrospective(request, code):
    case = case_for(user=request.user, code=code)
    retrospective = selectors.retrospective_for(request=case)
    context = _retrospective_context(request, case, retrospective)
    return render(request, "acceptance_app/retrospective.html", context)


@require_POST
def retrospective_save(request, code):
    case = case_for(user=request.user, code=code)
    retrospective = selectors.retrospective_for(request=case)
    form = WriteUpForm(request.POST)
    if form.is_valid():
        return run_service(
            request,
            lambda: services.retrospective_save(
                actor=request.user, retrospective=retrospective, data=form.write_up()
            ),
            success=_("The retrospective is saved."),
            then=lambda: redirect(retrospective),
        )
    context = _retrospective_context(request, case, retrospective, write_up_form=form)
    return render(request, "acceptance_app/retrospective.html", context, status=400)


@require_POST
def retrospective_rate(request, code, receiver_pk):
    case = case_for(user=request.user, code=code)
    retrospective = selectors.retrospective_for(request=case)
    receiver = next((r for r in case.receivers.all() if r.pk == receiver_pk), None)
    form = RatingForm(request.POST)
    if receiver is not None and form.is_valid():
        return run_service(
            request,
            lambda: services.rating_save(
                actor=request.user,
                retrospective=retrospective,
                receiver=receiver,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            ),
            success=_("Your rating is recorded."),
            then=lambda: redirect(retrospective),
        )
    if receiver is None:
        messages.error(request, _("Only the head of a receiving department rates for it."))
        return redirect(retrospective)
    context = _retrospective_context(
        request, case, retrospective, rating_form=form, rating_receiver=receiver
    )
    return render(request, "acceptance_app/retrospective.html", context, status=400)


@require_POST
def retrospective_file(request, code):
    case = case_for(user=request.user, code=code)
    retrospective = selectors.retrospective_for(request=case)
    return run_service(
        request,
        lambda: services.retrospective_file(actor=request.user, retrospective=retrospective),
        success=_("The retrospective is filed and the request is archived."),
        then=lambda: redirect(retrospective),
    )


@require_GET
def retrospective_pdf(request, code):
    case = case_for(user=request.user, code=code)
    retrospective = selectors.retrospective_for(request=case)
    filename = _("Retrospective report") + f"-{case.code}.pdf"
    return pdf_response(
        pdf=retrospective_printing.retrospective_pdf(retrospective=retrospective), filename=filename
    )


@require_GET
def archive_bundle(request, code):
    """The stored bundle; a request never builds one (the worker does, once, at archiving)."""
    case = case_for(user=request.user, code=code)
    if not policies.may_download_bundle(case):
        messages.error(request, _("The archive bundle is ready once the request is archived."))
        return redirect(case)
    bundle = selectors.archive_bundle_for(case)
    retrospective_url = reverse("acceptance_app:retrospective", args=[case.code])
    if bundle is None or bundle.state != bundle.State.READY:
        messages.info(
            request,
            _(
                "The archive bundle is still being prepared; this page offers it as soon as "
                "it is ready."
            ),
        )
        return redirect(retrospective_url)
    try:
        stored = default_storage.open(bundle.stored_name, "rb")
    except OSError:
        logger.error("archive bundle of %s: %s cannot be read", case.code, bundle.stored_name)
        messages.error(
            request,
            _(
                "The stored archive bundle cannot be read; ask an administrator to prepare it "
                "again."
            ),
        )
        return redirect(retrospective_url)
    response = FileResponse(
        stored, as_attachment=True, filename=bundle_filename(case), content_type="application/zip"
    )
    add_never_cache_headers(response)
    return response


@require_GET
def archive_bundle_status(request, code):
    """How far the bundle is: polled by the retrospective page until it is ready."""
    case = case_for(user=request.user, code=code)
    status = pages.bundle_status(case)
    if status is None:
        raise Http404
    response = render(request, "acceptance_app/_bundle_status.html", {"bundle": status})
    add_never_cache_headers(response)
    return response
