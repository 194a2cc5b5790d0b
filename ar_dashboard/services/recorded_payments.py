"""Payments recorded on demand in the demo ledger (`load_demo --record-payment`).

The demo sandbox lives for one command, so what a user "booked" is kept in a small journal
under var/ and booked again on every later load: a payment never disappears from the demo.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from connectors.unified.sandbox import SandboxData
from connectors.unified.sandbox.payments import PaymentRequestError


def journal_path() -> Path:
    return Path(settings.VAR_DIR) / "demo-recorded-payments.json"


def _entries() -> list[dict]:
    path = journal_path()
    if not path.exists():
        return []
    return json.loads(path.read_text())


def _book(data: SandboxData, entry: dict) -> dict:
    request = {"id": entry["id"], "invoice_id": entry["invoice_id"], "paid_at": entry["paid_at"]}
    if entry.get("amount") is not None:
        request["total_amount"] = entry["amount"]
    return data.record_payment(request, now=datetime.now(UTC))


def replay(data: SandboxData, log) -> None:
    """Book every journalled payment again in a freshly generated demo ledger."""
    for entry in _entries():
        if data.get("payment", entry["id"]) is not None:
            continue
        try:
            _book(data, entry)
        except PaymentRequestError as exc:
            log.write(f"Recorded payment {entry['id']} not replayed: {exc}")


def record(data: SandboxData, spec: str, *, today: date, log) -> dict:
    """Book `INVOICE_NUMBER[=AMOUNT]` paid today and add it to the journal."""
    number, _, amount = spec.partition("=")
    invoice = data.find("invoice", invoice_number=number.strip())
    if invoice is None:
        raise CommandError(f"--record-payment: no demo invoice numbered {number!r}")
    entries = _entries()
    entry = {
        "id": f"pay-rec-{invoice['id']}-{len(entries) + 1}",
        "invoice_id": invoice["id"],
        "amount": amount.strip() or None,
        "paid_at": today.isoformat(),
    }
    try:
        payment = _book(data, entry)
    except PaymentRequestError as exc:
        raise CommandError(f"--record-payment {spec}: {exc}") from None
    journal_path().parent.mkdir(parents=True, exist_ok=True)
    journal_path().write_text(json.dumps([*entries, entry], indent=1))
    log.write(
        f"Recorded payment {payment['id']}: {payment['total_amount']} {payment['currency']} "
        f"on invoice {number} ({today})"
    )
    return payment
