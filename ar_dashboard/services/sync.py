"""One company's sync, step by step: extract → validate → load → summarize, with a SyncLog.

The Dagster assets (etl/assets.py) call these steps, one per asset; `sync_ar` runs that same
job in-process, so there is one orchestration, Dagster's.

The load (ledger + watermarks) is one transaction: a failure anywhere leaves yesterday's ledger
and cursors untouched, and the SyncLog (written outside that transaction) says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from ar_dashboard.models import Company, SyncCursor, SyncLog
from ar_dashboard.services.ledger_load import (
    ExtractBatch,
    ParsedBatch,
    ledger_load,
)
from ar_dashboard.services.summaries import (
    ar_snapshot_record,
    ar_snapshots_backfill,
    ar_summary_rebuild,
)
from connectors.unified.client import UnifiedClient
from connectors.unified.records import SYNC_OBJECTS, RecordError, parse_timestamp

logger = logging.getLogger(__name__)
MAX_LOGGED_ITEMS = 1000  # rejected / warning entries kept per sync log


def company_for_connection(*, connection_id: str, name: str | None = None) -> Company:
    """The company of a Unified.to connection, created on first sync."""
    company, created = Company.objects.get_or_create(
        unified_connection_id=connection_id,
        defaults={"name": name or f"QuickBooks {connection_id}"},
    )
    if name and not created and company.name != name:
        company.name = name
        company.save(update_fields=["name", "updated_at"])
    return company


def sync_log_start(
    *, company: Company, trigger: str, full: bool, sync_log_id: int | None = None
) -> SyncLog:
    """Claim a queued log (webhook) or open a new one, marked running."""
    log = None
    if sync_log_id is not None:
        log = SyncLog.objects.filter(pk=sync_log_id, company=company).first()
    if log is None:
        log = SyncLog(company=company, trigger=trigger, full_sync=full)
    log.status = SyncLog.Status.RUNNING
    log.started_at = timezone.now()
    log.full_sync = full
    log.save()
    return log


def sync_log_progress(log: SyncLog, message: str) -> None:
    SyncLog.objects.filter(pk=log.pk).update(progress=message[:200])
    log.progress = message[:200]


def sync_log_finish(log: SyncLog, parsed: ParsedBatch | None = None, error: str = "") -> SyncLog:
    if parsed is not None:
        log.counts = parsed.counts
        log.rejected = parsed.rejected[:MAX_LOGGED_ITEMS]
        log.warnings = parsed.warnings[:MAX_LOGGED_ITEMS]
    if error:
        log.status = SyncLog.Status.FAILED
        log.error = error
    else:
        log.status = SyncLog.Status.PARTIAL if log.rejected else SyncLog.Status.SUCCESS
    log.finished_at = timezone.now()
    log.progress = "failed" if error else "done"
    log.save()
    return log


def cursors_for(company: Company, *, full: bool) -> dict[str, datetime | None]:
    """The `updated_gte` to ask each object from; None for a full sync or a first one.

    That is the stored watermark less UNIFIED_CURSOR_OVERLAP_SECONDS: a record edited while the
    last sync paged can shift another behind the offset, unseen, with an `updated_at` older
    than the newest one seen. Re-reading the window is harmless, the load being idempotent.
    """
    from datetime import timedelta

    from django.conf import settings

    if full:
        return dict.fromkeys(SYNC_OBJECTS)
    overlap = timedelta(seconds=settings.UNIFIED_CURSOR_OVERLAP_SECONDS)
    stored = dict(
        SyncCursor.objects.filter(company=company).values_list("object_type", "updated_gte")
    )
    return {
        obj: stored[obj] - overlap if stored.get(obj) is not None else None for obj in SYNC_OBJECTS
    }


def extract_object(
    client: UnifiedClient, company: Company, obj: str, updated_gte: datetime | None
) -> list[dict]:
    """Every record of one object type changed since `updated_gte` (all pages)."""
    listing: dict[str, Callable[..., Iterator[dict]]] = {
        "contacts": client.list_contacts,
        "invoices": client.list_invoices,
        "creditmemos": client.list_creditmemos,
        "payments": client.list_payments,
    }
    return list(listing[obj](company.unified_connection_id, updated_gte=updated_gte))


def _max_updated(raws: list) -> datetime | None:
    latest = None
    for raw in raws:
        if not isinstance(raw, dict):
            continue
        try:
            moment = parse_timestamp(raw, "updated_at")
        except RecordError:
            continue  # that record is rejected at validation; it moves no watermark
        if moment and (latest is None or moment > latest):
            latest = moment
    return latest


def cursors_advance(company: Company, batch: ExtractBatch) -> None:
    """Move each watermark to the newest `updated_at` seen (re-read inclusively next time)."""
    for obj in SYNC_OBJECTS:
        latest = _max_updated(getattr(batch, obj))
        if latest is None:
            continue
        cursor = SyncCursor.objects.filter(company=company, object_type=obj).first()
        if cursor is None:
            SyncCursor.objects.create(company=company, object_type=obj, updated_gte=latest)
        elif latest > cursor.updated_gte:
            cursor.updated_gte = latest
            cursor.save(update_fields=["updated_gte"])


def ledger_commit(
    *, company: Company, batch: ExtractBatch, parsed: ParsedBatch, full: bool
) -> ParsedBatch:
    """Load the batch and advance the watermarks in one transaction."""
    with transaction.atomic():
        ledger_load(company=company, parsed=parsed, full=full)
        cursors_advance(company, batch)
    return parsed


def summaries_refresh(*, company: Company, today: date, first_sync: bool) -> dict[str, int]:
    """Rebuild the per-customer summary and today's snapshot (past month-ends on first sync)."""
    counts = {"summaries": ar_summary_rebuild(company=company, as_of=today, today=today)}
    counts["snapshots"] = len(ar_snapshot_record(company=company, as_of=today, today=today))
    if first_sync:
        counts["snapshots"] += ar_snapshots_backfill(company=company, today=today)
    return counts
