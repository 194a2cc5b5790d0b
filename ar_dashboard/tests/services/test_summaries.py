"""Stored aging: month-ends reconstructed from the dated history equal the live as-of
computation; a load's delta rewrites exactly what a full rebuild would."""

from dataclasses import asdict
from datetime import date
from decimal import Decimal as D

import pytest
from django.db.models import F

from ar_dashboard import selectors
from ar_dashboard.models import Allocation, ARSnapshot, ARSummary, Company, Invoice
from ar_dashboard.selectors import ARFilters
from ar_dashboard.services.allocations import documents_last_allocated_refresh
from ar_dashboard.services.ledger_load import ExtractBatch, ledger_load, ledger_parse
from ar_dashboard.services.load_delta import LoadDelta
from ar_dashboard.services.summaries import (
    STORED_MONTH_ENDS,
    ar_snapshot_record,
    month_ends,
    summaries_refresh,
)
from ar_dashboard.tests.factories import CompanyFactory
from connectors.unified.demo_ledger import generate_demo_ledger

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 15)
SNAPSHOT_FIGURES = (
    *(f"bucket_{i}" for i in range(6)),
    "total",
    "overdue",
    "open_documents",
    "customers_with_balance",
)


def demo():
    """The dirty demo ledger of 30 customers, its whole extract, and an empty company."""
    ledger = generate_demo_ledger(today=TODAY, customers=30, months=26, dirty=True)
    company = CompanyFactory(name="Demo", home_currency="USD", timezone="America/New_York")
    batch = ExtractBatch(
        contacts=ledger.contacts,
        invoices=ledger.invoices,
        creditmemos=ledger.creditmemos,
        payments=ledger.payments,
    )
    return ledger, batch, company


@pytest.fixture
def company() -> Company:
    _, batch, company = demo()
    ledger_load(company=company, parsed=ledger_parse(batch=batch))
    company.refresh_from_db()
    return company


def live_figures(company: Company, as_of: date, currency: str) -> dict:
    """The snapshot's figures computed by the live selectors (no stored row exists)."""
    filters = ARFilters(as_of=as_of, today=TODAY, currency=currency)
    dist = selectors.aging_distribution(company=company, filters=filters)
    stats = selectors.summary_stats(company=company, filters=filters)
    return {
        **{f"bucket_{b.bucket.index}": b.amount for b in dist.buckets},
        **{f"bucket_{i}": D(0) for i in range(len(dist.buckets), 6)},
        "total": dist.total,
        "overdue": stats.total_overdue,
        "open_documents": stats.total_invoices,
        "customers_with_balance": stats.total_customers,
    }


def stored_state(company: Company) -> tuple[list, list]:
    rows = ARSummary.objects.filter(company=company).order_by("as_of", "currency", "customer_id")
    fields = [f.name for f in ARSummary._meta.fields if f.name not in ("id", "computed_at")]
    snapshots = ARSnapshot.objects.filter(company=company).order_by("as_of", "currency")
    snap_fields = ["as_of", "currency", *SNAPSHOT_FIGURES, "customer_rows", "ledger_version"]
    return list(rows.values_list(*fields)), list(snapshots.values_list(*snap_fields))


def test_a_first_refresh_reconstructs_every_month_end_as_the_live_computation(company):
    counts = summaries_refresh(company=company, today=TODAY)

    currencies = selectors.currencies_in_use(company=company)
    assert len(currencies) > 1
    ends = month_ends(today=TODAY, months=STORED_MONTH_ENDS)
    assert ends[0] == date(2024, 11, 30) and ends[-1] == date(2026, 10, 31)
    assert counts["snapshots"] == (STORED_MONTH_ENDS + 1) * len(currencies)
    snapshots = {(s.as_of, s.currency): s for s in ARSnapshot.objects.filter(company=company)}
    assert set(snapshots) == {(d, c) for d in [*ends, TODAY] for c in currencies}
    stored = {key: {f: getattr(s, f) for f in SNAPSHOT_FIGURES} for key, s in snapshots.items()}
    assert all(s.reconstructed == (s.as_of < TODAY) and s.customer_rows for s in snapshots.values())
    assert any(v["total"] != 0 for (d, _), v in stored.items() if d == ends[0])
    ARSnapshot.objects.filter(company=company).delete()  # the selectors now compute live
    for (as_of, currency), figures in stored.items():
        assert figures == live_figures(company, as_of, currency), (as_of, currency)


