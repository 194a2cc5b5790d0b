"""Loading raw Unified.to records: idempotent upserts, history, rejects, one transaction."""

from datetime import date
from decimal import Decimal as D
from unittest import mock

import pytest

from ar_dashboard import selectors
from ar_dashboard.models import Allocation, Customer, Invoice, Payment, SourceRecord
from ar_dashboard.selectors import ARFilters
from ar_dashboard.services import ledger_load as service
from ar_dashboard.services.ledger_load import ExtractBatch, ledger_load, ledger_parse
from ar_dashboard.services.sources import content_hash

pytestmark = pytest.mark.django_db


def contact(cid, **extra):
    return {
        "id": cid,
        "name": f"Name {cid}",
        "is_customer": True,
        "currency": "USD",
        "emails": [{"email": f"{cid}@example.com"}],
        **extra,
    }


def invoice(iid, contact_id="c1", total=100, paid=0, balance=None, **extra):
    return {
        "id": iid,
        "type": "INVOICE",
        "invoice_number": iid.upper(),
        "status": "AUTHORIZED",
        "contact_id": contact_id,
        "currency": "USD",
        "posted_at": "2026-01-10T09:00:00Z",
        "due_at": "2026-02-09T09:00:00Z",
        "total_amount": total,
        "paid_amount": paid,
        "balance_amount": total - paid if balance is None else balance,
        "updated_at": "2026-01-10T09:00:00Z",
        **extra,
    }


def load(company, full=False, **lists):
    return ledger_load(company=company, parsed=ledger_parse(batch=ExtractBatch(**lists)), full=full)


def snapshot(company):
    rows = (
        Invoice.objects.filter(company=company)
        .order_by("external_id")
        .values(
            "external_id",
            "customer__external_id",
            "source_status",
            "posted_on",
            "due_on",
            "paid_on",
            "total",
            "paid",
            "balance",
            "currency",
            "doc_type",
        )
    )
    allocations = Allocation.objects.filter(company=company).order_by(
        "document__external_id", "ref"
    )
    return list(rows), list(
        allocations.values("document__external_id", "ref", "kind", "amount", "allocated_on")
    )


def test_load_creates_customers_documents_and_payments(company_a):
    result = load(
        company_a,
        contacts=[contact("c1"), contact("s1", is_customer=False, is_supplier=True)],
        invoices=[
            invoice(
                "i1",
                total=100,
                paid=40,
                payments=[
                    {"payment_id": "p1", "amount": 40, "allocated_at": "2026-02-20T00:00:00Z"}
                ],
            ),
            invoice("b1", type="BILL", contact_id="s1"),
        ],
        payments=[
            {
                "id": "p1",
                "contact_id": "c1",
                "total_amount": 40,
                "currency": "USD",
                "paid_at": "2026-02-20T10:00:00Z",
                "status": "SUCCEEDED",
                "allocations": [
                    {
                        "object_type": "INVOICE",
                        "object_id": "i1",
                        "amount": 40,
                        "allocated_at": "2026-02-20T10:00:00Z",
                    }
                ],
            }
        ],
    )
    assert result.counts["contacts"] == {"fetched": 2, "skipped": 1, "created": 1, "updated": 0}
    assert result.counts["invoices"] == {"fetched": 2, "skipped": 1}
    assert result.counts["documents"] == {"created": 1, "updated": 0}
    assert Customer.objects.get(company=company_a).external_id == "c1"
    inv = Invoice.objects.get(company=company_a, doc_type="INVOICE")
    # The payment, fully applied, leaves an unapplied-payment document of zero.
    unapplied = Invoice.objects.get(company=company_a, doc_type="PAYMENT")
    assert (unapplied.external_id, unapplied.total, unapplied.balance) == ("pmt:p1", -40, 0)
    assert (inv.customer.external_id, inv.balance, inv.paid, inv.due_on) == (
        "c1",
        D("60"),
        D("40"),
        date(2026, 2, 9),
    )
    # The payment seen from the invoice and from the payment is one effective row: the
    # payment's own statement; the invoice's is kept, not counted.
    assert Allocation.objects.filter(document=inv).count() == 2
    allocation = Allocation.objects.get(document=inv, effective=True)
    assert allocation.rank == Allocation.Rank.SOURCE
    assert (allocation.ref, allocation.amount, allocation.allocated_on) == (
        "pay:p1",
        D("40"),
        date(2026, 2, 20),
    )
    assert allocation.payment == Payment.objects.get(external_id="p1")


