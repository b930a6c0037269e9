"""The signature block a case page includes: who signed, as what, when, and the short hash
that opens the verification page."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from collab_portal.signoffs.selectors import signoffs_for
from collab_portal.signoffs.services import signoff_record
from tests.factories import ExternalContactFactory

pytestmark = pytest.mark.usefixtures("signable")


def test_it_lists_each_signature_with_a_link_to_its_verification(company):
    contact = ExternalContactFactory()
    internal = signoff_record(
        target=company.sales,
        signer=company.sales_staff,
        on_behalf_of=company.sales_head,
        role="部门负责人",
        meaning="confirmed",
        comment="同意",
    )
    external = signoff_record(
        target=company.sales,
        external_contact=contact,
        typed_name="陈大明",
        role="客户代表",
        meaning="rejected",
        comment="请补充测试计划",
    )
    with translation.override("en"):
        html = render_to_string(
            "signoffs/_signature_block.html", {"signoffs": signoffs_for(company.sales)}
        )
    assert "张三 (for 李四)" in html and "陈大明" in html and contact.party.name in html
    assert "Confirmed" in html and "Revision requested" in html
    assert "请补充测试计划" in html
    assert f"<code>{internal.sha256[:12]}</code>" in html
    assert reverse("signoffs:verify_hash", args=[external.sha256]) in html
    assert timezone.localtime(internal.signed_at).strftime("%Y-%m-%d %H:%M") in html


def test_it_says_when_nobody_has_signed(company):
    with translation.override("en"):
        html = render_to_string("signoffs/_signature_block.html", {"signoffs": []})
    assert "No signatures yet." in html
