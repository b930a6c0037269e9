"""The customer's satisfaction (issue 18, point 10): the acceptance link asks for an optional
score from 1 to 5 and a comment; it is kept with the decision and signed with it (it is part of
the acceptance confirmation's signed content), and the retrospective counts it beside the
receiving heads' ratings, on its page, in its PDF and in its filed figures."""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from pypdf import PdfReader

from acceptance_app import services
from acceptance_app.metrics import RetrospectiveMetrics, retrospective_metrics
from acceptance_app.models import AcceptanceReview
from acceptance_app.printing import acceptance_pdf
from acceptance_app.retrospective_printing import retrospective_pdf
from acceptance_app.services import Satisfaction
from collab_portal.signoffs.integrity import check_record, content_changes, live_snapshot
from collab_portal.signoffs.models import ExternalLink, SignOff
from requests_app.models import Receiver
from tests.fixtures.acceptance import WRITE_UP, all_pass, first_fails, rework_and_resubmit


def _token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _link(company, delivery) -> str:
    return services.acceptance_link_create(actor=company.sales_staff, delivery=delivery)


def _decide(company, delivery, *, satisfaction=None, verdicts=None):
    return services.acceptance_external_decide(
        token=_token(_link(company, delivery)),
        typed_name="高建华",
        ip="203.0.113.9",
        verdicts=verdicts or all_pass(delivery),
        satisfaction=satisfaction,
    )


def _signoff(delivery) -> SignOff:
    return SignOff.objects.get(
        target_type=ContentType.objects.get_for_model(delivery), target_id=str(delivery.pk)
    )


def _form(delivery, **fields) -> dict:
    data = {"typed_name": "高建华", "comment": ""}
    for item in delivery.items.all():
        data[f"item_{item.pk}"] = "pass"
    data.update(fields)
    return data


def test_the_link_asks_for_an_optional_score_and_comment(company, client, external_submitted):
    page = client.get(_link(company, external_submitted)).content.decode()
    assert 'data-testid="satisfaction"' in page
    for score in range(1, 6):
        assert f'name="satisfaction_score" value="{score}"' in page
    assert 'name="satisfaction_comment"' in page


def test_the_customers_score_is_kept_with_the_decision_and_signed(
    company, client, external_submitted
):
    response = client.post(
        _link(company, external_submitted),
        _form(external_submitted, satisfaction_score="4", satisfaction_comment="响应及时"),
    )
    assert response.status_code == 200 and 'data-testid="external-done"' in response.text
    review = AcceptanceReview.objects.get()
    assert (review.satisfaction_score, review.satisfaction_comment) == (4, "响应及时")
    signoff = _signoff(external_submitted)
    assert signoff.snapshot["satisfaction"] == {"score": 4, "comment": "响应及时"}
    external_submitted.refresh_from_db()
    assert check_record(external_submitted, [signoff]).intact


def test_the_acceptance_confirmation_prints_the_signed_score(company, external_submitted):
    _decide(company, external_submitted, satisfaction=Satisfaction(score=4, comment="响应及时"))
    external_submitted.refresh_from_db()
    pdf = acceptance_pdf(delivery=external_submitted)
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "客户满意度4/5·响应及时" in text


def test_a_decision_without_a_score_is_signed_as_before(company, client, external_submitted):
    response = client.post(_link(company, external_submitted), _form(external_submitted))
    assert 'data-testid="external-done"' in response.text
    review = AcceptanceReview.objects.get()
    assert (review.satisfaction_score, review.satisfaction_comment) == (None, "")
    signoff = _signoff(external_submitted)
    assert signoff.snapshot["satisfaction"] is None
    # A signature taken before the customer was asked holds no such key; it still matches.
    before = {key: value for key, value in signoff.snapshot.items() if key != "satisfaction"}
    assert content_changes(before, live_snapshot(external_submitted)) == []


