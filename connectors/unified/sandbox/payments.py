"""Recording a customer payment on demand, as QuickBooks would book it and Unified.to serve it.

`POST /payment/{connection_id}/payment` (Unified.to's create-payment path) with
`{"invoice_id": ..., "total_amount": ..., "paid_at": ...}` adds a payment applied to that
invoice and updates the invoice (paid, balance, status, `payments[]`, `updated_at`), so the
next sync loads it: the demo can show a promise to pay being kept. Stdlib only.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from connectors.unified.sandbox.query import ApiError
from connectors.unified.sandbox.timestamps import iso_z

if TYPE_CHECKING:
    from connectors.unified.sandbox.server import SandboxServer


class PaymentRequestError(ValueError):
    """The request cannot be booked: the message says why (the server answers 400)."""


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _decimal(value: Any, name: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PaymentRequestError(f"{name} must be a number") from None
    if not result.is_finite():
        raise PaymentRequestError(f"{name} must be a number")
    return result


def booked_payment(
    invoice: dict, request: dict, *, payment_id: str, now: datetime
) -> tuple[dict, dict]:
    """(the new payment record, the invoice's changes) for `request` against `invoice`."""
    if invoice.get("type", "INVOICE") != "INVOICE":
        raise PaymentRequestError("invoice_id must name an invoice")
    if invoice.get("status") in ("VOIDED", "DRAFT", "DELETED"):
        raise PaymentRequestError(f"the invoice is {invoice['status']}: it cannot be paid")
    balance = _decimal(invoice.get("balance_amount", 0), "the invoice's balance")
    raw = request.get("total_amount")
    paid = balance if raw is None else _decimal(raw, "total_amount")
    if not 0 < paid <= balance:
        raise PaymentRequestError(f"total_amount must be above 0 and at most the balance {balance}")
    day = request.get("paid_at") or now.date().isoformat()
    try:
        paid_on = date.fromisoformat(str(day)[:10])
    except ValueError:
        raise PaymentRequestError("paid_at must be a date (YYYY-MM-DD)") from None
    stamp = f"{paid_on.isoformat()}T00:00:00Z"
    payment = {
        "id": payment_id,
        "type": "INVOICE",
        "status": "SUCCEEDED",
        "contact_id": invoice.get("contact_id"),
        "invoice_id": invoice["id"],
        "currency": invoice.get("currency"),
        "total_amount": _number(paid),
        "paid_at": stamp,
        "reference": str(request.get("reference") or "recorded in the sandbox"),
        "allocations": [
            {
                "object_type": "INVOICE",
                "object_id": invoice["id"],
                "amount": _number(paid),
                "currency": invoice.get("currency"),
                "allocated_at": stamp,
            }
        ],
        "created_at": iso_z(now),
        "updated_at": iso_z(now),
    }
    left = balance - paid
    prior = _decimal(invoice.get("paid_amount", 0), "the invoice's paid amount")
    changes = {
        "paid_amount": _number(prior + paid),
        "balance_amount": _number(left),
        "status": "PAID" if left == 0 else "PARTIALLY_PAID",
        "payments": [
            *invoice.get("payments", []),
            {"payment_id": payment_id, "amount": _number(paid), "allocated_at": stamp},
        ],
    }
    if left == 0:
        changes["paid_at"] = stamp
    return payment, changes


def payment_create_answer(sandbox: SandboxServer, path: str, body: bytes) -> tuple:
    """POST /payment/{connection_id}/payment: (201, headers, the new payment) or an ApiError."""
    segments = [unquote(s) for s in path.strip("/").split("/")]
    if len(segments) != 3 or segments[2] != "payment":
        raise ApiError(405, "POST is only supported on /payment/{connection_id}/payment")
    if segments[1] not in sandbox.connection_ids:
        raise ApiError(404, f"connection {segments[1]!r} not found")
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        raise ApiError(400, "the body must be a JSON object") from None
    if not isinstance(request, dict):
        raise ApiError(400, "the body must be a JSON object")
    try:
        payment = sandbox.data.record_payment(request, now=datetime.now(UTC))
    except PaymentRequestError as exc:
        raise ApiError(400, str(exc)) from None
    encoded = json.dumps(payment).encode("utf-8")
    return 201, {"Content-Type": "application/json"}, encoded
