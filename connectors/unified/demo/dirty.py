"""Opt-in defects like those the public Unified.to sandbox and real QuickBooks files serve.

None of these records exist unless `generate_demo_ledger(dirty=True)`. Each is added beside
the clean ledger (ids contain "_dirty_"; the duplicate repeats a clean record as a paging API
can), so the clean records stay byte-identical and consistent. Two kinds:

- `dirty_invoices` / `dirty_payments`: malformed or suspicious records (due before posted, no
  balance, a bogus currency, float noise, a payment to an unknown invoice), on the first USD
  customer.
- `ledger_faults`: QuickBooks' ledger shapes that a naive loader miscounts (a voided payment, a
  credit memo applied in parts, a payment carrying a memo line, a line-less overpayment, a
  refund of credit, cash on account, a memo on the invoice endpoint, a negative invoice, poison
  records, half-cent balances), each on its own customer `cus_dirty_NN`, so each one's figure
  reads alone. Every date is relative to `today`; the figures each should give are worked out
  in etl/tests/test_dirty_demo.py.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from connectors.unified.demo.catalog import at_midnight
from connectors.unified.demo.render import amount, iso_day, iso_stamp

DIRTY_TOTAL = Decimal("1049.99")
# (number, days before today it was posted) of each dirty invoice, in the order unpacked below.
DIRTY_AGES = ((1, 40), (2, 33), (3, 70), (4, 21), (5, 15), (6, 1), (7, 9))
ZERO = Decimal(0)
# One customer per fault class of `ledger_faults`: (number, name).
FAULT_CUSTOMERS = (
    (1, "Dirty 01 voided payment"),
    (2, "Dirty 02 credit memo in two parts"),
    (3, "Dirty 03 payment with a memo line"),
    (4, "Dirty 04 overpayment without lines"),
    (5, "Dirty 05 refund of credit"),
    (6, "Dirty 06 cash on account"),
    (7, "Dirty 07 credits on the invoice endpoint"),
    (8, "Dirty 08 poison records"),
    (9, "Dirty 09 half-cent balances"),
)
LONG_ID = "inv_dirty_" + "x" * 140  # 150 characters: over the 100 an id may have


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
    # DIRTY: allocated to an invoice id that no endpoint returns.
    return [
        _payment(
            "pay_dirty_01",
            contact_id,
            day,
            Decimal(250),
            lines=(("INVOICE", "inv_missing_01", Decimal(250), day),),
            invoice_id="inv_missing_01",
            reference="ACH 000000001",
        )
    ]


@dataclass
class DirtyRecords:
    """Records per endpoint that `ledger_faults` adds beside the clean ledger."""

    contacts: list[dict] = field(default_factory=list)
    invoices: list[dict] = field(default_factory=list)  # the invoice endpoint (any type)
    creditmemos: list[dict] = field(default_factory=list)
    payments: list[dict] = field(default_factory=list)


def ledger_faults(*, today: date) -> DirtyRecords:
    """QuickBooks' hard cases, one customer each, dated relative to `today`."""
    records = DirtyRecords(
        contacts=[_contact(n, name, today) for n, name in FAULT_CUSTOMERS],
    )
    for case in (
        _voided_payment,
        _memo_in_two_parts,
        _payment_with_memo_line,
        _overpayment_without_lines,
        _refund_of_credit,
        _cash_on_account,
        _credits_on_the_invoice_endpoint,
        _poison_records,
        _half_cent_balances,
    ):
        case(records, today)
    return records


def _days(today: date, n: int) -> date:
    return today - timedelta(days=n)


def _voided_payment(records: DirtyRecords, today: date) -> None:
    # DIRTY: pay_dirty_02 paid inv_dirty_08 in full 20 days ago and was VOIDED the next day; its
    # line is still there, and QuickBooks restored the invoice's balance (nothing paid).
    contact, paid_on = "cus_dirty_01", _days(today, 20)
    voided_on = _days(today, 19)
    records.invoices.append(
        _document(
            "inv_dirty_08", contact, _days(today, 60), Decimal(1000), today=today, updated=voided_on
        )
    )
    records.payments.append(
        _payment(
            "pay_dirty_02",
            contact,
            paid_on,
            Decimal(1000),
            lines=(("INVOICE", "inv_dirty_08", Decimal(1000), paid_on),),
            status="VOIDED",
            updated=voided_on,
        )
    )


def _memo_in_two_parts(records: DirtyRecords, today: date) -> None:
    # DIRTY: cm_dirty_01 (300.00) applied to inv_dirty_09 as 100.00 and later 200.00: two
    # application lines with the same source and target, both counted.
    contact = "cus_dirty_02"
    parts = ((Decimal(100), _days(today, 40)), (Decimal(200), _days(today, 10)))
    records.invoices.append(
        _document(
            "inv_dirty_09",
            contact,
            _days(today, 50),
            Decimal(900),
            paid=Decimal(300),
            today=today,
            updated=_days(today, 10),
        )
    )
    records.creditmemos.append(
        _memo(
            "cm_dirty_01",
            contact,
            _days(today, 45),
            Decimal(300),
            applications=tuple(("inv_dirty_09", part, on) for part, on in parts),
        )
    )


