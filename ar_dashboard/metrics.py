"""Pure KPI formulas on plain numbers (no ORM): DSO, countback DSO, BPDSO, ADD, CEI, payment
velocity, receivables turnover, % current, the customer risk score and the cash forecast.

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


def _round(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def dso(ar_end: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    """Standard DSO in days: AR at period end ÷ credit sales in the period × days."""
    if credit_sales <= 0:
        return None
    return _round(ar_end / credit_sales * days, DAYS_PLACES)


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
        return _round(ZERO, DAYS_PLACES)
    for month in months:
        if month.sales <= 0:
            days += month.days
            continue
        if remaining <= month.sales:
            days += remaining / month.sales * month.days
            return _round(days, DAYS_PLACES)
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
    return _round((beginning_ar + credit_sales - ending_ar) / collectible * HUNDRED, RATIO_PLACES)


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
    return _round(Decimal(total_days or 0) / Decimal(count), DAYS_PLACES)


def weighted_mean_days(weighted_days: Decimal | None, weight: Decimal | None) -> Decimal | None:
    """Σ(days × amount) ÷ Σ amount: the amount-weighted average, one decimal."""
    if not weight:
        return None
    return _round(Decimal(weighted_days or 0) / Decimal(weight), DAYS_PLACES)


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
    return _round(credit_sales / average, RATIO_PLACES)


def percent_current(current_ar: Decimal, total_ar: Decimal) -> Decimal | None:
    """Share of AR not yet due, in %."""
    if total_ar <= 0:
        return None
    return _round(current_ar / total_ar * HUNDRED, RATIO_PLACES)


def share_percent(part: Decimal, total: Decimal) -> Decimal | None:
    """part ÷ total in % (two decimals); None when total is 0."""
    if total == 0:
        return None
    return _round(part / total * HUNDRED, RATIO_PLACES)


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


# --- Customer risk score -------------------------------------------------------------------
# Each factor is scaled to 0..1 and earns weight × scaled points; the weights add up to 100.
# The caps say when a factor counts in full: 60 days late on average, a lateness 30 days worse
# recently than before, a quarter of the company's AR with one customer.
RISK_WEIGHTS: dict[str, int] = {
    "over_60": 25,
    "over_90": 25,
    "days_late": 20,
    "lateness_trend": 10,
    "share_of_ar": 10,
    "broken_pattern": 10,
}
DAYS_LATE_FULL = Decimal(60)
TREND_FULL = Decimal(30)
SHARE_FULL = Decimal("0.25")
# A broken payment pattern: an invoice more than 30 days past due, and no payment for 60 days.
BROKEN_OVERDUE_DAYS = 30
BROKEN_SILENCE_DAYS = 60
RISK_BANDS: tuple[tuple[str, int, int], ...] = (
    ("low", 0, 29),
    ("medium", 30, 59),
    ("high", 60, 100),
)
RISK_DESCRIPTIONS = {
    "over_60": "Share of the balance more than 60 days past due",
    "over_90": "Share of the balance more than 90 days past due",
    "days_late": "Amount-weighted average days late of paid invoices (full at 60 days)",
    "lateness_trend": "Recent (last 90 days) minus earlier average days late (full at +30)",
    "share_of_ar": "Customer's share of the company's AR (full at 25%)",
    "broken_pattern": "1 when an invoice is over 30 days past due and nothing was paid in 60 days",
}


@dataclass(frozen=True)
class RiskInputs:
    balance: Decimal
    over_60: Decimal
    over_90: Decimal
    company_ar: Decimal
    avg_days_late: Decimal | None  # amount-weighted, over the history window
    recent_days_late: Decimal | None  # amount-weighted, last 90 days
    earlier_days_late: Decimal | None  # amount-weighted, the rest of the window
    oldest_days_past_due: int | None
    days_since_payment: int | None  # None: never paid


@dataclass(frozen=True)
class RiskFactor:
    factor: str
    value: Decimal  # the measure itself: a share (0..1), days, or 0/1
    scaled: Decimal  # 0..1
    weight: int
    points: Decimal

    @property
    def description(self) -> str:
        return RISK_DESCRIPTIONS[self.factor]


@dataclass(frozen=True)
class RiskScore:
    score: int
    band: str
    factors: tuple[RiskFactor, ...]


def _clamp(value: Decimal) -> Decimal:
    return min(max(value, ZERO), Decimal(1))


def _share(part: Decimal, whole: Decimal) -> Decimal:
    return ZERO if whole <= 0 else part / whole


def risk_measures(inputs: RiskInputs) -> dict[str, tuple[Decimal, Decimal]]:
    """factor → (measured value, scaled 0..1)."""
    over_60 = _share(inputs.over_60, inputs.balance)
    over_90 = _share(inputs.over_90, inputs.balance)
    late = inputs.avg_days_late if inputs.avg_days_late is not None else ZERO
    trend = ZERO
    if inputs.recent_days_late is not None and inputs.earlier_days_late is not None:
        trend = inputs.recent_days_late - inputs.earlier_days_late
    share = _share(max(inputs.balance, ZERO), inputs.company_ar)
    silent = inputs.days_since_payment is None or inputs.days_since_payment > BROKEN_SILENCE_DAYS
    overdue = (inputs.oldest_days_past_due or 0) > BROKEN_OVERDUE_DAYS
    broken = Decimal(1) if silent and overdue else ZERO
    return {
        "over_60": (over_60, _clamp(over_60)),
        "over_90": (over_90, _clamp(over_90)),
        "days_late": (late, _clamp(late / DAYS_LATE_FULL)),
        "lateness_trend": (trend, _clamp(trend / TREND_FULL)),
        "share_of_ar": (share, _clamp(share / SHARE_FULL)),
        "broken_pattern": (broken, broken),
    }


def risk_band(score: int) -> str:
    for band, low, high in RISK_BANDS:
        if low <= score <= high:
            return band
    raise ValueError(f"risk score {score} is outside 0..100")


def risk_score(inputs: RiskInputs) -> RiskScore:
    """0–100 (higher = riskier): Σ weight × scaled factor, rounded half-up to a whole number."""
    factors = []
    total = ZERO
    for name, (value, scaled) in risk_measures(inputs).items():
        points = RISK_WEIGHTS[name] * scaled
        total += points
        factors.append(
            RiskFactor(
                name,
                _round(value, Decimal("0.0001")),
                _round(scaled, Decimal("0.0001")),
                RISK_WEIGHTS[name],
                _round(points, RATIO_PLACES),
            )
        )
    score = int(_round(total, Decimal(1)))
    return RiskScore(score, risk_band(score), tuple(factors))


# --- Cash forecast -------------------------------------------------------------------------
FORECAST_WEEKS = 13
FORECAST_MONTHS = 6
DOUBTFUL_DAYS = 120  # more than this many days past due: doubtful, never expected cash


@dataclass(frozen=True)
class ForecastPeriod:
    label: str
    start: date
    end: date

    def offsets(self, as_of: date) -> tuple[int, int]:
        """Days after `as_of` (inclusive range) whose expected cash falls in this period."""
        return (self.start - as_of).days, (self.end - as_of).days


def forecast_weeks(as_of: date) -> list[ForecastPeriod]:
    """13 weeks of seven days, the first starting the day after `as_of`."""
    first = as_of + timedelta(days=1)
    return [
        ForecastPeriod(str(k + 1), first + timedelta(days=7 * k), first + timedelta(days=7 * k + 6))
        for k in range(FORECAST_WEEKS)
    ]


def forecast_months(as_of: date) -> list[ForecastPeriod]:
    """Six calendar months from the day after `as_of` (the first one partial)."""
    periods = []
    start = as_of + timedelta(days=1)
    for _ in range(FORECAST_MONTHS):
        end = month_end(start)
        periods.append(ForecastPeriod(f"{start:%Y-%m}", start, end))
        start = end + timedelta(days=1)
    return periods


def expected_payment_date(due_on: date, days_late: int) -> date:
    """When an open invoice is expected to be paid: due date + the customer's habit."""
    return due_on + timedelta(days=days_late)


