"""The public verification page: anyone holding a printed form can check its fingerprint."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from collab_portal.signoffs.forms import VerifyForm
from collab_portal.signoffs.selectors import (
    normalise_sha256,
    snapshot_rows,
    snapshot_visible_to,
    verification_for,
)


def _base_template(request) -> str:
    """The portal's layout for people signed in; the sign-in page's card for visitors."""
    return "base.html" if request.user.is_authenticated else "registration/auth_base.html"


@login_not_required
@require_GET
def verify_form(request):
    """Type or paste a fingerprint; a valid one opens its verification page."""
    form = VerifyForm(request.GET if "sha256" in request.GET else None)
    if form.is_bound and form.is_valid():
        return redirect("signoffs:verify_hash", sha256=form.cleaned_data["sha256"])
    return render(
        request,
        "signoffs/verify_form.html",
        {"form": form, "base_template": _base_template(request)},
    )


@login_not_required
@require_GET
@never_cache
def verify(request, sha256):
    """Who signed the record with this fingerprint, and whether it still holds what they
    signed. The signed content itself only for people allowed to see the record."""
    normalised = normalise_sha256(sha256)
    if normalised is not None and normalised != sha256:
        return redirect("signoffs:verify_hash", sha256=normalised)
    verification = verification_for(normalised) if normalised else None
    show_snapshot = verification is not None and snapshot_visible_to(request.user, verification)
    context = {
        "base_template": _base_template(request),
        "sha256": sha256,
        "invalid_hash": normalised is None,
        "verification": verification,
        "show_details": request.user.is_authenticated,
        "show_snapshot": show_snapshot,
        "snapshot_rows": snapshot_rows(verification.snapshot) if show_snapshot else [],
        "form": VerifyForm(),
    }
    status = 200 if verification is not None else 404
    return render(request, "signoffs/verify.html", context, status=status)
