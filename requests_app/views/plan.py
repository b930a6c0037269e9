"""Stage 2, second half: drafting the plan, proposing it, signing it or asking for a revision,
urging the sides, and starting the next version."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.selectors import case_for
from collab_portal.lib.forms import apply_validation_error
from collab_portal.lib.refusals import ActionRefused
from collab_portal.lib.views import run_service
from requests_app import forms, policies, selectors, services
from requests_app.models import CollabPlan
from requests_app.views.case import _form_closed


@require_http_methods(["GET", "POST"])
def plan_edit(request, code):
    case = case_for(user=request.user, code=code)
    plan = selectors.current_plan(case)
    if not (form_open := policies.plan_form_open(request.user, case, plan)):
        return _form_closed(request, case, form_open.reason)
    if plan is not None and plan.state == CollabPlan.State.DRAFT:
        initial = {
            "content": plan.content,
            "resource_needs": plan.resource_needs,
            "risk_points": plan.risk_points,
            "coordinator": plan.coordinator_id,
        }
        milestone_initial = [{"name": m.name, "due_on": m.due_on} for m in plan.milestones.all()]
    else:
        initial, milestone_initial = {}, []
    form = forms.PlanForm(request.POST or None, request=case, initial=initial)
    milestones = forms.MilestoneFormSet(
        request.POST or None, prefix="milestones", initial=milestone_initial
    )
    if request.method == "POST" and form.is_valid() and milestones.is_valid():
        try:
            services.plan_save(
                actor=request.user, request=case, data=forms.plan_data(form, milestones)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except ActionRefused as refused:
            messages.error(request, refused.message)
            return redirect(case)
        else:
            messages.success(request, _("The plan draft is saved."))
            return redirect(case)
    return render(
        request,
        "requests_app/plan_form.html",
        {"form": form, "milestones": milestones, "case": case, "plan": plan},
    )


@require_GET
def plan_detail(request, code, version):
    plan = selectors.plan_for(user=request.user, code=code, version=version)
    return redirect(f"{plan.request.get_absolute_url()}#plan-v{plan.version}")


@require_POST
def plan_propose(request, code):
    case = case_for(user=request.user, code=code)
    plan = selectors.current_plan(case)
    if plan is None:
        messages.error(request, _("Draft the plan first."))
        return redirect(case)
    return run_service(
        request,
        lambda: services.plan_propose(actor=request.user, plan=plan),
        success=_("The plan was sent to every side for confirmation."),
        then=lambda: redirect(case),
    )


@require_POST
def plan_urge(request, code):
    case = case_for(user=request.user, code=code)
    plan = selectors.current_plan(case)
    if plan is None:
        messages.error(request, _("Draft the plan first."))
        return redirect(case)
    return run_service(
        request,
        lambda: services.plan_urge(actor=request.user, plan=plan),
        success=_("The sides that have not signed have been reminded."),
        then=lambda: redirect(case),
    )


@require_POST
def plan_sign(request, code):
    case = case_for(user=request.user, code=code)
    plan = selectors.current_plan(case)
    if plan is None:
        messages.error(request, _("Draft the plan first."))
        return redirect(case)
    form = forms.PlanSignForm(request.POST)
    form.is_valid()  # a missing password is the service's to refuse, in its own words
    if "comment" in form.errors:
        # A comment that cannot be stored is refused, not dropped while the plan is signed.
        messages.error(request, " ".join(form.errors["comment"]))
        return redirect(case)
    comment = form.cleaned_data.get("comment", "").strip()
    if request.POST.get("decision") == "revise":
        return run_service(
            request,
            lambda: services.plan_request_revision(actor=request.user, plan=plan, comment=comment),
            success=_("Your request for a revision was sent."),
            then=lambda: redirect(case),
        )
    return run_service(
        request,
        lambda: services.plan_sign(
            actor=request.user,
            plan=plan,
            comment=comment,
            password=form.cleaned_data.get("password", ""),
        ),
        success=_("You confirmed and signed the plan."),
        then=lambda: redirect(case),
    )


@require_POST
def plan_new_version(request, code):
    case = case_for(user=request.user, code=code)
    plan = selectors.current_plan(case)
    if plan is None:
        messages.error(request, _("Draft the plan first."))
        return redirect(case)
    try:
        services.plan_new_version(actor=request.user, plan=plan)
    except ActionRefused as refused:
        messages.error(request, refused.message)
        return redirect(case)
    messages.success(request, _("A new version was started from the previous one."))
    return redirect("requests_app:plan_edit", code=case.code)
