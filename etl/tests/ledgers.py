"""Hand-built Unified.to records for the ledger-fault tests: short to write, shaped like the API.

Dates are written as calendar days ("2026-02-10") and sent as midnight UTC, the form Unified.to
gives QuickBooks' transaction dates (ar_dashboard.aging.calendar_date reads them as that day).
Amounts are written as decimal strings and sent as JSON numbers, as the real API sends them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from connectors.unified.sandbox import SandboxData

# Upstream edits between two syncs happen here: after every record's first version, before the
# pinned today (2026-03-15 12:00 UTC), so an incremental sync's `updated_gte` sees them.
EDITED_AT = datetime(2026, 3, 14, 8, 0, tzinfo=UTC)


def day(text: str) -> str:
    """A calendar date as Unified.to sends it: midnight UTC."""
    return f"{text}T00:00:00Z"


def number(amount: str | float) -> float:
    """A JSON number for a decimal string ("2250.00" → 2250.0); floats (1e30) pass through."""
    return float(Decimal(amount)) if isinstance(amount, str) else amount


def contact(cid: str, currency: str = "USD") -> dict:
    return {
        "id": cid,
        "name": f"Customer {cid}",
        "is_customer": True,
        "currency": currency,
        "emails": [{"email": f"{cid}@example.com"}],
        "updated_at": "2026-01-02T08:00:00Z",
    }


def invoice(
    iid: str,
    total: str | float,
    *,
    posted: str,
    due: str | None = None,
    paid: str = "0",
    balance: str | float | None = None,
    contact: str = "c-1",
    currency: str = "USD",
    status: str = "AUTHORIZED",
    payments: tuple[tuple[str, str, str], ...] = (),
    type: str = "INVOICE",  # Unified.to's field name
    updated: str | None = None,
) -> dict:
    """An AccountingInvoice; `payments` are (payment_id, amount, allocated day) as it lists them.

    The balance defaults to total − paid, as a consistent source states it.
    """
    if balance is None:
        balance = str(Decimal(total) - Decimal(paid))
    return {
        "id": iid,
        "type": type,
        "invoice_number": iid.upper(),
        "status": status,
        "contact_id": contact,
        "currency": currency,
        "posted_at": day(posted),
        "due_at": day(due or posted),
        "total_amount": number(total),
        "paid_amount": number(paid),
        "balance_amount": number(balance),
        "payments": [
            {"payment_id": pid, "amount": number(amount), "allocated_at": day(on)}
            for pid, amount, on in payments
        ],
        "updated_at": updated or f"{posted}T12:00:00Z",
    }


def creditmemo(
    mid: str,
    total: str | float,
    *,
    posted: str,
    balance: str | float | None = None,
    applications: tuple[tuple[str, str, str], ...] = (),
    contact: str = "c-1",
    currency: str = "USD",
    status: str = "AUTHORIZED",
    updated: str | None = None,
) -> dict:
    """An AccountingCreditmemo; `applications` are (invoice id, amount, applied day).

    The balance defaults to total − Σ applications.
    """
    if balance is None:
        balance = str(Decimal(total) - sum((Decimal(a) for _, a, _ in applications), Decimal(0)))
    return {
        "id": mid,
        "creditmemo_number": mid.upper(),
        "status": status,
        "contact_id": contact,
        "currency": currency,
        "posted_at": day(posted),
        "total_amount": number(total),
        "balance_amount": number(balance),
        "applications": [
            {"object_id": target, "amount": number(amount), "applied_at": day(on)}
            for target, amount, on in applications
        ],
        "updated_at": updated or f"{posted}T12:00:00Z",
    }


def payment(
    pid: str,
    total: str | float,
    *,
    paid: str,
    lines: tuple[tuple[str, str, str, str], ...] = (),
    invoice_id: str | None = None,
    contact: str = "c-1",
    currency: str = "USD",
    status: str = "SUCCEEDED",
    updated: str | None = None,
) -> dict:
    """A PaymentPayment; `lines` are (object_type, object id, amount, allocated day)."""
    record = {
        "id": pid,
        "contact_id": contact,
        "currency": currency,
        "total_amount": number(total),
        "paid_at": day(paid),
        "status": status,
        "allocations": [
            {
                "object_type": kind,
                "object_id": target,
                "amount": number(amount),
                "allocated_at": day(on),
            }
            for kind, target, amount, on in lines
        ],
        "updated_at": updated or f"{paid}T12:00:00Z",
    }
    if invoice_id is not None:
        record["invoice_id"] = invoice_id
    return record


def ledger(
    *,
    contacts: tuple[str, ...] = ("c-1",),
    invoices: list[dict] = (),
    creditmemos: list[dict] = (),
    payments: list[dict] = (),
    currencies: dict[str, str] | None = None,
) -> SandboxData:
    """The sandbox's data: customers by id (USD unless `currencies` says otherwise) and records."""
    currencies = currencies or {}
    return SandboxData(
        contacts=[contact(cid, currencies.get(cid, "USD")) for cid in contacts],
        invoices=invoices,
        creditmemos=creditmemos,
        payments=payments,
    )
