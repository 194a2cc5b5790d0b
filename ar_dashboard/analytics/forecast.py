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

from django.db.models import Count, Q
from django.db.models.functions import Coalesce

from ar_dashboard import aging, metrics, selectors
from ar_dashboard.analytics import payments
from ar_dashboard.expressions import MoneySum
from ar_dashboard.models import Company
from ar_dashboard.selectors import ZERO, ARFilters


@dataclass(frozen=True)
class Forecast:
    company_days_late: int | None  # None: no invoice paid in the year (due dates used as is)
    bins: metrics.ForecastBins
    doubtful: Decimal
    doubtful_documents: int
    open_invoices: Decimal
    unapplied_credit: Decimal


def cash_forecast(*, company: Company, filters: ARFilters) -> Forecast:
    """The forecast in `filters.currency` (five queries and the fast-path check).

    SQL sums the open invoices per customer and due date; each sum is then shifted by its
    customer's habit and binned (a loop over those sums and the customers' habits, which one
    GROUP BY query computed, never over documents).
    """
    due = replace(filters, basis=aging.Basis.DUE)
    as_of = filters.as_of
    currency = filters.currency
    company_late = payments.company_days_late(company=company, currency=currency, as_of=as_of)
    habits = payments.lateness_by_customer(company=company, currency=currency, as_of=as_of)
    docs = selectors.open_documents(company=company, filters=due)
    doubtful = Q(due_on__lt=as_of - timedelta(days=metrics.DOUBTFUL_DAYS)) & Q(amount__gt=0)
    totals = docs.aggregate(
        doubtful=Coalesce(MoneySum("amount", filter=doubtful), ZERO),
        doubtful_n=Count("id", filter=doubtful),
        invoices=Coalesce(MoneySum("amount", filter=Q(amount__gt=0)), ZERO),
        credit=Coalesce(MoneySum("amount", filter=Q(amount__lt=0)), ZERO),
    )
    groups = (
        docs.filter(amount__gt=0)
        .exclude(doubtful)
        .order_by()
        .values_list("customer_id", "due_on")
        .annotate(total=MoneySum("amount"))
    )
    expected = []
    for customer_id, due_on, total in groups:
        habit = habits.get(customer_id)
        late = habit.whole_days if habit is not None else None
        shift = late if late is not None else (company_late or 0)
        expected.append(((due_on - as_of).days + shift, total))
    return Forecast(
        company_days_late=company_late,
        bins=metrics.forecast_bins(expected, as_of),
        doubtful=totals["doubtful"],
        doubtful_documents=totals["doubtful_n"],
        open_invoices=totals["invoices"],
        unapplied_credit=totals["credit"],
    )
