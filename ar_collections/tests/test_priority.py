"""The pure rules: priority score, next action and promise outcome, by hand."""

from datetime import date
from decimal import Decimal as D

import pytest

from ar_collections.priority import (
    Action,
    PriorityInput,
    PromiseStatus,
    age_weight,
    next_action,
    priority_score,
    promise_status,
)

AS_OF = date(2026, 6, 30)


def row(buckets, band=None, broken=False, open_=False, contact=None) -> PriorityInput:
    return PriorityInput(
        overdue_by_bucket=[D(b) for b in buckets],
        band=band,
        broken_promise=broken,
        open_promise=open_,
        last_contact=contact,
    )


@pytest.mark.parametrize(
    ("index", "weight"), [(1, "1"), (2, "1.5"), (3, "2"), (4, "2.5"), (5, "3")]
)
def test_age_weights(index, weight):
    assert age_weight(index) == D(weight)


def test_priority_ranks_a_hand_computed_example():
    """Buckets are 1-30, 31-60, 61-90, 91-120, 120+ (weights 1, 1.5, 2, 2.5, 3).

    A: 1000 (1-30) + 500 (31-60)            = 1000 + 750            = 1750.00
    B: 800 (91-120), high band, open promise = 800×2.5 × 1.5 × 0.5   = 1500.00
    C: 300 (120+), broken promise            = 300×3 × 1.5           = 1350.00
    D: 2000 (1-30), called 2026-06-24 (6 days before as_of: recent) = 2000 × 0.5 = 1000.00
    E: 2000 (1-30), called 2026-06-23 (7 days: not recent)          = 2000.00
    F: 100.01 (61-90), medium band            = 100.01×2 × 1.25 = 250.025 → 250.03 (half-up)
    Ranked: E 2000, A 1750, B 1500, C 1350, D 1000, F 250.03.
    """
    rows = {
        "A": row(["1000.00", "500.00", 0, 0, 0]),
        "B": row([0, 0, 0, "800.00", 0], band="high", open_=True),
        "C": row([0, 0, 0, 0, "300.00"], broken=True),
        "D": row(["2000.00", 0, 0, 0, 0], contact=date(2026, 6, 24)),
        "E": row(["2000.00", 0, 0, 0, 0], contact=date(2026, 6, 23)),
        "F": row([0, 0, "100.01", 0, 0], band="medium"),
    }
    scores = {name: priority_score(r, as_of=AS_OF) for name, r in rows.items()}
    assert scores == {
        "A": D("1750.00"),
        "B": D("1500.00"),
        "C": D("1350.00"),
        "D": D("1000.00"),
        "E": D("2000.00"),
        "F": D("250.03"),
    }
    assert sorted(scores, key=lambda n: -scores[n]) == ["E", "A", "B", "C", "D", "F"]


def test_broken_and_open_promise_both_apply():
    """1000 × 1.5 (broken) × 0.5 (a new promise open) = 750.00."""
    assert priority_score(row(["1000"], broken=True, open_=True), as_of=AS_OF) == D("750.00")


@pytest.mark.parametrize(
    ("kwargs", "action"),
    [
        (
            {"broken_promise": True, "open_promise": True, "open_disputes": 1},
            Action.CALL_BROKEN_PROMISE,
        ),
        ({"open_promise": True, "open_disputes": 1}, Action.AWAIT_PROMISE),
        ({"open_disputes": 2, "days_past_due": 90}, Action.RESOLVE_DISPUTE),
        ({"days_past_due": 61}, Action.ESCALATE),
        ({"days_past_due": 60, "has_email": False}, Action.CALL),
        ({"days_past_due": 60}, Action.SEND_REMINDER),
    ],
)
def test_next_action_first_rule_that_applies(kwargs, action):
    base = {
        "broken_promise": False,
        "open_promise": False,
        "open_disputes": 0,
        "days_past_due": 10,
        "has_email": True,
    }
    assert next_action(**{**base, **kwargs}) == action


@pytest.mark.parametrize(
    ("paid", "as_of", "status"),
    [
        ("500.00", date(2026, 7, 1), PromiseStatus.KEPT),
        ("499.99", date(2026, 7, 12), PromiseStatus.OPEN),  # promised 07-10, grace to 07-12
        ("499.99", date(2026, 7, 13), PromiseStatus.BROKEN),
        ("0", date(2026, 7, 13), PromiseStatus.BROKEN),
        ("600.00", date(2026, 7, 20), PromiseStatus.KEPT),
    ],
)
def test_promise_outcome(paid, as_of, status):
    result = promise_status(
        amount=D("500.00"), paid=D(paid), promised_on=date(2026, 7, 10), as_of=as_of
    )
    assert result == status
