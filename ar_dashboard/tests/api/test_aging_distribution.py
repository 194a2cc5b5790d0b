"""aging-distribution: bucket edges, labels, totals, custom schemes and minor units."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from ar_dashboard.tests.api.conftest import AS_OF, make_invoice
from ar_dashboard.tests.factories import CustomerFactory

URL = "/ar/api/aging-distribution/"
DEFAULT_LABELS = ["Current", "1-30", "31-60", "61-90", "91-120", "120+"]
DEFAULT_KEYS = ["current", "1_30", "31_60", "61_90", "91_120", "over_120"]


def _amounts(body: dict) -> dict[str, tuple[str, int]]:
    return {b["key"]: (b["amount"], b["invoice_count"]) for b in body["buckets"]}


@pytest.mark.parametrize(
    ("days", "key", "label"),
    [
        (0, "current", "Current"),
        (1, "1_30", "1-30"),
        (30, "1_30", "1-30"),
        (31, "31_60", "31-60"),
        (60, "31_60", "31-60"),
        (61, "61_90", "61-90"),
        (90, "61_90", "61-90"),
        (91, "91_120", "91-120"),
        (120, "91_120", "91-120"),
        (121, "over_120", "120+"),
    ],
)
def test_invoice_lands_in_the_bucket_of_its_days_past_due(
    api, company_a, pinned_today, days, key, label
):
    customer = CustomerFactory(company=company_a)
    make_invoice(company_a, customer, days, "123.45")

    body = api.get(URL, {"as_of": AS_OF.isoformat()}).json()

    expected = dict.fromkeys(DEFAULT_KEYS, ("0.00", 0)) | {key: ("123.45", 1)}
    assert _amounts(body) == expected
    assert body["distribution"] == {
        lbl: ("123.45" if lbl == label else "0.00") for lbl in DEFAULT_LABELS
    }
    assert body["total"] == "123.45"
    # The same document, filtered by its bucket key or label, and its row in invoice-details.
    for bucket in (key, label):
        only = api.get(URL, {"as_of": AS_OF.isoformat(), "bucket": bucket}).json()
        assert only["total"] == "123.45"
    row = api.get(f"/ar/api/invoice-details/{customer.pk}/", {"as_of": AS_OF.isoformat()}).json()
    assert [
        (i["days_overdue"], i["aging_bucket"], i["aging_bucket_key"]) for i in row["invoices"]
    ] == [(days, label, key)]


def test_distribution_of_the_hand_made_ledger(api, ledger):
    response = api.get(URL, {"as_of": "2026-06-30"})

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "company": ledger.company.pk,
        "currency": "USD",
        "as_of": "2026-06-30",
        "basis": "due",
        "buckets": [
            {
                "key": "current",
                "label": "Current",
                "min_days": None,
                "max_days": 0,
                "amount": "100.00",
                "invoice_count": 1,
            },
            # 200.50 + 300.00 (120.00 paid after as_of is added back) − 150.00 credit memo
            {
                "key": "1_30",
                "label": "1-30",
                "min_days": 1,
                "max_days": 30,
                "amount": "350.50",
                "invoice_count": 3,
            },
            # 400.00 + 250.00 (unknown customer) + 500.00
            {
                "key": "31_60",
                "label": "31-60",
                "min_days": 31,
                "max_days": 60,
                "amount": "1150.00",
                "invoice_count": 3,
            },
            # 500.00 (600.00 less 100.00 paid before as_of) + 700.00
            {
                "key": "61_90",
                "label": "61-90",
                "min_days": 61,
                "max_days": 90,
                "amount": "1200.00",
                "invoice_count": 2,
            },
            {
                "key": "91_120",
                "label": "91-120",
                "min_days": 91,
                "max_days": 120,
                "amount": "1700.00",
                "invoice_count": 2,
            },
            {
                "key": "over_120",
                "label": "120+",
                "min_days": 121,
                "max_days": None,
                "amount": "1000.00",
                "invoice_count": 1,
            },
        ],
        "total": "5500.50",
        "distribution": {
            "Current": "100.00",
            "1-30": "350.50",
            "31-60": "1150.00",
            "61-90": "1200.00",
            "91-120": "1700.00",
            "120+": "1000.00",
        },
    }
    assert list(body["distribution"]) == DEFAULT_LABELS
    assert sum(D(b["amount"]) for b in body["buckets"]) == D(body["total"])


def test_posted_basis_ages_from_the_invoice_date(api, ledger):
    """Invoices were posted 30 days before due, so each is 30 days older; the memo stays at 10."""
    body = api.get(URL, {"as_of": "2026-06-30", "basis": "posted"}).json()

    assert body["basis"] == "posted"
    assert body["distribution"] == {
        "Current": "0.00",
        "1-30": "-50.00",  # 100.00 (30 days) − 150.00 credit memo (10 days)
        "31-60": "500.50",  # 200.50 (31) + 300.00 (60)
        "61-90": "1150.00",  # 400.00 (61) + 250.00 (75) + 500.00 (90)
        "91-120": "1200.00",  # 500.00 (91) + 700.00 (120)
        "120+": "2700.00",  # 800.00 + 900.00 + 1000.00
    }
    assert body["total"] == "5500.50"


def test_eur_is_distributed_apart_from_usd(api, ledger):
    body = api.get(URL, {"as_of": "2026-06-30", "currency": "EUR"}).json()

    assert body["currency"] == "EUR"
    assert _amounts(body)["1_30"] == ("999.99", 1)
    assert body["total"] == "999.99"


def test_company_scheme_decides_the_buckets(api, company_a, pinned_today):
    company_a.aging_edges = [15, 45]
    company_a.save()
    customer = CustomerFactory(company=company_a)
    for days, amount in [
        (0, "10.00"),
        (1, "20.00"),
        (15, "30.00"),
        (16, "40.00"),
        (45, "50.00"),
        (46, "60.00"),
    ]:
        make_invoice(company_a, customer, days, amount)

    body = api.get(URL, {"as_of": AS_OF.isoformat()}).json()

    assert [(b["key"], b["label"], b["min_days"], b["max_days"]) for b in body["buckets"]] == [
        ("current", "Current", None, 0),
        ("1_15", "1-15", 1, 15),
        ("16_45", "16-45", 16, 45),
        ("over_45", "45+", 46, None),
    ]
    assert _amounts(body) == {
        "current": ("10.00", 1),
        "1_15": ("50.00", 2),
        "16_45": ("90.00", 2),
        "over_45": ("60.00", 1),
    }
    assert body["distribution"] == {
        "Current": "10.00",
        "1-15": "50.00",
        "16-45": "90.00",
        "45+": "60.00",
    }
    assert body["total"] == "210.00"
    assert api.get(URL, {"as_of": AS_OF.isoformat(), "bucket": "16_45"}).json()["total"] == "90.00"
    refused = api.get(URL, {"as_of": AS_OF.isoformat(), "bucket": "31_60"})
    assert refused.status_code == 400
    assert "bucket" in refused.json()


@pytest.mark.parametrize(
    ("currency", "amounts", "current", "late", "total"),
    [
        # Half-up to whole yen: 1234.5 → 1235, 100.4 → 100, 1334.9 → 1335.
        ("JPY", ("1234.5", "100.4"), "1235", "100", "1335"),
        # Three places for dinars: 1.2345 → 1.235, 10.0004 → 10.000, 11.2349 → 11.235.
        ("KWD", ("1.2345", "10.0004"), "1.235", "10.000", "11.235"),
        # Cents: 1234.505 → 1234.51, 0.004 → 0.00, 1234.509 → 1234.51.
        ("USD", ("1234.505", "0.004"), "1234.51", "0.00", "1234.51"),
    ],
)
def test_amounts_are_in_the_currencys_minor_units(
    api, company_a, pinned_today, currency, amounts, current, late, total
):
    customer = CustomerFactory(company=company_a)
    make_invoice(company_a, customer, 0, amounts[0], currency=currency)
    make_invoice(company_a, customer, 5, amounts[1], currency=currency)

    body = api.get(URL, {"as_of": AS_OF.isoformat(), "currency": currency}).json()

    assert body["currency"] == currency
    assert body["distribution"]["Current"] == current
    assert body["distribution"]["1-30"] == late
    assert body["total"] == total
    stats = api.get("/ar/api/summary-stats/", {"as_of": AS_OF.isoformat(), "currency": currency})
    assert stats.json()["total_ar"] == total


def test_document_due_after_as_of_is_current(api, company_a, pinned_today):
    customer = CustomerFactory(company=company_a)
    make_invoice(company_a, customer, -20, "75.00", posted_on=AS_OF - timedelta(days=10))

    body = api.get(URL, {"as_of": AS_OF.isoformat()}).json()

    assert body["distribution"]["Current"] == "75.00"
    assert body["total"] == "75.00"
