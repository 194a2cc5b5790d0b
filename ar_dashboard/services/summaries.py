"""Summary caches built from the selectors: ARSummary (per customer) and ARSnapshot (per day).

Both store the `as_of` they were computed for; nothing here reads the clock.
"""

from __future__ import annotations

import calendar
from datetime import date

from django.db import transaction

from ar_dashboard import aging, selectors
from ar_dashboard.models import ARSnapshot, ARSummary, Company
from ar_dashboard.selectors import ARFilters


def _filters(company: Company, as_of: date, today: date, currency: str) -> ARFilters:
    return ARFilters(
        as_of=as_of, today=today, currency=currency, basis=aging.Basis(company.aging_basis)
    )


SUMMARY_FIELDS = (
    *(f"count_{i}" for i in range(aging.MAX_BUCKETS)),
    "at_risk",
    "unapplied_credit",
    "overdue_amount",
)


@transaction.atomic
def ar_summary_rebuild(*, company: Company, as_of: date, today: date) -> int:
    """Replace the company's per-customer summary rows with the aging as of `as_of`.

    The rows are stamped with the ledger version and aging scheme they were computed from:
    `summary_reads` serves them only while both still hold. Run inside the load's
    transaction, they are never seen out of step with the ledger.
    """
    company.refresh_from_db(fields=["ledger_version"])
    ARSummary.objects.filter(company=company).delete()
    rows = []
    for currency in selectors.currencies_in_use(company=company):
        filters = _filters(company, as_of, today, currency)
        live = selectors.live_customer_rows(company=company, filters=filters, detail=True)
        for row in live.order_by("customer_id"):
            rows.append(_summary_row(company, filters, row))
    ARSummary.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _summary_row(company: Company, filters: ARFilters, row: dict) -> ARSummary:
    return ARSummary(
        company=company,
        customer_id=row["customer_id"],
        currency=filters.currency,
        as_of=filters.as_of,
        basis=filters.basis,
        ledger_version=company.ledger_version,
        edges=company.aging_edges_key,
        total=row["total_outstanding"],
        overdue=row["overdue"],
        open_documents=row["invoice_count"],
        oldest_reference=row["oldest_reference"],
        oldest_days_past_due=selectors.customer_days_past_due(row, filters),
        overdue_invoices=row["overdue_count"],
        overdue_days=row["overdue_days"] or 0,
        overdue_weighted_days=row["weighted_days"] or 0,
        **{f"bucket_{i}": row.get(f"bucket_{i}", 0) for i in range(aging.MAX_BUCKETS)},
        **{name: row.get(name) or 0 for name in SUMMARY_FIELDS},
    )


def ar_snapshot_record(*, company: Company, as_of: date, today: date) -> list[ARSnapshot]:
    """Write (or rewrite) the company's snapshot rows for `as_of`, one per currency."""
    snapshots = []
    for currency in selectors.currencies_in_use(company=company):
        filters = _filters(company, as_of, today, currency)
        dist = selectors.aging_distribution(company=company, filters=filters)
        stats = selectors.summary_stats(company=company, filters=filters)
        values = {f"bucket_{b.bucket.index}": b.amount for b in dist.buckets}
        snapshot, _ = ARSnapshot.objects.update_or_create(
            company=company,
            as_of=as_of,
            currency=currency,
            basis=filters.basis,
            defaults={
                **values,
                "total": dist.total,
                "overdue": stats.total_overdue,
                "open_documents": stats.total_invoices,
                "customers_with_balance": stats.total_customers,
            },
        )
        snapshots.append(snapshot)
    return snapshots


def month_ends(*, today: date, months: int) -> list[date]:
    """The last day of each of the `months` months before `today`'s month, oldest first."""
    ends = []
    year, month = today.year, today.month
    for _ in range(months):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        ends.append(date(year, month, calendar.monthrange(year, month)[1]))
    return sorted(ends)


def ar_snapshots_backfill(*, company: Company, today: date, months: int = 18) -> int:
    """Reconstruct past month-end snapshots from the ledger's dated history (first sync)."""
    count = 0
    for as_of in month_ends(today=today, months=months):
        count += len(ar_snapshot_record(company=company, as_of=as_of, today=today))
    return count
