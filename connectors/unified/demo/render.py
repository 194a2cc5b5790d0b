"""The demo's entries as Unified.to JSON records, with the unified-python-sdk's field names.

Amounts are JSON numbers, as the API sends them: an integral amount as an integer (as
JavaScript's JSON.stringify writes 1500 or 150000), any other as the float nearest the Decimal,
whose repr prints the same digits back, so `Decimal(str(x))` recovers it exactly. Timestamps
are UTC with "Z"; document dates (posted, due, paid, allocated, applied) fall at midnight since
QuickBooks' transaction dates carry no time. Credit memo applications appear only on the credit
memo (`applications`), never in an invoice's `payments`, which the SDK defines as the
reciprocal of PaymentPayment.allocations; an invoice's `paid_amount` counts both.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

from connectors.unified.demo.catalog import at_midnight
from connectors.unified.demo.entries import Document, Lifecycle, Payment
from connectors.unified.demo.profiles import CustomerProfile

DIAL_CODES = {"US": "+1", "CA": "+1", "GB": "+44", "DE": "+49", "FR": "+33", "NL": "+31"}
DIAL_CODES |= {"IE": "+353", "JP": "+81"}


def iso_day(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def iso_stamp(moment: datetime) -> str:
    """`moment` (UTC) in the SDK's documented form YYYY-MM-DDTHH:MM:SSZ."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def amount(value: Decimal) -> int | float:
    """A JSON number for `value`; exact for the 2-decimal and 0-decimal amounts generated."""
    return int(value) if value == value.to_integral_value() else float(value)


def assign_ids(
    documents: list[Document], payments: list[Payment]
) -> tuple[list[Document], list[Payment]]:
    """Number documents and payments in date order, as the ledger would have; both, sorted."""
    ordered = sorted(documents, key=lambda doc: (doc.posted, doc.created))
    counters: Counter[str] = Counter()
    for doc in ordered:
        counters[doc.kind] += 1
        n = counters[doc.kind]
        if doc.kind == "INVOICE":
            doc.id, doc.number = f"inv_{n:06d}", str(1000 + n)
        elif doc.kind == "CREDITMEMO":
            doc.id, doc.number = f"cm_{n:05d}", f"CM-{1000 + n}"
        else:
            doc.id = f"bill_{n:04d}"  # the supplier's own bill number is kept
    paid = sorted(payments, key=lambda p: (p.day, p.stamp or at_midnight(p.day)))
    for n, payment in enumerate(paid, 1):
        payment.id = f"pay_{n:06d}"
    return ordered, paid


def contact_record(profile: CustomerProfile) -> dict:
    """A customer as GET /accounting/{connection_id}/contact returns it."""
    city, region, region_code, postal_code, country = profile.place
    seq = int(profile.contact_id.removeprefix("cus_"))
    created = at_midnight(profile.customer_since) + timedelta(hours=9, minutes=seq % 60)
    return {
        "id": profile.contact_id,
        "name": profile.name,
        "company_name": profile.name,
        "is_active": True,
        "is_customer": True,
        "is_supplier": False,
        "currency": profile.currency,
        "payment_terms": f"NET_{profile.terms_days}",
        "emails": [{"email": f"ap@{_slug(profile.name)}.example", "type": "WORK"}],
        "telephones": [{"telephone": _telephone(profile.country_code, seq), "type": "WORK"}],
        "billing_address": {
            "address1": profile.street,
            "city": city,
            "region": region,
            "region_code": region_code,
            "postal_code": postal_code,
            "country": country,
            "country_code": profile.country_code,
        },
        "created_at": iso_stamp(created),
        "updated_at": iso_stamp(created),
    }


def supplier_record(contact_id: str, name: str, domain: str, since: date) -> dict:
    """A supplier-only contact: in the ledger, but not a customer and so not AR."""
    created = iso_stamp(at_midnight(since) + timedelta(hours=11))
    return {
        "id": contact_id,
        "name": name,
        "company_name": name,
        "is_active": True,
        "is_customer": False,
        "is_supplier": True,
        "currency": "USD",
        "payment_terms": "NET_30",
        "emails": [{"email": f"billing@{domain}.example", "type": "WORK"}],
        "created_at": created,
        "updated_at": created,
    }


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _telephone(country_code: str, seq: int) -> str:
    # 555-0100..0199 is the range reserved for fiction.
    return f"{DIAL_CODES[country_code]} 555-01{seq % 100:02d}"


