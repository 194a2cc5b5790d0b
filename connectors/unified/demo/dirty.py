"""Opt-in defects like those the public Unified.to sandbox serves, to exercise validation.

None of these records exist unless `generate_demo_ledger(dirty=True)`. Each is added beside
the clean ledger (ids start with "inv_dirty_" / "pay_dirty_"; the duplicate repeats a clean
record as a paging API can), so the clean records stay byte-identical and consistent.
"""

from __future__ import annotations

import copy
import math
from datetime import date, timedelta
from decimal import Decimal

from connectors.unified.demo.catalog import at_midnight
from connectors.unified.demo.render import amount, iso_day, iso_stamp

DIRTY_TOTAL = Decimal("1049.99")
# (number, days before today it was posted) of each dirty invoice, in the order unpacked below.
DIRTY_AGES = ((1, 40), (2, 33), (3, 70), (4, 21), (5, 15), (6, 1), (7, 9))


def dirty_invoices(*, invoices: list[dict], contact_id: str, today: date) -> list[dict]:
    """Invoice records with one defect each, plus a repeat of a clean invoice."""
    records = [_invoice(n, contact_id, today - timedelta(days=age)) for n, age in DIRTY_AGES]
    due_before_posted, balance_missing, balance_too_big, bad_currency, undated, future, noisy = (
        records
    )
    # DIRTY: due date ten days before the posted date.
    due_before_posted["due_at"] = iso_day(today - timedelta(days=50))
    # DIRTY: no balance_amount at all.
    del balance_missing["balance_amount"]
    # DIRTY: 40% recorded as paid, but the stated balance still says the whole total is open
    # (balance > total - paid), and no payment explains the paid part.
    balance_too_big |= {"status": "PARTIALLY_PAID", "paid_amount": amount(DIRTY_TOTAL * 4 / 10)}
    # DIRTY: a currency code that is not a currency (ISO 4217 "no currency").
    bad_currency["currency"] = "XXX"
    # DIRTY: neither posted_at nor due_at; only created_at dates the document.
    del undated["posted_at"], undated["due_at"]
    # DIRTY: posted in the future (QuickBooks allows post-dated invoices); created yesterday.
    future["posted_at"] = iso_day(today + timedelta(days=20))
    future["due_at"] = iso_day(today + timedelta(days=50))
    # DIRTY: float noise in an amount, beyond any currency's minor unit.
    noisy["total_amount"] = math.nextafter(float(DIRTY_TOTAL), math.inf)
    # DIRTY: the same record twice, as offset paging returns when data shifts between pages.
    return [*records, copy.deepcopy(invoices[len(invoices) // 2])]


def dirty_payments(*, contact_id: str, today: date) -> list[dict]:
    """Payment records with one defect each."""
    day = today - timedelta(days=3)
    moment = iso_stamp(at_midnight(day) + timedelta(hours=10))
    # DIRTY: allocated to an invoice id that no endpoint returns.
    return [
        {
            "id": "pay_dirty_01",
            "type": "INVOICE",
            "status": "SUCCEEDED",
            "contact_id": contact_id,
            "invoice_id": "inv_missing_01",
            "currency": "USD",
            "total_amount": 250,
            "paid_at": iso_day(day),
            "payment_method": "ACH",
            "reference": "ACH 000000001",
            "allocations": [
                {
                    "object_type": "INVOICE",
                    "object_id": "inv_missing_01",
                    "amount": 250,
                    "currency": "USD",
                    "allocated_at": iso_day(day),
                }
            ],
            "created_at": moment,
            "updated_at": moment,
        }
    ]


def _invoice(n: int, contact_id: str, posted: date) -> dict:
    """A plain open USD invoice that each dirty record starts from."""
    created = iso_stamp(at_midnight(posted) + timedelta(hours=10))
    total = amount(DIRTY_TOTAL)
    return {
        "id": f"inv_dirty_{n:02d}",
        "invoice_number": f"D-{n:03d}",
        "type": "INVOICE",
        "status": "AUTHORIZED",
        "contact_id": contact_id,
        "currency": "USD",
        "payment_terms": "NET_30",
        "posted_at": iso_day(posted),
        "due_at": iso_day(posted + timedelta(days=30)),
        "sub_total_amount": total,
        "tax_amount": 0,
        "total_amount": total,
        "paid_amount": 0,
        "balance_amount": total,
        "lineitems": [
            {
                "id": f"inv_dirty_{n:02d}-1",
                "item_name": "Consulting services",
                "unit_amount": total,
                "unit_quantity": 1,
                "total_amount": total,
            }
        ],
        "payments": [],
        "created_at": created,
        "updated_at": created,
    }
