"""Stage 5–6 pages: the case's delivery list and its versions, acceptance (in the portal and by
an external contact's link), the retrospective, the printed forms and the archive bundle.

The case is fetched through ``case_for`` (404 for whoever may not see it); every record
below it is looked up within that case."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acceptance_app import printing, retrospective_printing, selectors, services
from acceptance_app.bundle import bundle_filename
from acceptance_app.forms import (
    AcceptanceForm,
    ExternalAcceptanceForm,
    ItemForm,
    RatingForm,
    SubmitForm,
    WriteUpForm,
)
from acceptance_app.models import Delivery
from cases.selectors import case_for
from collab_portal.documents.rendering import pdf_response
from collab_portal.lib.forms import apply_validation_error
from collab_portal.lib.refusals import ActionRefused
from collab_portal.lib.uploads import StoredFileChanged, file_withheld, unchanged_file_response
from collab_portal.signoffs.services import ExternalLinkInvalid, external_link_resolve
from requests_app.one_time_links import new_link
from requests_app.views import link_file_download, link_refused

logger = logging.getLogger(__name__)


def _refused(request, refused: ActionRefused, to):
    """Show the refusal and go back to ``to`` (a model instance or a URL)."""
    messages.error(request, refused.message)
    return redirect(to)


def _overview(case) -> str:
    return reverse("acceptance_app:overview", args=[case.code])


def _first_error(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- the delivery list ----------------------------------------------------------------------


@require_GET
def delivery_overview(request, code):
    case = case_for(user=request.user, code=code)
    page = selectors.delivery_page(user=request.user, request=case)
    current = page.current.delivery if page.current else None
    context = {
        "case": case,
        "page": page,
        "submit_form": SubmitForm(first_version=current is None or current.version == 1),
    }
    return render(request, "acceptance_app/delivery.html", context)


@require_GET
def delivery_version(request, code, version):
    case = case_for(user=request.user, code=code)
    page = selectors.delivery_page(user=request.user, request=case)
    shown = next((v for v in page.versions if v.delivery.version == version), None)
    if shown is None:
        return redirect("acceptance_app:overview", code=case.code)
    is_current = page.current is shown
    form = None
    if is_current and page.can_accept:
        form = AcceptanceForm(items=shown.delivery.items.all())
    context = {"case": case, "page": page, "shown": shown, "is_current": is_current, "form": form}
    return render(request, "acceptance_app/version.html", context)


@require_http_methods(["GET", "POST"])
def item_add(request, code):
    case = case_for(user=request.user, code=code)
    refusal = selectors.item_form_refusal(user=request.user, request=case)
    if refusal:
        messages.error(request, refusal)
        return redirect(_overview(case))
    tasks = selectors.tasks_for_items(user=request.user, request=case)
    initial = {"task": request.GET.get("task")} if request.GET.get("task", "").isdigit() else {}
    form = ItemForm(request.POST or None, request.FILES or None, tasks=tasks, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.delivery_item_add(
                actor=request.user,
                request=case,
                data=form.item_data(),
                files=form.cleaned_data["files"],
            )
        except ActionRefused as refused:
            return _refused(request, refused, _overview(case))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("“%(name)s” is on the delivery list.") % {"name": item.name}
            )
            return redirect("acceptance_app:overview", code=case.code)
    context = {"case": case, "form": form, "item": None}
    return render(request, "acceptance_app/item_form.html", context)


@require_http_methods(["GET", "POST"])
def item_edit(request, code, pk):
    case = case_for(user=request.user, code=code)
    item = selectors.item_for(request=case, pk=pk)
    refusal = selectors.item_form_refusal(user=request.user, request=case, item=item)
    if refusal:
        messages.error(request, refusal)
        return redirect(_overview(case))
    tasks = selectors.tasks_for_items(user=request.user, request=case)
    initial = {
        "task": item.task,
        "name": item.name,
        "version": item.version,
        "quantity": item.quantity,
        "notes": item.notes,
    }
    form = ItemForm(request.POST or None, request.FILES or None, tasks=tasks, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.delivery_item_update(
                actor=request.user,
                item=item,
                data=form.item_data(),
                files=form.cleaned_data["files"],
            )
        except ActionRefused as refused:
            return _refused(request, refused, _overview(case))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The item is saved."))
            return redirect("acceptance_app:overview", code=case.code)
    context = {"case": case, "form": form, "item": item, "files": item.files.all()}
    return render(request, "acceptance_app/item_form.html", context)


@require_POST
def delivery_new_version(request, code):
    case = case_for(user=request.user, code=code)
    try:
        delivery = services.delivery_new_version(actor=request.user, request=case)
    except ActionRefused as refused:
        return _refused(request, refused, _overview(case))
    messages.success(
        request,
        _("Version %(version)s is a copy of the one sent back: rework the failed items here.")
        % {"version": delivery.version},
    )
    return redirect(_overview(case))


@require_POST
def item_remove(request, code, pk):
    case = case_for(user=request.user, code=code)
    item = selectors.item_for(request=case, pk=pk)
    try:
        services.delivery_item_remove(actor=request.user, item=item)
    except ActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("“%(name)s” is removed.") % {"name": item.name})
    return redirect("acceptance_app:overview", code=case.code)


@require_POST
def file_remove(request, code, pk):
    case = case_for(user=request.user, code=code)
    file = selectors.file_for(request=case, pk=pk)
    try:
        services.delivery_file_remove(actor=request.user, file=file)
    except ActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The file is removed."))
    return redirect("acceptance_app:item_edit", code=case.code, pk=file.item_id)


@require_GET
def file_download(request, code, pk):
    case = case_for(user=request.user, code=code)
    file = selectors.file_for(request=case, pk=pk)
    try:
        return unchanged_file_response(file)
    except StoredFileChanged:
        return file_withheld(request, case, file.name)


def _delivery_of(request, code, version) -> Delivery:
    case = case_for(user=request.user, code=code)
    return selectors.delivery_for(request=case, version=version)


@require_POST
def delivery_submit(request, code, version):
    delivery = _delivery_of(request, code, version)
    form = SubmitForm(request.POST, first_version=delivery.version == 1)
    if not form.is_valid():
        messages.error(request, _first_error(ValidationError(list(form.errors.values()))))
        return redirect("acceptance_app:overview", code=code)
    try:
        services.delivery_submit(
            actor=request.user,
            delivery=delivery,
            summary=form.cleaned_data["summary"],
            changes=form.cleaned_data.get("changes", ""),
        )
    except ActionRefused as refused:
        messages.error(request, refused.message)
    except ValidationError as error:
        messages.error(request, _first_error(error))
    else:
        messages.success(request, _("The delivery is submitted for acceptance."))
        return redirect(delivery)
    return redirect("acceptance_app:overview", code=code)


def _simple_action(service, success_message):
    @require_POST
    def view(request, code, version):
        delivery = _delivery_of(request, code, version)
        try:
            service(actor=request.user, delivery=delivery)
        except ActionRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, success_message())
        return redirect(delivery)

    return view


delivery_withdraw = _simple_action(
    services.delivery_withdraw, lambda: _("The delivery is withdrawn; it is a draft again.")
)
delivery_urge = _simple_action(services.delivery_urge, lambda: _("The acceptor has been reminded."))


@require_POST
def delivery_accept(request, code, version):
    delivery = _delivery_of(request, code, version)
    form = AcceptanceForm(request.POST, items=delivery.items.all())
    if form.is_valid():
        try:
            review = services.acceptance_decide(
                actor=request.user,
                delivery=delivery,
                verdicts=form.verdicts(),
                comment=form.cleaned_data["comment"],
                password=form.cleaned_data.get("password", ""),
            )
        except ActionRefused as refused:
            return _refused(request, refused, delivery)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if review.decision == review.Decision.ACCEPTED:
                messages.success(request, _("Accepted and signed; the retrospective follows."))
            else:
                messages.warning(request, _("Sent back for rework; the failed tasks reopened."))
            return redirect(delivery)
    case = delivery.request
    page = selectors.delivery_page(user=request.user, request=case)
    shown = next(v for v in page.versions if v.delivery.pk == delivery.pk)
    context = {"case": case, "page": page, "shown": shown, "is_current": True, "form": form}
    return render(request, "acceptance_app/version.html", context, status=400)


@require_POST
def delivery_link(request, code, version):
    delivery = _delivery_of(request, code, version)
    try:
        path = services.acceptance_link_create(actor=request.user, delivery=delivery)
    except ActionRefused as refused:
        return _refused(request, refused, delivery)
    case = delivery.request
    contact = services.acceptance_receiver(case).contact
    response = render(
        request,
        "acceptance_app/link_created.html",
        {
            "case": case,
            "delivery": delivery,
            "new_link": new_link(request=request, case=case, path=path, contact=contact),
        },
    )
    add_never_cache_headers(response)  # the raw token is shown once
    return response


@require_GET
def delivery_pdf(request, code, version):
    delivery = _delivery_of(request, code, version)
    return pdf_response(
        pdf=printing.delivery_list_pdf(delivery=delivery),
        filename=printing.delivery_list_filename(delivery),
    )


@require_GET
def acceptance_pdf(request, code, version):
    delivery = _delivery_of(request, code, version)
    return pdf_response(
        pdf=printing.acceptance_pdf(delivery=delivery),
        filename=printing.acceptance_filename(delivery),
    )


# --- external acceptance --------------------------------------------------------------------


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
    page = selectors.external_acceptance_page(link=link)
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


# --- retrospective and archive --------------------------------------------------------------


def _retrospective_context(request, case, retrospective, **forms):
    page = selectors.retrospective_page(user=request.user, retrospective=retrospective)
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
        "bundle": selectors.bundle_status(case),
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
        try:
            services.retrospective_save(
                actor=request.user, retrospective=retrospective, data=form.write_up()
            )
        except ActionRefused as refused:
            return _refused(request, refused, retrospective)
        messages.success(request, _("The retrospective is saved."))
        return redirect(retrospective)
    context = _retrospective_context(request, case, retrospective, write_up_form=form)
    return render(request, "acceptance_app/retrospective.html", context, status=400)


@require_POST
def retrospective_rate(request, code, receiver_pk):
    case = case_for(user=request.user, code=code)
    retrospective = selectors.retrospective_for(request=case)
    receiver = next((r for r in case.receivers.all() if r.pk == receiver_pk), None)
    form = RatingForm(request.POST)
    if receiver is not None and form.is_valid():
        try:
            services.rating_save(
                actor=request.user,
                retrospective=retrospective,
                receiver=receiver,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except ActionRefused as refused:
            return _refused(request, refused, retrospective)
        except ValidationError as error:
            messages.error(request, _first_error(error))
            return redirect(retrospective)
        messages.success(request, _("Your rating is recorded."))
        return redirect(retrospective)
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
    try:
        services.retrospective_file(actor=request.user, retrospective=retrospective)
    except ActionRefused as refused:
        return _refused(request, refused, retrospective)
    messages.success(request, _("The retrospective is filed and the request is archived."))
    return redirect(retrospective)


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
    if not case.is_archived:
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
    status = selectors.bundle_status(case)
    if status is None:
        raise Http404
    response = render(request, "acceptance_app/_bundle_status.html", {"bundle": status})
    add_never_cache_headers(response)
    return response


# --- across cases ---------------------------------------------------------------------------


@require_GET
def acceptance_list(request):
    tab = request.GET.get("tab", "accepting")
    if tab not in selectors.LIST_TABS:
        tab = "accepting"
    query = request.GET.get("q", "")[:100].replace("\x00", "")  # PostgreSQL refuses NUL
    cases = selectors.acceptance_list(user=request.user, tab=tab, query=query)
    context = {
        "tab": tab,
        "query": query,
        "rows": selectors.acceptance_rows(cases[:200]),
        "counts": selectors.acceptance_counts(user=request.user),
    }
    return render(request, "acceptance_app/list.html", context)
