"""The sync of one company as Dagster assets: extract → validate → load → summarize → log.

Each asset is a thin wrapper over a step of `etl.steps` (which calls the services of
`ar_dashboard.services.sync`): the same functions `sync_ar` runs without Dagster
(`etl.runner`). The records never pass between assets: each extract writes its pages to the
sync's staging table as they come (`ar_dashboard.services.staging`) and returns a small
descriptor (count, newest update); validation and the load read the staging back in
batches. What passes in memory is small: the plan, those descriptors, and the validation
report (counts, rejects, warnings).

Django models are imported inside the step bodies, after `DjangoResource` has set Django up:
importing this module must not need a settings module (see etl/resources.py).
"""

from typing import Any

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

from etl import steps
from etl.resources import DjangoResource, UnifiedResource
from etl.steps import SyncAlreadyFailed, one_line, recorded_step  # noqa: F401 - re-exported

GROUP = "ar_sync"


class SyncConfig(Config):
    """What to sync: one Unified.to connection (its company is created on first sync)."""

    connection_id: str
    company_name: str = ""
    full: bool = False
    trigger: str = "manual"
    sync_log_id: int = 0  # a queued SyncLog (webhook) to claim; 0 opens a new one


def dagster_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """A step's plain metadata as Dagster's: dicts and lists as JSON values."""
    return {
        key: MetadataValue.json(value) if isinstance(value, dict | list) else value
        for key, value in metadata.items()
    }


def as_output(result: steps.StepResult, output_name: str = "result") -> Output:
    return Output(result.value, output_name=output_name, metadata=dagster_metadata(result.metadata))


@asset(group_name=GROUP)
def sync_plan(context: AssetExecutionContext, config: SyncConfig, django: DjangoResource) -> Output:
    """The run's company, its open SyncLog and the `updated_gte` cursor of each object.

    Opening the log takes the company's lock: while another sync of it runs, this run fails with
    SyncAlreadyRunning before opening a log, so it marks no log failed (a queued log it was to
    claim stays queued, with a note saying why).
    """

    def tag_run(company_id: int) -> None:
        # pipeline_status.py finds a company's runs by this tag, however the run was launched.
        if context.run.tags.get("company_id") != str(company_id):
            context.instance.add_run_tags(context.run.run_id, {"company_id": str(company_id)})

    return as_output(
        steps.plan_step(config.model_dump(), run_id=context.run.run_id, tag_run=tag_run)
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
        return as_output(steps.extract_step(sync_plan, obj, unified.get_client))

    return unified_raw


unified_contacts_raw = _unified_raw_asset("contacts")
unified_invoices_raw = _unified_raw_asset("invoices")
unified_creditmemos_raw = _unified_raw_asset("creditmemos")
unified_payments_raw = _unified_raw_asset("payments")


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
    return as_output(steps.validate_step(sync_plan))


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
    raws = [unified_contacts_raw, unified_invoices_raw, unified_creditmemos_raw]
    return as_output(steps.load_step(sync_plan, ledger_validated, [*raws, unified_payments_raw]))


@multi_asset(
    outs={
        "ar_summary": AssetOut(description="Per-customer aging per currency, as of today."),
        "ar_snapshot": AssetOut(description="Today's aging per currency (and past month-ends)."),
    },
    group_name=GROUP,
)
def ar_summaries(sync_plan: dict, ledger_loaded: Any, django: DjangoResource):
    """Both caches come from one `summaries_refresh`, so they are built for the same day."""
    summary, snapshot = steps.summarize_step(sync_plan, ledger_loaded)
    yield as_output(summary, "ar_summary")
    yield as_output(snapshot, "ar_snapshot")


@asset(group_name=GROUP)
def sync_log(
    sync_plan: dict, ledger_loaded: Any, ar_summary: dict, ar_snapshot: dict, django: DjangoResource
) -> Output[dict]:
    """The run's SyncLog, finished: SUCCESS, or PARTIAL when records were rejected."""
    return as_output(steps.finish_step(sync_plan, ledger_loaded, ar_summary, ar_snapshot))


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
