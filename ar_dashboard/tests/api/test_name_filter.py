"""The `name` filter: customers whose name starts with it, case-insensitive, on every endpoint,
answered the same from the live computation and from the stored summary rows."""

from decimal import Decimal as D

import pytest

from ar_dashboard.models import ARSnapshot, ARSummary
from ar_dashboard.services.summaries import ar_day_store
from ar_dashboard.tests.api.conftest import AS_OF
from ar_dashboard.tests.factories import CustomerFactory

BREAKDOWN = "/ar/api/customer-breakdown/"
STATS = "/ar/api/summary-stats/"
DISTRIBUTION = "/ar/api/aging-distribution/"


@pytest.fixture
def ledger_with_initials(ledger):
    """Adds "Init Holdings" (400.00 due 31 days before as_of) beside Initech, so that the
    prefix "init" selects two customers and "initech" one."""
    from ar_dashboard.tests.api.conftest import make_invoice

    holdings = CustomerFactory(company=ledger.company, name="Init Holdings")
    make_invoice(ledger.company, holdings, 31, "400.00")
    ledger.holdings = holdings
    return ledger


def _store(ledger) -> None:
    ar_day_store(company=ledger.company, as_of=AS_OF, today=AS_OF)
    assert ARSnapshot.objects.filter(company=ledger.company, as_of=AS_OF, customer_rows=True)


@pytest.mark.parametrize("stored", [False, True], ids=["live", "stored"])
def test_a_name_prefix_selects_those_customers_on_every_endpoint(api, ledger_with_initials, stored):
    ledger = ledger_with_initials
    if stored:
        _store(ledger)
    params = {"as_of": AS_OF.isoformat(), "name": "INIT"}

    rows = api.get(BREAKDOWN, params).json()
    # Initech 2100.00 (400 + 500 + 500 + 700) and Init Holdings 400.00, biggest first.
    assert [(r["customer"], r["total_outstanding"]) for r in rows["customers"]] == [
        ("Initech", "2100.00"),
        ("Init Holdings", "400.00"),
    ]
    stats = api.get(STATS, params).json()
    assert (stats["total_ar"], stats["total_customers"], stats["total_invoices"]) == (
        "2500.00",
        2,
        5,
    )
    buckets = {b["key"]: b["amount"] for b in api.get(DISTRIBUTION, params).json()["buckets"]}
    # 31 days: 400 + 400 → 31-60; 60: 500 → 31-60; 61 and 90 days: 500 + 700 → 61-90.
    assert (buckets["31_60"], buckets["61_90"], buckets["current"]) == (
        "1300.00",
        "1200.00",
        "0.00",
    )
    if stored:
        assert ARSummary.objects.filter(company=ledger.company, as_of=AS_OF).exists()


@pytest.mark.parametrize("stored", [False, True], ids=["live", "stored"])
def test_the_unknown_customer_never_matches_a_name(api, ledger, stored):
    if stored:
        _store(ledger)
    body = api.get(BREAKDOWN, {"as_of": AS_OF.isoformat(), "name": "Unknown"}).json()
    assert body["customers"] == [] and body["count"] == 0
    stats = api.get(STATS, {"as_of": AS_OF.isoformat(), "name": "unknown"}).json()
    assert D(stats["total_ar"]) == 0


def test_a_name_longer_than_100_characters_is_a_400_naming_it(api, ledger):
    response = api.get(BREAKDOWN, {"name": "x" * 101})
    assert response.status_code == 400
    assert "name" in response.json()
