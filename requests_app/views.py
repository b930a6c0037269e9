"""Thin views over the stage 1–2 services; every state change is a POST."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.archive_guard import archived_message, is_archived
from cases.models import Case
from cases.selectors import case_for
from collab_portal.lib.forms import apply_validation_error
from collab_portal.lib.refusals import ActionRefused
from collab_portal.lib.uploads import (
    StoredFileChanged,
    file_withheld,
    unchanged_file_response,
    withheld_message,
)
from collab_portal.signoffs.services import ExternalLinkInvalid, external_link_resolve
from requests_app import forms, selectors, services
from requests_app.models import CollabPlan, KickoffMeeting, SyncRecord
from requests_app.one_time_links import new_link

PAGE_SIZE = 25
WITHHELD_HINT = gettext_lazy("Tell the person who sent you the link.")


def _perform(request, case, action, success_message, *, to=None):
    """Run a service; show its refusal or its success as a message, then go back to the case."""
    try:
        action()
    except ActionRefused as refused:
        messages.error(request, refused.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success_message)
    return redirect(to or case)


def _form_closed(request, case, message):
    """Back to the case with why this form is not open to the user; an archived case says that
    it is archived."""
    messages.error(request, archived_message() if is_archived(case) else message)
    return redirect(case)


def _filters(request):
    form = forms.ListFilterForm(request.GET or None)
    filters = selectors.ListFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.ListFilters(
            stage=data["stage"],
            department=data["department"].pk if data["department"] else None,
            created_from=data["created_from"],
            created_to=data["created_to"],
            query=data["q"].strip(),
        )
    return form, filters


@require_GET
def request_list(request, tab="mine"):
    """我发起的 / 全部可见的 with filters; 待我处理 has its own view."""
    form, filters = _filters(request)
    requests = (
        selectors.my_requests(user=request.user, filters=filters)
        if tab == "mine"
        else selectors.visible_requests(user=request.user, filters=filters)
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "requests_app/list.html",
        {
            "tab": tab,
            "page": page,
            "filter_form": form,
            "filtered": filters.active,
            "filters_open": filters.active or bool(form.errors),
            "query_string": _query_without_page(request),
        },
    )


@require_GET
def waiting_list(request):
    rows = selectors.waiting_rows(user=request.user)
    return render(request, "requests_app/waiting.html", {"tab": "waiting", "rows": rows})


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


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
    if request.user != case.initiator or not case.is_editable:
        return _form_closed(request, case, _("This request can no longer be edited."))
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
def request_detail(request, code):
    case = case_for(user=request.user, code=code)
    page = selectors.case_page(user=request.user, request=case)
    context = {"page": page, "case": case}
    if page.actions.review:
        context["review_form"] = forms.ReviewForm()
        context["hand_over_form"] = forms.HandOverForm(
            targets=selectors.qualified_hand_over_targets(request=case)
        )
    if page.actions.cancel:
        context["cancel_form"] = forms.CancelForm()
    if page.actions.sign_plan:
        context["sign_form"] = forms.PlanSignForm()
    return render(request, "requests_app/detail.html", context)


def _case_action(service, success_message):
    """A POST that runs ``service(actor=…, request=case)`` and goes back to the case."""

    @require_POST
    def view(request, code):
        case = case_for(user=request.user, code=code)
        return _perform(
            request, case, lambda: service(actor=request.user, request=case), success_message
        )

    return view


request_submit = _case_action(services.request_submit, gettext_lazy("Submitted for review."))
request_withdraw = _case_action(
    services.request_withdraw, gettext_lazy("Withdrawn: the request is a draft again.")
)
request_urge = _case_action(services.request_urge, gettext_lazy("The reviewer has been reminded."))
sync_finish = _case_action(
    services.request_finish_sync,
    gettext_lazy("The information sync is complete; the receivers draft the plan next."),
)


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
        return _perform(
            request,
            case,
            lambda: services.request_approve(
                actor=request.user,
                request=case,
                comment=data["comment"].strip(),
                password=data.get("password", ""),
                **checks,
            ),
            _("Approved and signed."),
        )
    return _perform(
        request,
        case,
        lambda: services.request_return(
            actor=request.user,
            request=case,
            reason_code=data["reason_code"],
            comment=data["comment"],
            **checks,
        ),
        _("Returned to the initiator with your comment."),
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
    return _perform(
        request,
        case,
        lambda: services.request_hand_over(
            actor=request.user,
            request=case,
            to=form.cleaned_data["to"],
            comment=form.cleaned_data["comment"],
        ),
        _("The review was handed over."),
    )


@require_http_methods(["GET", "POST"])
def request_copy_in(request, code):
    """The picker lists everyone in the company, so the case page asks for it (GET) only when
    the person opens 抄送, instead of rendering thousands of options on every visit."""
    case = case_for(user=request.user, code=code)
    if request.method == "GET":
        if not selectors.may_copy_in(request.user, case):
            return redirect(case)
        template = "requests_app/_copy_in.html" if request.htmx else "requests_app/copy_in.html"
        return render(request, template, {"case": case, "copy_in_form": forms.CopyInForm()})
    form = forms.CopyInForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the people to copy in."))
        return redirect(case)
    return _perform(
        request,
        case,
        lambda: services.request_copy_in(
            actor=request.user, request=case, people=list(form.cleaned_data["people"])
        ),
        _("They are copied in."),
    )


@require_POST
def request_cancel(request, code):
    case = case_for(user=request.user, code=code)
    form = forms.CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the request is cancelled."))
        return redirect(case)
    return _perform(
        request,
        case,
        lambda: services.request_cancel(
            actor=request.user, request=case, reason=form.cleaned_data["reason"]
        ),
        _("The request was cancelled."),
    )


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
    return _perform(
        request,
        case,
        lambda: services.attachment_delete(actor=request.user, attachment=attachment),
        _("The attachment was removed."),
        # Back to the form while it is open; to the case once it is signed or archived.
        to=reverse("requests_app:edit", args=[case.code]) if case.is_editable else None,
    )


# --- Information sync ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sync_record_add(request, code):
    case = case_for(user=request.user, code=code)
    if not (request.user == case.initiator and case.stage == Case.Stage.SYNCING):
        return _form_closed(request, case, _("Only the initiator records the information sync."))
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
    return _perform(
        request,
        case,
        lambda: services.sync_acknowledge(actor=request.user, record=record),
        _("Receipt acknowledged."),
    )


@require_http_methods(["GET", "POST"])
def kickoff_record(request, code):
    case = case_for(user=request.user, code=code)
    if not (request.user == case.initiator and case.stage == Case.Stage.SYNCING):
        return _form_closed(request, case, _("Only the initiator records the kickoff meeting."))
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


# --- Plan --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def plan_edit(request, code):
    case = case_for(user=request.user, code=code)
    plan = selectors.latest_plan(case)
    editable = plan is None or plan.state == CollabPlan.State.DRAFT
    if not (
        case.stage == Case.Stage.PLANNING
        and editable
        and services.may_edit_plan(request.user, case)
    ):
        return _form_closed(request, case, _("Only the receiving side drafts the plan."))
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
    plan = selectors.latest_plan(case)
    if plan is None:
        messages.error(request, _("Draft the plan first."))
        return redirect(case)
    return _perform(
        request,
        case,
        lambda: services.plan_propose(actor=request.user, plan=plan),
        _("The plan was sent to every side for confirmation."),
    )


@require_POST
def plan_urge(request, code):
    case = case_for(user=request.user, code=code)
    plan = selectors.latest_plan(case)
    if plan is None:
        messages.error(request, _("Draft the plan first."))
        return redirect(case)
    return _perform(
        request,
        case,
        lambda: services.plan_urge(actor=request.user, plan=plan),
        _("The sides that have not signed have been reminded."),
    )


@require_POST
def plan_sign(request, code):
    case = case_for(user=request.user, code=code)
    plan = selectors.latest_plan(case)
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
        return _perform(
            request,
            case,
            lambda: services.plan_request_revision(actor=request.user, plan=plan, comment=comment),
            _("Your request for a revision was sent."),
        )
    return _perform(
        request,
        case,
        lambda: services.plan_sign(
            actor=request.user,
            plan=plan,
            comment=comment,
            password=form.cleaned_data.get("password", ""),
        ),
        _("You confirmed and signed the plan."),
    )


@require_POST
def plan_new_version(request, code):
    case = case_for(user=request.user, code=code)
    plan = selectors.latest_plan(case)
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


@require_POST
def plan_link_create(request, code, receiver_pk):
    case = case_for(user=request.user, code=code)
    plan = selectors.latest_plan(case)
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
    return _perform(
        request,
        case,
        lambda: services.case_link_revoke(actor=request.user, request=case, link=link),
        _("The link is revoked: whoever opens it is told so."),
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
        link = external_link_resolve(token=token, purpose=services.PLAN_LINK_PURPOSE)
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
        purpose=services.PLAN_LINK_PURPOSE,
        file_of=lambda link: selectors.plan_link_attachment_for(link=link, pk=pk),
    )
