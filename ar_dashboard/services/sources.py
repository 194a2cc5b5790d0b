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

from django.utils import timezone

from ar_dashboard.models import Company, SourceRecord
from ar_dashboard.services import bulk

BATCH = 1000
COLUMNS = ("company_id", "object_type", "external_id", "content_hash", "raw", "received_at")


def canonical_json(raw: dict) -> str:
    """The record as compact JSON with sorted keys: what is hashed, and what is stored."""
    return json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str)


def content_hash(raw: dict) -> str:
    """SHA-256 of the record's canonical JSON (sorted keys, compact): equal data, equal hash."""
    return _digest(canonical_json(raw))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _stored_hashes(company: Company, object_type: str, ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(ids), BATCH):
        found.update(
            SourceRecord.objects.filter(
                company=company,
                object_type=object_type,
                external_id__any_of=ids[start : start + BATCH],
            ).values_list("external_id", "content_hash")
        )
    return found


def _document_type(doc) -> str:
    return doc.doc_type.lower()


KINDS = (
    ("contacts", "contacts", lambda r: "contact"),
    ("documents", "documents", _document_type),
    ("payments", "payments", lambda r: "payment"),
)


def sources_store(*, company: Company, parsed, skip_unchanged: bool, report=None) -> None:
    """Upsert the batch's raw records; with `skip_unchanged`, first drop the unchanged ones
    from `parsed` (contacts, documents, payments) so the load does not restate them.

    Unchanged records are counted on `report` (default: `parsed`), as `<object> unchanged`.
    """
    report = report if report is not None else parsed
    rows: list[tuple] = []
    now = timezone.now()
    for attribute, obj, object_type_of in KINDS:
        records = getattr(parsed, attribute)
        texts = {r.id: canonical_json(r.raw) for r in records}  # one version per id in a batch
        digests = {record_id: _digest(text) for record_id, text in texts.items()}
        if skip_unchanged and records:
            kept = []
            by_type: dict[str, list] = {}
            for record in records:
                by_type.setdefault(object_type_of(record), []).append(record)
            for object_type, group in by_type.items():
                stored = _stored_hashes(company, object_type, [r.id for r in group])
                kept += [r for r in group if stored.get(r.id) != digests[r.id]]
            if len(kept) < len(records):
                report.count(obj, "unchanged", len(records) - len(kept))
            records = kept
            setattr(parsed, attribute, records)
        rows += [
            (
                company.pk,
                object_type_of(r),
                r.id,
                digests[r.id],
                bulk.JsonText(texts[r.id]),
                now,
            )
            for r in records
        ]
    bulk.rows_upsert(
        SourceRecord,
        COLUMNS,
        list({(row[1], row[2]): row for row in rows}.values()),
        unique=("company", "object_type", "external_id"),
        update=("content_hash", "raw", "received_at"),
    )
