"""When and how a customer pays: its habit turned into dated payments.

Each open invoice gets a plan (one payment, or 2-3 instalments for instalment payers) starting
at its due date shifted by the customer's usual delay; whatever falls after the last day of
the history (or after the day the customer stopped paying) stays open. Payments made within a
week of each other may be combined into one remittance covering up to three invoices, paid on
the earliest planned day, as customers batch their payment runs: batching only ever pays early.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from connectors.unified.demo.catalog import money, quantum
from connectors.unified.demo.entries import Allocation, Document, Lifecycle, Payment, stamp
from connectors.unified.demo.profiles import CustomerProfile, Habit

# Days after the due date of the (first) payment, inclusive range, by habit.
DELAY_DAYS = {
    Habit.PROMPT: (-10, 0),
    Habit.SLOW: (5, 25),
    Habit.CHRONIC: (30, 90),
    Habit.PARTIAL: (-3, 12),
    Habit.NEW: (-5, 10),
    Habit.STOPPED: (10, 35),  # a customer sliding into trouble before it stopped paying
}
# Invoices a customer disputes and never pays: the old tail of a real aging report.
DISPUTE_RATE = {Habit.SLOW: 0.002, Habit.CHRONIC: 0.02, Habit.PARTIAL: 0.003}
# Share of invoices paid in 2-3 instalments; prompt payers always pay in full.
INSTALMENT_RATE = {Habit.PARTIAL: 0.75, Habit.SLOW: 0.02, Habit.CHRONIC: 0.03}
INSTALMENT_GAP_DAYS = (10, 30)
BATCH_RATE, BATCH_WINDOW_DAYS, BATCH_MAX_INVOICES = 0.45, 7, 3


@dataclass(frozen=True)
class _Intent:
    day: date
    document: Document
    amount: Decimal


def settle_customer(
    profile: CustomerProfile, invoices: list[Document], rng: random.Random, last_day: date
) -> list[Payment]:
    """The customer's payments up to `last_day`, allocated onto its invoices."""
    cutoff = min(last_day, profile.stopped_paying_on or last_day)
    intents = []
    for doc in invoices:
        if doc.kind == "INVOICE" and doc.lifecycle is Lifecycle.POSTED:
            intents += _plan(profile, doc, rng, cutoff)
    return _remit(profile, intents, rng)


def _plan(
    profile: CustomerProfile, doc: Document, rng: random.Random, cutoff: date
) -> list[_Intent]:
    remaining = doc.total - doc.settled
    if remaining <= 0 or rng.random() < DISPUTE_RATE.get(profile.habit, 0):
        return []
    instalments = INSTALMENT_RATE.get(profile.habit, 0)
    parts = rng.choice((2, 3)) if rng.random() < instalments else 1
    due = doc.due or doc.posted  # invoices always have terms; this only narrows the type
    day = max(due + timedelta(days=rng.randint(*DELAY_DAYS[profile.habit])), doc.posted)
    intents = []
    for amount in _split(remaining, parts, doc.currency, rng):
        if day > cutoff:
            break
        intents.append(_Intent(day, doc, amount))
        day += timedelta(days=rng.randint(*INSTALMENT_GAP_DAYS))
    return intents


def _split(amount: Decimal, parts: int, currency: str, rng: random.Random) -> list[Decimal]:
    """`amount` in `parts` positive pieces in the currency's minor unit, summing exactly."""
    if parts == 1 or amount < quantum(currency) * 100:
        return [amount]
    pieces = [
        money(amount * Decimal(rng.randint(20, 100 // parts + 10)) / 100, currency)
        for _ in range(parts - 1)
    ]
    return [*pieces, amount - sum(pieces)]


def _remit(profile: CustomerProfile, intents: list[_Intent], rng: random.Random) -> list[Payment]:
    intents.sort(key=lambda intent: (intent.day, intent.document.created))
    payments: list[Payment] = []
    for intent in intents:
        current = payments[-1] if payments else None
        if current is None or not _joins(current, intent) or rng.random() >= BATCH_RATE:
            current = Payment(
                "INVOICE", profile.contact_id, profile.currency, intent.day, profile.payment_method
            )
            payments.append(current)
        current.allocations.append(Allocation(current, intent.document, intent.amount))
    for payment in payments:
        payment.stamp = stamp(payment.day, rng, *(a.document.created for a in payment.allocations))
        payment.reference = reference(payment.method, payment.day, rng)
        for allocation in payment.allocations:
            allocation.document.allocations.append(allocation)
    return payments


def _joins(payment: Payment, intent: _Intent) -> bool:
    """Whether `intent` can ride on `payment`: same run, one line per invoice, never pre-dated."""
    documents = [a.document for a in payment.allocations]
    return (
        len(documents) < BATCH_MAX_INVOICES
        and (intent.day - payment.day).days <= BATCH_WINDOW_DAYS
        and intent.document.posted <= payment.day
        and intent.document not in documents
    )


def reference(method: str, day: date, rng: random.Random) -> str:
    """The remittance reference a bookkeeper would type for this payment method."""
    if method == "CHECK":
        return f"Check #{rng.randint(1001, 9999)}"
    if method == "ACH":
        return f"ACH {rng.randint(100000000, 999999999)}"
    if method == "CARD":
        return f"Card ending {rng.randint(1000, 9999)}"
    return f"Wire {day:%Y%m%d}-{rng.randint(100, 999)}"