def _payment_with_memo_line(records: DirtyRecords, today: date) -> None:
    # DIRTY: pay_dirty_03 links inv_dirty_10 for 500.00 and cm_dirty_02 for 200.00 (QuickBooks:
    # cash 300.00 = 500.00 − 200.00); the memo states the same 200.00 application, and the
    # invoice's payments[] the payment's 500.00. One application each, counted once.
    contact, on = "cus_dirty_03", _days(today, 5)
    records.invoices.append(
        _document(
            "inv_dirty_10",
            contact,
            _days(today, 40),
            Decimal(800),
            paid=Decimal(500),
            payments=(("pay_dirty_03", Decimal(500), on),),
            today=today,
            updated=on,
        )
    )
    records.creditmemos.append(
        _memo(
            "cm_dirty_02",
            contact,
            _days(today, 30),
            Decimal(200),
            applications=(("inv_dirty_10", Decimal(200), on),),
        )
    )
    lines = (
        ("INVOICE", "inv_dirty_10", Decimal(500), on),
        ("CREDITMEMO", "cm_dirty_02", Decimal(200), on),
    )
    records.payments.append(
        _payment("pay_dirty_03", contact, on, Decimal(300), lines=lines, invoice_id="inv_dirty_10")
    )


def _overpayment_without_lines(records: DirtyRecords, today: date) -> None:
    # DIRTY: pay_dirty_04 names inv_dirty_11 (1,000.00, PAID) and states no lines, but brings
    # 1,250.00: the 250.00 beyond the invoice is the customer's unapplied credit.
    contact, on = "cus_dirty_04", _days(today, 12)
    records.invoices.append(
        _document(
            "inv_dirty_11",
            contact,
            _days(today, 45),
            Decimal(1000),
            paid=Decimal(1000),
            paid_at=on,
            today=today,
            updated=on,
        )
    )
    records.payments.append(
        _payment("pay_dirty_04", contact, on, Decimal(1250), invoice_id="inv_dirty_11")
    )


def _refund_of_credit(records: DirtyRecords, today: date) -> None:
    # DIRTY: cm_dirty_03 (400.00, never applied to an invoice) is paid out by a refund: a
    # payment of −400.00 whose CREDITMEMO line consumes the memo's credit.
    contact, on = "cus_dirty_05", _days(today, 8)
    records.creditmemos.append(
        _memo("cm_dirty_03", contact, _days(today, 35), Decimal(400), consumed=Decimal(400))
        | {"updated_at": _stamp(on)}
    )
    lines = (("CREDITMEMO", "cm_dirty_03", Decimal(400), on),)
    records.payments.append(_payment("pay_dirty_05", contact, on, Decimal(-400), lines=lines))


def _cash_on_account(records: DirtyRecords, today: date) -> None:
    # DIRTY: 600.00 received with no invoice named and no lines: all of it unapplied credit.
    records.payments.append(
        _payment("pay_dirty_06", "cus_dirty_06", _days(today, 15), Decimal(600))
    )


def _credits_on_the_invoice_endpoint(records: DirtyRecords, today: date) -> None:
    contact = "cus_dirty_07"
    # DIRTY: a CREDITMEMO served only on the invoice endpoint, with the customer's terms as a
    # due date a month after posting: a credit is available from its posting, not its "due".
    records.invoices.append(
        _document(
            "cm_dirty_04", contact, _days(today, 40), Decimal(250), kind="CREDITMEMO", today=today
        )
    )
    # DIRTY: an INVOICE with a negative total (a credit note keyed as an invoice), due after.
    records.invoices.append(
        _document("inv_dirty_12", contact, _days(today, 25), Decimal(-150), today=today)
    )


def _poison_records(records: DirtyRecords, today: date) -> None:
    contact, posted = "cus_dirty_08", _days(today, 10)
    good = _document("inv_dirty_13", contact, posted, Decimal(500), today=today)
    # DIRTY: an amount no ledger column holds, an id of 150 characters, a date in year 1.
    huge = _document("inv_dirty_1e30", contact, posted, Decimal(1), today=today)
    huge |= {"sub_total_amount": 1e30, "total_amount": 1e30, "balance_amount": 1e30}
    long_id = _document(LONG_ID, contact, posted, Decimal(100), today=today)
    year_one = _document("inv_dirty_0001", contact, posted, Decimal(100), today=today)
    year_one["posted_at"] = "0001-01-01T00:00:00Z"
    records.invoices += [good, huge, long_id, year_one]


def _half_cent_balances(records: DirtyRecords, today: date) -> None:
    # DIRTY: balances of half a cent (QuickBooks keeps unrounded tax lines): each rounds to the
    # cent on its own before anything is summed.
    contact = "cus_dirty_09"
    records.invoices += [
        _document("inv_dirty_14", contact, _days(today, 40), Decimal("200.005"), today=today),
        _document("inv_dirty_15", contact, _days(today, 5), Decimal("0.005"), today=today),
    ]


