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

from django.db.models import Count, F, IntegerField, Q, Value
from django.db.models.functions import Cast, Coalesce

from ar_dashboard import aging, metrics, selectors
from ar_dashboard.analytics import payments
from ar_dashboard.expressions import DaysBetween, MoneySum
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
    """The forecast in `filters.currency` (four queries and the fast-path check)."""
    due = replace(filters, basis=aging.Basis.DUE)
    as_of = filters.as_of
    company_late = metrics.whole_days(
        payments.company_days_late(company=company, currency=filters.currency, as_of=as_of)
    )
    docs = selectors.open_documents(company=company, filters=due)
    doubtful = Q(due_on__lt=as_of - timedelta(days=metrics.DOUBTFUL_DAYS)) & Q(amount__gt=0)
    totals = docs.aggregate(
        doubtful=Coalesce(MoneySum("amount", filter=doubtful), ZERO),
        doubtful_n=Count("id", filter=doubtful),
        invoices=Coalesce(MoneySum("amount", filter=Q(amount__gt=0)), ZERO),
        credit=Coalesce(MoneySum("amount", filter=Q(amount__lt=0)), ZERO),
    )
    habit = payments.customer_days_late_subquery(
        company=company, currency=filters.currency, as_of=as_of
    )
    lateness = Coalesce(Cast(habit, IntegerField()), Value(company_late or 0))
    groups = (
        docs.filter(amount__gt=0)
        .exclude(doubtful)
        .annotate(offset=DaysBetween(F("due_on"), Value(as_of)) + lateness)
        .order_by()
        .values("offset")
        .annotate(total=MoneySum("amount"))
        .values_list("offset", "total")
    )
    return Forecast(
        company_days_late=company_late,
        bins=metrics.forecast_bins(list(groups), as_of),
        doubtful=totals["doubtful"],
        doubtful_documents=totals["doubtful_n"],
        open_invoices=totals["invoices"],
        unapplied_credit=totals["credit"],
    )
