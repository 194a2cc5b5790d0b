"""Monthly trends: AR and its aging mix at each month-end, DSO, countback DSO and CEI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ar_dashboard import metrics
from ar_dashboard.analytics import ledger
from ar_dashboard.models import Company
from ar_dashboard.selectors import ARFilters

MAX_MONTHS = 24
COUNTBACK_EXTRA_MONTHS = 12  # sales history before the first month, for countback DSO


@dataclass(frozen=True)
class TrendMonth:
    start: date
    end: date
    ar: ledger.ARPoint
    credit_sales: Decimal
    collections: Decimal
    dso: Decimal | None
    countback_dso: Decimal | None
    cei: Decimal | None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def trends(*, company: Company, filters: ARFilters, months: int) -> list[TrendMonth]:
    """`months` calendar months, oldest first, the last one ending on as_of (month to date).

    AR at each month-end comes from ARSnapshot rows when they exist (one query), else live;
    sales and collections per month are one query each.
    """
    periods = metrics.months_ending(filters.as_of, months)
    history = metrics.months_ending(filters.as_of, months + COUNTBACK_EXTRA_MONTHS)
    before = periods[0][0] - timedelta(days=1)
    points = ledger.ar_points(
        company=company, filters=filters, dates=[before, *(end for _, end in periods)]
    )
    sales = ledger.credit_sales(
        company=company, currency=filters.currency, periods=history, customer=filters.customer
    )
    collected = ledger.collections(
        company=company, currency=filters.currency, periods=periods, customer=filters.customer
    )
    result = []
    beginning = points[before]
    for i, (start, end) in enumerate(periods):
        j = i + COUNTBACK_EXTRA_MONTHS
        ar = points[end]
        back = [
            metrics.MonthSales(sales[k], (history[k][1] - history[k][0]).days + 1)
            for k in range(j, -1, -1)
        ]
        days = (end - start).days + 1
        result.append(
            TrendMonth(
                start=start,
                end=end,
                ar=ar,
                credit_sales=sales[j],
                collections=collected[i].cash,
                dso=metrics.dso(ar.total, sales[j], days),
                countback_dso=metrics.countback_dso(ar.total, back),
                cei=metrics.cei(beginning.total, sales[j], ar.total, ar.current),
            )
        )
        beginning = ar
    return result
