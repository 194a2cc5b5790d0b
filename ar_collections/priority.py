"""Pure collections rules: a customer's priority score, its next action, a promise's outcome.

No ORM here: the selectors gather plain numbers and call these, and the tests check them by
hand. The README ("Collections") states the same formulas.

Priority (one currency; amounts are that currency's overdue balances):

    base     = Σ over past-due buckets i = 1…n of  overdue_i × (1 + 0.5 × (i − 1))
               (default scheme: 1-30 ×1, 31-60 ×1.5, 61-90 ×2, 91-120 ×2.5, 120+ ×3)
    risk     = low 1.0 · medium 1.25 · high 1.5 · no band 1.0 (bands: the analytics risk score)
    promise  = × 1.5 if a promise was broken in the last 30 days,
               × 0.5 if a promise is open (not yet due, not yet kept)
    contact  = × 0.5 if the customer was contacted in the last 7 days (as_of − 6 … as_of)
    priority = base × risk × promise × contact, rounded half-up to 2 decimals
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

AGE_STEP = Decimal("0.5")
RISK_WEIGHTS = {"low": Decimal("1.0"), "medium": Decimal("1.25"), "high": Decimal("1.5")}
BROKEN_PROMISE_FACTOR = Decimal("1.5")
BROKEN_PROMISE_DAYS = 30
OPEN_PROMISE_FACTOR = Decimal("0.5")
RECENT_CONTACT_FACTOR = Decimal("0.5")
RECENT_CONTACT_DAYS = 7
ESCALATE_AFTER_DAYS = 60
# A payment booked a little after the promised day still keeps the promise (bank transfers
# take a day or two to reach the books); after that the promise is broken.
PROMISE_GRACE_DAYS = 2


def age_weight(bucket_index: int) -> Decimal:
    """Weight of past-due bucket `bucket_index` (1 = the first past-due period)."""
    if bucket_index < 1:
        raise ValueError("only past-due buckets (index ≥ 1) carry weight")
    return 1 + AGE_STEP * (bucket_index - 1)


def risk_weight(band: str | None) -> Decimal:
    return RISK_WEIGHTS.get(band or "", Decimal("1.0"))


def contacted_recently(last_contact: date | None, as_of: date) -> bool:
    if last_contact is None:
        return False
    return as_of - timedelta(days=RECENT_CONTACT_DAYS - 1) <= last_contact <= as_of


@dataclass(frozen=True)
class PriorityInput:
    overdue_by_bucket: Sequence[Decimal]  # index 0 = first past-due bucket (1-30 by default)
    band: str | None
    broken_promise: bool
    open_promise: bool
    last_contact: date | None


def priority_score(row: PriorityInput, *, as_of: date) -> Decimal:
    """The customer's priority on `as_of` (larger = chase first), in overdue-currency units."""
    base = sum(
        (amount * age_weight(i) for i, amount in enumerate(row.overdue_by_bucket, start=1)),
        start=Decimal(0),
    )
    score = base * risk_weight(row.band)
    if row.broken_promise:
        score *= BROKEN_PROMISE_FACTOR
    if row.open_promise:
        score *= OPEN_PROMISE_FACTOR
    if contacted_recently(row.last_contact, as_of):
        score *= RECENT_CONTACT_FACTOR
    return score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Action(enum.StrEnum):
    CALL_BROKEN_PROMISE = "call_broken_promise"
    AWAIT_PROMISE = "await_promise"
    RESOLVE_DISPUTE = "resolve_dispute"
    ESCALATE = "escalate"
    CALL = "call"
    SEND_REMINDER = "send_reminder"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.CALL_BROKEN_PROMISE: "Call: a promise was broken",
    Action.AWAIT_PROMISE: "Wait for the promised payment",
    Action.RESOLVE_DISPUTE: "Resolve the dispute",
    Action.ESCALATE: "Call and escalate (over 60 days)",
    Action.CALL: "Call (no email address on file)",
    Action.SEND_REMINDER: "Send a reminder",
}


def next_action(
    *,
    broken_promise: bool,
    open_promise: bool,
    open_disputes: int,
    days_past_due: int | None,
    has_email: bool,
) -> Action:
    """What a collector should do next for this customer, first rule that applies."""
    if broken_promise:
        return Action.CALL_BROKEN_PROMISE
    if open_promise:
        return Action.AWAIT_PROMISE
    if open_disputes:
        return Action.RESOLVE_DISPUTE
    if days_past_due is not None and days_past_due > ESCALATE_AFTER_DAYS:
        return Action.ESCALATE
    if not has_email:
        return Action.CALL
    return Action.SEND_REMINDER


class PromiseStatus(enum.StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"


def promise_status(
    *, amount: Decimal, paid: Decimal, promised_on: date, as_of: date
) -> PromiseStatus:
    """Kept once payments made since the promise reach its amount (paid on time or not: any
    payment counted is dated by the promised day plus the grace); broken once the grace has
    passed without that; open until then."""
    if paid >= amount:
        return PromiseStatus.KEPT
    if as_of > promised_on + timedelta(days=PROMISE_GRACE_DAYS):
        return PromiseStatus.BROKEN
    return PromiseStatus.OPEN
