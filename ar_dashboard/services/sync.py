"""One company's sync, step by step: extract → validate → load → summarize, with a SyncLog.

The sync's steps (etl/steps.py) call these services; the Dagster assets wrap those steps, and
`sync_ar` runs the same steps without Dagster (etl/runner.py), so there is one code path.

The load (ledger + watermarks) is one transaction: a failure anywhere leaves yesterday's ledger
and cursors untouched, and the SyncLog (written outside that transaction) says why.

One sync per company at a time: its RUNNING SyncLog is the lock (the partial unique constraint
`synclog_one_running`, which PostgreSQL and SQLite both enforce). A running sync keeps the lock
alive with a heartbeat; one silent for longer than SYNC_LEASE_SECONDS died and is reaped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from ar_dashboard import summary_reads
from ar_dashboard.models import ARSummary, Company, StagedRecord, SyncCursor, SyncLog
from ar_dashboard.services import staging, summaries
from ar_dashboard.services.ledger_load import (
    EDIT_MARGIN,
    ExtractBatch,
    ParsedBatch,
    ledger_load,
)
from ar_dashboard.services.ledger_staged import ledger_load_staged
from ar_dashboard.services.load_delta import LoadDelta
from ar_dashboard.services.sync_failures import DETAIL
from connectors.unified.client import UnifiedClient
from connectors.unified.records import SYNC_OBJECTS, RecordError, parse_timestamp

logger = logging.getLogger(__name__)
MAX_LOGGED_ITEMS = 1000  # rejected / warning entries kept per sync log
HEARTBEAT_JOIN_SECONDS = 10.0  # how long a finished step waits for a beat in flight


class SyncAlreadyRunning(Exception):
    """Another sync of the company holds the lock (a RUNNING SyncLog): this one does not start."""

    def __init__(self, *, company: Company, running: SyncLog) -> None:
        self.company, self.running = company, running
        since = moment_display(running.started_at or running.requested_at)
        super().__init__(
            f"a sync of {company} is already running since {since} (sync log {running.pk})"
        )


def moment_display(moment: datetime) -> str:
    """A timestamp as sync logs and `sync_ar` show it: UTC, to the second."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def company_for_connection(*, connection_id: str, name: str | None = None) -> Company:
    """The company of a Unified.to connection, created on first sync (validated like a form)."""
    name = (name or "")[:200]
    company = Company.objects.filter(unified_connection_id=connection_id).first()
    if company is None:
        company = Company(
            unified_connection_id=connection_id, name=name or f"QuickBooks {connection_id}"[:200]
        )
        company.full_clean()
        company.save()
    elif name and company.name != name:
        company.name = name
        company.full_clean()
        company.save(update_fields=["name", "updated_at"])
    return company


def sync_log_start(
    *,
    company: Company,
    trigger: str,
    full: bool,
    sync_log_id: int | None = None,
    run_id: str = "",
) -> SyncLog:
    """The sync's log, marked RUNNING: the queued one (webhook) claimed, else a new one.

    Raises SyncAlreadyRunning while another sync of the company runs; that sync and its log are
    left alone, no log is opened for the refused one, and a queued log stays queued (with a note)
    for a later run. A running log whose process died is reaped first, so it blocks nobody.
    """
    sync_logs_reap(company=company)
    # What syncs that no longer run staged (a killed process finishes nothing).
    StagedRecord.objects.filter(sync_log__company=company).exclude(
        sync_log__status=SyncLog.Status.RUNNING
    ).delete()
    for attempt in range(2):
        try:
            return _sync_log_claim(
                company=company, trigger=trigger, full=full, sync_log_id=sync_log_id, run_id=run_id
            )
        except IntegrityError:
            running = SyncLog.objects.filter(company=company, status=SyncLog.Status.RUNNING).first()
            if running is not None:
                break
            if attempt:
                raise  # no sync is running: some other constraint failed
            # else the running sync finished between the claim and this read: claim again
    refusal = SyncAlreadyRunning(company=company, running=running)
    if sync_log_id is not None:
        # The refused run's id on the queued log gives the sensor's retry a new run key.
        SyncLog.objects.filter(
            pk=sync_log_id, company=company, status=SyncLog.Status.QUEUED
        ).update(progress=f"waiting: {refusal}"[:200], run_id=run_id)
    raise refusal


