"""Parsing a webhook body: what is not a Unified.to delivery is said to be so, never raised."""

import json

import pytest

from connectors.unified.webhooks import (
    MalformedDelivery,
    parse_delivery,
    signature_matches,
    timestamp_is_fresh,
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
        (json.dumps(_delivery(timestamp=None)), "timestamp"),
        (json.dumps(_delivery(timestamp="1764492000")), "timestamp"),
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


def test_freshness_is_within_the_tolerance_either_way():
    body = _delivery(timestamp=1_000_000)
    assert timestamp_is_fresh(body, 300, now=1_000_300)
    assert timestamp_is_fresh(body, 300, now=999_700)
    assert not timestamp_is_fresh(body, 300, now=1_000_301)
    assert not timestamp_is_fresh(body, 300, now=999_699)


def test_signature_matches_a_signed_delivery_only():
    assert signature_matches(_delivery(), SECRET)
    assert not signature_matches(_delivery(nonce="n-2"), SECRET)
    with pytest.raises(ValueError, match="secret is empty"):
        signature_matches(_delivery(), "")