def test_second_identical_load_changes_nothing(company_a):
    batch = {
        "contacts": [contact("c1")],
        "invoices": [
            invoice("i1", total=100, paid=100, paid_at="2026-03-01T00:00:00Z"),
            invoice("i2", total=250),
        ],
    }
    load(company_a, **batch)
    first = snapshot(company_a)
    # Incremental: records re-read unchanged (same content hash) are skipped before any write.
    result = load(company_a, **batch)
    assert snapshot(company_a) == first
    assert result.counts["documents"] == {"unchanged": 2, "created": 0, "updated": 0}
    # Full: everything listed is restated (the daily self-check), to the same rows.
    result = load(company_a, full=True, **batch)
    assert snapshot(company_a) == first
    assert result.counts["documents"] == {"created": 0, "updated": 2, "deleted": 0}


def test_raw_records_are_kept_apart_with_their_hash(company_a):
    raw = invoice("i1", total=100)
    load(company_a, contacts=[contact("c1")], invoices=[raw])
    stored = SourceRecord.objects.get(company=company_a, object_type="invoice", external_id="i1")
    assert stored.raw == raw and stored.content_hash == content_hash(raw)
    # An edited record is not "unchanged": it loads.
    result = load(company_a, invoices=[{**raw, "balance_amount": 60, "paid_amount": 40}])
    assert result.counts["documents"] == {"created": 0, "updated": 1}
    assert Invoice.objects.get(external_id="i1").balance == D("60")


def test_update_changes_balance_status_and_dates(company_a):
    load(company_a, contacts=[contact("c1")], invoices=[invoice("i1", total=100)])
    load(
        company_a,
        invoices=[
            invoice(
                "i1",
                total=100,
                paid=100,
                status="PAID",
                paid_at="2026-03-05T12:00:00Z",
                updated_at="2026-03-05T12:00:00Z",
            )
        ],
    )
    inv = Invoice.objects.get(company=company_a, external_id="i1")
    assert (inv.balance, inv.source_status, inv.paid_on) == (D("0"), "PAID", date(2026, 3, 5))
    # No dated allocation was given: the paid part is implied on the paid date.
    implied = Allocation.objects.get(document=inv)
    assert (implied.kind, implied.amount, implied.allocated_on) == (
        "implied",
        D("100"),
        date(2026, 3, 5),
    )


def test_historical_aging_after_load_reconstructs_the_past(company_a):
    load(
        company_a,
        contacts=[contact("c1")],
        invoices=[
            invoice("i1", total=100, paid=100, status="PAID", paid_at="2026-03-05T12:00:00Z"),
        ],
    )
    before = ARFilters(as_of=date(2026, 3, 4), today=date(2026, 11, 1), currency="USD")
    after = ARFilters(as_of=date(2026, 3, 5), today=date(2026, 11, 1), currency="USD")
    assert selectors.summary_total(company=company_a, filters=before) == D("100")
    assert selectors.summary_total(company=company_a, filters=after) == D("0")


def test_credit_memo_from_both_endpoints_is_one_document_applied_to_an_invoice(company_a):
    memo_as_invoice = invoice("m1", type="CREDITMEMO", total=30, paid=0, balance=30)
    memo = {
        "id": "m1",
        "contact_id": "c1",
        "currency": "USD",
        "total_amount": 30,
        "balance_amount": 10,
        "status": "PARTIALLY_PAID",
        "posted_at": "2026-01-15T00:00:00Z",
        "applications": [{"object_id": "i1", "amount": 20, "applied_at": "2026-01-20T00:00:00Z"}],
    }
    load(
        company_a,
        contacts=[contact("c1")],
        invoices=[invoice("i1", total=100, paid=20), memo_as_invoice],
        creditmemos=[memo],
    )
    docs = {d.external_id: d for d in Invoice.objects.filter(company=company_a)}
    assert set(docs) == {"i1", "m1"}
    assert (docs["m1"].doc_type, docs["m1"].balance, docs["m1"].total) == (
        "CREDITMEMO",
        D("-10"),
        D("-30"),
    )
    rows = {
        (a.document.external_id, a.ref, a.target): a.amount
        for a in Allocation.objects.filter(effective=True)
    }
    # One application, two legs: the invoice went down by 20, the memo's credit was used by 20.
    assert rows == {("i1", "cm:m1", "i1"): D("20"), ("m1", "cm:m1", "i1"): D("-20")}
    # On 19 January the credit was not yet applied: invoice 100 open, memo −30 unapplied.
    jan19 = ARFilters(as_of=date(2026, 1, 19), today=date(2026, 11, 1), currency="USD")
    assert selectors.summary_total(company=company_a, filters=jan19) == D("70")
    now = ARFilters(as_of=date(2026, 11, 1), today=date(2026, 11, 1), currency="USD")
    assert selectors.summary_total(company=company_a, filters=now) == D("70")  # 80 − 10


