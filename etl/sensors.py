"""Webhook deliveries become runs: each queued SyncLog is claimed by one pipeline run."""

from collections.abc import Iterator

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    RunStatusSensorContext,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    run_status_sensor,
    sensor,
)

from etl.resources import DjangoResource
from etl.schedules import ar_data_pipeline
from etl.steps import queued_syncs


def queued_run_requests() -> list[RunRequest]:
    """One RunRequest per queued SyncLog of a connected company that has no sync running
    (`etl.steps.queued_syncs`, which `sync_ar --queued` runs without Dagster)."""
    return [
        RunRequest(run_key=queued.run_key, run_config=queued.run_config, tags=queued.tags)
        for queued in queued_syncs()
    ]


# Running by default: without it a webhook delivery would queue a sync nobody starts.
@sensor(
    job=ar_data_pipeline,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
)
def webhook_sync_sensor(
    context: SensorEvaluationContext, django: DjangoResource
) -> Iterator[RunRequest | SkipReason]:
    """Launch a sync for every SyncLog the webhook queued (once its company's sync is done)."""
    requests = queued_run_requests()
    if not requests:
        yield SkipReason("no queued sync requests")
    yield from requests


def close_sync_log(run_id: str, status: str) -> int:
    """Finish a run's SyncLog still marked running (a cancelled or killed run); rows changed."""
    from django.utils import timezone

    from ar_dashboard.models import SyncLog

    return SyncLog.objects.filter(run_id=run_id, status=SyncLog.Status.RUNNING).update(
        status=SyncLog.Status.FAILED,
        error=f"Dagster run {run_id} ended {status} before the sync finished",
        progress="failed",
        finished_at=timezone.now(),
    )


# Assets record their own exceptions; these catch runs that ended without reaching that code
# (cancelled from the UI, the worker killed), so no SyncLog stays "running" forever.
@run_failure_sensor(monitored_jobs=[ar_data_pipeline], default_status=DefaultSensorStatus.RUNNING)
def sync_log_on_run_failure(context: RunFailureSensorContext, django: DjangoResource) -> None:
    close_sync_log(context.dagster_run.run_id, "FAILURE")


@run_status_sensor(
    run_status=DagsterRunStatus.CANCELED,
    monitored_jobs=[ar_data_pipeline],
    default_status=DefaultSensorStatus.RUNNING,
)
def sync_log_on_run_canceled(context: RunStatusSensorContext, django: DjangoResource) -> None:
    close_sync_log(context.dagster_run.run_id, "CANCELED")
