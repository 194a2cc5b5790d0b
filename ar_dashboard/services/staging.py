"""The extract's pages kept in the database (StagedRecord) until the load has read them.

The extract writes each page here as it arrives and keeps only counts and the newest
`updated_at`; validation and the load read the records back in batches of BATCH, in the order
they came. So the pipeline's memory holds a batch, never the ledger, and the Dagster steps pass
small descriptors (`StageReport`) instead of lists of records.

The rows are written outside the load's transaction (a failed load must not lose what was
fetched before the failure is logged) and belong to their sync log: `staging_clear` drops them
when the sync finishes, and `sync_log_start` drops what a dead sync left.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from ar_dashboard.models import StagedRecord
from ar_dashboard.services import bulk
from connectors.unified.records import SYNC_OBJECTS, RecordError, parse_timestamp

BATCH = 2000
COLUMNS = ("sync_log_id", "object_type", "external_id", "raw")


@dataclass(frozen=True)
class StageReport:
    """What one listing staged: its record count and newest `updated_at` (None if none)."""

    obj: str
    records: int
    latest_update: datetime | None


def raw_id(raw: object) -> str:
    """The record's id as text, '' when it has none (such a record is rejected by validation)."""
    if not isinstance(raw, dict) or raw.get("id") is None:
        return ""
    return str(raw["id"]).strip()


def _updated_at(raw: object) -> datetime | None:
    try:
        return parse_timestamp(raw, "updated_at") if isinstance(raw, dict) else None
    except RecordError:
        return None  # that record is rejected at validation; it moves no watermark


def records_stage(*, sync_log_id: int, obj: str, records: Iterable[dict]) -> StageReport:
    """Write a listing's records to the staging table as they come, BATCH at a time."""
    StagedRecord.objects.filter(sync_log_id=sync_log_id, object_type=obj).delete()  # a retry
    count, latest = 0, None
    iterator = iter(records)
    while batch := list(islice(iterator, BATCH)):
        rows = []
        for raw in batch:
            rows.append((sync_log_id, obj, raw_id(raw)[:200], json.dumps(raw, default=str)))
            moment = _updated_at(raw)
            if moment is not None and (latest is None or moment > latest):
                latest = moment
        count += bulk.rows_insert(StagedRecord, COLUMNS, rows)
    return StageReport(obj, count, latest)


def staged_records(
    *, sync_log_id: int, obj: str, size: int = BATCH
) -> Iterator[list[tuple[int, dict]]]:
    """(row id, record) of one listing in the order they were fetched, `size` at a time."""
    after = 0
    while True:
        page = list(
            StagedRecord.objects.filter(sync_log_id=sync_log_id, object_type=obj, id__gt=after)
            .order_by("id")
            .values_list("id", "raw")[:size]
        )
        if not page:
            return
        after = page[-1][0]
        yield [(pk, json.loads(raw)) for pk, raw in page]


def staged_ids(*, sync_log_id: int, objects: Iterable[str], ids: Iterable[str]) -> set[str]:
    """Which of `ids` a listing of `objects` returned (rejected records included)."""
    found: set[str] = set()
    ids = list(ids)
    for start in range(0, len(ids), BATCH):
        found.update(
            StagedRecord.objects.filter(
                sync_log_id=sync_log_id,
                object_type__in=list(objects),
                external_id__any_of=ids[start : start + BATCH],
            ).values_list("external_id", flat=True)
        )
    return found


def staged_count(*, sync_log_id: int, objects: Iterable[str] = SYNC_OBJECTS) -> int:
    return StagedRecord.objects.filter(sync_log_id=sync_log_id, object_type__in=objects).count()


def staged_drop(*, ids: list[int]) -> None:
    """Drop staged rows by id (records the load found unchanged: the second pass skips them)."""
    for start in range(0, len(ids), BATCH):
        StagedRecord.objects.filter(id__any_of=ids[start : start + BATCH]).delete()


def staging_clear(*, sync_log_id: int) -> None:
    """Drop what a sync staged (done when its log is finished, or reaped)."""
    StagedRecord.objects.filter(sync_log_id=sync_log_id).delete()
