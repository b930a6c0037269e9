from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from collab_portal.calendar.workdays import LOOKED_AHEAD, years_counted_monday_to_friday_over
from collab_portal.lib.forms import PortalAuthenticationForm, apply_validation_error
from collab_portal.lib.urls import LocalNextMixin, next_path
from collab_portal.org.forms import DelegationForm, ReminderChannelsForm
from collab_portal.org.models import Delegation
from collab_portal.org.selectors import delegations_of
from collab_portal.org.services import (
    delegation_cancel,
    delegation_create,
    reminder_channels_save,
    user_set_language,
)


class LoginView(LocalNextMixin, auth_views.LoginView):
    """Django's login, then the account's saved language for the rest of the visit."""

    template_name = "registration/login.html"
    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            form.get_user().language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response


class LogoutView(LocalNextMixin, auth_views.LogoutView):
    """Django's sign-out."""


@login_not_required
@require_POST
def set_language(request):
    """The top bar's language switch; signed-in users keep the choice on their account."""
    response = django_set_language(request)
    if response.status_code == 302:
        response["Location"] = next_path(request) or "/"
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=request.POST.get("language", ""))
    return response


@login_not_required
@require_GET
@never_cache
def healthz(request):
    """For load balancers and container health checks: 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on their own (for a PDF, an admin page, a one-time link):
    send them to the portal's icon among the static files."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@require_http_methods(["GET", "POST"])
def my_delegations(request):
    """我的代理设置: who decides for me while I am away."""
    form = DelegationForm(request.POST or None, principal=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            delegation_create(actor=request.user, principal=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Your delegate is set."))
            return redirect("org:my_delegations")
    return render(
        request,
        "org/my_delegations.html",
        {"form": form, "delegations": delegations_of(request.user)},
    )


@require_POST
def delegation_cancel_view(request, pk):
    delegation = get_object_or_404(Delegation, pk=pk, principal=request.user)
    try:
        delegation_cancel(actor=request.user, delegation=delegation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The delegation was ended."))
    return redirect("org:my_delegations")


@require_http_methods(["GET", "POST"])
def my_reminder_channels(request):
    """How I want to be reminded: always in the portal; by email and the group robot if I like."""
    form = ReminderChannelsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        reminder_channels_save(
            user=request.user,
            by_email=form.cleaned_data["remind_by_email"],
            by_robot=form.cleaned_data["remind_by_robot"],
        )
        messages.success(request, _("Your reminder channels are saved."))
        return redirect("org:my_reminder_channels")
    today = timezone.localdate()
    fallback = years_counted_monday_to_friday_over([today, today + LOOKED_AHEAD])
    return render(
        request,
        "org/my_reminder_channels.html",
        {"form": form, "workdays_fallback_years": fallback},
    )
