"""Signing and verification of Unified.to webhook deliveries, replay-proof.

A delivery carries its signature in the body:
`{"data": [...], "webhook": {"connection_id": ...}, "nonce": "...", "timestamp": 1764492000,
"sig": "...", "type": "..."}`. Unified.to's own scheme signs only `data + nonce`
(HMAC-SHA1): it leaves the connection id unsigned (a captured delivery could be re-aimed at
another company) and carries no time (it could be replayed forever). This endpoint therefore
requires the stricter scheme the sandbox and the relay in front of it sign with:

    sig = HMAC-SHA256(secret, JSON.stringify([timestamp, connection_id, nonce, data]))

(compact JSON, non-ASCII kept; hex or base64). `timestamp` is Unix seconds and must be within
WEBHOOK_TOLERANCE_SECONDS of the receiver's clock; the receiver also remembers each accepted
signature for that window and refuses it a second time. The array form keeps the fields'
boundaries unambiguous, so no part of one can be moved into another.

The verifier is the only gate in front of an endpoint anyone can POST to, so every malformed
delivery is refused rather than raising.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from typing import Any

logger = logging.getLogger(__name__)


def canonical_data(value: Any) -> str:
    """`value` as JavaScript's `JSON.stringify` writes it: compact, non-ASCII characters kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _digest(data: list, nonce: str, secret: str, *, connection_id: str, timestamp: int) -> bytes:
    message = canonical_data([timestamp, connection_id, nonce, data]).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def sign_webhook_payload(
    data: list,
    nonce: str,
    secret: str,
    *,
    connection_id: str,
    timestamp: int,
    encoding: str = "hex",
) -> str:
    """The `sig` for this delivery (hex, or base64 if asked)."""
    if not secret:
        raise ValueError("webhook secret is empty")
    digest = _digest(data, nonce, secret, connection_id=connection_id, timestamp=timestamp)
    if encoding == "hex":
        return digest.hex()
    if encoding == "base64":
        return base64.b64encode(digest).decode("ascii")
    raise ValueError(f"encoding must be 'hex' or 'base64', got {encoding!r}")


class MalformedDelivery(ValueError):
    """The body is not a delivery at all, so there is no signature to check."""


def parse_delivery(body: bytes | str | dict) -> dict[str, Any]:
    """The delivery as a dict with list `data`, string `nonce`/`sig`/`webhook.connection_id`
    and integer `timestamp`; MalformedDelivery if not.

    RecursionError is caught too: a few kilobytes of `[[[[…` exhaust the JSON parser's stack,
    and an unauthenticated body must never get further than a refusal.
    """
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except ValueError:
            raise MalformedDelivery("body is not JSON") from None
        except RecursionError:
            raise MalformedDelivery("body is nested too deeply") from None
    if not isinstance(body, dict):
        raise MalformedDelivery(f"body is a JSON {type(body).__name__}, not an object")
    data, nonce, sig = body.get("data"), body.get("nonce"), body.get("sig")
    if not isinstance(data, list) or not isinstance(nonce, str) or not isinstance(sig, str):
        raise MalformedDelivery("data (array), nonce and sig (strings) are required")
    webhook = body.get("webhook")
    connection_id = webhook.get("connection_id") if isinstance(webhook, dict) else None
    if not isinstance(connection_id, str) or not connection_id:
        raise MalformedDelivery("webhook.connection_id (a string) is required")
    timestamp = body.get("timestamp")
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or timestamp < 0:
        raise MalformedDelivery("timestamp (Unix seconds, an integer) is required")
    return body


def delivery_digest(delivery: dict[str, Any], secret: str) -> bytes | None:
    """The delivery's HMAC when its `sig` matches it, else None.

    Hex or base64; the comparison is constant-time. The digest (not the `sig` as sent, which
    has several spellings) identifies the delivery for replay detection. An empty secret
    raises: it is a configuration mistake, and accepting would be worse.
    """
    if not secret:
        raise ValueError("webhook secret is empty: set the Unified.to workspace secret")
    try:
        digest = _digest(
            delivery["data"],
            delivery["nonce"],
            secret,
            connection_id=delivery["webhook"]["connection_id"],
            timestamp=delivery["timestamp"],
        )
        sig = delivery["sig"].strip().encode("utf-8")
    except RecursionError:  # parsed, but too deep to serialise again: nobody signed that
        raise MalformedDelivery("data is nested too deeply") from None
    except UnicodeEncodeError:  # a lone surrogate (JSON "\ud800") has no UTF-8 form to sign
        raise MalformedDelivery("body holds text that is not valid Unicode") from None
    as_hex = digest.hex().encode("ascii")
    as_base64 = base64.b64encode(digest)
    # Evaluate both comparisons so the time taken does not reveal which encoding matched.
    matches = [hmac.compare_digest(sig.lower(), as_hex), hmac.compare_digest(sig, as_base64)]
    if not any(matches):
        logger.warning("Webhook refused: signature does not match")
        return None
    return digest


def signature_matches(delivery: dict[str, Any], secret: str) -> bool:
    """True only when the parsed delivery's `sig` is the HMAC of its signed fields."""
    return delivery_digest(delivery, secret) is not None


def timestamp_is_fresh(delivery: dict[str, Any], tolerance_seconds: int, now: float) -> bool:
    """True when the delivery was signed within `tolerance_seconds` of `now` (either way:
    the sender's clock may run a little ahead)."""
    return abs(now - delivery["timestamp"]) <= tolerance_seconds


def verify_webhook_signature(body: bytes | str | dict, secret: str) -> bool:
    """True only when `body` (raw, or its parsed JSON) is a delivery signed with `secret`.

    A malformed body is refused (False, logged why); an empty secret raises. Freshness and
    replay are the receiver's to check (they need a clock and a memory).
    """
    if not secret:
        raise ValueError("webhook secret is empty: set the Unified.to workspace secret")
    try:
        return signature_matches(parse_delivery(body), secret)
    except MalformedDelivery as exc:
        logger.warning("Webhook refused: %s", exc)
        return False


# Unified.to's webhook `object_type` for each object the connector reads.
WEBHOOK_OBJECT_TYPES = {
    "contact": "accounting_contact",
    "invoice": "accounting_invoice",
    "creditmemo": "accounting_creditmemo",
    "transaction": "accounting_transaction",
    "payment": "payment_payment",
}


def webhook_delivery(
    records: list[dict],
    *,
    connection_id: str,
    object_type: str,
    secret: str,
    event: str = "updated",
    nonce: str | None = None,
    timestamp: int | None = None,
) -> dict:
    """A signed body shaped like a Unified.to delivery, for the sandbox, demo and tests."""
    nonce = nonce or secrets.token_hex(8)
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "data": records,
        "webhook": {
            "connection_id": connection_id,
            "event": event,
            "object_type": WEBHOOK_OBJECT_TYPES[object_type],
            "webhook_type": "virtual",
        },
        "nonce": nonce,
        "timestamp": timestamp,
        "sig": sign_webhook_payload(
            records, nonce, secret, connection_id=connection_id, timestamp=timestamp
        ),
        "type": "VIRTUAL",
    }
