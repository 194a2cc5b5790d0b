"""The pipeline job and its schedules: every connected company, daily at 06:00 and every 4 h.

The time zone is read from the environment at import, because Dagster needs it to define the
schedule; it falls back like `config.settings.PIPELINE_TIMEZONE` (TIME_ZONE, then UTC), and
`dagster dev` loads `.env` into the environment before importing this module.
"""

import os
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    schedule,
)

from etl.assets import ALL_ASSETS
from etl.collections import collections_daily
from etl.resources import DjangoResource
from etl.steps import SYNC_OP, sync_run_config  # noqa: F401 - re-exported

JOB_NAME = "ar_data_pipeline"  # the name ar_dashboard/pipeline_status.py queries


def pipeline_timezone() -> str:
    """PIPELINE_TIMEZONE, else TIME_ZONE, else UTC; an unknown zone stops the load."""
    name = os.environ.get("PIPELINE_TIMEZONE") or os.environ.get("TIME_ZONE") or "UTC"
    ZoneInfo(name)  # raises ZoneInfoNotFoundError naming the zone
    return name


# Values move between steps through the in-memory IO manager (raw records are plain lists), so
# every step of a run must execute in one process: the in-process executor. `dagster dev`
# would otherwise use the multiprocess executor, and each step would find no upstream value.
ar_data_pipeline = define_asset_job(
    JOB_NAME,
    selection=AssetSelection.assets(*ALL_ASSETS),
    executor_def=in_process_executor,
    description="Sync one Unified.to connection into its company's AR ledger and summaries.",
)


def _company_runs(
    context: ScheduleEvaluationContext, django: DjangoResource, *, full: bool
) -> Iterator[RunRequest | SkipReason]:
    from ar_dashboard.models import Company, SyncLog

    scheduled = context.scheduled_execution_time
    companies = (
        Company.objects.exclude(unified_connection_id__isnull=True)
        .exclude(unified_connection_id="")
        # "Sync schedule: off" in the company's settings (accounts.CompanyProfile).
        .exclude(profile__sync_schedule_enabled=False)
        .order_by("pk")
    )
    found = False
    for company in companies:
        found = True
        yield RunRequest(
            run_key=f"company-{company.pk}-{scheduled.isoformat()}",
            run_config=sync_run_config(
                connection_id=company.unified_connection_id,
                trigger=SyncLog.Trigger.SCHEDULE.value,
                full=full,
            ),
            tags={"company_id": str(company.pk), "trigger": "schedule"},
        )
    if not found:
        yield SkipReason("no company has a Unified.to connection")


def _company_schedule(name: str, cron: str, description: str, *, full: bool) -> ScheduleDefinition:
    @schedule(
        name=name,
        cron_schedule=cron,
        job=ar_data_pipeline,
        execution_timezone=pipeline_timezone(),
        description=description,
        default_status=DefaultScheduleStatus.RUNNING,
    )
    def company_schedule(
        context: ScheduleEvaluationContext, django: DjangoResource
    ) -> Iterator[RunRequest | SkipReason]:
        yield from _company_runs(context, django, full=full)

    return company_schedule


# The daily run is a full sync: it sees deletions, and it re-reads any record that offset
# paging may skip when the source edits records while a page walk is under way (an edited
# record moves to the end of the updated_at order). The 4-hourly runs are incremental.
ar_daily_sync = _company_schedule(
    "ar_daily_sync",
    "0 6 * * *",
    "Full sync of every connected company at 06:00.",
    full=True,
)
ar_every_4_hours = _company_schedule(
    "ar_every_4_hours",
    "0 */4 * * *",
    "Incremental sync of every connected company every 4 hours.",
    full=False,
)


def collections_hour() -> int:
    """COLLECTIONS_SCHEDULE_HOUR (0-23, default 7: after the 06:00 full sync has loaded)."""
    hour = int(os.environ.get("COLLECTIONS_SCHEDULE_HOUR") or 7)
    if not 0 <= hour <= 23:
        raise ValueError(f"COLLECTIONS_SCHEDULE_HOUR={hour} must be 0..23")
    return hour


# Reminders go once a day, after the morning sync so payments made yesterday stop them.
collections_daily_schedule = ScheduleDefinition(
    name="collections_daily_schedule",
    job=collections_daily,
    cron_schedule=f"0 {collections_hour()} * * *",
    execution_timezone=pipeline_timezone(),
    default_status=DefaultScheduleStatus.RUNNING,
    description="Reminder emails due today and scheduled aging-summary reports.",
)
