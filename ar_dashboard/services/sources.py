"""The source records as Unified.to sent them (SourceRecord), and what did not change.

Every loaded record's raw JSON is kept in one narrow side table, keyed by object type and id,
with the SHA-256 of its canonical form. An incremental sync re-reads some records by design
(the cursor overlap, a held watermark): those whose hash is unchanged are dropped from the batch
before anything is written, so re-reading costs a hash lookup, not a restatement. A full sync
restates everything it lists (it is the daily self-check), so nothing is skipped there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from ar_dashboard.models import Company, SourceRecord

BATCH = 1000


def canonical_json(raw: dict) -> str:
    """The record as compact JSON with sorted keys: what is hashed, and what is stored."""
    return json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str)


def content_hash(raw: dict) -> str:
    """SHA-256 of the record's canonical JSON (sorted keys, compact): equal data, equal hash."""
    return hashlib.sha256(canonical_json(raw).encode("utf-8")).hexdigest()


def _stored_hashes(company: Company, object_type: str, ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(ids), BATCH):
        found.update(
            SourceRecord.objects.filter(
                company=company, object_type=object_type, external_id__in=ids[start : start + BATCH]
            ).values_list("external_id", "content_hash")
        )
    return found


def _keep_changed(company: Company, object_type_of, records: list, parsed, obj: str) -> list:
    """The records whose content differs from what is stored (all of them if none is)."""
    hashes = {id(r): content_hash(r.raw) for r in records}
    by_type: dict[str, list] = {}
    for record in records:
        by_type.setdefault(object_type_of(record), []).append(record)
    kept = []
    for object_type, group in by_type.items():
        stored = _stored_hashes(company, object_type, [r.id for r in group])
        kept += [r for r in group if stored.get(r.id) != hashes[id(r)]]
    if len(kept) < len(records):
        parsed.count(obj, "unchanged", len(records) - len(kept))
    return kept


def _document_type(doc) -> str:
    return doc.doc_type.lower()


def _rows(company: Company, object_type_of, records: Iterable, now) -> list[tuple]:
    rows = []
    for r in records:
        text = canonical_json(r.raw)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        rows.append((company.pk, object_type_of(r), r.id, digest, text, now))
    return rows


def _upsert(rows: list[tuple]) -> None:
    """INSERT … ON CONFLICT DO UPDATE, batched by the driver (psycopg pipelines executemany).

    Written as SQL rather than bulk_create: the JSON is already serialised for its hash, and the
    ORM's per-value preparation cost more than the database's work for these wide rows.
    """
    table = connection.ops.quote_name(SourceRecord._meta.db_table)
    raw = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    # Only our own quoted table name and a fixed placeholder are interpolated; values are params.
    sql = (
        f"INSERT INTO {table} (company_id, object_type, external_id, content_hash, raw, "  # noqa: S608
        f"received_at) VALUES (%s, %s, %s, %s, {raw}, %s) "
        "ON CONFLICT (company_id, object_type, external_id) DO UPDATE SET "
        "content_hash = EXCLUDED.content_hash, raw = EXCLUDED.raw, "
        "received_at = EXCLUDED.received_at"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def sources_store(*, company: Company, parsed, skip_unchanged: bool) -> None:
    """Upsert the batch's raw records; with `skip_unchanged`, first drop the unchanged ones
    from `parsed` (contacts, documents, payments) so the load does not restate them."""
    kinds = [
        ("contacts", "contacts", lambda r: "contact"),
        ("documents", "documents", _document_type),
        ("payments", "payments", lambda r: "payment"),
    ]
    rows: list[tuple] = []
    now = timezone.now()
    for attribute, obj, object_type_of in kinds:
        records = getattr(parsed, attribute)
        if skip_unchanged and records:
            records = _keep_changed(company, object_type_of, records, parsed, obj)
            setattr(parsed, attribute, records)
        rows += _rows(company, object_type_of, records, now)
    _upsert(rows)
