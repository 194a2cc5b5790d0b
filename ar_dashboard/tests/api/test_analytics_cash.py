"""cash-forecast and payment-velocity on the analytics ledger (analytics_ledger.py)."""

from datetime import date
from decimal import Decimal as D

from ar_dashboard.models import ExchangeRate
from ar_dashboard.tests.api.analytics_ledger import AS_OF, books  # noqa: F401 - fixture

FORECAST = "/ar/api/cash-forecast/"
VELOCITY = "/ar/api/payment-velocity/"


def test_forecast_by_hand(api, books, django_assert_num_queries):  # noqa: F811
    """Habits over the year to 06-30 (amount-weighted days late, whole days half-up):
    Prompt (−2×1000 + 0×2000) ÷ 3000 = −0.67 → −1; Late (30×3000 + 40×1000) ÷ 4000 = 32.5
    → 33; company (20×1000 − 2×1000 + 30×3000 + 0 + 40×1000) ÷ 8000 = 18.5 → 19.

    P3 due 07-10 − 1 → 07-09 (week 2: 07-08..07-14); L3 due 05-31 + 33 → 07-03 (week 1);
    S1 is 146 days past due: doubtful, not forecast. July 3500; open invoices 7500.
    Queries: company (1), company habit (1), customer habits (1), open sums per customer, due
    date and sign (1) = 4.
    """
    with django_assert_num_queries(4):
        response = api.get(FORECAST, {"as_of": AS_OF})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["company_avg_days_late"] == 19
    assert body["weeks"][0] == {
        "week": 1,
        "start": "2026-07-01",
        "end": "2026-07-07",
        "amount": "2000.00",
    }
    assert [w["amount"] for w in body["weeks"]] == ["2000.00", "1500.00"] + ["0.00"] * 11
    assert body["weeks"][12]["end"] == "2026-09-29"
    assert [(m["month"], m["amount"]) for m in body["months"]] == [
        ("2026-07", "3500.00"),
        ("2026-08", "0.00"),
        ("2026-09", "0.00"),
        ("2026-10", "0.00"),
        ("2026-11", "0.00"),
        ("2026-12", "0.00"),
    ]
    assert (body["past_expected"], body["later"], body["open_invoices"]) == (
        "0.00",
        "0.00",
        "7500.00",
    )
    assert body["doubtful"] == {"amount": "4000.00", "documents": 1}
    assert body["unapplied_credit"] == "0.00"
    assert body["consolidated"] is None


def test_a_customer_without_history_takes_the_company_habit(api, books):  # noqa: F811
    """A new customer's invoice due 06-20: 06-20 + 19 = 07-09 → week 2 (1500 + 800)."""
    from ar_dashboard.tests.factories import CustomerFactory, InvoiceFactory

    new = CustomerFactory(company=books.company, name="New Nails")
    InvoiceFactory(
        company=books.company,
        customer=new,
        posted_on=date(2026, 5, 21),
        due_on=date(2026, 6, 20),
        total=D("800"),
    )
    body = api.get(FORECAST, {"as_of": AS_OF}).json()
    assert [w["amount"] for w in body["weeks"][:2]] == ["2000.00", "2300.00"]


def test_forecast_consolidated(api, books):  # noqa: F811
    """E1 500 € due 07-01, Prompt's EUR history is empty and so is the company's in EUR:
    expected on its due date, offset 1 → week 1; at 1.1 → 550.00 USD: week 1 2550.00."""
    ExchangeRate.objects.create(
        company=books.company,
        currency="EUR",
        home_currency="USD",
        rate_date=date(2026, 6, 30),
        rate=D("1.1"),
    )
    body = api.get(FORECAST, {"as_of": AS_OF, "home_currency": "1"}).json()
    consolidated = body["consolidated"]
    assert consolidated["weeks"][:2] == ["2550.00", "1500.00"]
    assert consolidated["doubtful"] == "4000.00"
    assert consolidated["rates"][0] == {"currency": "EUR", "rate": "1.1", "rate_date": AS_OF}


