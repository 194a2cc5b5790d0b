"""The scaled ledger: N documents, two currencies, two years, dated allocations, same bytes."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import pytest

from bench.ledger import CUSTOMERS_PER_CHUNK, scaled_ledger
from connectors.unified.demo.profiles import history_start

TODAY = date(2026, 3, 15)
DOCUMENTS = 6000  # two chunks of customers: the parallel path is exercised


@pytest.fixture(scope="module")
def parts():
    return list(scaled_ledger(documents=DOCUMENTS, today=TODAY, seed=7))


def _records(parts, name: str) -> list[dict]:
    return [json.loads(item.body) for part in parts for item in getattr(part, name)]


def test_it_stops_at_the_first_customer_boundary_past_n(parts):
    total = sum(part.documents for part in parts)

    assert total >= DOCUMENTS
    assert total - parts[-1].documents < DOCUMENTS
    assert len(parts) - 1 > CUSTOMERS_PER_CHUNK  # customers from more than one chunk


def test_two_processes_make_the_same_bytes_as_one(parts):
    again = list(scaled_ledger(documents=DOCUMENTS, today=TODAY, seed=7, workers=2))

    assert [p.invoices + p.payments + p.contacts for p in again] == [
        p.invoices + p.payments + p.contacts for p in parts
    ]


def test_customers_bill_in_two_currencies_over_two_years(parts):
    invoices = _records(parts, "invoices")
    customers = Counter(part.currency for part in parts[1:])
    posted = [date.fromisoformat(r["posted_at"][:10]) for r in invoices]

    assert set(customers) == {"USD", "EUR"}
    assert {r["currency"] for r in invoices} == {"USD", "EUR"}
    assert min(posted) >= history_start(TODAY, 24)
    assert min(posted) <= history_start(TODAY, 24) + timedelta(days=30)
    assert max(posted) <= TODAY - timedelta(days=1)
    # About 20 documents a customer, so 1M documents mean about 50k customers.
    assert 15 <= DOCUMENTS / customers.total() <= 25


def test_ids_are_unique_and_allocations_point_at_documents(parts):
    invoices = _records(parts, "invoices")
    ids = [r["id"] for r in invoices]
    payments = _records(parts, "payments")
    memos = _records(parts, "creditmemos")
    allocations = [a for p in payments for a in p["allocations"]]
    applications = [a for m in memos for a in m["applications"]]

    assert len(set(ids)) == len(ids)
    assert len({p["id"] for p in payments}) == len(payments)
    assert {r["type"] for r in invoices} == {"INVOICE", "CREDITMEMO", "BILL"}
    assert applications and allocations
    assert {a["object_id"] for a in allocations + applications} <= set(ids)
    assert all(a["allocated_at"] for a in allocations)
    assert all(a["applied_at"] for a in applications)


def test_open_invoices_are_open_invoices_of_known_customers(parts):
    by_id = {r["id"]: r for r in _records(parts, "invoices")}
    open_ids = [i for part in parts for i in part.open_invoices]

    assert open_ids
    for invoice_id in open_ids:
        record = by_id[invoice_id]
        assert record["type"] == "INVOICE" and record["balance_amount"] > 0
        assert record["contact_id"].startswith("cus_")
