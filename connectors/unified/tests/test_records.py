"""Parsing raw Unified.to records: precise reasons for what is rejected, warnings for the rest."""

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal as D

import pytest

from connectors.unified.records import (
    RecordError,
    parse_contact,
    parse_document,
    parse_payment,
)


def invoice(**fields):
    base = {
        "id": "inv_1",
        "type": "INVOICE",
        "status": "AUTHORIZED",
        "contact_id": "c1",
        "currency": "USD",
        "posted_at": "2026-01-10T00:00:00Z",
        "due_at": "2026-02-09T00:00:00Z",
        "total_amount": 100,
        "paid_amount": 0,
        "balance_amount": 100,
    }
    return {**base, **fields}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (100, D("100")),
        (1234.5, D("1234.5")),
        ("99.99", D("99.99")),
        (" 12.3456 ", D("12.3456")),
        (1049.9900000000002, D("1049.9900")),  # binary-float noise rounds away
        (0.30000000000000004, D("0.3000")),
        (-5, D("-5")),
    ],
)
def test_amounts_are_parsed_exactly(raw, expected):
    # An INVOICE keeps its sign: a negative total is a credit, never turned into debt.
    assert parse_document(invoice(total_amount=raw, balance_amount=None)).total == expected


def test_a_negative_credit_memo_is_kept_as_a_magnitude():
    memo = parse_document(invoice(type="CREDITMEMO", total_amount=-30, balance_amount=-10))
    assert (memo.total, memo.balance) == (D("30"), D("10"))


def test_a_negative_invoice_is_a_credit_with_a_negative_balance():
    doc = parse_document(invoice(total_amount=-500, paid_amount=0, balance_amount=500))
    assert (doc.total, doc.balance) == (D("-500"), D("-500"))
    assert "balance 500 of a negative invoice taken as -500" in doc.warnings


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("12,50", "total_amount='12,50' is not a number"),
        ("abc", "total_amount='abc' is not a number"),
        (True, "total_amount=True is not a number"),
        ({"value": 1}, "total_amount={'value': 1} is not a number"),
        ("NaN", "total_amount='NaN' is not a finite number"),
        ("Infinity", "total_amount='Infinity' is not a finite number"),
        ("12.34567", "total_amount='12.34567' has more than 4 decimal places"),
        (None, "total_amount is missing"),
        (1e16, "total_amount=1e+16 is out of range (at most 15 digits before the point)"),
        (1e30, "total_amount=1e+30 is out of range (at most 15 digits before the point)"),
        (
            "-1000000000000000",
            "total_amount='-1000000000000000' is out of range (at most 15 digits before the point)",
        ),
    ],
)
def test_bad_amounts_are_rejected_with_the_reason(raw, reason):
    with pytest.raises(RecordError) as caught:
        parse_document(invoice(total_amount=raw))
    assert str(caught.value) == reason


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2026-03-01T00:00:00Z", datetime(2026, 3, 1, tzinfo=UTC)),
        (
            "2026-03-01T10:30:00+02:00",
            datetime(2026, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2026-03-01T10:30:00", datetime(2026, 3, 1, 10, 30, tzinfo=UTC)),  # naive = UTC
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
    ],
)
def test_timestamps(stamp, expected):
    assert parse_document(invoice(posted_at=stamp)).posted_at == expected


@pytest.mark.parametrize("stamp", ["31/02/2026", "2026-02-30T00:00:00Z", "yesterday", 20260301])
def test_bad_timestamps_are_rejected(stamp):
    with pytest.raises(RecordError, match="posted_at=.* is not an ISO-8601 date"):
        parse_document(invoice(posted_at=stamp))


def test_currency_codes():
    assert parse_document(invoice(currency="eur")).currency == "EUR"
    assert parse_document(invoice(currency=None)).currency is None  # the loader falls back
    for bad in ("XXX", "US", "DOLLARS", "ZZZ"):
        with pytest.raises(RecordError, match="is not an ISO 4217 currency code"):
            parse_document(invoice(currency=bad))


def test_missing_id_and_non_objects_are_rejected():
    with pytest.raises(RecordError, match="^id is missing$"):
        parse_document(invoice(id=" "))
    with pytest.raises(RecordError, match="^record is a list, not an object$"):
        parse_document([1, 2])


def test_posted_date_falls_back_to_invoice_at_then_created_at():
    doc = parse_document(invoice(posted_at=None, invoice_at="2026-01-05T00:00:00Z"))
    assert (doc.posted_at.day, doc.warnings) == (5, ())
    doc = parse_document(invoice(posted_at=None, created_at="2026-01-04T08:00:00Z"))
    assert (doc.posted_at.day, doc.warnings) == (4, ("posted_at missing: created_at used",))
    with pytest.raises(RecordError, match="posted_at, invoice_at and created_at are all missing"):
        parse_document(invoice(posted_at=None))


