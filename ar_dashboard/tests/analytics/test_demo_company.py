"""The analytics endpoints on the demo company: its six payment habits show, and the figures
are reproduced by an independent computation over raw SQL rows (no ORM, no selectors).

The demo ledger (connectors/unified/demo) gives each customer a habit: prompt (pays on or
before the due date), slow (5-25 days late), chronic (30-90 days late), partial (instalments),
stopped (stopped paying ~5 months ago), new. Its profiles are public, so the test knows them.
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from statistics import median

import pytest
from django.db import connection
from rest_framework.test import APIClient

from ar_dashboard import metrics
from ar_dashboard.models import Customer
from ar_dashboard.services.ledger_load import ExtractBatch, ledger_load, ledger_parse
from ar_dashboard.tests.factories import CompanyFactory, MembershipFactory, UserFactory
from connectors.unified.demo.profiles import customer_profiles
from connectors.unified.demo_ledger import generate_demo_ledger

TODAY = date(2026, 11, 15)
AS_OF = TODAY.isoformat()
EXCLUDED = ("VOIDED", "DRAFT", "DELETED")


@pytest.fixture
def demo(db):
    ledger = generate_demo_ledger(today=TODAY)
    company = CompanyFactory(name="Demo", home_currency="USD", timezone="UTC")
    batch = ExtractBatch(
        contacts=ledger.contacts,
        invoices=ledger.invoices,
        creditmemos=ledger.creditmemos,
        payments=ledger.payments,
    )
    ledger_load(company=company, parsed=ledger_parse(batch=batch))
    user = UserFactory(username="demo-viewer")
    MembershipFactory(user=user, company=company)
    client = APIClient()
    client.force_authenticate(user)
    external = dict(Customer.objects.filter(company=company).values_list("id", "external_id"))
    habit_of = {p.contact_id: p.habit.value for p in customer_profiles(today=TODAY)}
    habits = {pk: habit_of[ext] for pk, ext in external.items() if ext in habit_of}
    return company, client, habits


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _paid_invoices(company, start: date, end: date) -> list[metrics.PaidInvoice]:
    """USD invoices with balance 0 whose last effective allocation falls in [start, end]."""
    rows = _rows(
        "SELECT i.posted_on, i.due_on, i.total, MAX(a.allocated_on) "
        "FROM ar_dashboard_invoice i JOIN ar_dashboard_allocation a ON a.document_id = i.id "
        "WHERE i.company_id = %s AND i.currency = 'USD' AND i.doc_type = 'INVOICE' "
        "AND i.source_status NOT IN ('VOIDED', 'DRAFT', 'DELETED') AND i.balance = 0 "
        "AND i.total > 0 AND a.effective "
        "GROUP BY i.id, i.posted_on, i.due_on, i.total",
        [company.pk],
    )
    paid = [metrics.PaidInvoice(_day(p), _day(d), _day(on), _money(t)) for p, d, t, on in rows]
    return [i for i in paid if start <= i.paid_on <= end]


def check_kpis_match_an_independent_computation(demo):
    """Sales, collections and velocity of the 90 days to as_of, recomputed from raw rows."""
    company, client, _ = demo
    body = client.get("/ar/api/kpis/", {"as_of": AS_OF}).json()
    start = TODAY - timedelta(days=89)
    sales = _rows(
        "SELECT total FROM ar_dashboard_invoice WHERE company_id = %s AND currency = 'USD' "
        "AND doc_type = 'INVOICE' AND source_status NOT IN ('VOIDED', 'DRAFT', 'DELETED') "
        "AND posted_on >= %s AND posted_on <= %s",
        [company.pk, start, TODAY],
    )
    assert Decimal(body["credit_sales"]) == sum((_money(t) for (t,) in sales), Decimal(0))
    cash = _rows(
        "SELECT a.amount FROM ar_dashboard_allocation a JOIN ar_dashboard_invoice i "
        "ON a.document_id = i.id WHERE a.company_id = %s AND i.currency = 'USD' "
        "AND i.doc_type = 'INVOICE' AND i.source_status NOT IN ('VOIDED', 'DRAFT', 'DELETED') "
        "AND a.effective AND a.kind IN ('payment', 'implied') "
        "AND a.allocated_on >= %s AND a.allocated_on <= %s",
        [company.pk, start, TODAY],
    )
    assert Decimal(body["collections"]) == sum((_money(a) for (a,) in cash), Decimal(0))
    expected = metrics.velocity(_paid_invoices(company, start, TODAY))
    assert body["invoices_paid"] == expected.invoices_paid > 100
    assert Decimal(body["avg_days_late_weighted"]) == expected.avg_days_late_weighted
    assert Decimal(body["avg_days_to_pay"]) == expected.avg_days_to_pay
    ar, sales_90 = Decimal(body["ar_total"]), Decimal(body["credit_sales"])
    assert Decimal(body["dso"]) == metrics.dso(ar, sales_90, 90)


def check_the_six_habits_show_in_velocity(demo):
    """Weighted days late over the year, per customer: prompt payers early (< 0), slow ones
    5-25 days late, chronic ones 30-90, instalment payers in between, new ones near 0."""
    _, client, habits = demo
    body = client.get(
        "/ar/api/payment-velocity/", {"as_of": AS_OF, "period_days": "365", "page_size": "500"}
    ).json()
    late = defaultdict(list)
    for row in body["customers"]:
        late[habits[row["id"]]].append(Decimal(row["avg_days_late_weighted"]))
    assert set(late) == {"prompt", "slow", "chronic", "partial", "stopped", "new"}
    assert all(d < 0 for d in late["prompt"])
    assert all(5 <= d <= 25 for d in late["slow"])
    assert all(30 <= d <= 90 for d in late["chronic"])
    assert max(late["slow"]) < median(late["partial"]) < min(late["chronic"])


def check_the_habits_show_in_risk(demo):
    """The customer who stopped paying is the one high-risk customer, with a broken payment
    pattern; chronic payers score above slow ones, slow above prompt (medians)."""
    _, client, habits = demo
    body = client.get("/ar/api/customer-health/", {"as_of": AS_OF, "page_size": "500"}).json()
    top = body["customers"][0]
    assert habits[top["id"]] == "stopped" and top["band"] == "high"
    assert {f["factor"]: f["points"] for f in top["factors"]}["broken_pattern"] == "10.00"
    assert [r["band"] for r in body["customers"]].count("high") == 1
    scores = defaultdict(list)
    for row in body["customers"]:
        scores[habits[row["id"]]].append(row["score"])
    assert all(s < 30 for s in scores["prompt"])
    assert median(scores["chronic"]) > median(scores["slow"]) > median(scores["prompt"])


def check_forecast_ties_out_and_the_stopped_customer_is_doubtful(demo):
    """Every open USD invoice is forecast exactly once: past expected + the six months + later
    + doubtful = the open invoices (raw SQL); the doubtful part is raw SQL's balances due more
    than 120 days before as_of, and it includes the stopped customer's old invoices."""
    company, client, habits = demo
    body = client.get("/ar/api/cash-forecast/", {"as_of": AS_OF}).json()
    open_rows = _rows(
        "SELECT customer_id, due_on, balance FROM ar_dashboard_invoice WHERE company_id = %s "
        "AND currency = 'USD' AND doc_type IN ('INVOICE', 'CREDITMEMO', 'PAYMENT') "
        "AND source_status NOT IN ('VOIDED', 'DRAFT', 'DELETED') AND balance > 0 "
        "AND posted_on <= %s",
        [company.pk, TODAY],
    )
    cutoff = TODAY - timedelta(days=120)
    doubtful = [(c, _money(b)) for c, d, b in open_rows if _day(d) < cutoff]
    assert Decimal(body["open_invoices"]) == sum((_money(b) for *_, b in open_rows), Decimal(0))
    assert Decimal(body["doubtful"]["amount"]) == sum((b for _, b in doubtful), Decimal(0))
    assert body["doubtful"]["documents"] == len(doubtful)
    assert "stopped" in {habits.get(c) for c, _ in doubtful}
    parts = [body["past_expected"], body["later"], body["doubtful"]["amount"]]
    parts += [m["amount"] for m in body["months"]]
    assert sum(Decimal(p) for p in parts) == Decimal(body["open_invoices"])