def _sync_log_claim(
    *, company: Company, trigger: str, full: bool, sync_log_id: int | None, run_id: str
) -> SyncLog:
    """Mark the queued log RUNNING, or create a RUNNING one; IntegrityError while one runs."""
    now = timezone.now()
    fields = {
        "status": SyncLog.Status.RUNNING,
        "started_at": now,
        "heartbeat_at": now,
        "full_sync": full,
        "run_id": run_id,
    }
    # A savepoint: the constraint's IntegrityError leaves the caller's transaction usable.
    with transaction.atomic():
        queued = SyncLog.objects.filter(
            pk=sync_log_id, company=company, status=SyncLog.Status.QUEUED
        )
        if sync_log_id is not None and queued.update(**fields):
            return SyncLog.objects.get(pk=sync_log_id)
        return SyncLog.objects.create(company=company, trigger=trigger, **fields)


def _silent_since(cutoff: datetime) -> Q:
    """Running logs whose last sign of life (heartbeat, else start, else request) is before."""
    return (
        Q(heartbeat_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True, requested_at__lt=cutoff)
    )


def sync_logs_reap(*, company: Company | None = None) -> list[SyncLog]:
    """Mark FAILED each RUNNING log silent for longer than the lease (its process died).

    Returns the logs reaped. The Dagster run sensors close the logs of runs Dagster saw fail or
    cancelled; this catches the rest (a killed `sync_ar`, a lost worker, a host restart).
    """
    now = timezone.now()
    stale = _silent_since(now - timedelta(seconds=settings.SYNC_LEASE_SECONDS))
    candidates = SyncLog.objects.filter(stale, status=SyncLog.Status.RUNNING)
    if company is not None:
        candidates = candidates.filter(company=company)
    reaped = []
    for log in candidates.select_related("company").order_by("pk"):
        last_seen = log.heartbeat_at or log.started_at or log.requested_at
        error = reaped_message(last_seen)
        fields = {"status": SyncLog.Status.FAILED, "error": error, "progress": "failed"}
        # Still silent and running at the write: a beat since the read keeps the sync alive.
        if SyncLog.objects.filter(stale, pk=log.pk, status=SyncLog.Status.RUNNING).update(
            **fields, finished_at=now
        ):
            for name, value in {**fields, "finished_at": now}.items():
                setattr(log, name, value)
            logger.warning("sync log %s of %s reaped: %s", log.pk, log.company, error)
            reaped.append(log)
    return reaped


def reaped_message(last_seen: datetime) -> str:
    """The error of a sync whose process died: in plain words, then the detail."""
    return (
        "The sync stopped without finishing: its process was stopped or crashed. Whatever it "
        "had not committed was discarded and the figures are those of the last good sync; the "
        f"next sync starts over.{DETAIL}no heartbeat since {moment_display(last_seen)}: "
        "the sync process died"
    )


def sync_log_heartbeat(log_id: int) -> int:
    """Renew a running log's lease now; rows changed (0 once it no longer runs)."""
    return SyncLog.objects.filter(pk=log_id, status=SyncLog.Status.RUNNING).update(
        heartbeat_at=timezone.now()
    )


@contextmanager
def sync_log_heartbeats(log_id: int) -> Iterator[None]:
    """Renew the log's lease every SYNC_HEARTBEAT_SECONDS from a thread while the block runs.

    One step can spend minutes in a single listing or load without touching its log; without
    beats the lease would run out and a live sync be reaped. The thread has its own database
    connection, so on PostgreSQL it cannot see a log created in an open transaction (it then
    renews nothing, harmlessly), and on SQLite it may find the file locked by the load: a failed
    beat is logged and tried again at the next interval, never raised into the sync.
    """
    stop = threading.Event()
    thread = threading.Thread(
        target=_beat,
        args=(log_id, float(settings.SYNC_HEARTBEAT_SECONDS), stop),
        name=f"sync-heartbeat-{log_id}",
        daemon=True,
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=HEARTBEAT_JOIN_SECONDS)