def invoice_record(doc: Document, today: date) -> dict:
    """A document as GET /accounting/{connection_id}/invoice returns it (any `type`)."""
    paid, balance = _paid_and_balance(doc)
    record: dict = {"id": doc.id, "invoice_number": doc.number, "type": doc.kind}
    record["status"] = _status(doc, today)
    if doc.contact_id is not None:
        record["contact_id"] = doc.contact_id
    record["currency"] = doc.currency
    if doc.terms_days is not None:
        record["payment_terms"] = f"NET_{doc.terms_days}"
    record["posted_at"] = iso_day(doc.posted)
    if doc.due is not None:
        record["due_at"] = iso_day(doc.due)
    record |= _closing_dates(doc)
    record |= {
        "sub_total_amount": amount(doc.subtotal),
        "tax_amount": amount(doc.tax),
        "total_amount": amount(doc.total),
        "paid_amount": amount(paid),
        "balance_amount": amount(balance),
        "lineitems": _lineitems(doc),
        "payments": [
            {
                "payment_id": a.payment.id,
                "amount": amount(a.amount),
                "allocated_at": iso_day(a.payment.day),
            }
            for a in doc.allocations
        ],
    }
    return record | _audit(doc)


def creditmemo_record(doc: Document, today: date) -> dict:
    """A credit memo as GET /accounting/{connection_id}/creditmemo returns it."""
    record: dict = {"id": doc.id, "creditmemo_number": doc.number, "status": _status(doc, today)}
    record |= {"contact_id": doc.contact_id, "currency": doc.currency}
    if doc.source is not None:
        record["invoice_id"] = doc.source.id
    record["posted_at"] = iso_day(doc.posted)
    record |= _closing_dates(doc)
    record |= {
        "sub_total_amount": amount(doc.subtotal),
        "tax_amount": amount(doc.tax),
        "total_amount": amount(doc.total),
        "balance_amount": amount(doc.total - doc.settled),
        "lineitems": _lineitems(doc),
        "applications": [
            {
                "object_type": credit.target.kind,
                "object_id": credit.target.id,
                "amount": amount(credit.amount),
                "applied_at": iso_day(credit.day),
            }
            for credit in doc.credits
        ],
    }
    return record | _audit(doc)


def payment_record(payment: Payment) -> dict:
    """A payment as GET /payment/{connection_id}/payment returns it."""
    first = payment.allocations[0].document
    link = "invoice_id" if payment.kind == "INVOICE" else "bill_id"
    moment = iso_stamp(payment.stamp or at_midnight(payment.day))
    return {
        "id": payment.id,
        "type": payment.kind,
        "status": "SUCCEEDED",
        "contact_id": payment.contact_id,
        link: first.id,
        "currency": payment.currency,
        "total_amount": amount(payment.total),
        "paid_at": iso_day(payment.day),
        "payment_method": payment.method,
        "reference": payment.reference,
        "allocations": [
            {
                "object_type": a.document.kind,
                "object_id": a.document.id,
                "amount": amount(a.amount),
                "currency": payment.currency,
                "allocated_at": iso_day(payment.day),
            }
            for a in payment.allocations
        ],
        "created_at": moment,
        "updated_at": moment,
    }


def _paid_and_balance(doc: Document) -> tuple[Decimal, Decimal]:
    # QuickBooks zeroes a voided invoice's balance; a draft or deleted one keeps its stated
    # balance, which must still count nothing: the status decides, not the number.
    if doc.lifecycle is Lifecycle.VOIDED:
        return Decimal(0), Decimal(0)
    if doc.lifecycle is not Lifecycle.POSTED:
        return Decimal(0), doc.total
    return doc.settled, doc.total - doc.settled


def _status(doc: Document, today: date) -> str:
    if doc.lifecycle is not Lifecycle.POSTED:
        return doc.lifecycle.value
    if doc.settled >= doc.total:
        return "PAID"
    if doc.settled > 0:
        return "PARTIALLY_PAID"
    if doc.submitted:
        return "SUBMITTED"
    if doc.due is not None and doc.due < today:
        return "OVERDUE"
    return "AUTHORIZED"


def _closing_dates(doc: Document) -> dict:
    dates = {}
    settled_on = doc.settled_on
    if doc.lifecycle is Lifecycle.POSTED and doc.settled >= doc.total and settled_on:
        dates["paid_at"] = iso_day(settled_on)
    if doc.lifecycle is Lifecycle.VOIDED and doc.closed is not None:
        dates["cancelled_at"] = iso_stamp(doc.closed)
    return dates


def _lineitems(doc: Document) -> list[dict]:
    return [
        {
            "id": f"{doc.id}-{n}",
            "item_name": line.item_name,
            "unit_amount": amount(line.unit_amount),
            "unit_quantity": line.quantity,
            "total_amount": amount(line.total),
        }
        for n, line in enumerate(doc.lines, 1)
    ]


def _audit(doc: Document) -> dict:
    return {"created_at": iso_stamp(doc.created), "updated_at": iso_stamp(doc.updated)}