def check_trend_figures_follow_from_their_own_inputs(demo):
    """Each month's DSO and CEI recomputed from the month's AR, sales and the previous
    month-end's AR; the last month's AR equals the kpis' AR on as_of."""
    _, client, _ = demo
    months = client.get("/ar/api/trends/", {"as_of": AS_OF, "months": "12"}).json()["months"]
    kpis = client.get("/ar/api/kpis/", {"as_of": AS_OF}).json()
    assert months[-1]["ar_total"] == kpis["ar_total"]
    for before, month in zip(months, months[1:], strict=False):
        ar, sales = Decimal(month["ar_total"]), Decimal(month["credit_sales"])
        assert Decimal(month["dso"]) == metrics.dso(ar, sales, month["days"])
        cei = metrics.cei(Decimal(before["ar_total"]), sales, ar, Decimal(month["ar_current"]))
        assert Decimal(month["cei"]) == cei
        assert sum(Decimal(v) for v in month["aging"].values()) == ar


def test_demo_company_analytics(demo):
    """One load of the demo ledger (about 30 s), every check on it."""
    check_kpis_match_an_independent_computation(demo)
    check_the_six_habits_show_in_velocity(demo)
    check_the_habits_show_in_risk(demo)
    check_forecast_ties_out_and_the_stopped_customer_is_doubtful(demo)
    check_trend_figures_follow_from_their_own_inputs(demo)
