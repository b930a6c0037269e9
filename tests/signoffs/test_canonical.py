"""The fingerprint of signed content: the same content always gives the same hash, any change
gives another, and neither key order nor the Python type of a value changes it."""

import datetime
import decimal
import hashlib
import json
import uuid
import zoneinfo

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from collab_portal.signoffs.canonical import canonical_json, snapshot_hash, take_snapshot

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_it_writes_sorted_compact_utf8_json():
    assert canonical_json({"b": 1, "a": "需求", "c": [True, None]}) == (
        '{"a":"需求","b":1,"c":[true,null]}'
    )


def test_key_order_does_not_change_the_json_or_the_hash():
    first = {"subject": "接口联调", "receivers": {"tech": 1, "sales": 2}, "goal": "上线"}
    second = {"goal": "上线", "receivers": {"sales": 2, "tech": 1}, "subject": "接口联调"}
    assert canonical_json(first) == canonical_json(second)
    assert snapshot_hash(first) == snapshot_hash(second)


def test_the_hash_is_the_sha256_of_the_utf8_json():
    data = {"subject": "接口联调"}
    expected = hashlib.sha256('{"subject":"接口联调"}'.encode()).hexdigest()
    assert snapshot_hash(data) == expected
    assert len(expected) == 64


def test_the_hash_is_stable_and_changes_with_any_field():
    data = {"subject": "接口联调", "deadline": datetime.date(2026, 3, 31), "budget": 1200}
    assert snapshot_hash(data) == snapshot_hash(dict(data))
    assert snapshot_hash(data) != snapshot_hash({**data, "budget": 1201})
    assert snapshot_hash(data) != snapshot_hash({**data, "subject": "接口联调 "})


def test_dates_are_iso_and_datetimes_are_utc_to_the_second():
    signed = datetime.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=SHANGHAI)
    data = {"day": datetime.date(2026, 3, 2), "at": signed, "time": datetime.time(8, 5, 1, 9)}
    assert json.loads(canonical_json(data)) == {
        "day": "2026-03-02",
        "at": "2026-03-02T01:30:15+00:00",
        "time": "08:05:01",
    }


def test_the_same_instant_in_any_time_zone_hashes_the_same():
    in_shanghai = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
    in_utc = datetime.datetime(2026, 3, 2, 1, 30, tzinfo=datetime.UTC)
    naive_local = datetime.datetime(2026, 3, 2, 9, 30)  # read in the portal's time zone
    assert snapshot_hash({"at": in_shanghai}) == snapshot_hash({"at": in_utc})
    assert snapshot_hash({"at": naive_local}) == snapshot_hash({"at": in_utc})


def test_decimals_are_plain_strings_whatever_their_scale():
    assert canonical_json({"amount": decimal.Decimal("1200.50")}) == '{"amount":"1200.5"}'
    assert canonical_json({"amount": decimal.Decimal("1.2E+3")}) == '{"amount":"1200"}'
    assert canonical_json({"amount": decimal.Decimal("-0.00")}) == '{"amount":"0"}'
    assert snapshot_hash({"a": decimal.Decimal("3.10")}) == snapshot_hash(
        {"a": decimal.Decimal("3.1")}
    )
    assert snapshot_hash({"a": decimal.Decimal("3.1")}) != snapshot_hash({"a": 3.1})


def test_uuids_and_sets_are_deterministic():
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert canonical_json({"id": key, "tags": {"b", "a"}}) == (
        '{"id":"12345678-1234-5678-1234-567812345678","tags":["a","b"]}'
    )


@pytest.mark.parametrize("value", [object(), float("nan"), decimal.Decimal("NaN")])
def test_it_refuses_what_it_cannot_write_deterministically(value):
    with pytest.raises((TypeError, ValueError)):
        canonical_json({"value": value})


def test_a_snapshot_is_taken_in_the_default_language_whoever_looks():
    class Record:
        def signing_snapshot(self):
            return {"stage": gettext_lazy("Department"), "when": datetime.date(2026, 1, 5)}

    with translation.override("en"):
        english_view = take_snapshot(Record())
    with translation.override("zh-hans"):
        chinese_view = take_snapshot(Record())
    assert english_view == chinese_view == {"stage": "部门", "when": "2026-01-05"}
