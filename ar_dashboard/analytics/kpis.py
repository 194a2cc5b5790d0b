"""Headline KPIs for a period ending on as_of: DSO (three periods), countback DSO, BPDSO, ADD,
CEI, receivables turnover, % current, payment velocity, doubtful AR."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ar_dashboard import metrics
from ar_dashboard.analytics import ledger, payments
from ar_dashboard.models import Company
from ar_dashboard.selectors import ARFilters

COUNTBACK_MONTHS = 24  # how far back countback DSO may walk


def period_bounds(as_of: date, days: int) -> tuple[date, date]:
    """The `days`-day period ending on `as_of` (inclusive)."""
    return as_of - timedelta(days=days - 1), as_of


@dataclass(frozen=True)
class Amounts:
    """The money figures of a period, in one currency (what consolidation converts)."""

    ar_beginning: Decimal
    ar_total: Decimal
    ar_current: Decimal
    credit_sales: Decimal
    collections: Decimal
    credits_applied: Decimal
    doubtful: Decimal
    sales_by_period: dict[int, Decimal]
    countback_months: tuple[metrics.MonthSales, ...]
    ar_source: str

    @property
    def ar_overdue(self) -> Decimal:
        return self.ar_total - self.ar_current


def period_amounts(*, company: Company, filters: ARFilters, period_days: int) -> Amounts:
    """AR at both ends, sales, collections, doubtful AR (about five queries)."""
    start, end = period_bounds(filters.as_of, period_days)
    before = start - timedelta(days=1)
    points = ledger.ar_points(company=company, filters=filters, dates=[before, end])
    months = metrics.months_ending(end, COUNTBACK_MONTHS)[::-1]  # latest first
    spans = [period_bounds(end, d) for d in metrics.DSO_PERIODS]
    sales = ledger.credit_sales(
        company=company,
        currency=filters.currency,
        periods=[(start, end), *spans, *months],
        customer=filters.customer,
    )
    collected = ledger.collections(
        company=company,
        currency=filters.currency,
        periods=[(start, end)],
        customer=filters.customer,
    )[0]
    doubtful, _ = ledger.doubtful(company=company, filters=filters, days=metrics.DOUBTFUL_DAYS)
    n = len(metrics.DSO_PERIODS)
    return Amounts(
        ar_beginning=points[before].total,
        ar_total=points[end].total,
        ar_current=points[end].current,
        credit_sales=sales[0],
        collections=collected.cash,
        credits_applied=collected.credits,
        doubtful=doubtful,
        sales_by_period=dict(zip(metrics.DSO_PERIODS, sales[1 : 1 + n], strict=True)),
        countback_months=tuple(
            metrics.MonthSales(s, (e - b).days + 1)
            for s, (b, e) in zip(sales[1 + n :], months, strict=True)
        ),
        ar_source=points[end].source,
    )


@dataclass(frozen=True)
class KPIs:
    period_days: int
    period_start: date
    period_end: date
    amounts: Amounts
    dso: Decimal | None
    dso_by_period: dict[int, Decimal | None]
    countback_dso: Decimal | None
    best_possible_dso: Decimal | None
    average_days_delinquent: Decimal | None
    cei: Decimal | None
    receivables_turnover: Decimal | None
    percent_current: Decimal | None
    velocity: metrics.Velocity


def kpis(*, company: Company, filters: ARFilters, period_days: int) -> KPIs:
    """Every KPI of the period ending on `filters.as_of`, in `filters.currency`."""
    a = period_amounts(company=company, filters=filters, period_days=period_days)
    start, end = period_bounds(filters.as_of, period_days)
    dso = metrics.dso(a.ar_total, a.credit_sales, period_days)
    bpdso = metrics.best_possible_dso(a.ar_current, a.credit_sales, period_days)
    return KPIs(
        period_days=period_days,
        period_start=start,
        period_end=end,
        amounts=a,
        dso=dso,
        dso_by_period={d: metrics.dso(a.ar_total, s, d) for d, s in a.sales_by_period.items()},
        countback_dso=metrics.countback_dso(a.ar_total, a.countback_months),
        best_possible_dso=bpdso,
        average_days_delinquent=metrics.average_days_delinquent(dso, bpdso),
        cei=metrics.cei(a.ar_beginning, a.credit_sales, a.ar_total, a.ar_current),
        receivables_turnover=metrics.receivables_turnover(
            a.credit_sales, a.ar_beginning, a.ar_total
        ),
        percent_current=metrics.percent_current(a.ar_current, a.ar_total),
        velocity=payments.velocity(
            company=company,
            currency=filters.currency,
            start=start,
            end=end,
            customer=filters.customer,
        ),
    )
