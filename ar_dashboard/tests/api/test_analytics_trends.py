"""trends: three months of the analytics ledger (analytics_ledger.py) to 2026-06-30."""

from datetime import date
from decimal import Decimal as D

from django.db.models import F

from ar_dashboard.models import ARSnapshot, Company
from ar_dashboard.tests.api.analytics_ledger import AS_OF, books  # noqa: F401 - fixture

URL = "/ar/api/trends/"
KEYS = ["current", "1_30", "31_60", "61_90", "91_120", "over_120"]


def _mix(**amounts) -> dict:
    return {key: amounts.get(key, "0.00") for key in KEYS}


def test_three_months_by_hand(api, books):  # noqa: F811
    """AR 03-31: S1 4000 + L1 2000 = 6000 (the CEI's beginning AR for April).

    April: AR 04-30 = S1 4000 (85 days) + L2 1000 (current) = 5000; sales L2 1000;
    collections L1 2000; DSO 5000 ÷ 1000 × 30 = 150.0; CEI (6000 + 1000 − 5000) ÷
    (6000 + 1000 − 1000) = 33.33; countback: April 1000 (30 d) → 4000, March 1000 (31 d) → 3000,
    February 3000 ÷ 3000 × 28 = 28 → 89.0.
    May: AR 05-31 = S1 4000 (116 d) + L2 1000 (21 d) + L3 2500 (due today: current) = 7500;
    sales 4500; collections P2 2000; DSO 7500 ÷ 4500 × 31 = 51.7; CEI (5000 + 4500 − 7500) ÷
    (5000 + 4500 − 2500) = 28.57; countback 31 + 30 + 31 + 1000 ÷ 3000 × 28 = 101.3.
    June: AR 7500 (P3 1500 current, L3 2000 1-30, S1 4000 120+); sales 1500; collections
    1000 + 500; DSO 150.0; CEI (7500 + 1500 − 7500) ÷ (7500 + 1500 − 1500) = 20.00;
    countback 106.5 (see the kpis test). Mix: 1500 ÷ 7500 = 20.00 %, 26.67 %, 53.33 %.
    """
    response = api.get(URL, {"as_of": AS_OF, "months": "3"})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["buckets"][0] == {"key": "current", "label": "Current"}
    months = body["months"]
    assert [m["month"] for m in months] == ["2026-04", "2026-05", "2026-06"]
    assert months[0] == {
        "month": "2026-04",
        "start": "2026-04-01",
        "end": "2026-04-30",
        "days": 30,
        "source": "live",
        "reconstructed": None,
        "ar_total": "5000.00",
        "ar_current": "1000.00",
        "ar_overdue": "4000.00",
        "aging": _mix(current="1000.00", **{"61_90": "4000.00"}),
        "aging_mix": _mix(current="20.00", **{"61_90": "80.00"}),
        "credit_sales": "1000.00",
        "collections": "2000.00",
        "dso": "150.0",
        "countback_dso": "89.0",
        "cei": "33.33",
    }
    may, june = months[1], months[2]
    assert (may["ar_total"], may["ar_current"], may["credit_sales"]) == (
        "7500.00",
        "2500.00",
        "4500.00",
    )
    assert (may["collections"], may["dso"], may["countback_dso"], may["cei"]) == (
        "2000.00",
        "51.7",
        "101.3",
        "28.57",
    )
    assert may["aging"] == _mix(current="2500.00", **{"1_30": "1000.00", "91_120": "4000.00"})
    assert (june["end"], june["days"], june["dso"], june["countback_dso"], june["cei"]) == (
        AS_OF,
        30,
        "150.0",
        "106.5",
        "20.00",
    )
    assert june["aging_mix"] == _mix(current="20.00", **{"1_30": "26.67", "over_120": "53.33"})
    assert june["collections"] == "1500.00"


def test_a_stored_snapshot_answers_its_month_end(api, books, django_assert_num_queries):  # noqa: F811
    """A snapshot row for 05-31, stamped with the ledger version and aging scheme, is read
    instead of the live aggregate (its figures, its flag); an unstamped one is not.

    Queries: the user's company (1), snapshots (1), live AR at 03-31, 04-30 and 06-30 (each:
    the summary-rows probe + the aggregate = 2, so 6), sales (1), collections (1) = 10.
    """
    ARSnapshot.objects.create(
        company=books.company,
        as_of=date(2026, 5, 31),
        currency="USD",
        basis="due",
        bucket_0=D("2500"),
        bucket_1=D("1000"),
        bucket_4=D("4000"),
        total=D("7500"),
        overdue=D("5000"),
        open_documents=3,
        customers_with_balance=2,
        ledger_version=books.company.ledger_version,
        edges=books.company.aging_edges_key,
        reconstructed=True,
    )
    with django_assert_num_queries(10):
        response = api.get(URL, {"as_of": AS_OF, "months": "3"})

    may = response.json()["months"][1]
    assert (may["source"], may["reconstructed"], may["ar_total"], may["dso"]) == (
        "snapshot",
        True,
        "7500.00",
        "51.7",
    )
    # A load moved the ledger on: the snapshot (and the cached answer) are of an older version.
    Company.objects.filter(pk=books.company.pk).update(ledger_version=F("ledger_version") + 1)
    may = api.get(URL, {"as_of": AS_OF, "months": "3"}).json()["months"][1]
    assert may["source"] == "live"


def test_months_is_validated(api, books):  # noqa: F811
    for bad in ("0", "25", "x"):
        response = api.get(URL, {"months": bad})
        assert response.status_code == 400
        assert "months" in response.json()


def test_a_snapshot_of_an_older_ledger_version_is_not_read(api, books):  # noqa: F811
    """Stamped with version 0 while the ledger is at 1: May is computed live (same 7500 here,
    but the source says where it came from)."""
    books.company.ledger_version = 1
    books.company.save(update_fields=["ledger_version"])
    ARSnapshot.objects.create(
        company=books.company,
        as_of=date(2026, 5, 31),
        currency="USD",
        basis="due",
        total=D("1"),
        ledger_version=0,
        edges=books.company.aging_edges_key,
    )
    may = api.get(URL, {"as_of": AS_OF, "months": "3"}).json()["months"][1]
    assert (may["source"], may["ar_total"]) == ("live", "7500.00")
