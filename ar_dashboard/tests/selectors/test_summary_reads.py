"""Stored summary rows answer exactly what the live computation answers, or are not used."""

import random
from dataclasses import asdict
from datetime import date, timedelta

import pytest
from django.db.models import F

from ar_dashboard import aging, selectors
from ar_dashboard.models import ARSnapshot, ARSummary, Company
from ar_dashboard.selectors import ARFilters
from ar_dashboard.services.ledger_load import ExtractBatch, ledger_load, ledger_parse
from ar_dashboard.services.summaries import ar_day_store
from ar_dashboard.tests.factories import CompanyFactory
from connectors.unified.demo_ledger import generate_demo_ledger

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 15)


@pytest.fixture
def demo_company() -> Company:
    ledger = generate_demo_ledger(today=TODAY, customers=40, months=12, dirty=True)
    company = CompanyFactory(name="Demo", home_currency="USD", timezone="America/New_York")
    batch = ExtractBatch(
        contacts=ledger.contacts,
        invoices=ledger.invoices,
        creditmemos=ledger.creditmemos,
        payments=ledger.payments,
    )
    ledger_load(company=company, parsed=ledger_parse(batch=batch))
    company.refresh_from_db()
    return company


def answers(company: Company, filters: ARFilters) -> dict:
    """Every figure the three summary-backed endpoints show, as plain data."""
    rows = selectors.customer_aging_rows(company=company, filters=filters)
    distribution = selectors.aging_distribution(company=company, filters=filters)
    return {
        "stats": asdict(selectors.summary_stats(company=company, filters=filters)),
        "buckets": [(b.bucket.key, b.amount, b.documents) for b in distribution.buckets],
        "total": distribution.total,
        "customers": [
            (r["customer_id"], r["customer_name"], r["total_outstanding"], r["overdue"])
            + (r["invoice_count"], r["oldest_reference"])
            + tuple(r[f"bucket_{i}"] for i in range(len(company.aging_scheme.buckets)))
            for r in rows
        ],
    }


def stored_and_live(company: Company, filters: ARFilters) -> tuple[dict, dict]:
    ar_day_store(company=company, as_of=filters.as_of, today=TODAY)
    assert ARSummary.objects.filter(company=company, as_of=filters.as_of).exists()
    stored = answers(company, filters)
    forget_stored(company)
    return stored, answers(company, filters)


def forget_stored(company: Company) -> None:
    ARSnapshot.objects.filter(company=company).delete()
    ARSummary.objects.filter(company=company).delete()


def test_stored_summaries_answer_what_the_live_path_answers_today(demo_company):
    for currency in selectors.currencies_in_use(company=demo_company):
        for basis in aging.Basis:
            filters = ARFilters(as_of=TODAY, today=TODAY, currency=currency, basis=basis)
            stored, live = stored_and_live(demo_company, filters)
            assert stored == live, (currency, basis)
            assert live["stats"]["total_ar"] == live["total"]
    usd = ARFilters(as_of=TODAY, today=TODAY, currency="USD")
    assert answers(demo_company, usd)["total"] != 0


def test_at_random_past_dates_stored_and_live_agree(demo_company):
    rng = random.Random(1303)  # fixed: the same dates every run
    for _ in range(6):
        as_of = TODAY - timedelta(days=rng.randint(1, 330))  # within the 12 months
        for currency in ("USD", "EUR"):
            filters = ARFilters(as_of=as_of, today=TODAY, currency=currency)
            stored, live = stored_and_live(demo_company, filters)
            assert stored == live, as_of


def test_a_customer_filter_is_served_from_its_own_row(demo_company):
    filters = ARFilters(as_of=TODAY, today=TODAY, currency="USD")
    ar_day_store(company=demo_company, as_of=TODAY, today=TODAY)
    customer_id = (
        ARSummary.objects.filter(company=demo_company, currency="USD")
        .exclude(customer=None)
        .values_list("customer_id", flat=True)[0]
    )
    one = ARFilters(as_of=TODAY, today=TODAY, currency="USD", customer=customer_id)
    stored = answers(demo_company, one)
    forget_stored(demo_company)
    assert stored == answers(demo_company, one)
    assert len(stored["customers"]) == 1 and filters.customer is None


def test_stale_summaries_are_never_served(demo_company, django_assert_num_queries):
    filters = ARFilters(as_of=TODAY, today=TODAY, currency="USD")
    ar_day_store(company=demo_company, as_of=TODAY, today=TODAY)
    # Corrupt the stored total: served while valid, ignored once the ledger moved on.
    ARSummary.objects.filter(company=demo_company, currency="USD").update(total=F("total") + 1)
    live_total = selectors.aging_distribution(company=demo_company, filters=filters).total
    served = selectors.summary_stats(company=demo_company, filters=filters).total_ar
    assert served != live_total  # proves the stored rows are what was read
    Company.objects.filter(pk=demo_company.pk).update(ledger_version=F("ledger_version") + 1)
    demo_company.refresh_from_db()
    assert selectors.summary_stats(company=demo_company, filters=filters).total_ar == live_total
    # A changed aging scheme or a per-document filter goes live too.
    demo_company.ledger_version -= 1
    demo_company.aging_edges = [15, 45]
    assert selectors.summary_stats(company=demo_company, filters=filters).total_ar == live_total
    demo_company.aging_edges = list(aging.DEFAULT_EDGES)
    bucketed = ARFilters(as_of=TODAY, today=TODAY, currency="USD", buckets=("current",))
    assert summary_reads_rows(demo_company, bucketed) is None


def summary_reads_rows(company, filters):
    from ar_dashboard.summary_reads import stored_rows

    return stored_rows(company=company, filters=filters)


def test_summary_stats_from_stored_rows_takes_two_queries(demo_company, django_assert_num_queries):
    filters = ARFilters(as_of=TODAY, today=TODAY, currency="USD")
    ar_day_store(company=demo_company, as_of=TODAY, today=TODAY)
    # 1: are valid rows stored for this as_of/version/scheme?  2: the sums over them.
    with django_assert_num_queries(2):
        selectors.summary_stats(company=demo_company, filters=filters)
