"""The worklist's risk bands: the analytics score's, computed once per ledger version and date
(the answer cache's "risk-bands" entry, shared with the dashboards' `band` filter)."""

from datetime import date

import pytest
from django.db.models import F

from ar_collections.tests.conftest import client_for
from ar_dashboard import aging
from ar_dashboard.analytics import health
from ar_dashboard.models import Company
from ar_dashboard.selectors import ARFilters

URL = "/ar/api/collections/"
AS_OF_DAY = date(2026, 6, 30)
AS_OF = {"as_of": AS_OF_DAY.isoformat()}


@pytest.fixture
def scored(monkeypatch):
    """Counts the scorings of a company's customers (customer_bands calls)."""
    calls = []
    real = health.customer_bands

    def counted(**kwargs):
        calls.append(kwargs["filters"].as_of)
        return real(**kwargs)

    monkeypatch.setattr(health, "customer_bands", counted)
    return calls


def test_the_worklist_scores_customers_once_per_ledger_version(ledger, alice, scored):
    client = client_for(alice)
    first = client.get(URL, AS_OF).json()
    again = client.get(URL, AS_OF).json()
    assert len(scored) == 1  # the second request read the cached bands
    assert first["customers"] == again["customers"]

    filters = ARFilters(as_of=AS_OF_DAY, today=AS_OF_DAY, currency="USD", basis=aging.Basis.DUE)
    expected = health.customer_bands(company=ledger.company, filters=filters)
    assert {r["id"]: r["band"] for r in first["customers"]} == {
        r["id"]: expected.get(r["id"]) for r in first["customers"]
    }
    assert {r["band"] for r in first["customers"]} - {None}  # some customer is scored

    Company.objects.filter(pk=ledger.company.pk).update(ledger_version=F("ledger_version") + 1)
    client.get(URL, AS_OF)
    assert len(scored) == 3  # a new ledger version scores again (the direct call made 2)
