"""What the printed forms of stages 1–2 show:
《沟通需求登记表》《信息同步记录表》《协作方案确认表》."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from cases.models import Case
from collab_portal.documents.rendering import image_data_url
from collab_portal.org.selectors import company_name
from collab_portal.signoffs.integrity import check_record
from collab_portal.signoffs.models import SignOff
from requests_app.models import CollabPlan, KickoffMeeting
from requests_app.policies import plan_sides


def _signature_image(signoff: SignOff) -> str:
    """The signer's signature image as a data URL (the PDF fetcher reads no media files)."""
    user = signoff.signer
    if user is None or not user.signature_image:
        return ""
    return image_data_url(user.signature_image) or ""


def signature_boxes(signoffs: list[SignOff]) -> list[dict]:
    return [
        {
            "meaning": signoff.get_meaning_display(),
            "name": signoff.signer_name,
            "on_behalf_of": signoff.on_behalf_of_name,
            "role": signoff.shown_role,
            "signed_at": signoff.signed_at,
            "sha256": signoff.sha256,
            "image": _signature_image(signoff),
            "link_sent_to": signoff.external_contact.name if signoff.typed_name_differs else "",
        }
        for signoff in signoffs
    ]


def _signoffs_of(target) -> list[SignOff]:
    return list(
        SignOff.objects.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
        ).select_related("signer", "on_behalf_of", "external_contact", "target_type")
    )


def registration_context(request: Case) -> dict:
    signoffs = [s for s in _signoffs_of(request) if s.meaning == SignOff.Meaning.APPROVED]
    reviews = list(request.reviews.select_related("reviewer", "on_behalf_of"))
    steps = [
        {
            "time": review.decided_at,
            "actor": review.reviewer.name
            + (f" (代 {review.on_behalf_of.name})" if review.on_behalf_of else ""),
            "action": review.get_decision_display()
            + (f" · {review.get_reason_code_display()}" if review.reason_code else ""),
            "comment": review.comment,
        }
        for review in reviews
    ]
    return {
        "company_name": company_name(),
        "form_number": request.code,
        "case": request,
        "receivers": list(request.receivers.select_related("department", "party", "contact")),
        "attachments": list(request.attachments.filter(sync_record__isnull=True)),
        "is_draft": not signoffs,
        "signature_problems": check_record(request, signoffs).problems,
        "approval_steps": steps,
        "signatures": signature_boxes(signoffs),
        "filename": _("Registration form") + f"-{request.code}.pdf",
    }


def sync_context(request: Case) -> dict:
    records = list(
        request.sync_records.select_related(
            "receiver__department",
            "receiver__party",
            "receiver__contact",
            "acknowledged_by",
            "recorded_by",
        )
    )
    kickoff = (
        KickoffMeeting.objects.filter(request=request)
        .prefetch_related("invited", "attended")
        .first()
    )
    return {
        "company_name": company_name(),
        "form_number": request.code,
        "case": request,
        "records": records,
        "kickoff": kickoff,
        "is_draft": request.stage == Case.Stage.SYNCING,
        "signatures": [],
        "filename": _("Information sync record") + f"-{request.code}.pdf",
    }


def plan_context(plan: CollabPlan) -> dict:
    signoffs = _signoffs_of(plan)
    confirmations = [s for s in signoffs if s.meaning == SignOff.Meaning.CONFIRMED]
    sides = [
        {"label": side.label, "signed": any(s.side_key == side.key for s in confirmations)}
        for side in plan_sides(plan.request)
    ]
    return {
        "company_name": company_name(),
        "form_number": f"{plan.request.code}-v{plan.version}",
        "case": plan.request,
        "plan": plan,
        "milestones": list(plan.milestones.all()),
        "sides": sides,
        "is_draft": plan.state != CollabPlan.State.CONFIRMED,
        "signature_problems": check_record(plan, signoffs).problems,
        "signatures": signature_boxes(confirmations),
        "filename": _("Plan confirmation form") + f"-{plan.request.code}-v{plan.version}.pdf",
    }
