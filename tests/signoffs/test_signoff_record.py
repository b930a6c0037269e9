"""Recording a signature keeps who signed, for whom, in what role and meaning, and exactly
what the record held at that moment."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from collab_portal.org.models import Department
from collab_portal.signoffs.canonical import canonical_json, snapshot_hash
from collab_portal.signoffs.integrity import json_plain
from collab_portal.signoffs.models import SignOff
from collab_portal.signoffs.selectors import signoffs_for
from collab_portal.signoffs.services import signoff_record
from tests.factories import ExternalContactFactory

pytestmark = pytest.mark.usefixtures("signable")


def test_it_stores_the_signature_over_the_canonical_snapshot(company):
    signoff = signoff_record(
        target=company.sales,
        signer=company.sales_head,
        role="部门负责人",
        meaning=SignOff.Meaning.APPROVED,
        comment="同意",
        side_key=f"dept:{company.sales.pk}",
        ip="10.0.0.8",
        user_agent="Mozilla/5.0",
    )
    row = SignOff.objects.get()
    assert row == signoff
    assert row.target == company.sales
    assert row.target_type == ContentType.objects.get_for_model(company.sales)
    assert row.target_id == str(company.sales.pk)
    assert row.title == "《部门信息确认表》SALES"
    assert (row.signer, row.signer_name, row.on_behalf_of, row.external_contact) == (
        company.sales_head,
        "李四",
        None,
        None,
    )
    assert (row.role, row.meaning, row.comment) == ("部门负责人", "approved", "同意")
    assert row.snapshot == {"code": "SALES", "head": "李四", "kind": "department", "name": "销售部"}
    assert row.content_sha256 == snapshot_hash(row.snapshot)
    assert row.content_sha256 == snapshot_hash(company.sales.signing_snapshot())
    assert row.sha256 == snapshot_hash(row.seal)  # the signature's own fingerprint
    assert (row.seal["content_sha256"], row.seal["signer"], row.seal["signer_name"]) == (
        row.content_sha256,
        company.sales_head.pk,
        "李四",
    )
    assert (row.seal["role"], row.seal["meaning"], row.seal["record"]) == (
        "部门负责人",
        "approved",
        f"org.department:{company.sales.pk}",
    )
    assert row.seal["signed_at"] == json_plain(row.signed_at)
    assert canonical_json(row.snapshot) == canonical_json(company.sales.signing_snapshot())
    assert (row.ip, row.user_agent) == ("10.0.0.8", "Mozilla/5.0")
    assert row.signed_at is not None
    assert row.label == "李四"


def test_a_delegate_signs_for_the_head_and_is_labelled_so(company):
    signoff = signoff_record(
        target=company.tech,
        signer=company.tech_staff,
        on_behalf_of=company.tech_head,
        role="部门负责人",
        meaning=SignOff.Meaning.CONFIRMED,
    )
    signoff.refresh_from_db()
    assert (signoff.signer_name, signoff.on_behalf_of_name) == ("王五", "赵六")
    assert signoff.on_behalf_of == company.tech_head
    assert signoff.label == "王五 (代 赵六)"
    with translation.override("en"):
        assert signoff.label == "王五 (for 赵六)"


def test_an_external_contact_signs_with_the_name_they_typed(company):
    contact = ExternalContactFactory(name="陈经理")
    signoff = signoff_record(
        target=company.sales,
        external_contact=contact,
        typed_name="  陈  大明 ",
        role="客户代表",
        meaning=SignOff.Meaning.ACCEPTED,
        side_key=f"party:{contact.party_id}",
    )
    signoff.refresh_from_db()
    assert signoff.signer is None
    assert signoff.external_contact == contact
    assert signoff.signer_name == "陈 大明"
    assert signoff.is_external


def test_an_external_contact_must_type_a_name(company):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        signoff_record(
            target=company.sales,
            external_contact=ExternalContactFactory(),
            typed_name="   ",
            role="客户代表",
            meaning=SignOff.Meaning.ACCEPTED,
        )
    assert refused.value.message_dict == {"typed_name": ["Type your full name to sign."]}
    assert not SignOff.objects.exists()


@pytest.mark.parametrize(
    "who",
    [
        {},
        {"signer": "sales_head", "external_contact": True},
        {"on_behalf_of": "sales_head", "external_contact": True},
    ],
    ids=["nobody", "both", "on-behalf-of-an-external"],
)
def test_exactly_one_of_signer_and_external_contact_signs(company, who):
    kwargs = {}
    if "signer" in who:
        kwargs["signer"] = company.sales_head
    if "on_behalf_of" in who:
        kwargs["on_behalf_of"] = company.sales_head
    if who.get("external_contact"):
        kwargs["external_contact"] = ExternalContactFactory()
        kwargs["typed_name"] = "陈大明"
    with pytest.raises(ValueError):
        signoff_record(target=company.sales, role="x", meaning="approved", **kwargs)
    assert not SignOff.objects.exists()


def test_an_unknown_meaning_is_refused(company):
    with pytest.raises(ValueError):
        signoff_record(target=company.sales, signer=company.sales_head, role="x", meaning="maybe")
    assert not SignOff.objects.exists()


def test_a_side_cannot_sign_the_same_meaning_twice(company):
    side = f"dept:{company.sales.pk}"
    signoff_record(
        target=company.sales,
        signer=company.sales_head,
        role="部门负责人",
        meaning="confirmed",
        side_key=side,
    )
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        signoff_record(
            target=company.sales,
            signer=company.sales_staff,
            role="部门负责人",
            meaning="confirmed",
            side_key=side,
        )
    assert refused.value.messages == ["This side has already signed."]
    assert SignOff.objects.get().signer == company.sales_head


def test_the_database_refuses_a_second_row_for_the_same_side_and_meaning(company):
    first = signoff_record(
        target=company.sales,
        signer=company.sales_head,
        role="部门负责人",
        meaning="confirmed",
        side_key="dept:1",
    )
    duplicate = SignOff(
        target_type=first.target_type,
        target_id=first.target_id,
        signer=company.sales_staff,
        signer_name="张三",
        role="部门负责人",
        meaning="confirmed",
        side_key="dept:1",
        snapshot=first.snapshot,
        sha256=first.sha256,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    assert SignOff.objects.count() == 1


def test_the_same_side_may_ask_for_revision_and_other_sides_sign_too(company):
    for signer, meaning, side in [
        (company.sales_head, "rejected", "dept:1"),
        (company.sales_head, "confirmed", "dept:1"),
        (company.tech_head, "confirmed", "dept:2"),
        (company.tech_head, "approved", ""),
        (company.tech_head, "approved", ""),  # no side: not a co-signature, no limit
    ]:
        signoff_record(
            target=company.sales,
            signer=signer,
            role="部门负责人",
            meaning=meaning,
            side_key=side,
        )
    assert SignOff.objects.count() == 5
    # co-signers share the fingerprint of the content, each signature has its own
    assert len({s.content_sha256 for s in SignOff.objects.all()}) == 1
    assert len({s.sha256 for s in SignOff.objects.all()}) == 4  # the same approval twice: one


def test_the_stored_signature_does_not_follow_later_changes(company):
    signoff = signoff_record(
        target=company.sales, signer=company.sales_head, role="部门负责人", meaning="approved"
    )
    company.sales.name = "销售一部"
    company.sales.save()
    signoff.refresh_from_db()
    assert signoff.snapshot["name"] == "销售部"
    assert signoff.content_sha256 == snapshot_hash(
        {**company.sales.signing_snapshot(), "name": "销售部"}
    )
    assert signoff.content_sha256 != snapshot_hash(company.sales.signing_snapshot())


def test_signoffs_for_lists_a_records_signatures_in_one_query(company, django_assert_num_queries):
    contact = ExternalContactFactory()
    signoff_record(
        target=company.sales,
        signer=company.sales_staff,
        on_behalf_of=company.sales_head,
        role="部门负责人",
        meaning="approved",
    )
    signoff_record(
        target=company.sales,
        external_contact=contact,
        typed_name="陈大明",
        role="客户",
        meaning="confirmed",
    )
    signoff_record(target=company.tech, signer=company.tech_head, role="x", meaning="approved")
    signoffs_for(company.sales)  # content types are cached after the first look-up
    with django_assert_num_queries(1):
        signoffs = signoffs_for(company.sales)
        rendered = [(s.label, s.signer, s.on_behalf_of, s.external_contact) for s in signoffs]
        party = signoffs[1].external_contact.party.name
    assert [r[0] for r in rendered] == ["张三 (代 李四)", "陈大明"]
    assert party == contact.party.name


def test_a_recorded_sign_off_is_never_changed_or_deleted(company):
    signoff = signoff_record(
        target=company.sales, signer=company.sales_head, role="部门负责人", meaning="approved"
    )
    signoff.comment = "改过的意见"
    with pytest.raises(ValueError):
        signoff.save()
    with pytest.raises(ValueError):
        signoff.delete()
    assert SignOff.objects.get().comment == ""


def test_acting_for_oneself_is_not_acting_on_behalf(company):
    signoff = signoff_record(
        target=company.sales,
        signer=company.sales_head,
        on_behalf_of=company.sales_head,
        role="部门负责人",
        meaning="approved",
    )
    assert (signoff.on_behalf_of, signoff.on_behalf_of_name, signoff.label) == (None, "", "李四")


def test_an_unsaved_record_cannot_be_signed(company):
    with pytest.raises(ValueError):
        signoff_record(
            target=Department(code="NEW", name="新部门"),
            signer=company.sales_head,
            role="x",
            meaning="approved",
        )
    assert not SignOff.objects.exists()