def _beat(log_id: int, interval: float, stop: threading.Event) -> None:
    try:
        while not stop.wait(interval):
            try:
                sync_log_heartbeat(log_id)
            except Exception as exc:  # a lost beat must never break the sync it guards
                logger.warning("heartbeat of sync log %s failed: %s", log_id, exc)
    finally:
        try:
            connection.close()  # this thread's own connection
        except Exception:  # nor a connection that will not close
            logger.warning("closing the heartbeat connection failed", exc_info=True)


def sync_log_progress(log: SyncLog, message: str) -> None:
    """Show the current step; a sign of life too, so it renews the lease."""
    now = timezone.now()
    SyncLog.objects.filter(pk=log.pk).update(progress=message[:200], heartbeat_at=now)
    log.progress, log.heartbeat_at = message[:200], now


def sync_log_record_counts(
    log: SyncLog, counts: dict[str, dict[str, int]], rejected: list | None = None
) -> None:
    """Merge counts so far (fetched per object, then validated, then loaded) into a running
    log, for the progress page; rejected records too once validation has listed them.

    The steps of a run execute one after the other in one process, so read-modify-write of
    the JSON is safe; `sync_log_finish` writes the final counts over these.
    """
    merged = {obj: dict(numbers) for obj, numbers in log.counts.items()}
    for obj, numbers in counts.items():
        if isinstance(numbers, dict):
            merged.setdefault(obj, {}).update(numbers)
    fields = {"counts": merged, "heartbeat_at": timezone.now()}
    if rejected is not None:
        fields["rejected"] = rejected[:MAX_LOGGED_ITEMS]
    SyncLog.objects.filter(pk=log.pk, status=SyncLog.Status.RUNNING).update(**fields)
    for name, value in fields.items():
        setattr(log, name, value)


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
    staging.staging_clear(sync_log_id=log.pk)
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
) -> Iterator[dict]:
    """Every record of one object type changed since `updated_gte`, page after page."""
    listing: dict[str, Callable[..., Iterator[dict]]] = {
        "contacts": client.list_contacts,
        "invoices": client.list_invoices,
        "creditmemos": client.list_creditmemos,
        "payments": client.list_payments,
    }
    return listing[obj](company.unified_connection_id, updated_gte=updated_gte)


def extract_stage(
    client: UnifiedClient,
    company: Company,
    obj: str,
    updated_gte: datetime | None,
    *,
    sync_log_id: int,
) -> staging.StageReport:
    """List one object type into the sync's staging table, a batch at a time (not in memory)."""
    records = extract_object(client, company, obj, updated_gte)
    return staging.records_stage(sync_log_id=sync_log_id, obj=obj, records=records)


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


def cursors_advance(
    company: Company, batch: ExtractBatch, listed_since: datetime | None = None
) -> None:
    """Move each watermark to the newest `updated_at` seen (re-read inclusively next time).

    Not when a record was edited while its listing was paged (an `updated_at` at or after
    `listed_since`, less the clock margin): with offset paging that edit can shift another
    record of the listing behind the offset, and that record's `updated_at` is anywhere after
    the old watermark. Holding the watermark re-reads the window next time; the load is
    idempotent, and the first quiet sync moves it on.
    """
    latest = {obj: _max_updated(getattr(batch, obj)) for obj in SYNC_OBJECTS}
    cursors_move(company, latest, listed_since)


def cursors_move(
    company: Company, latest_updates: dict[str, datetime | None], listed_since: datetime | None
) -> None:
    """`cursors_advance` given the newest `updated_at` of each listing (None: it was empty)."""
    for obj in SYNC_OBJECTS:
        latest = latest_updates.get(obj)
        if latest is None:
            continue
        if listed_since is not None and latest >= listed_since - EDIT_MARGIN:
            logger.info("%s: %s edited during the listing; watermark held", company, obj)
            continue
        cursor = SyncCursor.objects.filter(company=company, object_type=obj).first()
        if cursor is None:
            SyncCursor.objects.create(company=company, object_type=obj, updated_gte=latest)
        elif latest > cursor.updated_gte:
            cursor.updated_gte = latest
            cursor.save(update_fields=["updated_gte"])


