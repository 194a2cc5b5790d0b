"""Credit sales, collections and AR at period ends, per currency, aggregated in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from ar_dashboard import aging, selectors
from ar_dashboard.expressions import MoneySum
from ar_dashboard.models import Allocation, ARSnapshot, Company, Invoice
from ar_dashboard.selectors import ZERO, ARFilters

Period = tuple[date, date]  # inclusive start and end
CASH_KINDS = (Allocation.Kind.PAYMENT, Allocation.Kind.IMPLIED)


def customer_q(customer: int | str | None, prefix: str = "") -> Q:
    if customer is None:
        return Q()
    if customer == selectors.UNKNOWN:
        return Q(**{f"{prefix}customer__isnull": True})
    return Q(**{f"{prefix}customer_id": customer})


def posted_invoices(*, company: Company, currency: str, customer=None) -> QuerySet[Invoice]:
    """Customer invoices that count as sales: posted, not VOIDED/DELETED/DRAFT, one currency."""
    return (
        Invoice.objects.filter(company=company, currency=currency, doc_type=Invoice.DocType.INVOICE)
        .exclude(source_status__in=aging.EXCLUDED_STATUSES)
        .filter(customer_q(customer))
    )


def credit_sales(
    *, company: Company, currency: str, periods: Sequence[Period], customer=None
) -> list[Decimal]:
    """Σ invoice totals posted in each period (one query, a filtered sum per period)."""
    if not periods:
        return []
    sums = {
        f"p{i}": Coalesce(MoneySum("total", filter=Q(posted_on__range=period)), ZERO)
        for i, period in enumerate(periods)
    }
    low = min(start for start, _ in periods)
    high = max(end for _, end in periods)
    row = (
        posted_invoices(company=company, currency=currency, customer=customer)
        .filter(posted_on__range=(low, high))
        .aggregate(**sums)
    )
    return [row[f"p{i}"] for i in range(len(periods))]


@dataclass(frozen=True)
class Collected:
    cash: Decimal  # payments (and paid parts the source gave undated) applied to invoices
    credits: Decimal  # credit memos applied to invoices


def collections(
    *, company: Company, currency: str, periods: Sequence[Period], customer=None
) -> list[Collected]:
    """Effective allocations onto sales invoices dated in each period (one query)."""
    if not periods:
        return []
    sums = {}
    for i, period in enumerate(periods):
        dated = Q(allocated_on__range=period)
        sums[f"c{i}"] = Coalesce(MoneySum("amount", filter=dated & Q(kind__in=CASH_KINDS)), ZERO)
        sums[f"k{i}"] = Coalesce(
            MoneySum("amount", filter=dated & Q(kind=Allocation.Kind.CREDIT)), ZERO
        )
    low = min(start for start, _ in periods)
    high = max(end for _, end in periods)
    row = (
        Allocation.objects.filter(
            company=company,
            effective=True,
            allocated_on__range=(low, high),
            document__currency=currency,
            document__doc_type=Invoice.DocType.INVOICE,
        )
        .exclude(document__source_status__in=aging.EXCLUDED_STATUSES)
        .filter(customer_q(customer, "document__"))
        .aggregate(**sums)
    )
    return [Collected(row[f"c{i}"], row[f"k{i}"]) for i in range(len(periods))]


@dataclass(frozen=True)
class ARPoint:
    """AR on one date: total, current (not yet due) and per bucket index."""

    as_of: date
    total: Decimal
    buckets: tuple[Decimal, ...]
    source: str  # "snapshot" or "live"
    reconstructed: bool | None

    @property
    def current(self) -> Decimal:
        return self.buckets[0]

    @property
    def overdue(self) -> Decimal:
        return self.total - self.current


def _snapshot_rows(company: Company, filters: ARFilters, dates: Sequence[date]) -> dict:
    """The company's snapshots of those dates that answer `filters`: company-wide filters only,
    stamped with the current ledger version and aging scheme (else computed live)."""
    narrowed = (filters.customer, filters.name_prefix, filters.band)
    if any(v is not None for v in narrowed) or filters.buckets:
        return {}
    if filters.min_amount or filters.max_amount:
        return {}
    rows = ARSnapshot.objects.filter(
        company=company,
        currency=filters.currency,
        basis=filters.basis,
        as_of__in=dates,
        ledger_version=company.ledger_version,
        edges=company.aging_edges_key,
    )
    return {row.as_of: row for row in rows}


def ar_points(
    *, company: Company, filters: ARFilters, dates: Sequence[date]
) -> dict[date, ARPoint]:
    """AR at each date: the company's ARSnapshot row when one exists for the currency and
    basis (one query for all dates), else the live as-of aggregate (one query per date).

    A customer, name, bucket or amount filter reads live only: snapshots are company-wide.
    """
    scheme = company.aging_scheme
    stored = _snapshot_rows(company, filters, dates)
    points = {}
    for day in dates:
        row = stored.get(day)
        if row is not None:
            buckets = tuple(getattr(row, f"bucket_{b.index}") for b in scheme.buckets)
            points[day] = ARPoint(day, row.total, buckets, "snapshot", row.reconstructed)
            continue
        dist = selectors.aging_distribution(company=company, filters=replace(filters, as_of=day))
        buckets = tuple(b.amount for b in dist.buckets)
        points[day] = ARPoint(day, dist.total, buckets, "live", None)
    return points


def doubtful(*, company: Company, filters: ARFilters, days: int) -> tuple[Decimal, int]:
    """Open invoice balances more than `days` past due on `as_of` (by due date), and their count."""
    due = replace(filters, basis=aging.Basis.DUE)
    row = (
        selectors.open_documents(company=company, filters=due)
        .filter(selectors.older_than_condition(days, due), amount__gt=0)
        .aggregate(total=Coalesce(MoneySum("amount"), Value(Decimal(0))), n=Count("id"))
    )
    return row["total"], row["n"]
