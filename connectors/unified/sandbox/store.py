"""The records the sandbox serves, by object type, and the routes they are served on."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from connectors.unified.sandbox.query import ListQuery, listing_key, matching_records
from connectors.unified.sandbox.timestamps import iso_z

ROUTES = {
    ("accounting", "contact"): "contact",
    ("accounting", "invoice"): "invoice",
    ("accounting", "creditmemo"): "creditmemo",
    ("accounting", "transaction"): "transaction",
    ("payment", "payment"): "payment",
}
OBJECT_TYPES = tuple(ROUTES.values())
# Listings whose order is kept per object type between edits: a sync pages through a handful
# (one per filter and cursor) at once; more is a client varying its query, so start afresh.
MAX_CACHED_LISTINGS = 32


def _clone(value: Any) -> Any:
    """A deep copy through JSON: records are JSON by nature, and it is ~5x faster than deepcopy."""
    return json.loads(json.dumps(value))


class SandboxData:
    """The served ledger: object type -> id -> record, safe to edit while the server runs."""

    def __init__(
        self,
        *,
        contacts: Iterable[dict] = (),
        invoices: Iterable[dict] = (),
        creditmemos: Iterable[dict] = (),
        payments: Iterable[dict] = (),
        transactions: Iterable[dict] = (),
    ) -> None:
        self._lock = threading.RLock()
        self._objects: dict[str, dict[str, dict]] = {name: {} for name in OBJECT_TYPES}
        # Filtered and sorted records of each listing, so paging through 1M records sorts
        # once rather than once per page; any edit of the type drops its listings.
        self._listings: dict[str, dict[tuple, list[dict]]] = {name: {} for name in OBJECT_TYPES}
        given = (contacts, invoices, creditmemos, transactions, payments)
        for object_type, records in zip(OBJECT_TYPES, given, strict=True):
            for record in records:
                self.add(object_type, record)

    @classmethod
    def from_demo(cls, *, today: date, seed: int = 2024, dirty: bool = False) -> SandboxData:
        """The deterministic demo ledger for `today` (dirty adds the public sandbox's flaws)."""
        from connectors.unified.demo_ledger import generate_demo_ledger

        ledger = generate_demo_ledger(today=today, seed=seed, dirty=dirty)
        data = cls()
        for name in ("contact", "invoice", "creditmemo", "payment"):
            for record in getattr(ledger, f"{name}s"):
                data._put(name, record)  # freshly generated and ours: no copy needed
        return data

    def _table(self, object_type: str) -> dict[str, dict]:
        if object_type not in self._objects:
            raise ValueError(f"unknown object type {object_type!r}; one of {OBJECT_TYPES}")
        return self._objects[object_type]

    def add(self, object_type: str, record: Mapping[str, Any]) -> None:
        """Store (or replace) a copy of a record; it must have an id, as Unified.to objects do."""
        self._put(object_type, _clone(dict(record)))

    def _put(self, object_type: str, record: dict) -> None:
        if record.get("id") in (None, ""):
            raise ValueError(f"{object_type} record has no id: {record!r}")
        with self._lock:
            self._table(object_type)[str(record["id"])] = record
            self._listings[object_type].clear()

    def records(self, object_type: str) -> list[dict]:
        """Copies of every record of the type, in insertion order."""
        with self._lock:
            return _clone(list(self._table(object_type).values()))

    def count(self, object_type: str) -> int:
        with self._lock:
            return len(self._table(object_type))

    def select(self, object_type: str, query: ListQuery) -> tuple[list[dict], int]:
        """Copies of one page and the matching total; only the page is copied, not the table."""
        with self._lock:
            matching = self.matching(object_type, query)
            return _clone(matching[query.offset : query.offset + query.limit]), len(matching)

    def matching(self, object_type: str, query: ListQuery) -> list[dict]:
        """The listing's records in order, shared (not copied): the caller must not edit them."""
        with self._lock:
            table, listings = self._table(object_type), self._listings[object_type]
            key = listing_key(query)
            if key not in listings:
                if len(listings) >= MAX_CACHED_LISTINGS:
                    listings.clear()
                listings[key] = matching_records(list(table.values()), query)
            return listings[key]

    def get(self, object_type: str, object_id: str) -> dict | None:
        with self._lock:
            record = self._table(object_type).get(object_id)
            return _clone(record) if record is not None else None

    def update(
        self, object_type: str, object_id: str, changes: dict, *, updated_at: datetime
    ) -> dict:
        """Simulate an upstream edit: apply `changes`, bump `updated_at`; returns the new record."""
        if updated_at.tzinfo is None:
            raise ValueError("updated_at must be timezone-aware")
        with self._lock:
            table = self._table(object_type)
            if object_id not in table:
                raise KeyError(f"no {object_type} with id {object_id!r}")
            table[object_id].update(_clone(changes))
            table[object_id]["updated_at"] = iso_z(updated_at)
            self._listings[object_type].clear()
            return _clone(table[object_id])

    def record_payment(self, request: dict, *, now: datetime) -> dict:
        """Book a payment of `request["invoice_id"]` (sandbox/payments.py); the new record.

        Raises PaymentRequestError (a message) when the request cannot be booked.
        """
        from connectors.unified.sandbox.payments import PaymentRequestError, booked_payment

        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        with self._lock:
            invoice = self._objects["invoice"].get(str(request.get("invoice_id", "")))
            if invoice is None:
                raise PaymentRequestError(f"no invoice with id {request.get('invoice_id')!r}")
            payment_id = str(request.get("id") or f"pay-rec-{self.count('payment') + 1}")
            if payment_id in self._objects["payment"]:
                raise PaymentRequestError(f"a payment with id {payment_id!r} exists")
            payment, changes = booked_payment(invoice, request, payment_id=payment_id, now=now)
            self._put("payment", payment)
            self.update("invoice", invoice["id"], changes, updated_at=now)
            return _clone(payment)

    def find(self, object_type: str, **fields: Any) -> dict | None:
        """The first record whose fields equal `fields` (e.g. invoice_number="1001")."""
        with self._lock:
            for record in self._table(object_type).values():
                if all(record.get(k) == v for k, v in fields.items()):
                    return _clone(record)
        return None

    def delete(self, object_type: str, object_id: str) -> None:
        with self._lock:
            if self._table(object_type).pop(object_id, None) is None:
                raise KeyError(f"no {object_type} with id {object_id!r}")
            self._listings[object_type].clear()
