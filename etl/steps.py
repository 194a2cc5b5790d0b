"""The sync's steps as plain functions: what each Dagster asset does, without Dagster.

Each asset of etl/assets.py is a thin wrapper over one of these (its value and metadata come
from here), and `sync_ar` runs the same functions through `etl.runner` without importing
Dagster (about 3 s of every run's start-up). So there is one code path for a sync, whichever
way it is started; `etl/tests/test_runner.py` proves both give the same ledger and log.

Nothing here imports Dagster, and Django models are imported inside the functions: importing
this module must not need a settings module (see etl/resources.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from ar_dashboard.models import Company, SyncLog
    from connectors.unified.client import UnifiedClient

SYNC_OP = "sync_plan"  # the asset that takes the run config

ClientFactory = Callable[[], AbstractContextManager["UnifiedClient"]]


class StepResult(NamedTuple):
    """A step's value (passed to the steps after it) and its metadata (plain values: ints are
    the counts `sync_ar` shows; dicts and lists are JSON)."""

    value: Any
    metadata: dict[str, Any]


def one_line(exc: BaseException) -> str:
    """`Type: message` on one line, the form `sync_ar` shows (the SyncLog's "Detail:")."""
    from ar_dashboard.services.sync_failures import one_line as detail  # not at import: no Django

    return detail(exc)


class SyncAlreadyFailed(Exception):
    """A step of a run whose SyncLog another step has already marked FAILED."""


def sync_run_config(
    *, connection_id: str, trigger: str, full: bool = False, sync_log_id: int = 0
) -> dict:
    """Run config of one company's sync (the SyncConfig of `sync_plan`), plain JSON values.

    Dagster serialises run requests: a Django TextChoices member here fails the tick.
    """
    config = {"connection_id": connection_id, "trigger": trigger, "full": full}
    if sync_log_id:
        config["sync_log_id"] = sync_log_id
    return {"ops": {SYNC_OP: {"config": config}}}


class QueuedSync(NamedTuple):
    """A queued SyncLog to run: its run key (for Dagster), run config and run tags."""

    run_key: str
    run_config: dict
    tags: dict[str, str]


def queued_syncs() -> list[QueuedSync]:
    """One sync per queued SyncLog of a connected company that has no sync running.

    A company's running sync holds its lock, so its queued log waits for a later tick rather
    than start a run that would be refused. Running logs whose process died are reaped first:
    a dead sync must not hold its company's queue for ever.
    """
    from ar_dashboard.models import SyncLog
    from ar_dashboard.services.sync import sync_logs_reap

    sync_logs_reap()
    running = SyncLog.objects.filter(status=SyncLog.Status.RUNNING).values("company_id")
    queued = (
        SyncLog.objects.filter(status=SyncLog.Status.QUEUED)
        .exclude(company__unified_connection_id__isnull=True)
        .exclude(company__unified_connection_id="")
        .exclude(company_id__in=running)
        .select_related("company")
        .order_by("requested_at", "pk")
    )
    return [
        QueuedSync(
            # The run key makes Dagster launch each log once, even if a tick sees it again
            # before the run has claimed it (status RUNNING). A run refused because another
            # sync held the lock leaves its id on the log, so the retry gets a new key.
            run_key=f"synclog-{log.pk}" + (f"-after-{log.run_id}" if log.run_id else ""),
            run_config=sync_run_config(
                connection_id=log.company.unified_connection_id,
                trigger=str(log.trigger),
                full=log.full_sync,
                sync_log_id=log.pk,
            ),
            tags={"company_id": str(log.company_id), "trigger": str(log.trigger)},
        )
        for log in queued
    ]


@contextmanager
def recorded_step(plan: dict, progress: str, parsed: Any = None) -> Iterator[SyncLog]:
    """The run's SyncLog, its progress set to `progress`; a failure inside marks it FAILED.

    Every step runs its body in this block, so whichever step raises, the log says why
    (with the counts and rejects known so far) before the runner sees the exception. The first
    failure is the reason: steps that do not depend on the failed one (the other extracts)
    stop at once instead of calling the API for a sync that has already failed (or was reaped
    as dead). While the block runs, a heartbeat keeps the log's lease (the company's lock).
    The reason is written in plain words first (`sync_failures`), on a working connection: a
    failure that broke the database connection (a restart) leaves it unusable, so it is dropped
    and the write reconnects.
    """
    from django.db import connection

    from ar_dashboard.models import SyncLog
    from ar_dashboard.services.sync import (
        sync_log_finish,
        sync_log_heartbeats,
        sync_log_progress,
    )
    from ar_dashboard.services.sync_failures import sync_failure_message

    log = SyncLog.objects.get(pk=plan["sync_log_id"])
    if log.status == SyncLog.Status.FAILED:
        raise SyncAlreadyFailed(f"the sync failed at an earlier step: {log.error}")
    sync_log_progress(log, progress)
    try:
        with sync_log_heartbeats(log.pk):
            yield log
    except Exception as exc:
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
        sync_log_finish(log, parsed, error=sync_failure_message(exc, step=progress))
        raise


@contextmanager
def unified_client(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    timeout: float | None = None,
    max_retries: int | None = None,
    max_rate_limit_retries: int | None = None,
    page_size: int | None = None,
    backoff_base: float = 0.5,
    backoff_max: float = 30.0,
) -> Iterator[UnifiedClient]:
    """A Unified.to client for one step, closed afterwards (it holds an HTTP connection pool).

    Unset fields fall back to the Django settings (UNIFIED_*), read when the client is made:
    the one reader of the environment stays `config/settings.py`. UnifiedResource (Dagster)
    and `sync_ar`'s runner both make their clients here.
    """
    from django.conf import settings

    from connectors.unified.client import UnifiedClient

    client = UnifiedClient(
        api_key=api_key or settings.UNIFIED_API_KEY,
        base_url=base_url or settings.UNIFIED_BASE_URL,
        timeout=timeout if timeout is not None else settings.UNIFIED_TIMEOUT_SECONDS,
        max_retries=max_retries if max_retries is not None else settings.UNIFIED_MAX_RETRIES,
        max_rate_limit_retries=(
            max_rate_limit_retries
            if max_rate_limit_retries is not None
            else settings.UNIFIED_MAX_RATE_LIMIT_RETRIES
        ),
        page_size=page_size or settings.UNIFIED_PAGE_SIZE,
        backoff_base=backoff_base,
        backoff_max=backoff_max,
    )
    try:
        yield client
    finally:
        client.close()


def _company(plan: dict) -> Company:
    from ar_dashboard.models import Company

    return Company.objects.get(pk=plan["company_id"])


def _latest_updates(*staged: dict) -> dict[str, datetime | None]:
    """Each listing's newest `updated_at`, from the extract descriptors."""
    return {
        s["obj"]: datetime.fromisoformat(s["latest_update"]) if s["latest_update"] else None
        for s in staged
    }


def plan_step(
    config: dict, *, run_id: str, tag_run: Callable[[int], None] | None = None
) -> StepResult:
    """The run's company, its open SyncLog and the `updated_gte` cursor of each object.

    `config` holds SyncConfig's fields. Opening the log takes the company's lock: while
    another sync of it runs, this raises SyncAlreadyRunning before opening a log, so it marks
    no log failed (a queued log it was to claim stays queued, with a note saying why).
    `tag_run(company_id)` tags a Dagster run with its company (pipeline_status.py finds a
    company's runs by that tag).
    """
    from ar_dashboard.models import SyncCursor, SyncLog
    from ar_dashboard.services.sync import company_for_connection, cursors_for, sync_log_start

    trigger = config.get("trigger", "manual")
    full = bool(config.get("full", False))
    if trigger not in SyncLog.Trigger.values:
        raise ValueError(f"trigger={trigger!r} is not one of {SyncLog.Trigger.values}")
    company = company_for_connection(
        connection_id=config["connection_id"], name=config.get("company_name") or None
    )
    first_sync = not SyncCursor.objects.filter(company=company).exists()
    log = sync_log_start(
        company=company,
        trigger=trigger,
        full=full,
        sync_log_id=config.get("sync_log_id") or None,
        run_id=run_id,
    )
    plan = {
        "company_id": company.pk,
        "sync_log_id": log.pk,
        "first_sync": first_sync,
        "full": full,
        "cursors": {},
    }
    with recorded_step(plan, "planning"):
        if tag_run is not None:
            tag_run(company.pk)
        plan["cursors"] = cursors_for(company, full=full)
    cursors = {obj: moment.isoformat() if moment else "" for obj, moment in plan["cursors"].items()}
    return StepResult(
        plan,
        {
            "company_id": company.pk,
            "company": company.name,
            "sync_log_id": log.pk,
            "first_sync": first_sync,
            "updated_gte": cursors,
        },
    )


def extract_step(plan: dict, obj: str, client: ClientFactory) -> StepResult:
    """Every `obj` record Unified.to returned since the cursor, staged in the database; the
    value is their count and newest update."""
    from ar_dashboard.services.sync import extract_stage, sync_log_record_counts

    with recorded_step(plan, f"fetching {obj}") as log:
        company = _company(plan)
        with client() as unified:
            report = extract_stage(
                unified, company, obj, plan["cursors"][obj], sync_log_id=plan["sync_log_id"]
            )
            stats = dict(unified.stats)
        sync_log_record_counts(log, {obj: {"fetched": report.records}})
    latest = report.latest_update.isoformat() if report.latest_update else None
    return StepResult(
        {"obj": obj, "records": report.records, "latest_update": latest},
        {"records": report.records, "requests": stats["requests"], "retries": stats["retries"]},
    )


def _counts_metadata(parsed: Any, *keys: str) -> dict[str, int]:
    """`<object>_<key>` counts of a ParsedBatch, e.g. invoices_fetched, contacts_created."""
    return {
        f"{obj}_{key}": counts.get(key, 0)
        for obj, counts in parsed.counts.items()
        for key in keys
        if isinstance(counts, dict) and key in counts
    }


def validate_step(plan: dict) -> StepResult:
    """The validation report of the staged records (a ParsedBatch without records): counts,
    bad ones rejected with a reason, suspicious ones warned."""
    from ar_dashboard.services.ledger_staged import ledger_validate_staged
    from ar_dashboard.services.sync import sync_log_record_counts

    with recorded_step(plan, "validating") as log:
        parsed, documents = ledger_validate_staged(sync_log_id=plan["sync_log_id"])
        sync_log_record_counts(log, parsed.counts, parsed.rejected)
    return StepResult(
        parsed,
        {
            **_counts_metadata(parsed, "fetched", "rejected", "skipped"),
            "documents": documents,
            "warnings": len(parsed.warnings),
        },
    )


def load_step(plan: dict, validated: Any, raws: list[dict]) -> StepResult:
    """The company's ledger after the upsert (one transaction with the cursors); load counts
    and the load's `delta` (customers and earliest date changed)."""
    from ar_dashboard.services.sync import ledger_commit, sync_log_record_counts

    # The load adds counts and allocation warnings to the batch it is given: give it a copy,
    # so the validated batch (and its checks) stay what validation produced.
    parsed = dataclasses.replace(
        validated,
        counts={obj: dict(counts) for obj, counts in validated.counts.items()},
        rejected=list(validated.rejected),
        warnings=list(validated.warnings),
    )
    with recorded_step(plan, "loading", parsed) as log:
        ledger_commit(
            company=log.company,
            parsed=parsed,
            latest_updates=_latest_updates(*raws),
            full=plan["full"],
            listed_since=log.started_at,
            sync_log_id=log.pk,
            today=log.company.local_today(),
        )
        sync_log_record_counts(log, parsed.counts)
    return StepResult(parsed, _counts_metadata(parsed, "created", "updated", "deleted"))


def summarize_step(plan: dict, loaded: Any) -> tuple[StepResult, StepResult]:
    """`ar_summary` and `ar_snapshot`: both from one `summaries_refresh`, so they are built
    for the same day."""
    from ar_dashboard.services.sync import summaries_refresh

    with recorded_step(plan, "summarizing", loaded) as log:
        today = log.company.local_today()
        counts = summaries_refresh(company=log.company, today=today)
    base = {"company_id": plan["company_id"], "as_of": today}
    return (
        StepResult(
            {**base, "rows": counts["summaries"]},
            {"as_of": today.isoformat(), "rows": counts["summaries"]},
        ),
        StepResult(
            {**base, "snapshots": counts["snapshots"]},
            {"as_of": today.isoformat(), "snapshots": counts["snapshots"]},
        ),
    )


def finish_step(plan: dict, loaded: Any, ar_summary: dict, ar_snapshot: dict) -> StepResult:
    """The run's SyncLog, finished: SUCCESS, or PARTIAL when records were rejected."""
    from ar_dashboard.services.sync import sync_log_finish

    summary = {"summaries": ar_summary["rows"], "snapshots": ar_snapshot["snapshots"]}
    parsed = dataclasses.replace(loaded, counts={**loaded.counts, "summary": summary})
    with recorded_step(plan, "finishing", parsed) as log:
        log = sync_log_finish(log, parsed)
    result = {
        "sync_log_id": log.pk,
        "status": str(log.status),
        "counts": log.counts,
        "rejected": len(log.rejected),
        "warnings": len(log.warnings),
    }
    return StepResult(
        result,
        {
            "status": str(log.status),
            "rejected": result["rejected"],
            "warnings": result["warnings"],
            "counts": log.counts,
        },
    )
