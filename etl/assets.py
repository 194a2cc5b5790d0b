"""The sync of one company as Dagster assets: extract → validate → load → summarize → log.

Each asset is a thin wrapper over a step of `ar_dashboard.services.sync`. The records never
pass between assets: each extract writes its pages to the sync's staging table as they come
(`ar_dashboard.services.staging`) and returns a small descriptor (count, newest update);
validation and the load read the staging back in batches. What passes in memory is small:
the plan, those descriptors, and the validation report (counts, rejects, warnings).

Django models are imported inside the asset bodies, after `DjangoResource` has set Django up:
importing this module must not need a settings module (see etl/resources.py).
"""

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dagster import (
    AssetExecutionContext,
    AssetOut,
    AssetsDefinition,
    Config,
    MetadataValue,
    Output,
    asset,
    multi_asset,
)

from etl.resources import DjangoResource, UnifiedResource

if TYPE_CHECKING:
    from ar_dashboard.models import Company, SyncLog

GROUP = "ar_sync"


class SyncConfig(Config):
    """What to sync: one Unified.to connection (its company is created on first sync)."""

    connection_id: str
    company_name: str = ""
    full: bool = False
    trigger: str = "manual"
    sync_log_id: int = 0  # a queued SyncLog (webhook) to claim; 0 opens a new one


class SyncAlreadyFailed(Exception):
    """A step of a run whose SyncLog another step has already marked FAILED."""


@contextmanager
def recorded_step(plan: dict, progress: str, parsed: Any = None) -> Iterator["SyncLog"]:
    """The run's SyncLog, its progress set to `progress`; a failure inside marks it FAILED.

    Every asset runs its body in this block, so whichever step raises, the log says why
    (with the counts and rejects known so far) before Dagster sees the exception. The first
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


def _company(plan: dict) -> "Company":
    from ar_dashboard.models import Company

    return Company.objects.get(pk=plan["company_id"])


def _latest_updates(*staged: dict) -> dict[str, datetime | None]:
    """Each listing's newest `updated_at`, from the extract descriptors."""
    return {
        s["obj"]: datetime.fromisoformat(s["latest_update"]) if s["latest_update"] else None
        for s in staged
    }


@asset(group_name=GROUP)
def sync_plan(context: AssetExecutionContext, config: SyncConfig, django: DjangoResource) -> Output:
    """The run's company, its open SyncLog and the `updated_gte` cursor of each object.

    Opening the log takes the company's lock: while another sync of it runs, this run fails with
    SyncAlreadyRunning before opening a log, so it marks no log failed (a queued log it was to
    claim stays queued, with a note saying why).
    """
    from ar_dashboard.models import SyncCursor, SyncLog
    from ar_dashboard.services.sync import company_for_connection, cursors_for, sync_log_start

    if config.trigger not in SyncLog.Trigger.values:
        raise ValueError(f"trigger={config.trigger!r} is not one of {SyncLog.Trigger.values}")
    company = company_for_connection(
        connection_id=config.connection_id, name=config.company_name or None
    )
    first_sync = not SyncCursor.objects.filter(company=company).exists()
    log = sync_log_start(
        company=company,
        trigger=config.trigger,
        full=config.full,
        sync_log_id=config.sync_log_id or None,
        run_id=context.run.run_id,
    )
    plan = {
        "company_id": company.pk,
        "sync_log_id": log.pk,
        "first_sync": first_sync,
        "full": config.full,
        "cursors": {},
    }
    with recorded_step(plan, "planning"):
        # pipeline_status.py finds a company's runs by this tag, however the run was launched.
        if context.run.tags.get("company_id") != str(company.pk):
            context.instance.add_run_tags(context.run.run_id, {"company_id": str(company.pk)})
        plan["cursors"] = cursors_for(company, full=config.full)
    cursors = {obj: moment.isoformat() if moment else "" for obj, moment in plan["cursors"].items()}
    return Output(
        plan,
        metadata={
            "company_id": company.pk,
            "company": company.name,
            "sync_log_id": log.pk,
            "first_sync": first_sync,
            "updated_gte": MetadataValue.json(cursors),
        },
    )


def _unified_raw_asset(obj: str) -> AssetsDefinition:
    @asset(
        name=f"unified_{obj}_raw",
        group_name=GROUP,
        description=f"Every {obj} record Unified.to returned since the cursor, as sent "
        "(staged in the database; the value is their count and newest update).",
    )
    def unified_raw(
        sync_plan: dict, django: DjangoResource, unified: UnifiedResource
    ) -> Output[dict]:
        from ar_dashboard.services.sync import extract_stage, sync_log_record_counts

        with recorded_step(sync_plan, f"fetching {obj}") as log:
            company = _company(sync_plan)
            with unified.get_client() as client:
                report = extract_stage(
                    client,
                    company,
                    obj,
                    sync_plan["cursors"][obj],
                    sync_log_id=sync_plan["sync_log_id"],
                )
                stats = dict(client.stats)
            sync_log_record_counts(log, {obj: {"fetched": report.records}})
        latest = report.latest_update.isoformat() if report.latest_update else None
        return Output(
            {"obj": obj, "records": report.records, "latest_update": latest},
            metadata={
                "records": report.records,
                "requests": stats["requests"],
                "retries": stats["retries"],
            },
        )

    return unified_raw


unified_contacts_raw = _unified_raw_asset("contacts")
unified_invoices_raw = _unified_raw_asset("invoices")
unified_creditmemos_raw = _unified_raw_asset("creditmemos")
unified_payments_raw = _unified_raw_asset("payments")


