"""What a load changed, for the summaries: which customers' ledgers, and from which date.

The load notes every document it inserts, updates or deletes (with the customer it had before,
so a document moved between customers names both) and every allocation row it adds, changes
or removes (with its date). `LoadDelta` is the result the summary step refreshes from: only
those customers, and month-ends from `since` on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ar_dashboard.models import Invoice

BATCH = 2000
# Past this many changed documents the delta says "everything": recomputing all summaries
# then costs about what resolving the customers would, and the set stays small.
MAX_TRACKED_DOCUMENTS = 50_000


@dataclass(frozen=True)
class LoadDelta:
    """Customers whose ledger changed and the earliest date that changed.

    `customer_ids` None means every customer (a first sync, or too much changed to list);
    an empty set means nothing changed. `unknown_customer` is True when a document without a
    known customer changed (the "Unknown customer" row). `since` None means from the first
    date (with `customer_ids` None), or nothing (with an empty set).
    """

    customer_ids: frozenset[int] | None
    since: date | None
    unknown_customer: bool = False

    @classmethod
    def everything(cls) -> LoadDelta:
        return cls(customer_ids=None, since=None, unknown_customer=True)

    @property
    def is_empty(self) -> bool:
        return self.customer_ids is not None and not self.customer_ids and not self.unknown_customer


@dataclass
class DeltaTracker:
    """Accumulates the changes of one load; `result()` resolves them to a LoadDelta."""

    everything: bool = False
    documents: set[int] = field(default_factory=set)
    customers: set[int] = field(default_factory=set)
    unknown_customer: bool = False
    since: date | None = None

    def on(self, day: date | None) -> None:
        if day is not None and (self.since is None or day < self.since):
            self.since = day

    def customer(self, customer_id: int | None) -> None:
        if customer_id is None:
            self.unknown_customer = True
        else:
            self.customers.add(customer_id)

    def document(self, document_id: int, day: date | None = None) -> None:
        """A document whose rows or balance changed (its current customer is looked up)."""
        self.on(day)
        if not self.everything:
            self.documents.add(document_id)
            if len(self.documents) > MAX_TRACKED_DOCUMENTS:
                self.give_up()

    def give_up(self) -> None:
        self.everything = True
        self.documents.clear()

    def result(self) -> LoadDelta:
        if self.everything:
            return LoadDelta.everything()
        customers, unknown = set(self.customers), self.unknown_customer
        for chunk in _chunks(self.documents):
            for customer_id in (
                Invoice.objects.filter(id__in=chunk)
                .values_list("customer_id", flat=True)
                .distinct()
                .order_by()
            ):
                if customer_id is None:
                    unknown = True
                else:
                    customers.add(customer_id)
        changed = bool(customers) or unknown
        return LoadDelta(frozenset(customers), self.since if changed else None, unknown)


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(ids)
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]