def test_changing_the_score_after_signing_shows_on_the_signature(company, external_submitted):
    _decide(company, external_submitted, satisfaction=Satisfaction(score=2, comment="慢"))
    AcceptanceReview.objects.update(satisfaction_score=5)
    external_submitted.refresh_from_db()
    check = check_record(external_submitted, [_signoff(external_submitted)])
    assert not check.intact and "satisfaction.score" in " ".join(check.problems)


@pytest.mark.parametrize("score", ["0", "6", "五", "4.5"])
def test_a_score_outside_one_to_five_is_refused_and_changes_nothing(
    company, client, external_submitted, score
):
    response = client.post(
        _link(company, external_submitted), _form(external_submitted, satisfaction_score=score)
    )
    assert response.status_code == 200
    assert 'data-testid="external-form"' in response.text
    assert "请评 1 到 5 分。" in response.text
    assert not AcceptanceReview.objects.exists()
    assert ExternalLink.objects.get().used_at is None


def test_the_service_refuses_a_score_outside_one_to_five(company, external_submitted):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        _decide(company, external_submitted, satisfaction=Satisfaction(score=7))
    assert "satisfaction_score" in refused.value.message_dict
    assert not AcceptanceReview.objects.exists()
    assert ExternalLink.objects.get().used_at is None


# --- in the retrospective -----------------------------------------------------------------------


@pytest.fixture
def rated_twice(company, external_submitted):
    """v1 sent back with 2/5 (“返工太多”), v2 accepted with 4/5 (“整改及时”): the case is in
    its retrospective, the tech head rated 5/5 and the write-up is done."""
    _decide(
        company,
        external_submitted,
        verdicts=first_fails(external_submitted),
        satisfaction=Satisfaction(score=2, comment="返工太多"),
    )
    v2 = rework_and_resubmit(company, external_submitted.request)
    _decide(company, v2, satisfaction=Satisfaction(score=4, comment="整改及时"))
    case = v2.request
    case.refresh_from_db()
    services.retrospective_save(
        actor=company.tech_staff, retrospective=case.retrospective, data=WRITE_UP
    )
    services.rating_save(
        actor=company.tech_head,
        retrospective=case.retrospective,
        receiver=Receiver.objects.get(request=case, department=company.tech),
        score=5,
    )
    return case.retrospective


def test_the_figures_carry_each_rounds_score_and_the_last_one_counts(rated_twice):
    figures = retrospective_metrics(rated_twice.request).acceptance
    assert [(r.customer_score, r.customer_comment) for r in figures.rounds] == [
        (2, "返工太多"),
        (4, "整改及时"),
    ]
    assert figures.rounds[0].customer_name == "高建华（远航物流集团）"
    assert figures.customer_score == 4


def test_the_retrospective_page_shows_the_customers_score(company, login, rated_twice):
    page = login(company.tech_staff).get(rated_twice.get_absolute_url()).content.decode()
    start = page.index('data-testid="customer-rating"')
    row = page[start : page.index("</div>", page.index("</div>", start) + 1)]
    assert "4 / 5" in row and "整改及时" in row and "高建华" in row
    assert "2 / 5" in page and "返工太多" in page  # the first round's, in the rounds' table


def test_the_retrospective_pdf_shows_the_customers_score(rated_twice):
    pdf = retrospective_pdf(retrospective=rated_twice)
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "客户满意度" in text and "4/5" in text and "整改及时" in text


def test_the_filed_figures_keep_it_and_older_filed_figures_still_read(company, rated_twice):
    services.retrospective_file(actor=company.tech_staff, retrospective=rated_twice)
    rated_twice.refresh_from_db()
    filed = RetrospectiveMetrics.from_json(rated_twice.metrics)
    assert filed.acceptance.customer_score == 4
    older = rated_twice.metrics
    for round_ in older["acceptance"]["rounds"]:
        for key in ("customer_score", "customer_comment", "customer_name"):
            del round_[key]
    read = RetrospectiveMetrics.from_json(older)
    assert read.acceptance.customer_score is None
    assert read.acceptance.rounds[1].version == 2