def _counts_metadata(parsed: Any, *keys: str) -> dict[str, int]:
    """`<object>_<key>` counts of a ParsedBatch, e.g. invoices_fetched, contacts_created."""
    return {
        f"{obj}_{key}": counts.get(key, 0)
        for obj, counts in parsed.counts.items()
        for key in keys
        if isinstance(counts, dict) and key in counts
    }


@asset(group_name=GROUP)
def ledger_validated(
    sync_plan: dict,
    unified_contacts_raw: dict,
    unified_invoices_raw: dict,
    unified_creditmemos_raw: dict,
    unified_payments_raw: dict,
    django: DjangoResource,
) -> Output:
    """The validation report of the staged records (a ParsedBatch without records): counts,
    bad ones rejected with a reason, suspicious ones warned."""
    from ar_dashboard.services.ledger_staged import ledger_validate_staged
    from ar_dashboard.services.sync import sync_log_record_counts

    with recorded_step(sync_plan, "validating") as log:
        parsed, documents = ledger_validate_staged(sync_log_id=sync_plan["sync_log_id"])
        sync_log_record_counts(log, parsed.counts, parsed.rejected)
    return Output(
        parsed,
        metadata={
            **_counts_metadata(parsed, "fetched", "rejected", "skipped"),
            "documents": documents,
            "warnings": len(parsed.warnings),
        },
    )


@asset(group_name=GROUP)
def ledger_loaded(
    sync_plan: dict,
    ledger_validated: Any,
    unified_contacts_raw: dict,
    unified_invoices_raw: dict,
    unified_creditmemos_raw: dict,
    unified_payments_raw: dict,
    django: DjangoResource,
) -> Output:
    """The company's ledger after the upsert (one transaction with the cursors); load counts
    and the load's `delta` (customers and earliest date changed)."""
    from ar_dashboard.services.sync import ledger_commit, sync_log_record_counts

    # The load adds counts and allocation warnings to the batch it is given: give it a copy,
    # so the validated batch (and its checks) stay what validation produced.
    parsed = dataclasses.replace(
        ledger_validated,
        counts={obj: dict(counts) for obj, counts in ledger_validated.counts.items()},
        rejected=list(ledger_validated.rejected),
        warnings=list(ledger_validated.warnings),
    )
    with recorded_step(sync_plan, "loading", parsed) as log:
        ledger_commit(
            company=log.company,
            parsed=parsed,
            latest_updates=_latest_updates(
                unified_contacts_raw,
                unified_invoices_raw,
                unified_creditmemos_raw,
                unified_payments_raw,
            ),
            full=sync_plan["full"],
            listed_since=log.started_at,
            sync_log_id=log.pk,
            today=log.company.local_today(),
        )
        sync_log_record_counts(log, parsed.counts)
    return Output(
        parsed,
        metadata=_counts_metadata(parsed, "created", "updated", "deleted"),
    )


@multi_asset(
    outs={
        "ar_summary": AssetOut(description="Per-customer aging per currency, as of today."),
        "ar_snapshot": AssetOut(description="Today's aging per currency (and past month-ends)."),
    },
    group_name=GROUP,
)
def ar_summaries(sync_plan: dict, ledger_loaded: Any, django: DjangoResource):
    """Both caches come from one `summaries_refresh`, so they are built for the same day."""
    from ar_dashboard.services.sync import summaries_refresh

    with recorded_step(sync_plan, "summarizing", ledger_loaded) as log:
        today = log.company.local_today()
        counts = summaries_refresh(company=log.company, today=today)
    base = {"company_id": sync_plan["company_id"], "as_of": today}
    yield Output(
        {**base, "rows": counts["summaries"]},
        output_name="ar_summary",
        metadata={"as_of": today.isoformat(), "rows": counts["summaries"]},
    )
    yield Output(
        {**base, "snapshots": counts["snapshots"]},
        output_name="ar_snapshot",
        metadata={"as_of": today.isoformat(), "snapshots": counts["snapshots"]},
    )


@asset(group_name=GROUP)
def sync_log(
    sync_plan: dict, ledger_loaded: Any, ar_summary: dict, ar_snapshot: dict, django: DjangoResource
) -> Output[dict]:
    """The run's SyncLog, finished: SUCCESS, or PARTIAL when records were rejected."""
    from ar_dashboard.services.sync import sync_log_finish

    summary = {"summaries": ar_summary["rows"], "snapshots": ar_snapshot["snapshots"]}
    parsed = dataclasses.replace(ledger_loaded, counts={**ledger_loaded.counts, "summary": summary})
    with recorded_step(sync_plan, "finishing", parsed) as log:
        log = sync_log_finish(log, parsed)
    result = {
        "sync_log_id": log.pk,
        "status": str(log.status),
        "counts": log.counts,
        "rejected": len(log.rejected),
        "warnings": len(log.warnings),
    }
    return Output(
        result,
        metadata={
            "status": str(log.status),
            "rejected": result["rejected"],
            "warnings": result["warnings"],
            "counts": MetadataValue.json(log.counts),
        },
    )


ALL_ASSETS = [
    sync_plan,
    unified_contacts_raw,
    unified_invoices_raw,
    unified_creditmemos_raw,
    unified_payments_raw,
    ledger_validated,
    ledger_loaded,
    ar_summaries,
    sync_log,
]
