"""The load of what a sync staged (StagedRecord), batch by batch, in one transaction.

`ledger_validate_staged` validates the staged records (the `ledger_validated` step's report);
`ledger_load_staged` loads them in two passes over the staging: first the rows of every record
(contacts, documents, payments), then, with every document and payment stored, the
allocations each record states. Memory holds one batch (BATCH records), whatever the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from django.db import transaction

from ar_dashboard.models import Allocation, Company, Customer, Invoice, Payment
from ar_dashboard.services import staging
from ar_dashboard.services.allocations import ANALYZE_THRESHOLD
from ar_dashboard.services.ledger_deletions import (
    DOCUMENT_OBJECTS,
    Deleted,
    mark_missing_deleted,
    missing_from_staging,
)
from ar_dashboard.services.ledger_load import (
    AnalyzeAsItGrows,
    analyze_ledger,
    load_allocations,
    load_begin,
    load_rows,
)
from ar_dashboard.services.ledger_parse import (
    MAX_FINDINGS,
    ExtractBatch,
    ParsedBatch,
    batch_merge,
    ledger_parse,
)
from connectors.unified.records import SYNC_OBJECTS


def _staged_batches(
    sync_log_id: int, objects: tuple[str, ...] = SYNC_OBJECTS
) -> Iterator[tuple[ParsedBatch, dict[str, list[int]]]]:
    """Each staged batch parsed (its findings dropped: validation reported them), with the
    staged row ids of each record id."""
    for obj in objects:
        for page in staging.staged_records(sync_log_id=sync_log_id, obj=obj):
            batch = ledger_parse(batch=ExtractBatch(**{obj: [raw for _, raw in page]}))
            if obj == "invoices":
                shadowed_memos_drop(batch, sync_log_id)
            batch.counts, batch.rejected, batch.warnings = {}, [], []
            rows: dict[str, list[int]] = defaultdict(list)
            for pk, raw in page:
                rows[staging.raw_id(raw)].append(pk)
            yield batch, rows


def ledger_validate_staged(*, sync_log_id: int) -> tuple[ParsedBatch, int]:
    """Validate what the sync staged, batch by batch: a report without records (counts,
    rejected records, warnings, newest updates) and the number of valid documents."""
    report, documents = ParsedBatch(), 0
    for obj in SYNC_OBJECTS:
        for page in staging.staged_records(sync_log_id=sync_log_id, obj=obj):
            batch = ledger_parse(batch=ExtractBatch(**{obj: [raw for _, raw in page]}))
            if obj == "invoices":
                shadowed_memos_drop(batch, sync_log_id)
            documents += len(batch.documents)
            batch_merge(report, batch)
    return report, documents


def shadowed_memos_drop(batch: ParsedBatch, sync_log_id: int) -> None:
    """Drop credit memos the invoice listing served that the memo listing also served: the
    memo endpoint carries the applications, so its version wins (as `ledger_parse` does)."""
    memos = [d.id for d in batch.documents if d.doc_type == Invoice.DocType.CREDITMEMO]
    if memos:
        listed = staging.staged_ids(sync_log_id=sync_log_id, objects=("creditmemos",), ids=memos)
        batch.documents = [d for d in batch.documents if d.id not in listed]


def _records(batch: ParsedBatch) -> list:
    return [*batch.contacts, *batch.documents, *batch.payments]


@transaction.atomic
def ledger_load_staged(
    *,
    company: Company,
    sync_log_id: int,
    report: ParsedBatch,
    full: bool = False,
    listed_since: datetime | None = None,
) -> ParsedBatch:
    """Load what the sync staged, batch by batch, in one transaction; `report` (validation's)
    gets the load's counts, warnings and `delta`."""
    ctx = load_begin(company, report, full=full, listed_since=listed_since)
    loaded, growth = 0, AnalyzeAsItGrows((Customer, Invoice, Payment))
    for batch, staged_rows in _staged_batches(sync_log_id):
        before = {r.id for r in _records(batch)}
        load_rows(ctx, batch)
        unchanged = before - {r.id for r in _records(batch)}
        # The second pass reads the staging again: what was unchanged is not restated.
        staging.staged_drop(ids=[pk for i in unchanged for pk in staged_rows[i]])
        batch_merge(report, batch)
        loaded += len(batch.documents) + len(batch.payments)
        growth.add(len(_records(batch)))  # later batches look rows up in what this one wrote
    if loaded >= ANALYZE_THRESHOLD:
        analyze_ledger(written=loaded)
    deleted = Deleted()
    if full:
        deleted = mark_missing_deleted(
            company=company,
            parsed=report,
            missing=missing_from_staging(company, sync_log_id),
            anything_listed=staging.staged_count(
                sync_log_id=sync_log_id, objects=DOCUMENT_OBJECTS + ("payments",)
            )
            > 0,
            listed_since=listed_since,
            changes=ctx.changes,
        )
    load_allocations(ctx, ParsedBatch(), deleted)
    growth = AnalyzeAsItGrows((Allocation,))
    for batch, _ in _staged_batches(sync_log_id, SYNC_OBJECTS[1:]):  # contacts state none
        load_allocations(ctx, batch, Deleted(), in_batches=True)
        growth.add(len(batch.documents) + len(batch.payments))
    del report.warnings[MAX_FINDINGS:]
    report.delta = ctx.changes.result()
    return report
