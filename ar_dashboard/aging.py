"""Pure aging domain: what counts as AR, bucket schemes, days past due, balance as of a date.

No ORM here. The SQL in `selectors` is built from these definitions (bucket date ranges) and
tested to agree with them; `age_documents` is the reference engine over plain rows.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from ar_dashboard.money import quantize_money

DEFAULT_EDGES: tuple[int, ...] = (30, 60, 90, 120)
MAX_BUCKETS = 6  # Current + up to five past-due periods (what ARSummary/ARSnapshot store).
# Ten years: a longer period means nothing to a collector, and date arithmetic stays in range.
MAX_EDGE_DAYS = 3650
UNKNOWN_CUSTOMER_LABEL = "Unknown customer"

# Documents in these states never count, at any date (QuickBooks: voided; Unified: DRAFT/DELETED).
EXCLUDED_STATUSES = frozenset({"VOIDED", "DRAFT", "DELETED"})
# PAYMENT: the unapplied part of a customer payment, a credit aged from the payment date.
AR_DOC_TYPES = ("INVOICE", "CREDITMEMO", "PAYMENT")


class Basis(enum.StrEnum):
    """Which date a document is aged from."""

    DUE = "due"
    POSTED = "posted"

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(cls.DUE.value, "Due date"), (cls.POSTED.value, "Invoice (posted) date")]


def counts_as_ar(doc_type: str, status: str) -> bool:
    """True when the document belongs in AR at all (its balance then decides how much)."""
    return doc_type in AR_DOC_TYPES and (status or "").upper() not in EXCLUDED_STATUSES


def calendar_date(moment: datetime, tz: tzinfo) -> date:
    """The ledger date of a source timestamp in a company's time zone.

    QuickBooks' invoice, due and payment dates are calendar dates, which Unified.to sends as
    midnight UTC; read in a zone west of UTC they would fall a day early. So midnight UTC is
    taken as the date it names, and any other timestamp as a moment seen from `tz`.
    """
    utc = moment.astimezone(UTC)
    if utc.time() == time(0, 0):
        return utc.date()
    return moment.astimezone(tz).date()


def days_past_due(reference: date, as_of: date) -> int:
    """Whole days from the reference (due or posted) date to `as_of`; ≤ 0 means not yet due."""
    return (as_of - reference).days


def balance_as_of(
    current_balance: Decimal, allocations: Iterable[tuple[date, Decimal]], as_of: date
) -> Decimal:
    """The balance on `as_of`: today's balance plus what was allocated after that date."""
    return current_balance + sum(
        (amount for on, amount in allocations if on > as_of), start=Decimal(0)
    )


@dataclass(frozen=True)
class Bucket:
    index: int
    key: str
    label: str
    min_days: int | None  # inclusive; None = unbounded below (Current)
    max_days: int | None  # inclusive; None = unbounded above (the last period)

    def contains(self, days: int) -> bool:
        low_ok = self.min_days is None or days >= self.min_days
        high_ok = self.max_days is None or days <= self.max_days
        return low_ok and high_ok

    @property
    def is_overdue(self) -> bool:
        return self.index > 0


@dataclass(frozen=True)
class AgingScheme:
    """Current (≤ 0 days), then periods ending at each edge, then everything past the last."""

    edges: tuple[int, ...] = DEFAULT_EDGES
    buckets: tuple[Bucket, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        edges = self.edges
        if not 1 <= len(edges) <= MAX_BUCKETS - 1:
            raise ValueError(f"an aging scheme needs 1 to {MAX_BUCKETS - 1} period edges")
        if any(not isinstance(e, int) or isinstance(e, bool) or e < 1 for e in edges):
            raise ValueError("aging period edges must be positive whole days")
        if any(e > MAX_EDGE_DAYS for e in edges):
            raise ValueError(f"aging period edges must be at most {MAX_EDGE_DAYS} days")
        if any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
            raise ValueError("aging period edges must be strictly increasing")
        buckets = [Bucket(0, "current", "Current", None, 0)]
        low = 1
        for i, edge in enumerate(edges, start=1):
            buckets.append(Bucket(i, f"{low}_{edge}", f"{low}-{edge}", low, edge))
            low = edge + 1
        last = edges[-1]
        buckets.append(Bucket(len(edges) + 1, f"over_{last}", f"{last}+", last + 1, None))
        object.__setattr__(self, "buckets", tuple(buckets))

    @classmethod
    def from_edges(cls, edges: object) -> AgingScheme:
        if not isinstance(edges, list | tuple):
            raise TypeError("aging edges must be a list of whole days, e.g. [30, 60, 90, 120]")
        return cls(tuple(edges))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(b.key for b in self.buckets)

    def bucket_for_days(self, days: int) -> Bucket:
        for bucket in self.buckets:
            if bucket.contains(days):
                return bucket
        raise AssertionError(f"no bucket holds {days} days")  # pragma: no cover

    def bucket_by_key(self, key: str) -> Bucket:
        for bucket in self.buckets:
            if key in (bucket.key, bucket.label):
                return bucket
        raise KeyError(key)

    def date_range(self, bucket: Bucket, as_of: date) -> tuple[date | None, date | None]:
        """Reference dates (earliest, latest; inclusive) whose age on `as_of` is in `bucket`.

        This is what the SQL filters on: comparing dates keeps the query index-friendly and
        identical on PostgreSQL and SQLite.
        """
        earliest = None if bucket.max_days is None else as_of - timedelta(days=bucket.max_days)
        latest = None if bucket.min_days is None else as_of - timedelta(days=bucket.min_days)
        return earliest, latest


@dataclass(frozen=True)
class Document:
    """A plain AR document for the reference engine (amounts signed, credit memos negative)."""

    customer_id: int | None
    currency: str
    doc_type: str
    status: str
    posted_on: date
    due_on: date
    balance: Decimal
    allocations: tuple[tuple[date, Decimal], ...] = ()


@dataclass
class AgingTotals:
    buckets: list[Decimal]
    documents: int = 0

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, start=Decimal(0))


def reference_date(doc: Document, basis: Basis) -> date:
    return doc.due_on if basis == Basis.DUE else doc.posted_on


def age_documents(
    docs: Sequence[Document], *, as_of: date, scheme: AgingScheme, basis: Basis = Basis.DUE
) -> dict[str, dict[int | None, AgingTotals]]:
    """Aging per currency per customer (None = unknown customer) as of `as_of`.

    Only documents posted on or before `as_of` that count as AR and are open that day.
    """
    result: dict[str, dict[int | None, AgingTotals]] = defaultdict(dict)
    for doc in docs:
        if doc.posted_on > as_of or not counts_as_ar(doc.doc_type, doc.status):
            continue
        # The one rounding rule: each document's open balance in the currency's minor unit.
        amount = quantize_money(balance_as_of(doc.balance, doc.allocations, as_of), doc.currency)
        if amount == 0:
            continue
        bucket = scheme.bucket_for_days(days_past_due(reference_date(doc, basis), as_of))
        per_customer = result[doc.currency]
        totals = per_customer.setdefault(
            doc.customer_id, AgingTotals([Decimal(0)] * len(scheme.buckets))
        )
        totals.buckets[bucket.index] += amount
        totals.documents += 1
    return dict(result)