def test_malformed_records_are_rejected_with_reasons_and_the_rest_loaded(company_a):
    result = load(
        company_a,
        contacts=[contact("c1")],
        invoices=[
            invoice("good"),
            invoice("bad_amount", balance=0, total="12,50"),
            invoice("bad_currency", currency="DOLLARS"),
            {"type": "INVOICE", "total_amount": 5},
            invoice("bad_date", posted_at="31/02/2026", invoice_at=None),
        ],
    )
    assert list(Invoice.objects.values_list("external_id", flat=True)) == ["good"]
    reasons = {r["id"]: r["reason"] for r in result.rejected}
    assert reasons == {
        "bad_amount": "total_amount='12,50' is not a number",
        "bad_currency": "currency='DOLLARS' is not an ISO 4217 currency code",
        "": "id is missing",
        "bad_date": "posted_at='31/02/2026' is not an ISO-8601 date",
    }
    assert result.counts["invoices"]["rejected"] == 4


def test_suspicious_records_load_with_warnings(company_a):
    result = load(
        company_a,
        contacts=[contact("c1")],
        invoices=[
            invoice("early_due", due_at="2026-01-01T00:00:00Z"),
            invoice("no_balance", balance_amount=None, total=100, paid=30),
        ],
    )
    warnings = {(w["id"], w["warning"]) for w in result.warnings}
    assert ("early_due", "due date 2026-01-01 is before posted date 2026-01-10") in warnings
    assert ("no_balance", "balance_amount missing: total - paid used") in warnings
    assert Invoice.objects.get(external_id="no_balance").balance == D("70")


def test_unknown_contact_counts_and_is_linked_when_the_contact_arrives(company_a):
    load(company_a, invoices=[invoice("i1", contact_id="late")])
    assert Invoice.objects.get(external_id="i1").customer is None
    load(company_a, contacts=[contact("late")])
    assert Invoice.objects.get(external_id="i1").customer.external_id == "late"


def test_full_sync_marks_vanished_documents_deleted(company_a):
    load(company_a, contacts=[contact("c1")], invoices=[invoice("i1"), invoice("i2")])
    load(company_a, full=True, invoices=[invoice("i1")])
    assert Invoice.objects.get(external_id="i2").source_status == "DELETED"


def test_voided_payment_withdraws_its_allocation(company_a):
    pay = {
        "id": "p1",
        "contact_id": "c1",
        "total_amount": 100,
        "currency": "USD",
        "paid_at": "2026-02-01T00:00:00Z",
        "status": "SUCCEEDED",
        "allocations": [{"object_type": "INVOICE", "object_id": "i1", "amount": 100}],
    }
    load(company_a, contacts=[contact("c1")], invoices=[invoice("i1", paid=100)], payments=[pay])
    assert Allocation.objects.get(document__external_id="i1").ref == "pay:p1"
    load(company_a, invoices=[invoice("i1", paid=0)], payments=[{**pay, "status": "FAILED"}])
    assert not Allocation.objects.exists()
    # A failed payment is no unapplied credit either: its document counts nothing.
    assert Invoice.objects.get(external_id="pmt:p1").source_status == "VOIDED"


def test_a_crash_mid_load_leaves_the_previous_ledger_intact(company_a):
    load(company_a, contacts=[contact("c1")], invoices=[invoice("i1", total=100)])
    before = snapshot(company_a)
    crash = mock.patch.object(service, "_load_payments", side_effect=RuntimeError("disk full"))
    with crash, pytest.raises(RuntimeError, match="disk full"):
        load(
            company_a,
            contacts=[contact("c2")],
            invoices=[invoice("i1", total=100, paid=100), invoice("i9")],
        )
    assert snapshot(company_a) == before
    assert not Customer.objects.filter(external_id="c2").exists()


def test_currency_falls_back_to_the_contact_then_the_company(company_a):
    load(
        company_a,
        contacts=[contact("c1", currency="CAD")],
        invoices=[invoice("i1", currency=None), invoice("i2", contact_id="nobody", currency=None)],
    )
    assert Invoice.objects.get(external_id="i1").currency == "CAD"
    i2 = Invoice.objects.get(external_id="i2")
    assert i2.currency == "USD"
    assert i2.warnings == ["currency missing: USD (company home currency) used"]


def test_a_payment_arriving_in_a_later_sync_is_linked_to_its_allocation(company_a):
    load(company_a, contacts=[contact("c1")], invoices=[invoice("i1", total=100)])
    payment = {
        "id": "p7",
        "contact_id": "c1",
        "total_amount": 100,
        "currency": "USD",
        "paid_at": "2026-03-02T15:00:00Z",
        "status": "SUCCEEDED",
        "allocations": [{"object_type": "INVOICE", "object_id": "i1", "amount": 100}],
    }
    load(company_a, payments=[payment])
    allocation = Allocation.objects.get(document__external_id="i1")
    assert allocation.payment == Payment.objects.get(external_id="p7")
    assert (allocation.amount, allocation.allocated_on) == (D("100"), date(2026, 3, 2))
