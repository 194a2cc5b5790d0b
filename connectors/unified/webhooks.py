"""Signing and verification of Unified.to webhook deliveries.

Unified.to puts the signature in the body, not a header: a delivery is
`{"data": [...], "webhook": {...}, "nonce": "...", "sig": "...", "type": "..."}` with
`sig = HMAC-SHA1(workspace secret, data + nonce)`. How `data` is serialised before the
concatenation, and whether the digest is hex or base64, is not documented; the sender is a
JavaScript service, so `data` is taken as `JSON.stringify(data)` (compact, non-ASCII kept), which
Python reproduces by dumping the parsed list with `separators=(",", ":")` and
`ensure_ascii=False` (parsed dicts keep the sender's key order). Both digest encodings are
accepted. The verifier is the only gate in front of an endpoint anyone can POST to, so every
malformed delivery is refused rather than raising.

The scheme signs neither the connection id nor a time. The receiver (ar_dashboard/webhooks.py)
closes both gaps itself: the URL carries a token naming the connection, and each accepted
delivery is remembered by `replay_key` and dated by its records' newest `updated_at`
(`newest_update`), so a replay is refused for as long as it could be accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger(__name__)


def canonical_data(data: list) -> str:
    """`data` as JavaScript's `JSON.stringify` writes it: compact, non-ASCII characters kept."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _digest(data: list, nonce: str, secret: str) -> bytes:
    message = (canonical_data(data) + nonce).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha1).digest()


def sign_webhook_payload(data: list, nonce: str, secret: str, *, encoding: str = "hex") -> str:
    """The `sig` Unified.to would send for this `data` and `nonce` (hex, or base64 if asked)."""
    if not secret:
        raise ValueError("webhook secret is empty")
    digest = _digest(data, nonce, secret)
    if encoding == "hex":
        return digest.hex()
    if encoding == "base64":
        return base64.b64encode(digest).decode("ascii")
    raise ValueError(f"encoding must be 'hex' or 'base64', got {encoding!r}")


class MalformedDelivery(ValueError):
    """The body is not a Unified.to delivery at all, so there is no signature to check."""


def parse_delivery(body: bytes | str | dict) -> dict[str, Any]:
    """The delivery as a dict with list `data`, string `nonce`/`sig` and a non-empty string
    `webhook.connection_id`; MalformedDelivery if not.

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
    return body


def signature_matches(delivery: dict[str, Any], secret: str) -> bool:
    """True only when the parsed delivery's `sig` is HMAC-SHA1(secret, data + nonce).

    Hex or base64; the comparison is constant-time. An empty secret raises: it is a
    configuration mistake, and accepting would be worse.
    """
    if not secret:
        raise ValueError("webhook secret is empty: set the Unified.to workspace secret")
    try:
        digest = _digest(delivery["data"], delivery["nonce"], secret)
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
    return any(matches)


def replay_key(delivery: dict[str, Any], secret: str) -> str:
    """What identifies a (signature-checked) delivery for replay detection: HMAC-SHA256 of the
    signed content (`data + nonce`), hex, 64 characters.

    The same for every spelling of its `sig` (hex, upper-case hex, base64), and one-way: the
    stored key is no signature that could be put back into a body.
    """
    message = (canonical_data(delivery["data"]) + delivery["nonce"]).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def newest_update(delivery: dict[str, Any]) -> datetime | None:
    """The latest `updated_at` of the delivery's records (aware, UTC), or None if none has one.

    Unified.to sends no timestamp of its own; its records carry `updated_at` (ISO 8601, a date
    without a zone being UTC). Values that are not such a date are skipped, not trusted.
    """
    newest = None
    for record in delivery["data"]:
        value = record.get("updated_at") if isinstance(record, dict) else None
        if not isinstance(value, str) or not value.strip():
            continue
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
            parsed = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
        except (ValueError, OverflowError):  # not a date, or year 1/9999 shifted out of range
            continue
        newest = parsed if newest is None or parsed > newest else newest
    return newest


def verify_webhook_signature(body: bytes | str | dict, secret: str) -> bool:
    """True only when `body` (raw, or its parsed JSON) is a delivery signed with `secret`.

    A malformed body is refused (False, logged why); an empty secret raises.
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
) -> dict:
    """A signed body shaped like a Unified.to delivery, for the sandbox, demo and tests."""
    nonce = nonce or secrets.token_hex(8)
    return {
        "data": records,
        "webhook": {
            "connection_id": connection_id,
            "event": event,
            "object_type": WEBHOOK_OBJECT_TYPES[object_type],
            "webhook_type": "virtual",
        },
        "nonce": nonce,
        "sig": sign_webhook_payload(records, nonce, secret),
        "type": "VIRTUAL",
    }