def _contact(n: int, name: str, today: date) -> dict:
    created = _stamp(today - timedelta(days=400))
    return {
        "id": f"cus_dirty_{n:02d}",
        "name": name,
        "company_name": name,
        "is_active": True,
        "is_customer": True,
        "is_supplier": False,
        "currency": "USD",
        "payment_terms": "NET_30",
        "emails": [{"email": f"ap@dirty-{n:02d}.example", "type": "WORK"}],
        "created_at": created,
        "updated_at": created,
    }


def _stamp(day: date) -> str:
    """The moment a record was written on `day`: 10:00 UTC."""
    return iso_stamp(at_midnight(day) + timedelta(hours=10))


def _status(kind: str, total: Decimal, paid: Decimal, due: date, today: date) -> str:
    if total > 0 and paid >= total:
        return "PAID"
    if paid:
        return "PARTIALLY_PAID"
    return "OVERDUE" if kind == "INVOICE" and total > 0 and due < today else "AUTHORIZED"


def _invoice(n: int, contact_id: str, posted: date) -> dict:
    """A plain open USD invoice that each dirty record of `dirty_invoices` starts from."""
    return _document(f"inv_dirty_{n:02d}", contact_id, posted, DIRTY_TOTAL, number=f"D-{n:03d}")


def _document(
    doc_id: str,
    contact_id: str,
    posted: date,
    total: Decimal,
    *,
    number: str | None = None,
    kind: str = "INVOICE",
    paid: Decimal = ZERO,
    paid_at: date | None = None,
    payments: tuple[tuple[str, Decimal, date], ...] = (),
    today: date | None = None,
    updated: date | None = None,
) -> dict:
    """An AccountingInvoice on Net 30 terms; `payments` are (payment id, amount, date)."""
    due = posted + timedelta(days=30)
    record = {"id": doc_id, "invoice_number": number or doc_id.upper(), "type": kind}
    record["status"] = "AUTHORIZED" if today is None else _status(kind, total, paid, due, today)
    record |= {"contact_id": contact_id, "currency": "USD", "payment_terms": "NET_30"}
    record |= {"posted_at": iso_day(posted), "due_at": iso_day(due)}
    if paid_at is not None:
        record["paid_at"] = iso_day(paid_at)
    return record | {
        "sub_total_amount": amount(total),
        "tax_amount": 0,
        "total_amount": amount(total),
        "paid_amount": amount(paid),
        "balance_amount": amount(total - paid),
        "lineitems": [_line(doc_id, total)],
        "payments": [
            {"payment_id": pid, "amount": amount(value), "allocated_at": iso_day(on)}
            for pid, value, on in payments
        ],
        "created_at": _stamp(posted),
        "updated_at": _stamp(updated or posted),
    }


def _memo(
    memo_id: str,
    contact_id: str,
    posted: date,
    total: Decimal,
    *,
    applications: tuple[tuple[str, Decimal, date], ...] = (),
    consumed: Decimal = ZERO,
) -> dict:
    """An AccountingCreditmemo; `consumed` is credit used other than by `applications`."""
    used = sum((value for _, value, _ in applications), consumed)
    last = max((on for _, _, on in applications), default=posted)
    return {
        "id": memo_id,
        "creditmemo_number": memo_id.upper(),
        "status": "PAID" if used >= total else "AUTHORIZED",
        "contact_id": contact_id,
        "currency": "USD",
        "posted_at": iso_day(posted),
        "sub_total_amount": amount(total),
        "tax_amount": 0,
        "total_amount": amount(total),
        "balance_amount": amount(total - used),
        "lineitems": [_line(memo_id, total)],
        "applications": [
            {
                "object_type": "INVOICE",
                "object_id": target,
                "amount": amount(value),
                "applied_at": iso_day(on),
            }
            for target, value, on in applications
        ],
        "created_at": _stamp(posted),
        "updated_at": _stamp(last),
    }


def _payment(
    payment_id: str,
    contact_id: str,
    day: date,
    total: Decimal,
    *,
    lines: tuple[tuple[str, str, Decimal, date], ...] = (),
    invoice_id: str | None = None,
    status: str = "SUCCEEDED",
    reference: str | None = None,
    updated: date | None = None,
) -> dict:
    """A PaymentPayment; `lines` are (object type, object id, amount, date)."""
    record = {"id": payment_id, "type": "INVOICE", "status": status, "contact_id": contact_id}
    if invoice_id is not None:
        record["invoice_id"] = invoice_id
    return record | {
        "currency": "USD",
        "total_amount": amount(total),
        "paid_at": iso_day(day),
        "payment_method": "ACH",
        "reference": reference or payment_id.upper(),
        "allocations": [
            {
                "object_type": kind,
                "object_id": target,
                "amount": amount(value),
                "currency": "USD",
                "allocated_at": iso_day(on),
            }
            for kind, target, value, on in lines
        ],
        "created_at": _stamp(day),
        "updated_at": _stamp(updated or day),
    }


def _line(doc_id: str, total: Decimal) -> dict:
    return {
        "id": f"{doc_id}-1",
        "item_name": "Consulting services",
        "unit_amount": amount(total),
        "unit_quantity": 1,
        "total_amount": amount(total),
    }
