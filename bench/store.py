"""The sandbox's records kept as compact JSON bytes, so a million documents fit in ~2 GB.

`connectors.unified.sandbox.SandboxData` keeps every record as a Python dict: ~5 GB at 1M
documents. `CompactStore` keeps bytes and decodes only the page asked for. `SandboxServer`
reads its data through `select`, `get` and `update` only, which this class provides with the
same answers (tests/test_store.py checks it against SandboxData).

The listing every sync asks for (no filter, `sort=updated_at`, ascending, optional
`updated_gte`) is served from an index kept sorted as (updated_at, id), as the sandbox sorts
it; any other listing decodes every record and asks the sandbox's own `matching_records`.
"""

from __future__ import annotations

import json
import threading
from bisect import bisect_left, insort
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.ledger import Row
from connectors.unified.sandbox import OBJECT_TYPES, ListQuery, iso_z, matching_records, parse_iso

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def _micros(updated_at: Any) -> int | None:
    """`updated_at` as whole microseconds since 1970, or None where the sandbox sorts it last."""
    if not isinstance(updated_at, str):
        return None
    try:
        return (parse_iso(updated_at) - EPOCH) // MICROSECOND
    except ValueError:
        return None


def _encode(record: dict) -> bytes:
    return json.dumps(record, separators=(",", ":")).encode()


class CompactStore:
    """object type -> id -> (updated_at in µs, JSON bytes), with a sorted listing index."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._rows: dict[str, dict[str, tuple[int | None, bytes]]] = {t: {} for t in OBJECT_TYPES}
        # Per type: [(µs, id)] sorted, for records whose updated_at parses; None = rebuild.
        self._order: dict[str, list[tuple[int, str]] | None] = {t: [] for t in OBJECT_TYPES}
        self._undated: dict[str, int] = dict.fromkeys(OBJECT_TYPES, 0)

    def put_rows(self, object_type: str, rows: list[Row]) -> None:
        """Add generated rows (no copy, no check beyond the id); the index is rebuilt lazily."""
        with self._lock:
            table = self._rows[object_type]
            for item in rows:
                micros = _micros(item.updated_at)
                self._undated[object_type] += micros is None
                table[item.id] = (micros, item.body)
            self._order[object_type] = None

    def add(self, object_type: str, record: dict) -> None:
        if record.get("id") in (None, ""):
            raise ValueError(f"{object_type} record has no id: {record!r}")
        self._store(object_type, str(record["id"]), record)

    def _store(self, object_type: str, object_id: str, record: dict) -> None:
        with self._lock:
            table, order = self._rows[object_type], self._order[object_type]
            old = table.get(object_id)
            micros = _micros(record.get("updated_at"))
            if old is not None:
                self._undated[object_type] -= old[0] is None
                if order is not None and old[0] is not None:
                    order.pop(bisect_left(order, (old[0], object_id)))
            self._undated[object_type] += micros is None
            if order is not None and micros is not None:
                insort(order, (micros, object_id))
            table[object_id] = (micros, _encode(record))

    def _sorted(self, object_type: str) -> list[tuple[int, str]]:
        order = self._order[object_type]
        if order is None:
            rows = self._rows[object_type].items()
            order = sorted((m, i) for i, (m, _) in rows if m is not None)
            self._order[object_type] = order
        return order

    def index(self) -> None:
        """Sort every listing index now, rather than on the first page a sync asks for."""
        with self._lock:
            for object_type in OBJECT_TYPES:
                self._sorted(object_type)

    def count(self, object_type: str) -> int:
        return len(self._rows[object_type])

    def bytes(self) -> int:
        """Σ size of the stored JSON (what the records cost, before Python's overhead)."""
        return sum(len(body) for table in self._rows.values() for _, body in table.values())

    def get(self, object_type: str, object_id: str) -> dict | None:
        with self._lock:
            found = self._rows[object_type].get(object_id)
        return json.loads(found[1]) if found is not None else None

    def records(self, object_type: str) -> list[dict]:
        with self._lock:
            return [json.loads(body) for _, body in self._rows[object_type].values()]

    def update(
        self, object_type: str, object_id: str, changes: dict, *, updated_at: datetime
    ) -> dict:
        """Simulate an upstream edit: apply `changes`, bump `updated_at`; returns the new record."""
        if updated_at.tzinfo is None:
            raise ValueError("updated_at must be timezone-aware")
        with self._lock:
            record = self.get(object_type, object_id)
            if record is None:
                raise KeyError(f"no {object_type} with id {object_id!r}")
            record.update(json.loads(json.dumps(changes)))
            record["updated_at"] = iso_z(updated_at)
            self._store(object_type, object_id, record)
            return record

    def select(self, object_type: str, query: ListQuery) -> tuple[list[dict], int]:
        """One page and the matching total, as SandboxData.select answers them."""
        with self._lock:
            if query.filters or query.sort != "updated_at" or query.descending:
                return self._select_slowly(object_type, query)
            if self._undated[object_type]:
                return self._select_slowly(object_type, query)
            order = self._sorted(object_type)
            start = 0
            if query.updated_gte is not None:
                start = bisect_left(order, ((query.updated_gte - EPOCH) // MICROSECOND, ""))
            ids = [i for _, i in order[start + query.offset : start + query.offset + query.limit]]
            table = self._rows[object_type]
            bodies = [table[i][1] for i in ids]
            total = len(order) - start
        return [json.loads(body) for body in bodies], total

    def _select_slowly(self, object_type: str, query: ListQuery) -> tuple[list[dict], int]:
        matching = matching_records(self.records(object_type), query)
        return matching[query.offset : query.offset + query.limit], len(matching)
