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
from etl.schedules import ar_data_pipeline, sync_run_config


def queued_run_requests() -> list[RunRequest]:
    """One RunRequest per queued SyncLog of a connected company that has no sync running.

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
        RunRequest(
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
