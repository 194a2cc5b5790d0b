"""Property: every view of a random ledger reconciles, to the cent, with the pure engine.

Σ buckets = total AR = Σ customer rows = Σ invoice-details amounts (every row, unknown
included) = `aging.age_documents`, per currency, for any as_of, basis and company scheme.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from itertools import product

import time_machine
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from ar_dashboard import aging
from ar_dashboard.models import Allocation, Invoice
from ar_dashboard.tests.factories import CompanyFactory, CustomerFactory, UserFactory

TODAY = date(2027, 1, 31)  # after every generated date: as_of = TODAY takes the fast path
LAST_DAY = date(2026, 12, 31)
CURRENCIES = ("USD", "EUR")
STATUSES = (
    "AUTHORIZED",
    "SUBMITTED",
    "PARTIALLY_PAID",
    "PAID",
    "OVERDUE",
    "VOIDED",
    "DRAFT",
    "DELETED",
)
SCHEMES = ((30, 60, 90, 120), (15, 45), (7, 14, 21, 28, 35))
API = "/ar/api/"


@st.composite
def ledgers(draw) -> tuple[date, list[dict]]:
    """An as_of date and 1–25 documents posted around it, so that bucket edges, documents
    posted after as_of and allocations on both sides of it all come up."""
    as_of = draw(st.dates(date(2025, 7, 1), LAST_DAY))
    document = st.fixed_dictionaries(
        {
            "customer": st.sampled_from([None, 0, 1, 2, 3]),
            "currency": st.sampled_from(CURRENCIES),
            "doc_type": st.sampled_from(["INVOICE", "INVOICE", "CREDITMEMO"]),
            "status": st.sampled_from(STATUSES),
            # Posted up to 180 days before as_of, or up to 30 days after it.
            "posted_on": st.integers(-30, 180).map(
                lambda age: min(as_of - timedelta(days=age), LAST_DAY)
            ),
            "terms": st.sampled_from([0, 7, 15, 30, 45, 60, 90]),
            "cents": st.integers(1, 5_000_000),
            # (days after posting, cents): capped at what is still open, dated by 2026-12-31.
            "allocations": st.lists(
                st.tuples(st.integers(0, 240), st.integers(1, 5_000_000)), max_size=3
            ),
        }
    )
    return as_of, draw(st.lists(document, min_size=1, max_size=25))


def _load(company, rows: list[dict]) -> list[aging.Document]:
    """Store the generated ledger; return the same documents for the pure engine."""
    customers = [CustomerFactory(company=company, name=f"Customer {n}") for n in range(4)]
    engine_docs = []
    for n, row in enumerate(rows):
        sign = 1 if row["doc_type"] == "INVOICE" else -1
        total = sign * D(row["cents"]) / 100
        allocations, remaining = [], row["cents"]
        for offset, cents in row["allocations"]:
            used = min(cents, remaining)
            if used:
                remaining -= used
                on = min(row["posted_on"] + timedelta(days=offset), LAST_DAY)
                allocations.append((on, sign * D(used) / 100))
        paid = sum((amount for _, amount in allocations), start=D(0))
        customer = None if row["customer"] is None else customers[row["customer"]]
        due_on = min(row["posted_on"] + timedelta(days=row["terms"] if sign > 0 else 0), LAST_DAY)
        doc = Invoice.objects.create(
            company=company,
            customer=customer,
            external_id=f"doc_{n}",
            doc_type=row["doc_type"],
            source_status=row["status"],
            posted_on=row["posted_on"],
            due_on=due_on,
            currency=row["currency"],
            total=total,
            paid=paid,
            balance=total - paid,
            # As the load keeps it: the as-of read path finds settled documents through it.
            last_allocated_on=max((on for on, _ in allocations), default=None),
        )
        Allocation.objects.bulk_create(
            Allocation(
                company=company,
                document=doc,
                kind=Allocation.Kind.PAYMENT if sign > 0 else Allocation.Kind.CREDIT,
                ref=f"pay:{n}-{i}",
                amount=amount,
                allocated_on=on,
            )
            for i, (on, amount) in enumerate(allocations)
        )
        engine_docs.append(
            aging.Document(
                customer_id=customer.pk if customer else None,
                currency=row["currency"],
                doc_type=row["doc_type"],
                status=row["status"],
                posted_on=row["posted_on"],
                due_on=due_on,
                balance=total - paid,
                allocations=tuple(allocations),
            )
        )
    return engine_docs


def _get(client, path: str, params: dict) -> dict:
    response = client.get(API + path, params)
    assert response.status_code == 200, response.content
    return response.json()


def _assert_reconciles(client, params: dict, expected: dict, scheme: aging.AgingScheme) -> None:
    total = sum((t.total for t in expected.values()), start=D(0))
    by_bucket = [
        sum((t.buckets[b.index] for t in expected.values()), start=D(0)) for b in scheme.buckets
    ]

    dist = _get(client, "aging-distribution/", params)
    assert [D(b["amount"]) for b in dist["buckets"]] == by_bucket
    assert sum(D(b["amount"]) for b in dist["buckets"]) == D(dist["total"]) == total
    assert [D(v) for v in dist["distribution"].values()] == by_bucket

    stats = _get(client, "summary-stats/", params)
    assert D(stats["total_ar"]) == total
    assert stats["total_invoices"] == sum(t.documents for t in expected.values())
    assert stats["total_customers"] == sum(1 for t in expected.values() if t.total != 0)

    breakdown = _get(client, "customer-breakdown/", {**params, "page_size": 500})
    rows = {row["id"]: row for row in breakdown["customers"]}
    assert breakdown["count"] == len(rows) == len(expected)
    assert set(rows) == set(expected)
    assert sum(D(row["total_outstanding"]) for row in rows.values()) == total
    for customer_id, row in rows.items():
        engine = expected[customer_id]
        assert D(row["total_outstanding"]) == engine.total
        assert [D(row["buckets"][b.key]) for b in scheme.buckets] == engine.buckets
        assert row["invoice_count"] == engine.documents

        path = f"invoice-details/{customer_id or 'unknown'}/"
        details = _get(client, path, {**params, "page_size": 500})
        amounts = [D(i["amount_due"]) for i in details["invoices"]]
        assert details["count"] == len(amounts) == engine.documents
        assert sum(amounts) == D(details["total_outstanding"]) == engine.total
        assert all(amount != 0 for amount in amounts)


@settings(
    max_examples=30,
    deadline=None,
    database=None,  # nothing written outside the test tree; failures print their example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ledger=ledgers(), edges=st.sampled_from(SCHEMES))
@example(
    # A payment dated on as_of itself counts as paid that day; a credit memo is partly used
    # after as_of, so its unused part that day is larger.
    ledger=(
        date(2026, 2, 15),
        [
            {
                "customer": 0,
                "currency": "USD",
                "doc_type": "INVOICE",
                "status": "PARTIALLY_PAID",
                "posted_on": date(2026, 1, 1),
                "terms": 30,
                "cents": 10_000,
                "allocations": [(45, 4_000), (60, 1_000)],
            },
            {
                "customer": None,
                "currency": "USD",
                "doc_type": "CREDITMEMO",
                "status": "AUTHORIZED",
                "posted_on": date(2026, 1, 10),
                "terms": 0,
                "cents": 2_500,
                "allocations": [(50, 1_000)],
            },
            {
                "customer": 1,
                "currency": "EUR",
                "doc_type": "INVOICE",
                "status": "VOIDED",
                "posted_on": date(2026, 1, 1),
                "terms": 30,
                "cents": 99_999,
                "allocations": [],
            },
        ],
    ),
    edges=(30, 60, 90, 120),
)
def test_every_view_of_a_random_ledger_reconciles(db, ledger, edges):
    """Checked as of the drawn date (the historical path: balance + later allocations) and as
    of today (the fast path: current balances), on both bases, in both currencies."""
    as_of, rows = ledger
    with time_machine.travel(datetime(2027, 1, 31, 12, 0, tzinfo=UTC), tick=False):
        company = CompanyFactory(aging_edges=list(edges))
        try:
            # Superusers see every company: each example asks for its own by id.
            root = UserFactory(username="root", is_superuser=True, is_staff=True)
            client = APIClient()
            client.force_authenticate(root)
            scheme = company.aging_scheme
            documents = _load(company, rows)
            for day, basis, currency in product((as_of, TODAY), aging.Basis, CURRENCIES):
                engine = aging.age_documents(documents, as_of=day, scheme=scheme, basis=basis)
                params = {
                    "company": company.pk,
                    "currency": currency,
                    "as_of": day.isoformat(),
                    "basis": basis.value,
                }
                _assert_reconciles(client, params, engine.get(currency, {}), scheme)
        finally:
            company.delete()
