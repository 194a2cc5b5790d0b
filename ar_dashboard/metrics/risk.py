"""The customer risk score (0-100) and its bands: pure, on per-customer figures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ar_dashboard.metrics.kpi import RATIO_PLACES, ZERO, round_half_up

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
                round_half_up(value, Decimal("0.0001")),
                round_half_up(scaled, Decimal("0.0001")),
                RISK_WEIGHTS[name],
                round_half_up(points, RATIO_PLACES),
            )
        )
    score = int(round_half_up(total, Decimal(1)))
    return RiskScore(score, risk_band(score), tuple(factors))
