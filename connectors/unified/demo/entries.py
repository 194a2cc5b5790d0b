"""The demo ledger's working entries: documents, credits, payments and their allocations.

The simulation builds these mutable objects first and turns them into Unified.to JSON last, so
every amount on a document is derived from the entries that moved it (paid = Σ credits + Σ
payment allocations) and can never disagree with them. Ids are given only once every entry
exists, in date order, as a ledger numbers them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from connectors.unified.demo.catalog import at_midnight


class Lifecycle(StrEnum):
    """Where a document stands apart from payment; values are Unified.to statuses."""

    POSTED = "POSTED"  # status then follows from the balance (PAID, PARTIALLY_PAID, ...)
    VOIDED = "VOIDED"
    DRAFT = "DRAFT"
    DELETED = "DELETED"


@dataclass(frozen=True)
class Line:
    item_name: str
    unit_amount: Decimal
    quantity: int

    @property
    def total(self) -> Decimal:
        return self.unit_amount * self.quantity


@dataclass(eq=False)
class Document:
    """An invoice, a credit memo or a supplier's bill (`kind` is the Unified.to `type`)."""

    kind: str
    contact_id: str | None
    currency: str
    posted: date
    created: datetime
    lines: list[Line]
    tax: Decimal
    terms_days: int | None = None  # credit memos have no terms and so no due date
    lifecycle: Lifecycle = Lifecycle.POSTED
    submitted: bool = False  # e-mailed and still labelled SUBMITTED by the source
    closed: datetime | None = None  # when it was voided or deleted
    source: Document | None = None  # a credit memo's original invoice
    credits: list[Credit] = field(default_factory=list)  # received, or given by a memo
    allocations: list[Allocation] = field(default_factory=list)  # payments received
    id: str = ""
    number: str = ""

    @property
    def subtotal(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax

    @property
    def due(self) -> date | None:
        return None if self.terms_days is None else self.posted + timedelta(self.terms_days)

    @property
    def settled(self) -> Decimal:
        """Credit applied plus payments received (for a memo: credit given away)."""
        credit = sum((c.amount for c in self.credits), Decimal(0))
        return credit + sum((a.amount for a in self.allocations), Decimal(0))

    @property
    def settled_on(self) -> date | None:
        """Date of the last credit or payment, i.e. `paid_at` once fully settled."""
        days = [c.day for c in self.credits] + [a.payment.day for a in self.allocations]
        return max(days, default=None)

    @property
    def updated(self) -> datetime:
        """Last change: creation, void/deletion, a credit applied or a payment received."""
        moments = [self.created] + [c.stamp for c in self.credits]
        moments += [a.payment.stamp for a in self.allocations]
        return max(moments + ([self.closed] if self.closed else []))


@dataclass(eq=False)
class Credit:
    """Part of a credit memo applied to an invoice on `day`."""

    memo: Document
    target: Document
    amount: Decimal
    day: date
    stamp: datetime


@dataclass(eq=False)
class Payment:
    """Money received (or, for kind BILL, paid to a supplier), allocated to 1-3 documents."""

    kind: str
    contact_id: str
    currency: str
    day: date
    method: str
    allocations: list[Allocation] = field(default_factory=list)
    stamp: datetime | None = None
    reference: str = ""
    id: str = ""

    @property
    def total(self) -> Decimal:
        return sum((a.amount for a in self.allocations), Decimal(0))


@dataclass(eq=False)
class Allocation:
    payment: Payment
    document: Document
    amount: Decimal


def stamp(day: date, rng: random.Random, *after: datetime) -> datetime:
    """A business-hours UTC time on `day`, later than each of `after` that falls on that day.

    Keeps every record's history in order (an invoice is created before it is paid) while
    times of day vary as they would in a real ledger.
    """
    hours, minutes = rng.randint(8, 16), rng.randint(0, 59)
    moment = at_midnight(day) + timedelta(hours=hours, minutes=minutes, seconds=rng.randint(0, 59))
    for other in sorted(after):
        if other >= moment:
            moment = other + timedelta(minutes=rng.randint(2, 9))
    return moment
