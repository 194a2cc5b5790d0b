"""Who the demo company's customers are and how each one pays.

Every customer gets one payment habit, drawn from a fixed mix, so the dashboards have something
true to show: prompt payers, slow and chronically late ones, instalment payers, one customer
who stopped paying, and a few new accounts. Profiles are public so tests (and the demo's
documentation) can check that the habits really show in the ledger.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from connectors.unified.demo import catalog


class Habit(StrEnum):
    PROMPT = "prompt"  # pays on or before the due date
    SLOW = "slow"  # 5-25 days late
    CHRONIC = "chronic"  # 30-90 days late
    PARTIAL = "partial"  # pays most invoices in 2-3 instalments
    STOPPED = "stopped"  # paid like a slow payer, then stopped paying ~5 months ago
    NEW = "new"  # became a customer in the last three months


class Size(StrEnum):
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


# Share of each habit among customers; the rest pay promptly.
HABIT_SHARES = ((Habit.CHRONIC, 0.10), (Habit.PARTIAL, 0.10), (Habit.SLOW, 0.25))
# Share of customers billing in each foreign currency (JPY: exactly two customers).
CURRENCY_SHARES = (("EUR", 0.08), ("GBP", 0.06), ("CAD", 0.05))
SIZE_WEIGHTS = {Size.SMALL: 50, Size.MEDIUM: 35, Size.LARGE: 15}
# Net terms in days: Net 30 is the norm, Net 15 and Net 60 by agreement.
TERMS_DAYS = (15, 30, 30, 30, 60)
# A customer's typical invoice subtotal in USD is drawn from this range by size.
TYPICAL_USD = {Size.SMALL: (350, 1200), Size.MEDIUM: (2000, 5000), Size.LARGE: (7000, 15000)}
STOP_PAYING_DAYS_AGO = (148, 160)
UNUSED_CREDIT_CUSTOMERS = 2


@dataclass(frozen=True)
class CustomerProfile:
    """One customer's standing facts; dates are absolute, computed from `today`."""

    contact_id: str
    name: str
    habit: Habit
    size: Size
    currency: str
    country_code: str
    terms_days: int
    tax_rate: Decimal
    typical_amount_usd: Decimal
    payment_method: str
    customer_since: date
    first_invoice_on: date
    last_invoice_on: date
    stopped_paying_on: date | None
    keeps_unused_credit: bool
    street: str
    place: tuple[str, str, str, str, str]


def history_start(today: date, months: int) -> date:
    """First day of the simulated history: `months` average months before `today`."""
    return today - timedelta(days=round(months * 365.25 / 12))


def customer_profiles(
    *, today: date, seed: int = 2024, customers: int = 160, months: int = 18
) -> list[CustomerProfile]:
    """The customers of `generate_demo_ledger` with the same arguments, in contact-id order."""
    rng = random.Random(f"{seed}:profiles")  # noqa: S311 - demo data, not security
    habits = _habit_pool(customers, rng)
    currencies = _currency_pool(customers, habits, rng)
    names = _company_names(customers, rng)
    prompt = [i for i, habit in enumerate(habits) if habit is Habit.PROMPT]
    credit_keepers = set(prompt[:UNUSED_CREDIT_CUSTOMERS])
    start = history_start(today, months)
    return [
        _profile(i, habits[i], currencies[i], names[i], i in credit_keepers, rng, today, start)
        for i in range(customers)
    ]


def _habit_pool(n: int, rng: random.Random) -> list[Habit]:
    pool = [Habit.STOPPED] + [Habit.NEW] * max(1, round(n * 0.04))
    for habit, share in HABIT_SHARES:
        pool += [habit] * round(n * share)
    pool = pool[:n] + [Habit.PROMPT] * max(0, n - len(pool))
    rng.shuffle(pool)
    return pool


