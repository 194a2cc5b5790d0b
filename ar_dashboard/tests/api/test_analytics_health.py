"""customer-health: the three customers of the analytics ledger scored by hand (2026-06-30)."""

from decimal import Decimal as D

from ar_dashboard import metrics
from ar_dashboard.tests.api.analytics_ledger import AS_OF, books  # noqa: F401 - fixture

URL = "/ar/api/customer-health/"


def _points(row) -> dict:
    return {f["factor"]: f["points"] for f in row["factors"]}


def test_scores_by_hand(api, books, django_assert_num_queries):  # noqa: F811
    """Company AR 7500. History = invoices paid 2025-07-01..06-30; recent = paid after 04-01.

    Stopped: balance 4000 (S1, 146 days): over 60 and over 90 = 1 → 25 + 25; late 20.0 (S2)
    → 20 ÷ 60 × 20 = 6.67; trend: nothing recent → 0; share 4000 ÷ 7500 = 0.53 ≥ 0.25 → 10;
    broken: 146 > 30 days past due and last paid 01-20 (161 days) → 10. 76.67 → 77 high.
    Late: balance 2000 (L3, 30 days): 0 + 0; late (30×3000 + 40×1000) ÷ 4000 = 32.5 →
    32.5 ÷ 60 × 20 = 10.83; trend: both paid recently, nothing earlier → 0; share 0.27 → 10;
    broken: 30 is not over 30 → 0. 20.83 → 21 low.
    Prompt: balance 1500 (P3, not due); late (−2×1000 + 0×2000) ÷ 3000 = −0.7 → 0; trend:
    recent 0.0 (P2) − earlier −2.0 (P1) = 2 → 2 ÷ 30 × 10 = 0.67; share 0.2 ÷ 0.25 × 10 = 8;
    8.67 → 9 low.
    Queries: company (1), company AR (1), lateness per customer (1), last payment per
    customer (1), open balances per customer (1) = 5.
    """
    with django_assert_num_queries(5):
        response = api.get(URL, {"as_of": AS_OF})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["count"], body["history_days"], body["weights"]) == (
        3,
        365,
        metrics.RISK_WEIGHTS,
    )
    rows = body["customers"]
    assert [
        (r["customer"], r["score"], r["band"], r["balance"], r["avg_days_late"]) for r in rows
    ] == [
        ("Stopped Steel Inc", 77, "high", "4000.00", "20.0"),
        ("Late Lumber Ltd", 21, "low", "2000.00", "32.5"),
        ("Prompt Paper Co", 9, "low", "1500.00", "-0.7"),
    ]
    assert _points(rows[0]) == {
        "over_60": "25.00",
        "over_90": "25.00",
        "days_late": "6.67",
        "lateness_trend": "0.00",
        "share_of_ar": "10.00",
        "broken_pattern": "10.00",
    }
    assert _points(rows[1])["days_late"] == "10.83"
    assert _points(rows[2]) == {
        "over_60": "0.00",
        "over_90": "0.00",
        "days_late": "0.00",
        "lateness_trend": "0.67",
        "share_of_ar": "8.00",
        "broken_pattern": "0.00",
    }
    share = next(f for f in rows[2]["factors"] if f["factor"] == "share_of_ar")
    assert (share["value"], share["scaled"], share["weight"]) == ("0.2000", "0.8000", 10)
    assert D(rows[0]["factors"][0]["value"]) == D("1")


def test_sort_band_and_pages(api, books):  # noqa: F811
    response = api.get(URL, {"as_of": AS_OF, "sort": "customer", "page_size": "2"})
    body = response.json()
    assert [r["customer"] for r in body["customers"]] == ["Late Lumber Ltd", "Prompt Paper Co"]
    assert body["count"] == 3 and body["next"] is not None

    low = api.get(URL, {"as_of": AS_OF, "band": "low", "sort": "-balance"}).json()
    assert [r["customer"] for r in low["customers"]] == ["Late Lumber Ltd", "Prompt Paper Co"]


def test_bad_sort_and_band_are_400(api, books):  # noqa: F811
    assert "sort" in api.get(URL, {"sort": "risk"}).json()
    assert "band" in api.get(URL, {"band": "severe"}).json()
    assert "page" in api.get(URL, {"as_of": AS_OF, "page": "9"}).json()
