"""Cash forecast: when each open invoice is expected to be paid, summed by week and month.

Expected date = due date + the customer's amount-weighted average days late over the year to
as_of (whole days, half-up), the company's average when the customer has no paid invoice in
that year. Invoices more than 120 days past due are doubtful: reported apart, never expected.
Always by due date, whatever the aging basis.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Value, When

from ar_dashboard import aging, metrics, selectors
from ar_dashboard.analytics import payments
from ar_dashboard.expressions import MoneySum
from ar_dashboard.models import Company
from ar_dashboard.selectors import ARFilters


@dataclass(frozen=True)
class Forecast:
    company_days_late: int | None  # None: no invoice paid in the year (due dates used as is)
    bins: metrics.ForecastBins
    doubtful: Decimal
    doubtful_documents: int
    open_invoices: Decimal
    unapplied_credit: Decimal


def cash_forecast(*, company: Company, filters: ARFilters) -> Forecast:
    """The forecast in `filters.currency` (three queries and the fast-path check).

    One GROUP BY sums the open documents per customer, due date and sign (a single pass: the
    as-of balance is a correlated expression, and every further aggregate over it would
    evaluate it again); the customers' habits are one more GROUP BY. Each positive sum is then
    placed: doubtful by its due date, else shifted by its customer's habit into a period.
    """
    as_of, currency = filters.as_of, filters.currency
    company_late = payments.company_days_late(company=company, currency=currency, as_of=as_of)
    habits = payments.lateness_by_customer(company=company, currency=currency, as_of=as_of)
    cutoff = as_of - timedelta(days=metrics.DOUBTFUL_DAYS)
    expected: list[tuple[int, Decimal]] = []
    doubtful, doubtful_n, invoices, credit = metrics.ZERO, 0, metrics.ZERO, metrics.ZERO
    for customer_id, due_on, positive, total, n in _open_sums(company, filters):
        if not positive:
            credit += total
            continue
        invoices += total
        if due_on < cutoff:
            doubtful, doubtful_n = doubtful + total, doubtful_n + n
            continue
        habit = habits.get(customer_id)
        late = habit.whole_days if habit is not None else None
        shift = late if late is not None else (company_late or 0)
        expected.append(((due_on - as_of).days + shift, total))
    return Forecast(
        company_days_late=company_late,
        bins=metrics.forecast_bins(expected, as_of),
        doubtful=doubtful,
        doubtful_documents=doubtful_n,
        open_invoices=invoices,
        unapplied_credit=credit,
    )


def _open_sums(company: Company, filters: ARFilters):
    """(customer id, due date, positive?, Σ as-of balance, documents) of the open documents."""
    due = replace(filters, basis=aging.Basis.DUE)
    positive = Case(
        When(amount__gt=0, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    return (
        selectors.open_documents(company=company, filters=due)
        .annotate(positive=positive)
        .order_by()
        .values_list("customer_id", "due_on", "positive")
        .annotate(total=MoneySum("amount"), n=Count("id"))
    )
