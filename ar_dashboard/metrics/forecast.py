"""The cash forecast's periods and binning, and when an invoice is doubtful: pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ar_dashboard.metrics.kpi import ZERO, month_end, round_half_up

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
    return None if value is None else int(round_half_up(value, Decimal(1)))


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
