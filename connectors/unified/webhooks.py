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
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
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


def _parse_delivery(body: bytes | str | dict) -> dict[str, Any] | None:
    """The delivery as a dict with list `data` and string `nonce`/`sig`, or None (logged why)."""
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except ValueError:
            logger.warning("Webhook refused: body is not JSON")
            return None
    if not isinstance(body, dict):
        logger.warning("Webhook refused: body is a JSON %s, not an object", type(body).__name__)
        return None
    data, nonce, sig = body.get("data"), body.get("nonce"), body.get("sig")
    if not isinstance(data, list) or not isinstance(nonce, str) or not isinstance(sig, str):
        logger.warning("Webhook refused: data (array), nonce and sig (strings) are required")
        return None
    return body


def verify_webhook_signature(body: bytes | str | dict, secret: str) -> bool:
    """True only when `sig` is HMAC-SHA1(secret, data + nonce) in hex or base64.

    `body` is the raw request body or its already parsed JSON. The comparison is constant-time.
    An empty secret raises: it is a configuration mistake, and accepting would be worse.
    """
    if not secret:
        raise ValueError("webhook secret is empty: set the Unified.to workspace secret")
    delivery = _parse_delivery(body)
    if delivery is None:
        return False
    digest = _digest(delivery["data"], delivery["nonce"], secret)
    sig = delivery["sig"].strip().encode("utf-8")
    as_hex = digest.hex().encode("ascii")
    as_base64 = base64.b64encode(digest)
    # Evaluate both comparisons so the time taken does not reveal which encoding matched.
    matches = [hmac.compare_digest(sig.lower(), as_hex), hmac.compare_digest(sig, as_base64)]
    if not any(matches):
        logger.warning("Webhook refused: signature does not match")
    return any(matches)


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
