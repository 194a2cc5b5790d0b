"""What each export holds: its columns, its rows and its stated totals, read from the selectors.

CSV, XLSX and PDF present the same `Report`, so a file shows what the API answers for the same
filters, to the cent. Rows are typed values (Decimal in the currency's minor units, int, date,
str) streamed from the database; totals come from the selectors' own aggregates, never from
summing rows here.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ar_dashboard import aging, disputes, selectors
from ar_dashboard.models import Company, Customer
from ar_dashboard.money import minor_units
from ar_dashboard.selectors import UNKNOWN, ARFilters

# Rows fetched per round trip from PostgreSQL's server-side cursor: memory stays flat while a
# million rows stream out.
CHUNK_SIZE = 2000
DEFAULT_SORT = "-total_outstanding"
VIEWS = ("aging-summary", "customer-breakdown", "aging-detail")


class Kind(enum.StrEnum):
    TEXT = "text"
    MONEY = "money"
    COUNT = "count"
    DAYS = "days"
    DATE = "date"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind
    total: bool = False  # the totals row states this column's total (from a selector)


@dataclass
class Report:
    """One export: columns, a lazily streamed row source and the selectors' stated totals."""

    view: str
    title: str
    company: Company
    filters: ARFilters
    columns: list[Column]
    rows: Callable[[], Iterator[tuple]]
    stated_totals: Callable[[], dict[str, Decimal | int]]
    landscape: bool = False
    extra: dict = field(default_factory=dict)


def build(view: str, *, company: Company, filters: ARFilters, sort: str = DEFAULT_SORT) -> Report:
    """The report behind `/ar/export/<view>.<fmt>`."""
    if view == "aging-summary":
        return aging_summary(company=company, filters=filters)
    if view == "customer-breakdown":
        return customer_breakdown(company=company, filters=filters, sort=sort)
    if view == "aging-detail":
        return aging_detail(company=company, filters=filters)
    raise KeyError(view)


def aging_summary(*, company: Company, filters: ARFilters) -> Report:
    """Open AR per bucket: the API's aging-distribution, one row per bucket."""
    columns = [
        Column("bucket", "Bucket", Kind.TEXT),
        Column("label", "Aging", Kind.TEXT),
        Column("min_days", "From day", Kind.DAYS),
        Column("max_days", "To day", Kind.DAYS),
        Column("documents", "Documents", Kind.COUNT, total=True),
        Column("amount", f"Amount ({filters.currency})", Kind.MONEY, total=True),
    ]
    distribution = selectors.aging_distribution(company=company, filters=filters)

    def rows() -> Iterator[tuple]:
        for b in distribution.buckets:
            bucket = b.bucket
            amount = money(b.amount, filters)
            yield (bucket.key, bucket.label, bucket.min_days, bucket.max_days, b.documents, amount)

    def totals() -> dict:
        stats = selectors.summary_stats(company=company, filters=filters)
        return {"documents": stats.total_invoices, "amount": distribution.total}

    return Report(
        "aging-summary",
        "A/R Aging Summary",
        company,
        filters,
        columns,
        rows,
        totals,
        landscape=True,
    )


def customer_columns(company: Company, filters: ARFilters) -> list[Column]:
    cur = filters.currency
    return [
        Column("id", "Customer id", Kind.COUNT),
        Column("customer", "Customer", Kind.TEXT),
        *(
            Column(b.key, f"{b.label} ({cur})", Kind.MONEY, total=True)
            for b in company.aging_scheme.buckets
        ),
        Column("total_outstanding", f"Total outstanding ({cur})", Kind.MONEY, total=True),
        Column("overdue", f"Overdue ({cur})", Kind.MONEY, total=True),
        Column("invoice_count", "Documents", Kind.COUNT, total=True),
        Column("oldest_days_past_due", "Oldest days past due", Kind.DAYS),
    ]


def customer_breakdown(*, company: Company, filters: ARFilters, sort: str = DEFAULT_SORT) -> Report:
    """One row per customer (every row, not a page), as the API's customer-breakdown."""
    scheme = company.aging_scheme

    def rows() -> Iterator[tuple]:
        queryset = selectors.customer_aging_rows(company=company, filters=filters, sort=sort)
        for row in queryset.iterator(chunk_size=CHUNK_SIZE):
            yield (
                row["customer_id"],
                row["customer_name"],
                *(money(row[f"bucket_{b.index}"], filters) for b in scheme.buckets),
                money(row["total_outstanding"], filters),
                money(row["overdue"], filters),
                row["invoice_count"],
                selectors.customer_days_past_due(row, filters),
            )

    def totals() -> dict:
        return customer_totals(company=company, filters=filters)

    columns = customer_columns(company, filters)
    return Report(
        "customer-breakdown",
        "A/R Aging by Customer",
        company,
        filters,
        columns,
        rows,
        totals,
        landscape=True,
    )