def _pay_in_full(company: Company, on: date) -> Invoice:
    """A payment dated `on` settles the largest USD invoice open today, as a load records it."""
    invoice = (
        Invoice.objects.filter(
            company=company, currency="USD", doc_type="INVOICE", balance__gt=0, posted_on__lt=on
        )
        .exclude(customer=None)
        .order_by("-balance", "id")
        .first()
    )
    Allocation.objects.create(
        company=company,
        document=invoice,
        kind=Allocation.Kind.PAYMENT,
        ref="pay:late",
        target=invoice.external_id,
        stated_by="pay:late",
        amount=invoice.balance,
        allocated_on=on,
    )
    Invoice.objects.filter(pk=invoice.pk).update(paid=F("total"), balance=0)
    documents_last_allocated_refresh(company=company, document_ids={invoice.pk})
    Company.objects.filter(pk=company.pk).update(ledger_version=F("ledger_version") + 1)
    return invoice


def test_a_delta_rewrites_what_a_full_rebuild_would_and_nothing_before_it(company):
    summaries_refresh(company=company, today=TODAY)
    previous = Company.objects.get(pk=company.pk).ledger_version
    daily = date(2026, 9, 10)  # a day the pipeline ran: a company-level snapshot only
    ar_snapshot_record(company=company, as_of=daily, today=daily)
    before = {r.pk: r.as_of for r in ARSummary.objects.filter(company=company)}
    daily_before = ARSnapshot.objects.get(company=company, as_of=daily, currency="USD").total

    on = date(2026, 8, 20)
    invoice = _pay_in_full(company, on)
    delta = LoadDelta(customer_ids=frozenset({invoice.customer_id}), since=on)
    summaries_refresh(company=company, today=TODAY, delta=delta, previous_version=previous)
    partial = stored_state(company)

    after = {r.pk: r.as_of for r in ARSummary.objects.filter(company=company)}
    # Rows dated before the payment were not rewritten (same primary keys), later ones were.
    assert {pk for pk, d in before.items() if d < on} <= set(after)
    assert not {pk for pk, d in before.items() if d >= on and pk in after} & {
        r.pk for r in ARSummary.objects.filter(company=company, customer=invoice.customer_id)
    }
    version = Company.objects.get(pk=company.pk).ledger_version
    assert set(
        ARSnapshot.objects.filter(company=company).values_list("ledger_version", flat=True)
    ) == {version}
    # The daily snapshot after the payment lost the invoice's balance.
    daily_after = ARSnapshot.objects.get(company=company, as_of=daily, currency="USD")
    assert daily_after.total == daily_before - invoice.balance
    assert daily_after.reconstructed

    summaries_refresh(company=company, today=TODAY, delta=LoadDelta.everything())
    assert stored_state(company)[0] == partial[0]
    assert [s[:-1] for s in stored_state(company)[1]] == [s[:-1] for s in partial[1]]


def test_nothing_changed_only_restamps(company, django_assert_max_num_queries):
    summaries_refresh(company=company, today=TODAY)
    previous = Company.objects.get(pk=company.pk).ledger_version
    Company.objects.filter(pk=company.pk).update(ledger_version=F("ledger_version") + 1)
    state = stored_state(company)
    nothing = LoadDelta(customer_ids=frozenset(), since=None)
    # Per stored date: the stamp check and the restamp; then the daily snapshots and cleanup.
    with django_assert_max_num_queries(2 * (STORED_MONTH_ENDS + 1) + 8):
        summaries_refresh(company=company, today=TODAY, delta=nothing, previous_version=previous)
    rows, snapshots = stored_state(company)
    assert rows == state[0]
    assert [s[:-1] for s in snapshots] == [s[:-1] for s in state[1]]
    assert {s[-1] for s in snapshots} == {previous + 1}


def test_month_end_answers_come_from_the_stored_rows(company, django_assert_num_queries):
    summaries_refresh(company=company, today=TODAY)
    company.refresh_from_db()
    filters = ARFilters(as_of=date(2026, 5, 31), today=TODAY, currency="USD")
    # 1: is a stamped snapshot with customer rows stored for this day?  2: the sums.
    with django_assert_num_queries(2):
        stored = selectors.summary_stats(company=company, filters=filters)
    ARSnapshot.objects.filter(company=company).delete()
    assert asdict(stored) == asdict(selectors.summary_stats(company=company, filters=filters))
    assert stored.total_ar != 0


