"""Pure KPI formulas on plain numbers (no ORM): DSO, countback DSO, BPDSO, ADD, CEI, payment
velocity, receivables turnover, % current, and the calendar periods they cover.

The selectors aggregate in SQL and hand these functions sums; the API presents what they
return. Every input is a `Decimal` (or an int of days); nothing here reads the clock.

Rounding (README, "Analytics"): days are rounded half-up to one decimal, percentages and
ratios to two, only when a figure is returned; intermediate quotients keep full precision.
A formula whose denominator is zero returns None (shown as null), never 0 or infinity.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)
DAYS_PLACES = Decimal("0.1")
RATIO_PLACES = Decimal("0.01")
DSO_PERIODS = (30, 90, 365)


def round_half_up(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def dso(ar_end: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    """Standard DSO in days: AR at period end ÷ credit sales in the period × days."""
    if credit_sales <= 0:
        return None
    return round_half_up(ar_end / credit_sales * days, DAYS_PLACES)


def best_possible_dso(current_ar: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    """BPDSO in days: current (not yet due) AR ÷ credit sales × days."""
    return dso(current_ar, credit_sales, days)


def average_days_delinquent(dso_days: Decimal | None, bpdso_days: Decimal | None) -> Decimal | None:
    """ADD in days = DSO − BPDSO (both already rounded to one decimal, so ADD adds up)."""
    if dso_days is None or bpdso_days is None:
        return None
    return dso_days - bpdso_days


@dataclass(frozen=True)
class MonthSales:
    """One calendar month's credit sales and its days counted (the last one may be partial)."""

    sales: Decimal
    days: int


def countback_dso(ar_end: Decimal, months: Sequence[MonthSales]) -> Decimal | None:
    """Countback DSO in days: walk back from the latest month (first in `months`), consuming
    each month's sales from AR until it is exhausted; the last month counts pro rata.

    None when the AR outlasts every month given (history too short to count it back).
    """
    remaining = ar_end
    days = ZERO
    if remaining <= 0:
        return round_half_up(ZERO, DAYS_PLACES)
    for month in months:
        if month.sales <= 0:
            days += month.days
            continue
        if remaining <= month.sales:
            days += remaining / month.sales * month.days
            return round_half_up(days, DAYS_PLACES)
        remaining -= month.sales
        days += month.days
    return None


def cei(
    beginning_ar: Decimal, credit_sales: Decimal, ending_ar: Decimal, ending_current_ar: Decimal
) -> Decimal | None:
    """Collection effectiveness index in %: (beginning AR + sales − ending total AR) ÷
    (beginning AR + sales − ending current AR) × 100.

    Chained over consecutive months (the first month's beginning AR, the sum of the sales, the
    last month's ending figures) the same formula gives the CEI for a longer period.
    """
    collectible = beginning_ar + credit_sales - ending_current_ar
    if collectible <= 0:
        return None
    return round_half_up(
        (beginning_ar + credit_sales - ending_ar) / collectible * HUNDRED, RATIO_PLACES
    )


@dataclass(frozen=True)
class CEIMonth:
    beginning_ar: Decimal
    credit_sales: Decimal
    ending_ar: Decimal
    ending_current_ar: Decimal


def cei_for_period(months: Sequence[CEIMonth]) -> Decimal | None:
    """CEI over consecutive months (oldest first) taken as one period."""
    if not months:
        return None
    sales = sum((m.credit_sales for m in months), start=ZERO)
    last = months[-1]
    return cei(months[0].beginning_ar, sales, last.ending_ar, last.ending_current_ar)


def mean_days(total_days: int | Decimal | None, count: int | None) -> Decimal | None:
    """Simple average of whole-day figures (e.g. days to pay over invoices), one decimal."""
    if not count:
        return None
    return round_half_up(Decimal(total_days or 0) / Decimal(count), DAYS_PLACES)


def weighted_mean_days(weighted_days: Decimal | None, weight: Decimal | None) -> Decimal | None:
    """Σ(days × amount) ÷ Σ amount: the amount-weighted average, one decimal."""
    if not weight:
        return None
    return round_half_up(Decimal(weighted_days or 0) / Decimal(weight), DAYS_PLACES)


@dataclass(frozen=True)
class PaidInvoice:
    """An invoice paid in full: the reference rows the SQL velocity sums are tested against."""

    posted_on: date
    due_on: date
    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class Velocity:
    invoices_paid: int
    amount_paid: Decimal
    avg_days_to_pay: Decimal | None
    avg_days_to_pay_weighted: Decimal | None
    avg_days_late: Decimal | None
    avg_days_late_weighted: Decimal | None


def velocity_from_sums(
    *,
    count: int,
    amount: Decimal,
    days_to_pay: int,
    days_to_pay_weighted: Decimal,
    days_late: int,
    days_late_weighted: Decimal,
) -> Velocity:
    """Average days to pay (paid − invoice date) and days late (paid − due date; negative =
    early), simple and amount-weighted, from the sums SQL computes."""
    return Velocity(
        invoices_paid=count,
        amount_paid=amount,
        avg_days_to_pay=mean_days(days_to_pay, count),
        avg_days_to_pay_weighted=weighted_mean_days(days_to_pay_weighted, amount),
        avg_days_late=mean_days(days_late, count),
        avg_days_late_weighted=weighted_mean_days(days_late_weighted, amount),
    )


def velocity(invoices: Sequence[PaidInvoice]) -> Velocity:
    """The same figures from plain rows (the reference the SQL sums must agree with)."""
    to_pay = [((i.paid_on - i.posted_on).days, i.amount) for i in invoices]
    late = [((i.paid_on - i.due_on).days, i.amount) for i in invoices]
    return velocity_from_sums(
        count=len(invoices),
        amount=sum((i.amount for i in invoices), start=ZERO),
        days_to_pay=sum(d for d, _ in to_pay),
        days_to_pay_weighted=sum((d * a for d, a in to_pay), start=ZERO),
        days_late=sum(d for d, _ in late),
        days_late_weighted=sum((d * a for d, a in late), start=ZERO),
    )


def receivables_turnover(
    credit_sales: Decimal, beginning_ar: Decimal, ending_ar: Decimal
) -> Decimal | None:
    """Credit sales in the period ÷ average AR ((beginning + ending) ÷ 2): turns per period."""
    average = (beginning_ar + ending_ar) / 2
    if average <= 0:
        return None
    return round_half_up(credit_sales / average, RATIO_PLACES)


def percent_current(current_ar: Decimal, total_ar: Decimal) -> Decimal | None:
    """Share of AR not yet due, in %."""
    if total_ar <= 0:
        return None
    return round_half_up(current_ar / total_ar * HUNDRED, RATIO_PLACES)


def share_percent(part: Decimal, total: Decimal) -> Decimal | None:
    """part ÷ total in % (two decimals); None when total is 0."""
    if total == 0:
        return None
    return round_half_up(part / total * HUNDRED, RATIO_PLACES)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def previous_month(day: date) -> date:
    """The first day of the month before `day`'s month."""
    return month_start(month_start(day) - timedelta(days=1))


def months_ending(as_of: date, count: int) -> list[tuple[date, date]]:
    """(start, end) of `count` calendar months, oldest first, the last ending on `as_of`."""
    periods = []
    start = month_start(as_of)
    end = as_of
    for _ in range(count):
        periods.append((start, end))
        end = start - timedelta(days=1)
        start = month_start(end)
    return periods[::-1]
