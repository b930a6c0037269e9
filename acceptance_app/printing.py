"""What the printed forms of stage 5 show: 《成果交付清单》 (one delivery version as delivered)
and 《验收确认单》 (the acceptor's verdict on each item, the decision and the signature).

The templates extend documents/form_base.html like every other form and only print the strings
computed here."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from acceptance_app.models import AcceptanceReview, Delivery, DeliveryFile, DeliveryItem
from collab_portal.documents.rendering import render_pdf
from collab_portal.org.selectors import company_name
from collab_portal.signoffs.integrity import check_record
from collab_portal.signoffs.models import SHORT_HASH_LENGTH, SignOff
from collab_portal.signoffs.selectors import signoffs_for
from requests_app.printing import signature_boxes

DELIVERY_TEMPLATE = "acceptance_app/pdf/delivery.html"
ACCEPTANCE_TEMPLATE = "acceptance_app/pdf/acceptance.html"
NONE = "—"


@dataclass(frozen=True)
class ItemLine:
    """One delivered item as a row of either form."""

    number: int
    name: str
    version: str
    quantity: int
    task: str
    standard: str
    files: list[str]
    notes: str
    verdict: str = ""
    verdict_comment: str = ""
    failed: bool = False


def _label(model, field: str) -> str:
    return str(capfirst(model._meta.get_field(field).verbose_name))


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else NONE


def _person(user, moment=None) -> str:
    if user is None:
        return NONE
    return f"{user.name} · {_when(moment)}" if moment else user.name


def file_line(delivered: DeliveryFile) -> str:
    """“报告.pdf · 1.2 MB · SHA-256 3f2a9c0d41b7”."""
    return (
        f"{delivered.name} · {filesizeformat(delivered.size)} · "
        f"SHA-256 {delivered.sha256[:SHORT_HASH_LENGTH]}"
    )


def _items(delivery: Delivery) -> list[DeliveryItem]:
    # A fresh query: the caller's delivery may come with its items prefetched differently.
    return list(
        DeliveryItem.objects.filter(delivery=delivery)
        .select_related("task")
        .prefetch_related(
            Prefetch("files", queryset=DeliveryFile.objects.order_by("uploaded_at", "pk"))
        )
    )


def _review(delivery: Delivery) -> AcceptanceReview | None:
    return (
        AcceptanceReview.objects.filter(delivery=delivery)
        .select_related("reviewer", "on_behalf_of")
        .prefetch_related("verdicts")
        .first()
    )


def _item_lines(items: list[DeliveryItem], review: AcceptanceReview | None) -> list[ItemLine]:
    verdicts = {v.item_id: v for v in review.verdicts.all()} if review else {}
    lines = []
    for number, item in enumerate(items, 1):
        verdict = verdicts.get(item.pk)
        if verdict is None:
            verdict_label, failed = NONE, False
        else:
            verdict_label = _("Passed") if verdict.passed else _("Not passed")
            failed = not verdict.passed
        lines.append(
            ItemLine(
                number=number,
                name=item.name,
                version=item.version or NONE,
                quantity=item.quantity,
                task=f"{item.task.wbs_code} {item.task.name}",
                standard=item.task.deliverable_standard or NONE,
                files=[file_line(f) for f in item.files.all()],
                notes=item.notes,
                verdict=verdict_label,
                verdict_comment=verdict.comment if verdict else "",
                failed=failed,
            )
        )
    return lines


def _case_fields(delivery: Delivery) -> list[tuple[str, str]]:
    case = delivery.request
    return [
        (_("Number"), case.code),
        (_("Subject"), case.subject),
        (_label(Delivery, "version"), f"v{delivery.version}"),
    ]


def delivery_list_filename(delivery: Delivery) -> str:
    return _("Delivery list") + f"-{delivery.request.code}-v{delivery.version}.pdf"


def acceptance_filename(delivery: Delivery) -> str:
    return _("Acceptance confirmation") + f"-{delivery.request.code}-v{delivery.version}.pdf"


def delivery_list_context(delivery: Delivery) -> dict:
    """《成果交付清单》 of one delivery version; a draft until it is submitted."""
    submitted = _person(delivery.submitted_by, delivery.submitted_at)
    fields = [
        *_case_fields(delivery),
        (_label(Delivery, "state"), delivery.get_state_display()),
        (_label(Delivery, "prepared_by"), _person(delivery.prepared_by, delivery.created_at)),
        (_label(Delivery, "submitted_by"), submitted),
        (_label(Delivery, "summary"), delivery.summary or NONE),
    ]
    if delivery.version >= 2:
        fields.append((_label(Delivery, "changes"), delivery.changes or NONE))
    return {
        "company_name": company_name(),
        "form_number": f"{delivery.request.code}-v{delivery.version}",
        "case": delivery.request,
        "fields": fields,
        "columns": [
            "#",
            _label(DeliveryItem, "name"),
            _label(DeliveryItem, "version"),
            _label(DeliveryItem, "quantity"),
            _label(DeliveryItem, "task"),
            _("Deliverable standard"),
            _("Files"),
            _label(DeliveryItem, "notes"),
        ],
        "items": _item_lines(_items(delivery), review=None),
        "is_draft": delivery.state == Delivery.State.DRAFT,
        "signatures": [],
        "filename": delivery_list_filename(delivery),
    }


def _acceptor(review: AcceptanceReview) -> str:
    if review.on_behalf_of_id:
        return _("%(delegate)s (for %(principal)s)") % {
            "delegate": review.reviewer_name,
            "principal": review.on_behalf_of.name,
        }
    return review.reviewer_name


def acceptance_signature_boxes(delivery: Delivery) -> list[dict]:
    """The acceptor's signature: 验收 when accepted; a rejection is signed too, and printed as
    “sent back for rework”."""
    signoffs = [
        s
        for s in signoffs_for(delivery)
        if s.meaning in (SignOff.Meaning.ACCEPTED, SignOff.Meaning.REJECTED)
    ]
    boxes = signature_boxes(signoffs)
    for box, signoff in zip(boxes, signoffs, strict=True):
        if signoff.meaning == SignOff.Meaning.REJECTED:
            box["meaning"] = str(AcceptanceReview.Decision.REJECTED.label)
    return boxes


def acceptance_context(delivery: Delivery) -> dict:
    """《验收确认单》: each item's verdict, the decision and the acceptor's signature; a draft
    until the acceptor has decided."""
    review = _review(delivery)
    submitted = _person(delivery.submitted_by, delivery.submitted_at)
    fields = [*_case_fields(delivery), (_label(Delivery, "submitted_by"), submitted)]
    if review is not None:
        fields += [
            (_label(AcceptanceReview, "reviewer"), _acceptor(review)),
            (_label(AcceptanceReview, "decided_at"), _when(review.decided_at)),
            (_label(AcceptanceReview, "decision"), review.get_decision_display()),
            (_label(AcceptanceReview, "comment"), review.comment or NONE),
        ]
        if review.satisfaction is not None:  # signed with the customer's decision
            parts = [f"{review.satisfaction_score} / 5"] if review.satisfaction_score else []
            parts += [review.satisfaction_comment] if review.satisfaction_comment else []
            fields.append((_label(AcceptanceReview, "satisfaction_score"), " · ".join(parts)))
    else:
        fields.append((_label(AcceptanceReview, "decision"), _("Not decided yet")))
    signatures = acceptance_signature_boxes(delivery)
    return {
        "company_name": company_name(),
        "form_number": f"{delivery.request.code}-v{delivery.version}",
        "case": delivery.request,
        "fields": fields,
        "columns": [
            "#",
            _label(DeliveryItem, "name"),
            _label(DeliveryItem, "version"),
            _label(DeliveryItem, "quantity"),
            _("Deliverable standard"),
            _("Verdict"),
            _("Comment"),
        ],
        "items": _item_lines(_items(delivery), review),
        "is_draft": review is None,
        "signature_problems": check_record(delivery, signoffs_for(delivery)).problems,
        "signatures": signatures,
        "filename": acceptance_filename(delivery),
    }


def delivery_list_pdf(*, delivery: Delivery) -> bytes:
    return render_pdf(template_name=DELIVERY_TEMPLATE, context=delivery_list_context(delivery))


def acceptance_pdf(*, delivery: Delivery) -> bytes:
    return render_pdf(template_name=ACCEPTANCE_TEMPLATE, context=acceptance_context(delivery))