def customer_totals(*, company: Company, filters: ARFilters) -> dict[str, Decimal | int]:
    """The stated totals of the customer columns: the distribution and the headline figures."""
    distribution = selectors.aging_distribution(company=company, filters=filters)
    stats = selectors.summary_stats(company=company, filters=filters)
    return {
        **{b.bucket.key: b.amount for b in distribution.buckets},
        "total_outstanding": distribution.total,
        "overdue": stats.total_overdue,
        "invoice_count": stats.total_invoices,
    }


DETAIL_FIELDS = (
    "customer_id",
    "customer__name",
    "id",
    "external_id",
    "number",
    "doc_type",
    "posted_on",
    "due_on",
    "days_past_due",
    "bucket_index",
    "source_status",
    "total",
    "amount",
)


def aging_detail(*, company: Company, filters: ARFilters) -> Report:
    """Every open document (or one customer's), oldest reference date first."""
    cur = filters.currency
    columns = [
        Column("customer_id", "Customer id", Kind.COUNT),
        Column("customer", "Customer", Kind.TEXT),
        Column("id", "Document id", Kind.COUNT),
        Column("external_id", "Source id", Kind.TEXT),
        Column("invoice_number", "Number", Kind.TEXT),
        Column("doc_type", "Type", Kind.TEXT),
        Column("invoice_date", "Invoice date", Kind.DATE),
        Column("due_date", "Due date", Kind.DATE),
        Column("days_overdue", "Days past due", Kind.DAYS),
        Column("aging_bucket", "Aging", Kind.TEXT),
        Column("status", "Status", Kind.TEXT),
        Column("total_amount", f"Original amount ({cur})", Kind.MONEY),
        Column("amount_due", f"Open balance ({cur})", Kind.MONEY, total=True),
        # Collections' open disputes (ar_dashboard.disputes): read once, never per row.
        Column("disputed", "In dispute", Kind.TEXT),
        Column("dispute_reason", "Dispute reason", Kind.TEXT),
        Column("dispute_opened_on", "Disputed since", Kind.DATE),
    ]
    labels = {b.index: b.label for b in company.aging_scheme.buckets}

    def rows() -> Iterator[tuple]:
        marks = disputes.open_disputes(company=company)
        documents = selectors.customer_documents(company=company, filters=filters)
        for values in documents.values_list(*DETAIL_FIELDS).iterator(chunk_size=CHUNK_SIZE):
            (customer_id, name, pk, external, number, doc_type, posted, due, days, index,
             status, total, amount) = values  # fmt: skip
            yield (
                customer_id,
                name if customer_id is not None else aging.UNKNOWN_CUSTOMER_LABEL,
                pk,
                external,
                number,
                doc_type,
                posted,
                due,
                days,
                labels[index],
                status,
                money(total, filters),
                money(amount, filters),
                *dispute_cells(marks.get(pk)),
            )

    def totals() -> dict:
        stats = selectors.summary_stats(company=company, filters=filters)
        return {"amount_due": stats.total_ar}

    return Report(
        "aging-detail",
        "A/R Aging Detail",
        company,
        filters,
        columns,
        rows,
        totals,
        landscape=True,
    )


def dispute_cells(mark: disputes.DisputeMark | None) -> tuple:
    """In dispute ("yes" / "no"), its reason and the day it was opened (empty when not)."""
    if mark is None:
        return ("no", None, None)
    return ("yes", mark.reason, mark.opened_on)


def money(amount: Decimal | None, filters: ARFilters) -> Decimal | None:
    """An amount in the report currency's minor units (storage keeps four places)."""
    return None if amount is None else in_minor_units(amount, filters.currency)


def in_minor_units(amount: Decimal, currency: str) -> Decimal:
    """money.quantize_money (half-up to the minor unit), without a Babel lookup per call."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


@functools.cache
def minor_unit(currency: str) -> Decimal:
    """money.quantize_money's exponent, looked up once per currency (a million rows stream)."""
    return Decimal(1).scaleb(-minor_units(currency))


def filter_lines(company: Company, filters: ARFilters) -> list[tuple[str, str]]:
    """(name, value) of every filter the report honours, as a reader should see them."""
    basis = "due date" if filters.basis == aging.Basis.DUE else "invoice (posted) date"
    lines = [
        ("Company", company.name),
        ("As of", filters.as_of.isoformat()),
        ("Currency", filters.currency),
        ("Aged by", basis),
        ("Aging periods", ", ".join(b.label for b in company.aging_scheme.buckets)),
    ]
    if filters.buckets:
        labels = [company.aging_scheme.bucket_by_key(key).label for key in filters.buckets]
        lines.append(("Buckets" if len(labels) > 1 else "Bucket", ", ".join(labels)))
    if filters.band is not None:
        lines.append(("Risk band", filters.band.capitalize()))
    if filters.min_amount is not None:
        lines.append(("Minimum open balance", str(filters.min_amount)))
    if filters.max_amount is not None:
        lines.append(("Maximum open balance", str(filters.max_amount)))
    if filters.customer == UNKNOWN:
        lines.append(("Customer", aging.UNKNOWN_CUSTOMER_LABEL))
    elif filters.customer is not None:
        name = Customer.objects.filter(pk=filters.customer).values_list("name", flat=True).first()
        lines.append(("Customer", name or str(filters.customer)))
    return lines