def test_velocity_by_hand(api, books, django_assert_num_queries):  # noqa: F811
    """Period 04-02..06-30: L1 (60 / 30, 3000), P2 (30 / 0, 2000), L2 (70 / 40, 1000) — see
    the kpis test. Months: Jan S2 (50 / 20), Mar P1 (28 / −2), Apr L1, May P2, Jun L2.
    Customers by weighted lateness: Late (2 paid, 4000; to pay 65.0, late 35.0, weighted
    130000 ÷ 4000 = 32.5), Prompt (P2: 30.0, 0.0).
    Queries: company (1), summary (1), months (1), count (1), page (1) = 5.
    """
    with django_assert_num_queries(5):
        response = api.get(VELOCITY, {"as_of": AS_OF})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["summary"] == {
        "invoices_paid": 3,
        "amount_paid": "6000.00",
        "avg_days_to_pay": "53.3",
        "avg_days_to_pay_weighted": "51.7",
        "avg_days_late": "23.3",
        "avg_days_late_weighted": "21.7",
    }
    months = {m["month"]: m for m in body["months"]}
    assert list(months)[0] == "2025-07" and list(months)[-1] == "2026-06"
    assert (months["2026-01"]["avg_days_to_pay"], months["2026-01"]["avg_days_late"]) == (
        "50.0",
        "20.0",
    )
    assert months["2026-03"]["avg_days_late"] == "-2.0"
    assert months["2026-02"]["invoices_paid"] == 0
    assert months["2026-02"]["avg_days_late"] is None
    assert body["count"] == 2
    assert body["customers"] == [
        {
            "id": books.late.pk,
            "customer": "Late Lumber Ltd",
            "invoices_paid": 2,
            "amount_paid": "4000.00",
            "avg_days_to_pay": "65.0",
            "avg_days_to_pay_weighted": "62.5",
            "avg_days_late": "35.0",
            "avg_days_late_weighted": "32.5",
        },
        {
            "id": books.prompt.pk,
            "customer": "Prompt Paper Co",
            "invoices_paid": 1,
            "amount_paid": "2000.00",
            "avg_days_to_pay": "30.0",
            "avg_days_to_pay_weighted": "30.0",
            "avg_days_late": "0.0",
            "avg_days_late_weighted": "0.0",
        },
    ]


def test_velocity_of_one_customer(api, books):  # noqa: F811
    body = api.get(VELOCITY, {"as_of": AS_OF, "customer": str(books.late.pk)}).json()
    assert body["summary"]["invoices_paid"] == 2
    assert [c["customer"] for c in body["customers"]] == ["Late Lumber Ltd"]


def test_an_invoice_settled_by_two_lines_on_one_day_counts_once(api, books):  # noqa: F811
    """A 600 invoice (posted 05-01, due 05-31) paid 200 on 06-05 and 300 + 100 on 06-10 (two
    lines, the same day): one paid invoice, paid 06-10, 40 days to pay, 10 late; an ineffective
    (superseded) line dated 06-20 changes nothing.

    Period totals become 4 invoices, 6600; to pay (60 + 30 + 70 + 40) ÷ 4 = 50.0.
    """
    from ar_dashboard.tests.factories import AllocationFactory, InvoiceFactory

    inv = InvoiceFactory(
        company=books.company,
        customer=books.prompt,
        posted_on=date(2026, 5, 1),
        due_on=date(2026, 5, 31),
        total=D("600"),
        paid=D("600"),
        balance=D("0"),
    )
    AllocationFactory(document=inv, amount=D("200"), allocated_on=date(2026, 6, 5))
    AllocationFactory(document=inv, amount=D("300"), allocated_on=date(2026, 6, 10))
    AllocationFactory(document=inv, amount=D("100"), allocated_on=date(2026, 6, 10))
    AllocationFactory(
        document=inv, amount=D("600"), allocated_on=date(2026, 6, 20), effective=False
    )
    summary = api.get(VELOCITY, {"as_of": AS_OF}).json()["summary"]
    assert (summary["invoices_paid"], summary["amount_paid"], summary["avg_days_to_pay"]) == (
        4,
        "6600.00",
        "50.0",
    )