class SyncLeaseLost(Exception):
    """The sync's log is no longer running (reaped while this process was stalled)."""


def ledger_commit(
    *,
    company: Company,
    parsed: ParsedBatch,
    full: bool,
    batch: ExtractBatch | None = None,
    latest_updates: dict[str, datetime | None] | None = None,
    listed_since: datetime | None = None,
    sync_log_id: int | None = None,
    today: date | None = None,
) -> ParsedBatch:
    """Load the batch, advance the watermarks and (given `today`) bring the stored summaries
    to the new ledger version in one transaction, so they are never out of step with it.

    Without `batch`, the records are read from the staging of `sync_log_id` (`parsed` is then
    validation's report, without records) and `latest_updates` moves the watermarks. The load
    sets `parsed.delta`: the customers and the earliest date it changed.

    With `sync_log_id`, the load is refused when that log no longer runs (a process stalled
    past its lease, and reaped, so another sync may be running, must not commit a load over the
    newer one): checked before loading, and again at the end of the transaction, where the log's
    row is locked and its lease renewed just before the commit. The row is not locked while the
    load runs, so the heartbeat thread (its own connection, autocommit) keeps renewing the lease
    and a progress read sees it move; a reaper can only take the log while it is silent, and
    then the final check refuses the commit. (On SQLite one writer excludes the others: the
    beats wait or fail until the commit, and the renewal in the transaction keeps the lease.)
    """
    with transaction.atomic():
        if sync_log_id is not None:
            _lease_held(sync_log_id, lock=False)
        company.refresh_from_db(fields=["ledger_version"])
        previous_version = company.ledger_version
        if batch is not None:
            ledger_load(company=company, parsed=parsed, full=full, listed_since=listed_since)
            cursors_advance(company, batch, listed_since)
        else:
            ledger_load_staged(
                company=company,
                sync_log_id=sync_log_id,
                report=parsed,
                full=full,
                listed_since=listed_since,
            )
            cursors_move(company, latest_updates or {}, listed_since)
        parsed.counts["delta"] = delta_counts(parsed.delta)
        if today is not None:
            parsed.counts["summary"] = summaries.summaries_refresh(
                company=company,
                today=today,
                delta=parsed.delta or LoadDelta.everything(),
                previous_version=previous_version,
            )
        if sync_log_id is not None:
            _lease_held(sync_log_id, lock=True)
    return parsed


def _lease_held(sync_log_id: int, *, lock: bool) -> None:
    """Raise SyncLeaseLost unless the log still runs; with `lock`, lock its row until the
    transaction ends and renew its lease (the load commits as a live sync)."""
    owned = SyncLog.objects.filter(pk=sync_log_id, status=SyncLog.Status.RUNNING)
    if lock:
        owned = owned.select_for_update()
    if not owned.exists():
        raise SyncLeaseLost(
            f"sync log {sync_log_id} is no longer running (its lease expired): nothing loaded"
        )
    if lock:
        owned.update(heartbeat_at=timezone.now())


def delta_counts(delta: LoadDelta | None) -> dict:
    """The delta as the SyncLog shows it: customers changed ("all" or how many, the unknown
    customer counting as one) and the earliest date changed."""
    if delta is None or delta.customer_ids is None:
        return {"customers": "all", "since": None}
    since = delta.since.isoformat() if delta.since else None
    return {"customers": len(delta.customer_ids) + delta.unknown_customer, "since": since}


def summaries_refresh(*, company: Company, today: date) -> dict[str, int]:
    """The stored summaries of `today` at the current ledger version: what the load's
    transaction wrote, or (when it was given no date, or the day turned since) recomputed."""
    company.refresh_from_db(fields=["ledger_version"])
    current = summary_reads.current_snapshots(company=company, as_of=today)
    if current.exists():
        return {
            "summaries": ARSummary.objects.filter(company=company, as_of=today).count(),
            "snapshots": current.count(),
        }
    with transaction.atomic():
        return summaries.summaries_refresh(company=company, today=today)
