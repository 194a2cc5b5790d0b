"""Documents that are in the ledger but are not a known customer's AR.

Suppliers' bills (Unified.to returns older QuickBooks bills from the invoice endpoint with
`type` BILL) must be left out of AR; invoices whose customer is unknown to the contact endpoint
(or not named at all) must still be counted, under "Unknown customer". Both are here so the
pipeline is exercised on them every time the demo loads.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from connectors.unified.demo.catalog import money
from connectors.unified.demo.entries import Allocation, Document, Line, Payment, stamp
from connectors.unified.demo.settlement import reference

# (contact id, name, e-mail domain, item billed, bill number prefix)
SUPPLIERS = (
    ("sup_0001", "Northwind Office Supply Co.", "northwind-supply", "Office supplies", "NW"),
    ("sup_0002", "Harbor Freight Lines Inc.", "harbor-freight-lines", "Freight charges", "HFL"),
    ("sup_0003", "Summit Cloud Hosting LLC", "summit-cloud", "Hosting - monthly", "SCH"),
)
BILL_GAP_DAYS = (70, 120)
BILL_TERMS_DAYS = 30
# Days before the last day of the history when each orphan invoice was posted.
UNKNOWN_CONTACT_AGES = (12, 47, 95, 160)  # their customer was deleted in QuickBooks
NO_CONTACT_AGES = (6, 38, 75)  # raised without choosing a customer


def supplier_bills(
    *, seed: int, start: date, last_day: date
) -> tuple[list[Document], list[Payment]]:
    """A few bills per supplier over the history, each paid by us on its due date if past."""
    rng = random.Random(f"{seed}:suppliers")  # noqa: S311 - demo data, not security
    bills, payments = [], []
    for contact_id, _name, _domain, item, prefix in SUPPLIERS:
        day = start + timedelta(days=rng.randint(5, 40))
        while day <= last_day:
            bill = _document("BILL", contact_id, day, item, rng.randint(500, 20000), rng)
            bill.number = f"{prefix}-{rng.randint(10000, 99999)}"
            bills.append(bill)
            if bill.due is not None and bill.due <= last_day:
                payments.append(_pay_bill(bill, rng))
            day += timedelta(days=rng.randint(*BILL_GAP_DAYS))
    return bills, payments


def _pay_bill(bill: Document, rng: random.Random) -> Payment:
    day = bill.due or bill.posted
    payment = Payment("BILL", bill.contact_id or "", bill.currency, day, "ACH")
    payment.allocations.append(Allocation(payment, bill, bill.total))
    payment.stamp = stamp(payment.day, rng, bill.created)
    payment.reference = reference(payment.method, payment.day, rng)
    bill.allocations.extend(payment.allocations)
    return payment


def orphan_invoices(*, seed: int, last_day: date) -> list[Document]:
    """Open USD invoices of customers the contact endpoint does not know, or of no customer."""
    rng = random.Random(f"{seed}:orphans")  # noqa: S311 - demo data, not security
    invoices = []
    for age in UNKNOWN_CONTACT_AGES:
        contact_id = f"cus_{rng.getrandbits(24):06x}"
        invoices.append(_orphan(contact_id, last_day - timedelta(days=age), rng))
    for age in NO_CONTACT_AGES:
        invoices.append(_orphan(None, last_day - timedelta(days=age), rng))
    return invoices


def _orphan(contact_id: str | None, day: date, rng: random.Random) -> Document:
    return _document("INVOICE", contact_id, day, "Consulting services", rng.randint(300, 6000), rng)


def _document(
    kind: str, contact_id: str | None, day: date, item: str, whole_usd: int, rng: random.Random
) -> Document:
    cents = Decimal(rng.randint(0, 99)) / 100
    return Document(
        kind=kind,
        contact_id=contact_id,
        currency="USD",
        posted=day,
        created=stamp(day, rng),
        lines=[Line(item, money(whole_usd + cents, "USD"), 1)],
        tax=Decimal("0.00"),
        terms_days=BILL_TERMS_DAYS,
    )
