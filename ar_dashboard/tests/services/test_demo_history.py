"""The loaded demo ledger ties out, as of past dates, with the raw records it came from.

The expected figures are computed here straight from the raw Unified.to JSON (payments and
credit applications by their own dates), independently of the loader's allocation rows.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from ar_dashboard import selectors
from ar_dashboard.selectors import ARFilters
from ar_dashboard.services.ledger_load import ExtractBatch, ledger_load, ledger_parse
from ar_dashboard.tests.factories import CompanyFactory
from connectors.unified.demo_ledger import generate_demo_ledger

TODAY = date(2026, 11, 15)
EXCLUDED = {"VOIDED", "DRAFT", "DELETED"}


def day(stamp: str) -> date:
    return date.fromisoformat(stamp[:10])


def expected_ar(ledger, as_of: date) -> dict[str, Decimal]:
    """Σ open balance per currency on `as_of`, from the raw records alone."""
    credits_to = defaultdict(list)  # invoice id -> [(applied date, amount)]
    memos = {m["id"]: m for m in ledger.creditmemos}
    for memo in ledger.creditmemos:
        for app in memo.get("applications", []):
            credits_to[app["object_id"]].append(
                (day(app["applied_at"]), Decimal(str(app["amount"])))
            )
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for doc in ledger.invoices:
        if doc["type"] not in {"INVOICE", "CREDITMEMO"} or doc["status"] in EXCLUDED:
            continue
        if day(doc["posted_at"]) > as_of:
            continue
        total = Decimal(str(doc["total_amount"]))
        if doc["type"] == "INVOICE":
            paid = sum(
                (
                    Decimal(str(p["amount"]))
                    for p in doc.get("payments", [])
                    if day(p["allocated_at"]) <= as_of
                ),
                start=Decimal(0),
            )
            credited = sum((a for on, a in credits_to[doc["id"]] if on <= as_of), start=Decimal(0))
            totals[doc["currency"]] += total - paid - credited
        else:
            applied = sum(
                (
                    Decimal(str(a["amount"]))
                    for a in memos[doc["id"]].get("applications", [])
                    if day(a["applied_at"]) <= as_of
                ),
                start=Decimal(0),
            )
            totals[doc["currency"]] -= total - applied
    return dict(totals)


@pytest.mark.django_db
def test_demo_ledger_ties_out_as_of_past_dates():
    ledger = generate_demo_ledger(today=TODAY)
    company = CompanyFactory(name="Demo", home_currency="USD", timezone="America/New_York")
    batch = ExtractBatch(
        contacts=ledger.contacts,
        invoices=ledger.invoices,
        creditmemos=ledger.creditmemos,
        payments=ledger.payments,
    )
    parsed = ledger_load(company=company, parsed=ledger_parse(batch=batch))
    assert parsed.rejected == [] and parsed.warnings == []
    for as_of in (TODAY, date(2026, 10, 31), date(2026, 6, 30), date(2025, 12, 31)):
        expected = expected_ar(ledger, as_of)
        for currency, amount in expected.items():
            filters = ARFilters(as_of=as_of, today=TODAY, currency=currency)
            got = selectors.summary_total(company=company, filters=filters)
            assert got == amount, (as_of, currency)
        assert len(expected) == 5