def _open_invoices(ledger, count: int, before: str) -> list[dict]:
    """`count` USD invoices of the demo ledger open now, posted before `before`, by id."""
    rows = [
        r
        for r in ledger.invoices
        if r.get("type") == "INVOICE"
        and r["id"].startswith("inv_0")  # not one of the dirty records
        and isinstance(r.get("posted_at"), str)
        and r.get("currency") == "USD"
        and r.get("status") not in ("VOIDED", "DRAFT", "DELETED")
        and float(r.get("balance_amount") or 0) > 0
        and r["posted_at"] < before
    ]
    return sorted(rows, key=lambda r: r["id"])[:count]


def test_an_incremental_loads_delta_stores_what_a_full_rebuild_would():
    """Through the real load (`ledger_commit`: load, delta, summaries in one transaction):
    invoices paid in full today and back-dated into June, a balance dropping with no payment,
    an implied payment growing under the same date, a due date moved, a void — the rows and
    snapshots the delta rewrote equal a rebuild of every stored date from scratch."""
    from ar_dashboard.services.sync import ledger_commit

    ledger, batch, company = demo()
    ledger_commit(
        company=company, parsed=ledger_parse(batch=batch), full=True, batch=batch, today=TODAY
    )

    paid_now, paid_june, dropped, implied, moved, voided = _open_invoices(ledger, 6, "2026-05-01")
    stamp = "2026-11-14T15:00:00Z"

    def edited(record: dict, **changes) -> dict:
        return {**record, **changes, "updated_at": stamp}

    def paying(pid: str, record: dict, amount, paid_at: str) -> dict:
        return {
            "id": pid,
            "contact_id": record["contact_id"],
            "total_amount": amount,
            "currency": "USD",
            "paid_at": paid_at,
            "status": "SUCCEEDED",
            "updated_at": stamp,
            "allocations": [
                {"object_type": "INVOICE", "object_id": record["id"], "amount": amount}
            ],
        }

    def settled(record: dict, amount) -> dict:
        paid = D(str(record.get("paid_amount") or 0)) + D(str(amount))
        balance = D(str(record["total_amount"])) - paid
        return edited(
            record,
            paid_amount=str(paid),
            balance_amount=str(balance),
            status="PAID" if balance == 0 else record["status"],
        )

    def load(batch: ExtractBatch):
        """One incremental sync's load; its partial refresh must equal a full rebuild."""
        loaded = ledger_commit(
            company=company, parsed=ledger_parse(batch=batch), full=False, batch=batch, today=TODAY
        )
        assert loaded.delta.customer_ids is not None  # a partial refresh, not everything
        partial = stored_state(company)
        summaries_refresh(company=company, today=TODAY, delta=LoadDelta.everything())
        rebuilt = stored_state(company)
        assert partial[0] == rebuilt[0]
        assert [s[:-1] for s in partial[1]] == [s[:-1] for s in rebuilt[1]]
        return loaded.delta

    # `implied` gets an implied payment dated 2026-10-01 (its `paid_at`), then, in a later
    # sync, one twice as large under the same date: only the implied row's amount moves.
    quarter = D(str(implied["balance_amount"])) / 4
    first = {**settled(implied, quarter), "paid_at": "2026-10-01T00:00:00Z"}
    assert load(ExtractBatch(invoices=[first])).since == date(2026, 10, 1)
    second = {**settled(implied, quarter * 2), "paid_at": "2026-10-01T00:00:00Z"}
    assert load(ExtractBatch(invoices=[second])).since == date(2026, 10, 1)

    edits = ExtractBatch(
        invoices=[
            settled(paid_now, paid_now["balance_amount"]),
            settled(paid_june, paid_june["balance_amount"]),
            settled(dropped, D(str(dropped["balance_amount"])) / 2),
            second,
            edited(moved, due_at="2026-07-31T00:00:00Z"),
            edited(voided, status="VOIDED"),
        ],
        payments=[
            paying("pay-now", paid_now, paid_now["balance_amount"], "2026-11-14T00:00:00Z"),
            paying("pay-june", paid_june, paid_june["balance_amount"], "2026-06-15T00:00:00Z"),
        ],
    )
    delta = load(edits)
    assert delta.since is not None and delta.since < date(2026, 5, 1)  # the moved due date
