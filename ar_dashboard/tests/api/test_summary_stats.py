"""summary-stats: every field of the headline figures, by hand, as of past, present and future."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from ar_dashboard.models import Allocation
from ar_dashboard.tests.factories import AllocationFactory, CustomerFactory, InvoiceFactory

URL = "/ar/api/summary-stats/"


def test_summary_of_the_hand_made_ledger(api, ledger):
    """Conftest's ledger as of 2026-06-30 (see its table), aged by due date.

    overdue 5400.50 = 5500.50 − Current 100.00 (the credit memo, 10 days old, is overdue too);
    simple average over the ten overdue invoices with a positive balance:
    (1+30+31+45+60+61+90+91+120+121) / 10 = 65.0; weighted: Σ days × amount / Σ amount
    = 458150.50 / 5550.50 = 82.54…; at risk (> 90 days): Umbrella only (Initech's oldest is 90).
    """
    response = api.get(URL, {"as_of": "2026-06-30"})

    assert response.status_code == 200
    assert response.json() == {
        "company": ledger.company.pk,
        "currency": "USD",
        "as_of": "2026-06-30",
        "basis": "due",
        "total_ar": "5500.50",
        "total_overdue": "5400.50",
        "overdue_percentage": "98.18",
        "total_invoices": 12,
        "total_customers": 4,
        "at_risk_customers": 1,
        "avg_days_overdue": "65.0",
        "avg_days_overdue_weighted": "82.5",
        "unapplied_credit": "-150.00",
        "currencies": ["USD", "EUR"],
    }


def test_other_currency_is_reported_alone(api, ledger):
    response = api.get(URL, {"as_of": "2026-06-30", "currency": "eur"})

    assert response.status_code == 200
    assert response.json() == {
        "company": ledger.company.pk,
        "currency": "EUR",
        "as_of": "2026-06-30",
        "basis": "due",
        "total_ar": "999.99",
        "total_overdue": "999.99",
        "overdue_percentage": "100.00",
        "total_invoices": 1,
        "total_customers": 1,
        "at_risk_customers": 0,
        "avg_days_overdue": "10.0",
        "avg_days_overdue_weighted": "10.0",
        "unapplied_credit": "0.00",
        "currencies": ["USD", "EUR"],
    }


def test_as_of_defaults_to_the_companys_today_with_current_balances(api, ledger):
    """Today (2026-07-15): every document 15 days older, Globex's 30-day invoice at 180.00.

    total 5500.50 − 120.00 = 5380.50, all overdue; simple average (650 + 11 × 15) / 11 = 74.09…;
    weighted 537508.00 / 5530.50 = 97.19…; at risk: Initech (90 → 105 days) and Umbrella.
    """
    response = api.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == "2026-07-15"
    assert {k: body[k] for k in body if k not in ("company", "currencies")} == {
        "currency": "USD",
        "as_of": "2026-07-15",
        "basis": "due",
        "total_ar": "5380.50",
        "total_overdue": "5380.50",
        "overdue_percentage": "100.00",
        "total_invoices": 12,
        "total_customers": 4,
        "at_risk_customers": 2,
        "avg_days_overdue": "74.1",
        "avg_days_overdue_weighted": "97.2",
        "unapplied_credit": "-150.00",
    }


@pytest.fixture
def history(company_a, pinned_today):
    """Two customers, clock at 2026-07-15.

    X (C1): posted 03-01, due 03-31, 1000.00; paid 300.00 on 04-15 and 200.00 on 06-10 → 500.00.
    Y (C2): posted 05-20, due 06-19, 400.00 open.
    Z (C1): credit memo of 04-01, −300.00; 100.00 of it applied on 06-01 → −200.00.
    """
    c1 = CustomerFactory(company=company_a, name="First")
    c2 = CustomerFactory(company=company_a, name="Second")
    x = InvoiceFactory(
        company=company_a,
        customer=c1,
        posted_on=date(2026, 3, 1),
        due_on=date(2026, 3, 31),
        total=D("1000.00"),
        paid=D("500.00"),
    )
    AllocationFactory(document=x, amount=D("300.00"), allocated_on=date(2026, 4, 15))
    AllocationFactory(document=x, amount=D("200.00"), allocated_on=date(2026, 6, 10))
    InvoiceFactory(
        company=company_a,
        customer=c2,
        posted_on=date(2026, 5, 20),
        due_on=date(2026, 6, 19),
        total=D("400.00"),
    )
    z = InvoiceFactory(
        company=company_a,
        customer=c1,
        doc_type="CREDITMEMO",
        posted_on=date(2026, 4, 1),
        due_on=date(2026, 4, 1),
        total=D("-300.00"),
        balance=D("-200.00"),
    )
    AllocationFactory(
        document=z,
        kind=Allocation.Kind.CREDIT,
        ref="app:x",
        amount=D("-100.00"),
        allocated_on=date(2026, 6, 1),
    )
    return company_a


FIELDS = (
    "total_ar",
    "total_overdue",
    "overdue_percentage",
    "total_invoices",
    "total_customers",
    "at_risk_customers",
    "avg_days_overdue",
    "avg_days_overdue_weighted",
    "unapplied_credit",
)


@pytest.mark.parametrize(
    ("basis", "as_of", "expected"),
    [
        pytest.param(
            "due",
            "2026-02-28",
            ("0.00", "0.00", None, 0, 0, 0, None, None, "0.00"),
            id="before-anything-was-posted",
        ),
        pytest.param(
            # X not yet due (−16 days); Z not yet posted.
            "due",
            "2026-03-15",
            ("1000.00", "0.00", "0.00", 1, 1, 0, None, None, "0.00"),
            id="all-current",
        ),
        pytest.param(
            # Both allocations of X come after as_of: X 1000.00 at 10 days; Z −300.00 at 9.
            "due",
            "2026-04-10",
            ("700.00", "700.00", "100.00", 2, 1, 0, "10.0", "10.0", "-300.00"),
            id="both-payments-added-back",
        ),
        pytest.param(
            # X 500 + 200 (paid 06-10) = 700.00 at 45 days; Z −300.00 (applied 06-01) at 44;
            # Y posted 05-20, after as_of: excluded.
            "due",
            "2026-05-15",
            ("400.00", "400.00", "100.00", 2, 1, 0, "45.0", "45.0", "-300.00"),
            id="later-allocation-added-back-later-posting-excluded",
        ),
        pytest.param(
            # X 500.00 at 91 days (at risk), Z −200.00 at 90, Y 400.00 at 11.
            # weighted (91×500 + 11×400) / 900 = 55.44…
            "due",
            "2026-06-30",
            ("700.00", "700.00", "100.00", 3, 2, 1, "51.0", "55.4", "-200.00"),
            id="past-after-every-allocation",
        ),
        pytest.param(
            # Future: today's balances aged at 12-31: X 275 days, Y 195, Z 274; both at risk.
            # weighted (275×500 + 195×400) / 900 = 239.44…
            "due",
            "2026-12-31",
            ("700.00", "700.00", "100.00", 3, 2, 2, "235.0", "239.4", "-200.00"),
            id="future",
        ),
        pytest.param(
            # Aged from posting: X 700.00 at 75 days (03-01 → 05-15), Z −300.00 at 44.
            "posted",
            "2026-05-15",
            ("400.00", "400.00", "100.00", 2, 1, 0, "75.0", "75.0", "-300.00"),
            id="posted-basis-past",
        ),
        pytest.param(
            # X 121 days from posting, Y 41, Z 90; at risk: X only.
            # weighted (121×500 + 41×400) / 900 = 85.44…
            "posted",
            "2026-06-30",
            ("700.00", "700.00", "100.00", 3, 2, 1, "81.0", "85.4", "-200.00"),
            id="posted-basis-past-after-every-allocation",
        ),
        pytest.param(
            # X 305 days from posting, Y 225, Z 274; weighted (305×500 + 225×400) / 900.
            "posted",
            "2026-12-31",
            ("700.00", "700.00", "100.00", 3, 2, 2, "265.0", "269.4", "-200.00"),
            id="posted-basis-future",
        ),
    ],
)
def test_summary_as_of_a_date_is_historical(api, history, basis, as_of, expected):
    response = api.get(URL, {"as_of": as_of, "basis": basis})

    assert response.status_code == 200
    body = response.json()
    assert (body["as_of"], body["basis"], body["currency"]) == (as_of, basis, "USD")
    assert body["company"] == history.pk
    assert body["currencies"] == ["USD"]
    assert tuple(body[f] for f in FIELDS) == expected


def test_company_with_no_documents_reports_zeros(api, company_a, pinned_today):
    response = api.get(URL, {"as_of": "2026-06-30"})

    assert response.status_code == 200
    body = response.json()
    assert body["total_ar"] == "0.00"
    assert body["overdue_percentage"] is None
    assert body["avg_days_overdue"] is None
    assert body["total_customers"] == 0
    assert body["currencies"] == ["USD"]


def test_bucket_filter_narrows_every_figure(api, ledger):
    """Only Umbrella's 91- and 120-day invoices: simple (91+120)/2 = 105.5 days; weighted
    (91×800 + 120×900) / 1700 = 106.35…"""
    response = api.get(URL, {"as_of": "2026-06-30", "bucket": "91_120"})

    assert response.status_code == 200
    assert tuple(response.json()[f] for f in FIELDS) == (
        "1700.00",
        "1700.00",
        "100.00",
        2,
        1,
        1,
        "105.5",
        "106.4",
        "0.00",
    )


def test_today_is_the_companys_today(client, charlie, company_b, time_machine):
    """23:30 UTC on 14 July is already 15 July in Paris, Borealis Trading's time zone."""
    time_machine.move_to(datetime(2026, 7, 14, 23, 30, tzinfo=UTC), tick=False)
    client.force_login(charlie)

    body = client.get(URL).json()

    assert (body["company"], body["as_of"], body["currency"]) == (company_b.pk, "2026-07-15", "EUR")


def test_payment_post_dated_after_today_is_not_yet_paid_today(api, company_a, pinned_today):
    invoice = InvoiceFactory(
        company=company_a,
        customer=CustomerFactory(company=company_a),
        total=D("100.00"),
        paid=D("40.00"),
    )
    # Recorded now, dated 2026-07-20: five days after today (2026-07-15).
    AllocationFactory(document=invoice, amount=D("40.00"), allocated_on=date(2026, 7, 20))

    today = api.get(URL, {"as_of": "2026-07-15"}).json()
    yesterday = api.get(URL, {"as_of": "2026-07-14"}).json()

    assert yesterday["total_ar"] == "100.00"
    assert today["total_ar"] == "100.00"
    # On the payment's date it is received.
    assert api.get(URL, {"as_of": "2026-07-20"}).json()["total_ar"] == "60.00"


def test_overdue_share_past_a_million_percent_is_reported(api, company_a, pinned_today):
    """Credits can bring total AR near zero while overdue invoices stay: no cap on the ratio.

    An invoice of 1000.00 due 40 days before as_of, a credit memo of −999.99 dated as_of (its
    own date: current). total AR 0.01; overdue 1000.00; 1000.00 / 0.01 × 100 = 10000000.00 %.
    """
    customer = CustomerFactory(company=company_a)
    InvoiceFactory(
        company=company_a,
        customer=customer,
        posted_on=date(2026, 4, 21),
        due_on=date(2026, 5, 21),
        total=D("1000.00"),
    )
    InvoiceFactory(
        company=company_a,
        customer=customer,
        doc_type="CREDITMEMO",
        posted_on=date(2026, 6, 30),
        due_on=date(2026, 6, 30),
        total=D("-999.99"),
    )
    response = api.get(URL, {"as_of": "2026-06-30"})

    assert response.status_code == 200
    body = response.json()
    assert (body["total_ar"], body["total_overdue"]) == ("0.01", "1000.00")
    assert body["overdue_percentage"] == "10000000.00"
