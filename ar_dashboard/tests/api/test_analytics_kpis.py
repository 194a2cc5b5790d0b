"""kpis: every figure of the analytics ledger (analytics_ledger.py) by hand, as of 2026-06-30."""

from datetime import date
from decimal import Decimal as D

import pytest

from ar_dashboard.models import ExchangeRate
from ar_dashboard.tests.api.analytics_ledger import AS_OF, books  # noqa: F401 - fixture

URL = "/ar/api/kpis/"


def test_kpis_of_the_analytics_ledger(api, books, django_assert_num_queries):  # noqa: F811
    """Period 90 days: 2026-04-02 to 06-30; AR at 04-01 (the day before) and at 06-30.

    AR 04-01: S1 4000 + L1 3000 − 1000 (paid 03-20; the 2000 of 04-02 is later) = 6000.
    AR 06-30: P3 1500 (current) + L3 2000 (30 days) + S1 4000 (146 days) = 7500.
    Sales 04-02..06-30: L2 1000 + P2 2000 + L3 2500 + P3 1500 = 7000 (V is VOIDED).
    Collections: 2000 (L1) + 2000 (P2) + 500 (L3) + 1000 (L2) = 5500; 6000 + 7000 − 5500 = 7500.
    DSO 7500 ÷ 7000 × 90 = 96.43 → 96.4; 30 days: sales 1500 → 7500 ÷ 1500 × 30 = 150.0;
    365 days: sales 16000 (all but V, E1) → 7500 ÷ 16000 × 365 = 171.09 → 171.1.
    BPDSO 1500 ÷ 7000 × 90 = 19.29 → 19.3; ADD 96.4 − 19.3 = 77.1.
    Countback: June 1500 (30 d) → 6000 left; May 4500 (31 d) → 1500 left; April 1000 (30 d)
    → 500 left; March 500 ÷ 1000 × 31 = 15.5 → 30 + 31 + 30 + 15.5 = 106.5.
    CEI (6000 + 7000 − 7500) ÷ (6000 + 7000 − 1500) × 100 = 5500 ÷ 11500 = 47.83.
    Turnover 7000 ÷ ((6000 + 7500) ÷ 2) = 1.04; % current 1500 ÷ 7500 = 20.00.
    Paid in the period: L1 (60 d to pay / 30 late, 3000), P2 (30 / 0, 2000), L2 (70 / 40, 1000):
    to pay (60 + 30 + 70) ÷ 3 = 53.3, weighted 310000 ÷ 6000 = 51.7;
    late (30 + 0 + 40) ÷ 3 = 23.3, weighted 130000 ÷ 6000 = 21.7. Doubtful: S1 4000.

    Queries: company (1), snapshots (1), live AR at 04-01 and 06-30 (summary probe +
    aggregate, 2 each), sales for every period (1), collections (1), doubtful (1),
    velocity (1) = 10.
    """
    with django_assert_num_queries(10):
        response = api.get(URL, {"as_of": AS_OF})

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "company": books.company.pk,
        "currency": "USD",
        "as_of": AS_OF,
        "basis": "due",
        "period_days": 90,
        "period_start": "2026-04-02",
        "period_end": AS_OF,
        "ar_beginning": "6000.00",
        "ar_total": "7500.00",
        "ar_current": "1500.00",
        "ar_overdue": "6000.00",
        "credit_sales": "7000.00",
        "collections": "5500.00",
        "credits_applied": "0.00",
        "dso": "96.4",
        "dso_by_period": {"30": "150.0", "90": "96.4", "365": "171.1"},
        "countback_dso": "106.5",
        "best_possible_dso": "19.3",
        "average_days_delinquent": "77.1",
        "cei": "47.83",
        "receivables_turnover": "1.04",
        "percent_current": "20.00",
        "avg_days_to_pay": "53.3",
        "avg_days_to_pay_weighted": "51.7",
        "avg_days_late": "23.3",
        "avg_days_late_weighted": "21.7",
        "invoices_paid": 3,
        "doubtful": "4000.00",
        "ar_source": "live",
        "consolidated": None,
    }


def test_consolidated_in_the_home_currency(api, books):  # noqa: F811
    """EUR at 1.1 from 06-01 (the 1.2 of 07-15 is after as_of): E1 500 € → 550.00 USD.

    AR 7500 + 550 = 8050; current 1500 + 550 = 2050; sales 7000 + 550 = 7550;
    DSO 8050 ÷ 7550 × 90 = 95.96 → 96.0.
    """
    ExchangeRate.objects.create(
        company=books.company,
        currency="EUR",
        home_currency="USD",
        rate_date=date(2026, 6, 1),
        rate=D("1.1"),
    )
    ExchangeRate.objects.create(
        company=books.company,
        currency="EUR",
        home_currency="USD",
        rate_date=date(2026, 7, 15),
        rate=D("1.2"),
    )
    response = api.get(URL, {"as_of": AS_OF, "home_currency": "1"})

    assert response.status_code == 200, response.json()
    body = response.json()["consolidated"]
    assert body == {
        "currency": "USD",
        "as_of": AS_OF,
        "ar_total": "8050.00",
        "ar_current": "2050.00",
        "ar_overdue": "6000.00",
        "credit_sales": "7550.00",
        "collections": "5500.00",
        "doubtful": "4000.00",
        "dso": "96.0",
        "rates": [
            {"currency": "EUR", "rate": "1.1", "rate_date": "2026-06-01"},
            {"currency": "USD", "rate": "1", "rate_date": None},
        ],
        "by_currency": [
            {"currency": "EUR", "ar_total": "500.00", "ar_total_home": "550.00"},
            {"currency": "USD", "ar_total": "7500.00", "ar_total_home": "7500.00"},
        ],
    }


def test_a_missing_rate_is_a_400_naming_it(api, books):  # noqa: F811
    """A rate dated after as_of does not count: no EUR rate → 400, never a silent 1.0."""
    ExchangeRate.objects.create(
        company=books.company,
        currency="EUR",
        home_currency="USD",
        rate_date=date(2026, 7, 15),
        rate=D("1.2"),
    )
    response = api.get(URL, {"as_of": AS_OF, "home_currency": "1"})

    assert response.status_code == 400
    assert "EUR→USD" in str(response.json()["home_currency"])
    assert "2026-06-30" in str(response.json()["home_currency"])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"period_days": "60"}, "period_days"),
        ({"home_currency": "maybe"}, "home_currency"),
        ({"bucket": "current"}, "bucket"),
        ({"min_amount": "1"}, "min_amount"),
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"currency": "XYZ"}, "currency"),
    ],
)
def test_bad_parameters_are_400_naming_them(api, books, params, name):  # noqa: F811
    response = api.get(URL, params)
    assert response.status_code == 400
    assert name in response.json()
