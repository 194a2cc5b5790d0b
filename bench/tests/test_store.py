"""CompactStore answers every listing exactly as the sandbox's own SandboxData does."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bench.ledger import Row, row, scaled_ledger
from bench.store import CompactStore
from connectors.unified.sandbox import ListQuery, SandboxData

# Ties on updated_at (broken by id), a fractional second, an offset, a record with none.
INVOICES = [
    {"id": "inv-3", "contact_id": "c-1", "updated_at": "2024-03-01T00:00:00Z"},
    {"id": "inv-1", "contact_id": "c-1", "updated_at": "2024-03-01T00:00:00Z"},
    {"id": "inv-2", "contact_id": "c-2", "updated_at": "2024-02-01T00:00:00Z"},
    {"id": "inv-4", "contact_id": "c-2", "updated_at": "2024-04-01T00:00:00.5Z"},
    {"id": "inv-5", "contact_id": "c-1", "updated_at": "2024-05-01T14:30:00+02:00"},
]
UNDATED = {"id": "inv-0", "contact_id": "c-1"}

QUERIES = [
    ListQuery(sort="updated_at"),  # what every sync asks for
    ListQuery(sort="updated_at", limit=2, offset=1),
    ListQuery(sort="updated_at", offset=4),
    ListQuery(sort="updated_at", offset=9),
    ListQuery(sort="updated_at", updated_gte=datetime(2024, 3, 1, tzinfo=UTC)),
    ListQuery(sort="updated_at", updated_gte=datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
    ListQuery(sort="updated_at", updated_gte=datetime(2030, 1, 1, tzinfo=UTC)),
    ListQuery(sort="updated_at", descending=True),
    ListQuery(sort="updated_at", filters=(("contact_id", "c-2"),)),
    ListQuery(sort="created_at"),
    ListQuery(),
]


def _stores(records: list[dict]) -> tuple[SandboxData, CompactStore]:
    compact = CompactStore()
    for record in records:
        compact.add("invoice", record)
    return SandboxData(invoices=records), compact


@pytest.mark.parametrize("query", QUERIES)
def test_every_listing_is_the_sandboxs(query):
    sandbox, compact = _stores(INVOICES)

    assert compact.select("invoice", query) == sandbox.select("invoice", query)


@pytest.mark.parametrize("query", QUERIES[:3])
def test_a_record_without_updated_at_sorts_last_as_in_the_sandbox(query):
    sandbox, compact = _stores([*INVOICES, UNDATED])

    assert compact.select("invoice", query) == sandbox.select("invoice", query)


def test_an_edit_moves_the_record_to_the_end_of_the_listing():
    sandbox, compact = _stores(INVOICES)
    compact.index()
    moment = datetime(2024, 6, 1, tzinfo=UTC)

    changed = compact.update("invoice", "inv-2", {"status": "PAID"}, updated_at=moment)
    sandbox.update("invoice", "inv-2", {"status": "PAID"}, updated_at=moment)

    assert changed == sandbox.get("invoice", "inv-2")
    query = ListQuery(sort="updated_at", updated_gte=moment)
    assert compact.select("invoice", query) == sandbox.select("invoice", query)
    assert compact.select("invoice", QUERIES[0]) == sandbox.select("invoice", QUERIES[0])


def test_generated_rows_are_served_as_generated():
    parts = list(scaled_ledger(documents=300, today=date(2026, 3, 15)))
    compact = CompactStore()
    for part in parts:
        compact.put_rows("invoice", part.invoices)
    rows: list[Row] = [item for part in parts for item in part.invoices]
    sandbox = SandboxData(invoices=[compact.get("invoice", item.id) for item in rows])

    assert compact.count("invoice") == len(rows)
    for query in QUERIES[:7]:
        assert compact.select("invoice", query) == sandbox.select("invoice", query)
    assert row(compact.get("invoice", rows[0].id)).body == rows[0].body
