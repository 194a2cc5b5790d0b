"""Several buckets and a risk band: the same narrowing in the API, the CSV and the XLSX.

The hand-made ledger as of 2026-06-30 (tests/api/conftest.py). Risk bands (README's risk
table): Umbrella 70 high; Initech 24 and Globex 3 low; the unknown customer is in no band.
"""

from ar_dashboard.tests.exports.conftest import AS_OF
from ar_dashboard.tests.exports.test_csv import EXPORT, column_sum, read_csv

TWO_BUCKETS = f"as_of={AS_OF}&bucket=31_60&bucket=91_120"


def test_two_buckets_in_the_api_are_the_sum_of_those_buckets(api, ledger):
    """31-60 1150.00 + 91-120 1700.00 = 2850.00; the other buckets hold nothing."""
    distribution = api.get(f"/ar/api/aging-distribution/?{TWO_BUCKETS}").json()
    stats = api.get(f"/ar/api/summary-stats/?{TWO_BUCKETS}").json()
    commas = api.get(f"/ar/api/summary-stats/?as_of={AS_OF}&bucket=31-60,91_120").json()

    amounts = {b["key"]: b["amount"] for b in distribution["buckets"]}
    assert amounts == {
        "current": "0.00", "1_30": "0.00", "31_60": "1150.00", "61_90": "0.00",
        "91_120": "1700.00", "over_120": "0.00",
    }  # fmt: skip
    assert distribution["total"] == stats["total_ar"] == commas["total_ar"] == "2850.00"
    assert stats["total_invoices"] == 5


def test_two_buckets_in_the_csv_equal_the_api(web, api, ledger):
    rows = read_csv(web.get(f"{EXPORT}customer-breakdown.csv?{TWO_BUCKETS}"))

    assert [(r["Customer"], r["Total outstanding (USD)"]) for r in rows] == [
        ("Umbrella", "1700.00"), ("Initech", "900.00"), ("Unknown customer", "250.00"),
    ]  # fmt: skip
    assert str(column_sum(rows, "Total outstanding (USD)")) == "2850.00"
    assert str(column_sum(rows, "31-60 (USD)")) == "1150.00"
    assert str(column_sum(rows, "91-120 (USD)")) == "1700.00"


def test_bad_bucket_in_an_export_is_a_400_naming_it(web, ledger):
    response = web.get(f"{EXPORT}customer-breakdown.csv?as_of={AS_OF}&bucket=31_60&bucket=x")

    assert response.status_code == 400
    assert "bucket" in response.json()


def test_risk_band_narrows_the_api(api, ledger):
    high = api.get("/ar/api/customer-breakdown/", {"as_of": AS_OF, "band": "high"}).json()
    low = api.get("/ar/api/summary-stats/", {"as_of": AS_OF, "band": "low"}).json()
    medium = api.get("/ar/api/aging-distribution/", {"as_of": AS_OF, "band": "medium"}).json()

    assert [(c["customer"], c["total_outstanding"]) for c in high["customers"]] == [
        ("Umbrella", "2700.00")
    ]
    assert (low["total_ar"], low["total_customers"], low["total_invoices"]) == ("2550.50", 2, 8)
    assert medium["total"] == "0.00"


def test_risk_band_is_cached_by_the_ledger_version(api, ledger, django_assert_num_queries):
    """The band's customers come from the answer cache on the second request: only the
    access check and the breakdown's COUNT and page run again."""
    api.get("/ar/api/customer-breakdown/", {"as_of": AS_OF, "band": "high", "page_size": 1})
    # 1. the company (access) 2. stored rows for the day? 3. COUNT 4. the page; the band's
    # customers and the answer itself are cache hits, except the answer's key (page_size)
    with django_assert_num_queries(4):
        second = api.get(
            "/ar/api/customer-breakdown/", {"as_of": AS_OF, "band": "high", "page_size": 2}
        )

    assert [c["customer"] for c in second.json()["customers"]] == ["Umbrella"]


def test_risk_band_in_the_csv_equals_the_api(web, api, ledger):
    """Low band: Initech 2100.00 + Globex 450.50 = 2550.50."""
    rows = read_csv(web.get(f"{EXPORT}customer-breakdown.csv?as_of={AS_OF}&band=low"))
    detail = read_csv(web.get(f"{EXPORT}aging-detail.csv?as_of={AS_OF}&band=low"))

    assert [(r["Customer"], r["Total outstanding (USD)"]) for r in rows] == [
        ("Initech", "2100.00"), ("Globex", "450.50"),
    ]  # fmt: skip
    assert str(column_sum(detail, "Open balance (USD)")) == "2550.50"
    assert len(detail) == 8


def test_band_and_buckets_in_the_summary_csv(web, ledger):
    """High band (Umbrella) in 31-60 and 91-120: 0.00 and 800 + 900 = 1700.00."""
    rows = read_csv(
        web.get(f"{EXPORT}aging-summary.csv?as_of={AS_OF}&band=high&bucket=31_60,91_120")
    )

    assert {r["Bucket"]: r["Amount (USD)"] for r in rows if r["Amount (USD)"] != "0.00"} == {
        "91_120": "1700.00"
    }


def test_bad_band_is_a_400_naming_it(api, web, ledger):
    assert "band" in api.get("/ar/api/summary-stats/", {"band": "severe"}).json()
    assert web.get(f"{EXPORT}aging-summary.csv?band=severe").status_code == 400


def test_analytics_endpoints_refuse_band_but_customer_health_reads_it(api, ledger):
    kpis = api.get("/ar/api/kpis/", {"as_of": AS_OF, "band": "high"})
    health = api.get("/ar/api/customer-health/", {"as_of": AS_OF, "band": "high"}).json()

    assert kpis.status_code == 400 and "band" in kpis.json()
    assert [(c["customer"], c["score"], c["band"]) for c in health["customers"]] == [
        ("Umbrella", 70, "high")
    ]