def _currency_pool(n: int, habits: list[Habit], rng: random.Random) -> list[str]:
    pool: list[str] = []
    for currency, share in CURRENCY_SHARES:
        pool += [currency] * round(n * share)
    pool = pool[:n] + ["USD"] * max(0, n - len(pool))
    rng.shuffle(pool)
    # The customer who stopped paying bills in the home currency, so the home currency's
    # 120+ bucket tells the demo's story; JPY goes to two established customers, so the
    # zero-decimal currency has a full history.
    stopped = habits.index(Habit.STOPPED) if Habit.STOPPED in habits else None
    if stopped is not None and pool[stopped] != "USD" and "USD" in pool:
        usd = pool.index("USD")
        pool[stopped], pool[usd] = pool[usd], pool[stopped]
    established = [i for i, habit in enumerate(habits) if habit in (Habit.PROMPT, Habit.SLOW)]
    for i in rng.sample(established, min(2, n // 20, len(established))):
        pool[i] = "JPY"
    return pool


def _company_names(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """n distinct (stem, trade) pairs; past the vocabulary's size a number keeps them distinct."""
    combos = [(stem, trade) for stem in catalog.NAME_STEMS for trade in catalog.NAME_TRADES]
    picks = rng.sample(combos, min(n, len(combos)))
    picks += [(f"{stem} {i}", trade) for i, (stem, trade) in enumerate(combos[: n - len(picks)])]
    return picks


def _profile(
    i: int,
    habit: Habit,
    currency: str,
    name: tuple[str, str],
    keeps_unused_credit: bool,
    rng: random.Random,
    today: date,
    start: date,
) -> CustomerProfile:
    country = rng.choice(catalog.COUNTRIES[currency])
    size = rng.choices(list(SIZE_WEIGHTS), weights=list(SIZE_WEIGHTS.values()))[0]
    if habit is Habit.STOPPED:
        size = Size.LARGE  # a large account: the loss the demo's 120+ bucket is about
    low, high = TYPICAL_USD[size]
    since, first, last, stopped = _lifespan(habit, rng, today, start)
    return CustomerProfile(
        contact_id=f"cus_{i + 1:04d}",
        name=f"{name[0]} {name[1]} {catalog.LEGAL_SUFFIX[country]}",
        habit=habit,
        size=size,
        currency=currency,
        country_code=country,
        terms_days=30 if habit is Habit.STOPPED else rng.choice(TERMS_DAYS),
        tax_rate=Decimal(rng.choice(catalog.TAX_RATES[country])),
        typical_amount_usd=Decimal(rng.randint(low, high)),
        payment_method=rng.choice(
            catalog.PAYMENT_METHODS.get(currency, catalog.FOREIGN_PAYMENT_METHODS)
        ),
        customer_since=since,
        first_invoice_on=first,
        last_invoice_on=last,
        stopped_paying_on=stopped,
        keeps_unused_credit=keeps_unused_credit,
        street=f"{rng.randint(10, 9999)} {rng.choice(catalog.STREETS)}",
        place=rng.choice(catalog.PLACES[country]),
    )


def _lifespan(
    habit: Habit, rng: random.Random, today: date, start: date
) -> tuple[date, date, date, date | None]:
    """(customer since, first invoice, last invoice, stopped paying on) for one customer."""
    last = today - timedelta(days=1)
    if habit is Habit.NEW:
        since = today - timedelta(days=rng.randint(25, 80))
        return since, since + timedelta(days=rng.randint(0, 6)), last, None
    since = start - timedelta(days=rng.randint(30, 1500))
    first = start + timedelta(days=rng.randint(0, 20))
    if habit is Habit.STOPPED:
        stopped = today - timedelta(days=rng.randint(*STOP_PAYING_DAYS_AGO))
        # Put on credit hold within days: nothing is invoiced after that.
        return since, first, stopped - timedelta(days=rng.randint(3, 10)), stopped
    if habit in (Habit.PROMPT, Habit.SLOW) and rng.random() < 0.05:
        last = today - timedelta(days=rng.randint(150, 330))  # a lost customer, paid up
    return since, first, last, None