@pytest.mark.parametrize(
    ("fields", "warning"),
    [
        (
            {"due_at": "2026-01-01T00:00:00Z"},
            "due date 2026-01-01 is before posted date 2026-01-10",
        ),
        ({"balance_amount": None, "paid_amount": 30}, "balance_amount missing: total - paid used"),
        ({"balance_amount": 150}, "balance 150 exceeds total 100"),
        ({"balance_amount": 80, "paid_amount": 30}, "balance 80 != total 100 - paid 30"),
    ],
)
def test_suspicious_documents_parse_with_a_warning(fields, warning):
    assert parse_document(invoice(**fields)).warnings == (warning,)


def test_voided_documents_are_not_checked_for_consistent_amounts():
    assert parse_document(invoice(status="VOIDED", balance_amount=0)).warnings == ()


def test_negative_credit_memo_amounts_are_taken_as_magnitudes():
    memo = parse_document(
        {
            "id": "cm1",
            "total_amount": -30,
            "balance_amount": -10,
            "posted_at": "2026-01-15",
            "applications": [{"object_id": "inv_1", "amount": 20, "applied_at": "2026-01-20"}],
        },
        doc_type="CREDITMEMO",
    )
    assert (memo.doc_type, memo.total, memo.balance) == ("CREDITMEMO", D("30"), D("10"))
    [app] = memo.allocations
    assert (app.ref, app.target_id, app.amount) == ("cm:cm1", "inv_1", D("20"))


def test_invoice_payments_become_allocations_keyed_by_payment():
    doc = parse_document(
        invoice(
            payments=[
                {"payment_id": "p1", "amount": 40, "allocated_at": "2026-02-01T00:00:00Z"},
                {"amount": 10},
            ]
        )
    )
    assert [(a.ref, a.amount) for a in doc.allocations] == [
        ("pay:p1", D("40")),
        ("pay:inv_1#1", D("10")),
    ]


def test_payments():
    raw = {
        "id": "p1",
        "contact_id": "c1",
        "total_amount": 150,
        "currency": "USD",
        "paid_at": "2026-02-01T00:00:00Z",
        "status": "SUCCEEDED",
        "allocations": [
            {"object_type": "INVOICE", "object_id": "inv_1", "amount": 100},
            {"object_type": "BILL", "object_id": "bill_1", "amount": 50},
        ],
    }
    payment = parse_payment(raw)
    assert payment.is_settled
    assert [(a.ref, a.target_id, a.amount, a.on.day) for a in payment.allocations] == [
        ("pay:p1", "inv_1", D("100"), 1)
    ]  # bills are not AR; undated → paid_at
    assert not parse_payment({**raw, "status": "FAILED"}).is_settled
    # Without lines, invoice_id only names the document: the loader decides how much went
    # there (never the whole total blindly, which would put an overpayment on the invoice).
    only_invoice = parse_payment({**raw, "allocations": [], "invoice_id": "inv_9"})
    assert (only_invoice.allocations, only_invoice.invoice_id) == ((), "inv_9")
    assert not parse_payment({**raw, "status": "VOIDED"}).is_settled
    assert not parse_payment({**raw, "status": "DELETED"}).is_settled
    bill_payment = {**raw, "allocations": [{"object_type": "BILL", "object_id": "b1", "amount": 5}]}
    assert parse_payment(raw).is_receivable and not parse_payment(bill_payment).is_receivable
    assert not parse_payment({**raw, "type": "BILL"}).is_receivable
    with pytest.raises(RecordError, match=r"allocations\[0\].object_id is missing"):
        parse_payment({**raw, "allocations": [{"object_type": "INVOICE", "amount": 1}]})
    with pytest.raises(RecordError, match="paid_at is missing"):
        parse_payment({**raw, "paid_at": None})


def test_contacts():
    contact = parse_contact(
        {
            "id": "c1",
            "name": "Globex",
            "is_customer": True,
            "emails": [{"email": "ap@globex.example"}],
            "currency": "usd",
        }
    )
    assert (contact.name, contact.email, contact.currency, contact.is_ar_party) == (
        "Globex",
        "ap@globex.example",
        "USD",
        True,
    )
    supplier = parse_contact({"id": "s1", "name": "Paper Co", "is_supplier": True})
    assert not supplier.is_ar_party
    assert parse_contact({"id": "c2"}).name == "Contact c2"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"id": "x" * 101}, "id is longer than 100 characters (101)"),
        ({"contact_id": "c" * 150}, "contact_id is longer than 100 characters (150)"),
        ({"posted_at": "0001-01-01T00:00:00Z"}, "posted_at='0001-01-01T00:00:00Z' is outside"),
        ({"due_at": "9999-12-31T00:00:00Z"}, "due_at='9999-12-31T00:00:00Z' is outside the"),
        ({"payments": {"payment_id": "p"}}, "payments is a JSON dict, not an array"),
    ],
)
def test_poison_fields_are_rejected_with_their_reason(fields, reason):
    with pytest.raises(RecordError, match=re.escape(reason)):
        parse_document(invoice(**fields))
