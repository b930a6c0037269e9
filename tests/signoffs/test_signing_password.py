"""Admins may ask signers to re-enter their password; by default nobody is asked."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from collab_portal.signoffs.models import SigningPolicy
from collab_portal.signoffs.services import signing_password_check
from tests.factories import TEST_PASSWORD


@pytest.fixture
def password_required(db):
    policy = SigningPolicy.current()
    policy.require_password = True
    policy.save()
    return policy


def test_the_policy_is_one_row_that_starts_off(db):
    policy = SigningPolicy.current()
    assert (policy.pk, policy.require_password) == (1, False)
    assert SigningPolicy.current() == policy
    SigningPolicy(require_password=True).save()  # a second "row" is the same row
    assert SigningPolicy.objects.count() == 1
    assert SigningPolicy.current().require_password is True


@pytest.mark.parametrize("password", [None, "", "wrong"])
def test_with_the_policy_off_nothing_is_checked(company, password):
    signing_password_check(user=company.sales_head, password=password)
    assert SigningPolicy.objects.get().require_password is False


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (None, "Enter your password to sign."),
        ("", "Enter your password to sign."),
        ("not-my-password", "The password is not correct."),
    ],
)
def test_with_the_policy_on_a_missing_or_wrong_password_is_refused(
    company, password_required, password, message
):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        signing_password_check(user=company.sales_head, password=password)
    assert refused.value.message_dict == {"password": [message]}


def test_with_the_policy_on_the_right_password_passes(company, password_required):
    signing_password_check(user=company.sales_head, password=TEST_PASSWORD)
