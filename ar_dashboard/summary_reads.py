"""The fast read path: answers served from the per-customer summary rows the load keeps exact.

`ARSummary` rows are written by the load's own transaction for the company's today and its past
month-ends (services/summaries.py); the company's `ARSnapshot` of that day is stamped with the
ledger version and aging scheme they were computed from. They answer a request only when
everything it asks matches: same `as_of`, basis, currency, scheme and ledger version, and no
per-document filter (buckets, amount range) the rows cannot know. A customer, name or risk
band filter keeps whole customers, so it narrows the rows themselves. Anything else is computed live
by `selectors`. Every figure is the same sum the live path computes, over the same rounded
per-document amounts (tests/selectors/test_summary_reads.py proves they agree).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import CharField, Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from ar_dashboard import aging
from ar_dashboard.expressions import MoneySum
from ar_dashboard.models import ARSnapshot, ARSummary, Company

if TYPE_CHECKING:
    from ar_dashboard.selectors import ARFilters

ZERO = Decimal(0)


def current_snapshots(*, company: Company, as_of) -> QuerySet[ARSnapshot]:
    """The day's snapshots whose customer rows are stored and stamped with the company's
    current ledger version and aging scheme: the rows a request may be served from."""
    return ARSnapshot.objects.filter(
        company=company,
        as_of=as_of,
        customer_rows=True,
        ledger_version=company.ledger_version,
        edges=company.aging_edges_key,
    )


def stored_rows(*, company: Company, filters: ARFilters) -> QuerySet[ARSummary] | None:
    """The summary rows answering `filters`, or None when they cannot (compute live)."""
    if filters.buckets or filters.min_amount is not None:
        return None
    if filters.max_amount is not None:
        return None
    day = {"basis": filters.basis, "currency": filters.currency}
    if not current_snapshots(company=company, as_of=filters.as_of).filter(**day).exists():
        return None
    from ar_dashboard.selectors import customer_condition

    rows = ARSummary.objects.filter(company=company, as_of=filters.as_of, **day)
    return rows.filter(customer_condition(filters))


def stored_distribution(rows: QuerySet[ARSummary], scheme: aging.AgingScheme) -> dict:
    """{"a<i>": amount, "n<i>": documents} per bucket, as the live aggregate names them."""
    aggregates = {}
    for b in scheme.buckets:
        aggregates[f"a{b.index}"] = Coalesce(MoneySum(f"bucket_{b.index}"), Value(ZERO))
        aggregates[f"n{b.index}"] = Coalesce(Sum(f"count_{b.index}"), 0)
    return rows.aggregate(**aggregates)


def stored_stats(rows: QuerySet[ARSummary]) -> dict:
    """The headline sums summary_stats needs, from per-customer rows."""
    return rows.aggregate(
        total_ar=Coalesce(MoneySum("total"), Value(ZERO)),
        total_overdue=Coalesce(MoneySum("overdue"), Value(ZERO)),
        total_invoices=Coalesce(Sum("open_documents"), 0),
        unapplied_credit=Coalesce(MoneySum("unapplied_credit"), Value(ZERO)),
        overdue_count=Coalesce(Sum("overdue_invoices"), 0),
        overdue_days=Sum("overdue_days"),
        overdue_amount=MoneySum("overdue_amount"),
        weighted_days=MoneySum("overdue_weighted_days"),
        total_customers=Count("id", filter=~Q(total=0)),
        at_risk_customers=Count("id", filter=Q(at_risk__gt=0)),
    )


def stored_customer_rows(rows: QuerySet[ARSummary], scheme: aging.AgingScheme) -> QuerySet:
    """One dict per customer with the keys of the live `customer_aging_rows`."""
    buckets = {f"bucket_{b.index}": F(f"bucket_{b.index}") for b in scheme.buckets}
    return rows.annotate(
        customer_name=Coalesce(
            F("customer__name"), Value(aging.UNKNOWN_CUSTOMER_LABEL, output_field=CharField())
        ),
        total_outstanding=F("total"),
        invoice_count=F("open_documents"),
    ).values(
        "customer_id",
        "customer_name",
        "total_outstanding",
        "overdue",
        "invoice_count",
        "oldest_reference",
        *buckets,
    )
