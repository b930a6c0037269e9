"""The case's delivery list and its versions (stage 5): items and their files, submitting,
withdrawing and urging, accepting in the portal, the acceptance link, the printed forms.

The case is fetched through ``case_for`` (404 for whoever may not see it); every record
below it is looked up within that case.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acceptance_app import pages, policies, printing, selectors, services
from acceptance_app.forms import AcceptanceForm, ItemForm, SubmitForm
from acceptance_app.models import Delivery
from cases.selectors import case_for
from collab_portal.documents.rendering import pdf_response
from collab_portal.lib.forms import apply_validation_error
from collab_portal.lib.refusals import ActionRefused
from collab_portal.lib.uploads import StoredFileChanged, file_withheld, unchanged_file_response
from collab_portal.lib.views import run_service
from requests_app.one_time_links import new_link


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
    page = pages.delivery_page(user=request.user, request=case)
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
    page = pages.delivery_page(user=request.user, request=case)
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
    refusal = policies.item_form_refusal(user=request.user, request=case)
    if refusal:
        messages.error(request, refusal)
        return redirect(_overview(case))
    tasks = policies.tasks_for_items(user=request.user, request=case)
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
    refusal = policies.item_form_refusal(user=request.user, request=case, item=item)
    if refusal:
        messages.error(request, refusal)
        return redirect(_overview(case))
    tasks = policies.tasks_for_items(user=request.user, request=case)
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
    return run_service(
        request,
        lambda: services.delivery_new_version(actor=request.user, request=case),
        success=lambda delivery: (
            _("Version %(version)s is a copy of the one sent back: rework the failed items here.")
            % {"version": delivery.version}
        ),
        then=lambda: redirect(_overview(case)),
    )


@require_POST
def item_remove(request, code, pk):
    case = case_for(user=request.user, code=code)
    item = selectors.item_for(request=case, pk=pk)
    return run_service(
        request,
        lambda: services.delivery_item_remove(actor=request.user, item=item),
        success=_("“%(name)s” is removed.") % {"name": item.name},
        then=lambda: redirect("acceptance_app:overview", code=case.code),
    )


@require_POST
def file_remove(request, code, pk):
    case = case_for(user=request.user, code=code)
    file = selectors.file_for(request=case, pk=pk)
    return run_service(
        request,
        lambda: services.delivery_file_remove(actor=request.user, file=file),
        success=_("The file is removed."),
        then=lambda: redirect("acceptance_app:item_edit", code=case.code, pk=file.item_id),
    )


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


@require_POST
def delivery_withdraw(request, code, version):
    delivery = _delivery_of(request, code, version)
    return run_service(
        request,
        lambda: services.delivery_withdraw(actor=request.user, delivery=delivery),
        success=_("The delivery is withdrawn; it is a draft again."),
        then=lambda: redirect(delivery),
    )


@require_POST
def delivery_urge(request, code, version):
    delivery = _delivery_of(request, code, version)
    return run_service(
        request,
        lambda: services.delivery_urge(actor=request.user, delivery=delivery),
        success=_("The acceptor has been reminded."),
        then=lambda: redirect(delivery),
    )


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
    page = pages.delivery_page(user=request.user, request=case)
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
    contact = policies.acceptance_receiver(case).contact
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
