"""Payment history from dated allocations: when each invoice was paid, how fast, how late.

An invoice's paid date is the date its balance reached 0 through effective allocations: the
date of its last effective allocation, for an invoice whose balance is 0 and whose last
allocation is on or before the period's end (a later one means it was still open then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    CharField,
    Count,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth

from ar_dashboard import aging, metrics
from ar_dashboard.aging import UNKNOWN_CUSTOMER_LABEL
from ar_dashboard.analytics.ledger import customer_q
from ar_dashboard.expressions import DaysBetween, MoneySum
from ar_dashboard.models import Allocation, Company, Invoice

HISTORY_DAYS = 365  # a customer's habit: invoices paid in the year to as_of
RECENT_DAYS = 90  # "recent" lateness, against the rest of the year, for the trend
WeightedDays = DecimalField(max_digits=28, decimal_places=4)


def paid_invoices(
    *, company: Company, currency: str, start: date, end: date, customer=None
) -> QuerySet[Invoice]:
    """Invoices paid in full between `start` and `end`, one row each, annotated `paid_date`
    (the date of its last effective allocation), `to_pay_days` (paid − invoice date) and
    `late_days` (paid − due date; negative = early); `total` is the invoice's.

    Read from the invoice side: the load keeps `Invoice.last_allocated_on` (the date of the
    latest effective allocation, what also decides whether a settled invoice was open on a
    past date), and the partial index `invoice_settled_last_alloc` (company, currency,
    last_allocated_on WHERE balance = 0) is exactly this range. The year's allocations are
    not read at all (an anti-join over them cost 1–2 s a first request at 100k documents).
    """
    return (
        Invoice.objects.filter(
            company=company,
            currency=currency,
            balance=0,
            last_allocated_on__gte=start,
            last_allocated_on__lte=end,
            doc_type=Invoice.DocType.INVOICE,
            total__gt=0,
        )
        .exclude(source_status__in=aging.EXCLUDED_STATUSES)
        .filter(customer_q(customer, ""))
        .annotate(
            paid_date=F("last_allocated_on"),
            to_pay_days=DaysBetween(F("last_allocated_on"), F("posted_on")),
            late_days=DaysBetween(F("last_allocated_on"), F("due_on")),
        )
    )


def _weighted(days: str, condition: Q | None = None):
    product = ExpressionWrapper(F(days) * F("total"), output_field=WeightedDays)
    return MoneySum(product, filter=condition)


def velocity_sums(condition: Q | None = None) -> dict:
    """The sums behind `metrics.velocity_from_sums` (optionally over a filtered part)."""
    return {
        "count": Count("id", filter=condition),
        "amount": MoneySum("total", filter=condition),
        "days_to_pay": Sum("to_pay_days", filter=condition),
        "days_to_pay_weighted": _weighted("to_pay_days", condition),
        "days_late": Sum("late_days", filter=condition),
        "days_late_weighted": _weighted("late_days", condition),
    }


def to_velocity(row: dict) -> metrics.Velocity:
    return metrics.velocity_from_sums(
        count=row["count"] or 0,
        amount=row["amount"] or Decimal(0),
        days_to_pay=row["days_to_pay"] or 0,
        days_to_pay_weighted=row["days_to_pay_weighted"] or Decimal(0),
        days_late=row["days_late"] or 0,
        days_late_weighted=row["days_late_weighted"] or Decimal(0),
    )


def velocity(
    *, company: Company, currency: str, start: date, end: date, customer=None
) -> metrics.Velocity:
    """Payment velocity of the invoices paid in the period (one query)."""
    paid = paid_invoices(
        company=company, currency=currency, start=start, end=end, customer=customer
    )
    return to_velocity(paid.aggregate(**velocity_sums()))


def velocity_by_month(
    *, company: Company, currency: str, start: date, end: date, customer=None
) -> dict[date, metrics.Velocity]:
    """Velocity per calendar month of the paid date (one GROUP BY query); month → figures."""
    paid = paid_invoices(
        company=company, currency=currency, start=start, end=end, customer=customer
    )
    rows = (
        paid.annotate(month=TruncMonth("last_allocated_on", output_field=DateField()))
        .order_by()
        .values("month")
        .annotate(**velocity_sums())
    )
    return {row["month"]: to_velocity(row) for row in rows}


def velocity_by_customer(*, company: Company, currency: str, start: date, end: date, customer=None):
    """One row per customer (NULL = unknown) with the velocity sums, as a lazy queryset."""
    return (
        paid_invoices(company=company, currency=currency, start=start, end=end, customer=customer)
        .order_by()
        .values("customer_id")
        .annotate(customer_name=_name(), **velocity_sums())
    )


def _name():
    label = Value(UNKNOWN_CUSTOMER_LABEL, output_field=CharField())
    return Coalesce(Max("customer__name"), label)


def history_window(as_of: date) -> tuple[date, date]:
    return as_of - timedelta(days=HISTORY_DAYS - 1), as_of


@dataclass(frozen=True)
class Lateness:
    """A customer's amount-weighted days late over the year to as_of (one decimal), over its
    last 90 days and over the 275 before, and the year's in whole days (half-up, from the
    unrounded ratio: what shifts a due date in the forecast)."""

    year: Decimal | None
    recent: Decimal | None
    earlier: Decimal | None
    whole_days: int | None


def lateness_by_customer(*, company: Company, currency: str, as_of: date) -> dict:
    """customer id → Lateness (one GROUP BY query over the year's paid invoices)."""
    start, end = history_window(as_of)
    recent = Q(last_allocated_on__gt=as_of - timedelta(days=RECENT_DAYS))
    rows = (
        paid_invoices(company=company, currency=currency, start=start, end=end)
        .filter(customer__isnull=False)
        .order_by()
        .values("customer_id")
        .annotate(
            w=_weighted("late_days"),
            a=MoneySum("total"),
            wr=_weighted("late_days", recent),
            ar=MoneySum("total", filter=recent),
            we=_weighted("late_days", ~recent),
            ae=MoneySum("total", filter=~recent),
        )
    )
    mean = metrics.weighted_mean_days
    return {
        r["customer_id"]: Lateness(
            mean(r["w"], r["a"]),
            mean(r["wr"], r["ar"]),
            mean(r["we"], r["ae"]),
            metrics.whole_days_of(r["w"], r["a"]),
        )
        for r in rows
    }


def company_days_late(*, company: Company, currency: str, as_of: date) -> int | None:
    """The company's amount-weighted average days late over the year to `as_of`, whole days."""
    start, end = history_window(as_of)
    row = paid_invoices(company=company, currency=currency, start=start, end=end).aggregate(
        w=_weighted("late_days"), a=MoneySum("total")
    )
    return metrics.whole_days_of(row["w"], row["a"])


def last_payment_by_customer(
    *, company: Company, currency: str, as_of: date, since: date | None = None
) -> dict:
    """customer id → date of the last payment applied to one of its invoices on or before
    as_of (and on or after `since`: a customer paying nothing in that window is absent, read
    over the window's allocations only, by the `allocation_company_date` index)."""
    window = Q(allocated_on__gte=since) if since is not None else Q()
    rows = (
        Allocation.objects.filter(
            window,
            company=company,
            effective=True,
            kind__in=(Allocation.Kind.PAYMENT, Allocation.Kind.IMPLIED),
            allocated_on__lte=as_of,
            document__currency=currency,
            document__customer__isnull=False,
        )
        .order_by()
        .values("document__customer_id")
        .annotate(last=Max("allocated_on"))
    )
    return {r["document__customer_id"]: r["last"] for r in rows}
