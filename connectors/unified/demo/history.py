"""One customer's invoices and credit memos over the history, before anyone pays them.

Sizes and rhythm follow the customer's profile; a small, fixed share of documents is voided,
deleted or left in draft, and about 3% of invoices give rise to a credit memo, most of them
applied to an invoice (the original one while it is still open, else the next one).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from connectors.unified.demo import catalog
from connectors.unified.demo.catalog import money
from connectors.unified.demo.entries import Credit, Document, Lifecycle, Line, stamp
from connectors.unified.demo.profiles import CustomerProfile, Size

# Days between two invoices of one customer (inclusive range), by customer size.
INVOICE_GAP_DAYS = {Size.SMALL: (10, 40), Size.MEDIUM: (5, 19), Size.LARGE: (3, 11)}
AMOUNT_USD_RANGE = (Decimal(150), Decimal(45000))
QUANTITIES = (1, 1, 1, 2, 3, 4, 5, 6, 8, 10, 12, 20, 25)
MIN_UNIT_USD = Decimal(20)
VOID_RATE, DELETE_RATE, SUBMITTED_RATE = 0.015, 0.002, 0.15
# Documents of the last days may still be drafts; a few are.
DRAFT_WINDOW_DAYS, DRAFT_RATE = 10, 0.06
MEMO_RATE = 0.03
# Credit as a percentage of the original invoice (100: the whole invoice was returned).
CREDIT_PERCENTS = (5, 10, 10, 15, 20, 25, 30, 50, 100)
# How a credit memo is used: applied whole, applied in part, or left as unapplied credit.
MEMO_USES = {"full": 70, "partial": 20, "unapplied": 10}


def issue_invoices(profile: CustomerProfile, rng: random.Random, last_day: date) -> list[Document]:
    """The customer's invoices from its first to its last invoicing day, in date order."""
    low, high = INVOICE_GAP_DAYS[profile.size]
    day, end = profile.first_invoice_on, min(profile.last_invoice_on, last_day)
    invoices = []
    while day <= end:
        invoices.append(_invoice(profile, day, rng))
        day += timedelta(days=rng.randint(low, high))
    return invoices


def _invoice(profile: CustomerProfile, day: date, rng: random.Random) -> Document:
    rate = catalog.USD_RATE[profile.currency]
    # Log-normal around the customer's typical amount: many routine invoices, a few big ones.
    usd = profile.typical_amount_usd * Decimal(str(round(rng.lognormvariate(0, 0.45), 4)))
    usd = min(max(usd, AMOUNT_USD_RANGE[0]), AMOUNT_USD_RANGE[1] / (1 + profile.tax_rate))
    lines = _lines(usd * rate, profile.currency, rng)
    subtotal = sum((line.total for line in lines), Decimal(0))
    return Document(
        kind="INVOICE",
        contact_id=profile.contact_id,
        currency=profile.currency,
        posted=day,
        created=stamp(day, rng),
        lines=lines,
        tax=money(subtotal * profile.tax_rate, profile.currency),
        terms_days=profile.terms_days,
    )


def _lines(target: Decimal, currency: str, rng: random.Random) -> list[Line]:
    """1-4 priced lines whose amounts add up to about `target` (exactly, to the minor unit)."""
    count = rng.choice((1, 1, 2, 2, 3, 4))
    weights = [Decimal(rng.randint(5, 15)) for _ in range(count)]
    floor = MIN_UNIT_USD * catalog.USD_RATE[currency]
    lines = []
    for item, weight in zip(rng.sample(catalog.ITEMS, count), weights, strict=True):
        part = target * weight / sum(weights)
        quantity = rng.choice(QUANTITIES)
        if part / quantity < floor:
            quantity = 1
        lines.append(Line(item, money(part / quantity, currency), quantity))
    return lines


def mark_lifecycles(invoices: list[Document], rng: random.Random, last_day: date) -> None:
    """Void, delete or keep as draft a small share of invoices, as a real ledger has."""
    for doc in invoices:
        roll = rng.random()
        if roll < VOID_RATE + DELETE_RATE:
            doc.lifecycle = Lifecycle.VOIDED if roll < VOID_RATE else Lifecycle.DELETED
            day = min(doc.posted + timedelta(days=rng.randint(0, 20)), last_day)
            doc.closed = stamp(day, rng, doc.created)
        elif (last_day - doc.posted).days < DRAFT_WINDOW_DAYS and rng.random() < DRAFT_RATE:
            doc.lifecycle = Lifecycle.DRAFT
        doc.submitted = rng.random() < SUBMITTED_RATE


def issue_credit_memos(
    profile: CustomerProfile, invoices: list[Document], rng: random.Random, last_day: date
) -> list[Document]:
    """Credit memos raised against the customer's posted invoices, applied where they are used."""
    posted = [doc for doc in invoices if doc.lifecycle is Lifecycle.POSTED]
    memos = []
    for source in posted:
        if rng.random() >= MEMO_RATE:
            continue
        day = source.posted + timedelta(days=rng.randint(3, 45))
        if day > last_day:
            continue
        memo = _memo(profile, source, day, rng.choice(CREDIT_PERCENTS), rng)
        use = rng.choices(list(MEMO_USES), weights=list(MEMO_USES.values()))[0]
        if use != "unapplied":
            _apply(memo, posted, use == "partial", rng)
        memos.append(memo)
    if profile.keeps_unused_credit:
        memos += _unused_credits(profile, posted, rng, last_day)
    return memos


def _memo(
    profile: CustomerProfile, source: Document, day: date, percent: int, rng: random.Random
) -> Document:
    share = Decimal(percent) / 100
    line = Line(
        rng.choice(catalog.CREDIT_REASONS), money(source.subtotal * share, source.currency), 1
    )
    return Document(
        kind="CREDITMEMO",
        contact_id=profile.contact_id,
        currency=profile.currency,
        posted=day,
        created=stamp(day, rng),
        lines=[line],
        tax=money(source.tax * share, source.currency),
        source=source,
    )


def _apply(memo: Document, candidates: list[Document], partly: bool, rng: random.Random) -> None:
    """Apply the memo to its original invoice while that is not yet due, else to the next one."""
    source = memo.source
    if source is not None and source.due is not None and source.due >= memo.posted:
        target = source if not source.credits else None
    else:
        later = (doc for doc in candidates if doc.posted >= memo.posted and not doc.credits)
        target = next(later, None)
    if target is None:
        return
    amount = memo.total
    if partly:
        amount = money(memo.total * Decimal(rng.randint(30, 70)) / 100, memo.currency)
    amount = min(amount, target.total - target.settled)
    if amount <= 0:
        return
    day = max(memo.posted, target.posted)
    credit = Credit(memo, target, amount, day, stamp(day, rng, memo.created, target.created))
    memo.credits.append(credit)
    target.credits.append(credit)


def _unused_credits(
    profile: CustomerProfile, posted: list[Document], rng: random.Random, last_day: date
) -> list[Document]:
    """Credit the customer was given months ago and has never used: the demo's unapplied credit."""
    memos = []
    for _ in range(rng.randint(1, 2)):
        day = last_day - timedelta(days=rng.randint(60, 200))
        sources = [doc for doc in posted if doc.posted < day]
        if sources:
            memos.append(_memo(profile, rng.choice(sources[-6:]), day, rng.choice((20, 50)), rng))
    return memos
