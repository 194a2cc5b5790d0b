"""The Dagster code location: `dagster dev -m etl.definitions` (see `make dagster`)."""

from dagster import Definitions, in_process_executor, mem_io_manager

from etl.assets import ALL_ASSETS
from etl.checks import ALL_CHECKS
from etl.resources import DjangoResource, UnifiedResource
from etl.schedules import (
    ar_daily_sync,
    ar_data_pipeline,
    ar_every_4_hours,
    collections_daily,
    collections_daily_schedule,
)
from etl.sensors import sync_log_on_run_canceled, sync_log_on_run_failure, webhook_sync_sensor

defs = Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=[ar_data_pipeline, collections_daily],
    schedules=[ar_daily_sync, ar_every_4_hours, collections_daily_schedule],
    sensors=[webhook_sync_sensor, sync_log_on_run_failure, sync_log_on_run_canceled],
    resources={
        "django": DjangoResource(),
        "unified": UnifiedResource(),
        # Raw records and parsed batches live only for the run (see etl/schedules.py).
        "io_manager": mem_io_manager,
    },
    # Also for the implicit asset job the UI uses to materialize a selection.
    executor=in_process_executor,
)