def whole_days(value: Decimal | None) -> int | None:
    """An average number of days rounded half-up to whole days (what shifts a due date)."""
    return None if value is None else int(_round(value, Decimal(1)))


def whole_days_of(weighted_days: Decimal | None, weight: Decimal | None) -> int | None:
    """Σ(days × amount) ÷ Σ amount in whole days, half-up, from the unrounded ratio."""
    if not weight:
        return None
    return whole_days(Decimal(weighted_days or 0) / Decimal(weight))


def is_doubtful(due_on: date, as_of: date) -> bool:
    return (as_of - due_on).days > DOUBTFUL_DAYS


@dataclass(frozen=True)
class ForecastBins:
    weeks: tuple[Decimal, ...]
    months: tuple[Decimal, ...]
    past_expected: Decimal  # expected on or before as_of, not yet paid (and not doubtful)
    later: Decimal  # expected after the last forecast month


def forecast_bins(expected: Sequence[tuple[int, Decimal]], as_of: date) -> ForecastBins:
    """Expected cash by week and by month, from (expected days after as_of, amount) pairs:
    open amounts SQL summed per customer and due date, shifted by the customer's habit
    (doubtful invoices are left out before)."""
    weeks = [(p.offsets(as_of), [ZERO]) for p in forecast_weeks(as_of)]
    months = [(p.offsets(as_of), [ZERO]) for p in forecast_months(as_of)]
    last_day = months[-1][0][1]
    past = later = ZERO
    for offset, amount in expected:
        if offset <= 0:
            past += amount
        elif offset > last_day:
            later += amount
        for (low, high), total in (*weeks, *months):
            if low <= offset <= high:
                total[0] += amount
    return ForecastBins(tuple(t[0] for _, t in weeks), tuple(t[0] for _, t in months), past, later)
