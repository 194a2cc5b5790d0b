"""Parsing a webhook body: what is not a Unified.to delivery is said to be so, never raised."""

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from connectors.unified.webhooks import (
    MalformedDelivery,
    newest_update,
    parse_delivery,
    replay_key,
    signature_matches,
    verify_webhook_signature,
    webhook_delivery,
)

SECRET = "workspace-secret"
DATA = [{"id": "inv-1", "total_amount": 12.5}]


def _delivery(**changes) -> dict:
    body = webhook_delivery(
        DATA, connection_id="conn_1", object_type="invoice", secret=SECRET, nonce="n-1"
    )
    return {**body, **changes}


def _at_stack_depth(frames: int, call):
    """`call()` from `frames` frames deeper: what a request sees inside Django's stack."""
    return call() if frames == 0 else _at_stack_depth(frames - 1, call)


def test_a_delivery_parses_from_bytes_text_or_a_dict():
    body = _delivery()
    raw = json.dumps(body)
    assert parse_delivery(raw.encode()) == parse_delivery(raw) == parse_delivery(body) == body


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON"),
        (b"", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
        (b"[1, 2]", "JSON list, not an object"),
        (b"null", "JSON NoneType, not an object"),
        (json.dumps(_delivery(sig=None)), "required"),
        (json.dumps(_delivery(data={"id": 1})), "required"),
        (json.dumps({"data": [], "sig": "s"}), "required"),
        (json.dumps(_delivery(webhook={})), "connection_id"),
    ],
)
def test_what_is_not_a_delivery_is_malformed(body, reason):
    with pytest.raises(MalformedDelivery, match=reason):
        parse_delivery(body)
    assert not verify_webhook_signature(body, SECRET)


def test_data_too_deep_to_serialise_again_is_malformed_not_a_recursion_error():
    delivery = parse_delivery(json.dumps(_delivery(data="@")).replace('"@"', "[" * 800 + "]" * 800))
    with pytest.raises(MalformedDelivery, match="nested too deeply"):
        _at_stack_depth(400, lambda: signature_matches(delivery, SECRET))


def test_a_lone_surrogate_is_malformed_not_a_unicode_error():
    delivery = parse_delivery(json.dumps(_delivery(nonce="@")).replace('"@"', '"\\ud800"'))
    with pytest.raises(MalformedDelivery, match="not valid Unicode"):
        signature_matches(delivery, SECRET)


def test_the_replay_key_is_hmac_sha256_of_the_signed_content_whatever_the_sig_spelling():
    message = b'[{"id":"inv-1","total_amount":12.5}]n-1'
    expected = hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
    assert replay_key(_delivery(), SECRET) == expected
    assert replay_key(_delivery(sig=_delivery()["sig"].upper()), SECRET) == expected
    assert replay_key(_delivery(nonce="n-2"), SECRET) != expected


def test_the_newest_updated_at_dates_a_delivery():
    data = [
        {"id": "1", "updated_at": "2026-03-01T10:00:00Z"},
        {"id": "2", "updated_at": "2026-03-02T10:00:00+02:00"},  # 08:00 UTC: the newest
        {"id": "3", "updated_at": "2026-03-02T07:59:59"},  # no zone: UTC
        {"id": "4", "updated_at": "not a date"},
        {"id": "5", "updated_at": 1764492000},
        {"id": "6", "updated_at": "0001-01-01T00:00:00+14:00"},  # out of range in UTC
        {"id": "7"},
        "not an object",
    ]
    assert newest_update({"data": data}) == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert newest_update({"data": data[3:]}) is None
    assert newest_update({"data": []}) is None


def test_signature_matches_a_signed_delivery_only():
    assert signature_matches(_delivery(), SECRET)
    assert not signature_matches(_delivery(nonce="n-2"), SECRET)
    with pytest.raises(ValueError, match="secret is empty"):
        signature_matches(_delivery(), "")
