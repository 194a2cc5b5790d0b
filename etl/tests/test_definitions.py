"""The code location loads without Django, and every job, schedule and sensor resolves."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dagster import DefaultScheduleStatus, Definitions, build_schedule_context, build_sensor_context
from dagster._serdes import serialize_value

from ar_dashboard.models import Company, SyncLog
from etl import assets
from etl.definitions import defs
from etl.resources import DjangoResource
from etl.schedules import pipeline_timezone, sync_run_config

ASSET_KEYS = {
    "sync_plan",
    "unified_contacts_raw",
    "unified_invoices_raw",
    "unified_creditmemos_raw",
    "unified_payments_raw",
    "ledger_validated",
    "ledger_loaded",
    "ar_summary",
    "ar_snapshot",
    "sync_log",
}


def test_definitions_load_and_resolve_everything_by_name():
    Definitions.validate_loadable(defs)
    job = defs.resolve_job_def("ar_data_pipeline")
    assert {key.to_user_string() for key in job.asset_layer.executable_asset_keys} == ASSET_KEYS
    checks = {
        f"{k.asset_key.to_user_string()}.{k.name}"
        for k in job.asset_layer.asset_graph.asset_check_keys
    }
    assert checks == {
        "ledger_validated.rejected_records",
        "ledger_validated.suspicious_rows",
        "ledger_loaded.balances_within_totals",
        "ledger_loaded.currency_codes",
        "ar_summary.totals_reconcile",
    }
    assert job.executor_def.name == "in_process"
    daily = defs.resolve_schedule_def("ar_daily_sync")
    four_hourly = defs.resolve_schedule_def("ar_every_4_hours")
    assert (daily.cron_schedule, four_hourly.cron_schedule) == ("0 6 * * *", "0 */4 * * *")
    assert daily.execution_timezone == four_hourly.execution_timezone == pipeline_timezone()
    assert daily.job_name == four_hourly.job_name == "ar_data_pipeline"
    assert daily.default_status == four_hourly.default_status == DefaultScheduleStatus.RUNNING
    sensor = defs.resolve_sensor_def("webhook_sync_sensor")
    assert sensor.minimum_interval_seconds == 30
    assert sensor.job_name == "ar_data_pipeline"


def test_pipeline_timezone_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("PIPELINE_TIMEZONE", raising=False)
    monkeypatch.delenv("TIME_ZONE", raising=False)
    assert pipeline_timezone() == "UTC"
    monkeypatch.setenv("PIPELINE_TIMEZONE", "Europe/Paris")
    assert pipeline_timezone() == "Europe/Paris"


def test_the_code_location_imports_without_django_and_the_resource_sets_it_up():
    """In a fresh interpreter with no DJANGO_SETTINGS_MODULE, as `dagster dev` starts."""
    code = (
        "import sys\n"
        "import django.apps\n"
        "from dagster import build_resources\n"
        "from etl.definitions import defs\n"
        "from etl.resources import DjangoResource\n"
        "pure = {'ar_dashboard', 'ar_dashboard.aging'}  # no Django in the domain rules\n"
        "loaded = [m for m in sys.modules if m.startswith(('ar_dashboard', 'config'))]\n"
        "loaded = [m for m in loaded if m not in pure]\n"
        "assert not loaded and not django.apps.apps.ready, loaded\n"
        "with build_resources({'django': DjangoResource()}):\n"
        "    from ar_dashboard.models import Company\n"
        "    assert django.apps.apps.ready and Company._meta.db_table\n"
    )
    env = {"PATH": os.environ["PATH"], "HOME": "/tmp", "DEBUG": "true"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(assets.__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.django_db
def test_schedule_requests_one_run_per_connected_company():
    first = Company.objects.create(name="A", unified_connection_id="conn-a")
    second = Company.objects.create(name="B", unified_connection_id="conn-b")
    Company.objects.create(name="Not connected")
    scheduled = datetime(2026, 3, 15, 6, 0, tzinfo=UTC)
    # A context manager: DjangoResource has a setup and a teardown.
    with build_schedule_context(
        scheduled_execution_time=scheduled, resources={"django": DjangoResource()}
    ) as context:
        requests = list(defs.resolve_schedule_def("ar_daily_sync")(context))
    assert [r.run_key for r in requests] == [
        f"company-{first.pk}-2026-03-15T06:00:00+00:00",
        f"company-{second.pk}-2026-03-15T06:00:00+00:00",
    ]
    config = requests[1].run_config["ops"]["sync_plan"]["config"]
    # The daily run is a full sync (deletions, records skipped by paging during edits).
    assert config == {"connection_id": "conn-b", "trigger": "schedule", "full": True}
    assert requests[1].tags["company_id"] == str(second.pk)
    # The daemon serialises run requests: plain values only (a TextChoices member fails).
    assert serialize_value(requests[1])


@pytest.mark.django_db
def test_schedule_skips_when_no_company_is_connected():
    scheduled = datetime(2026, 3, 15, 8, 0, tzinfo=UTC)
    with build_schedule_context(
        scheduled_execution_time=scheduled, resources={"django": DjangoResource()}
    ) as context:
        (skip,) = defs.resolve_schedule_def("ar_every_4_hours")(context)
    assert "no company" in skip.skip_message


@pytest.mark.django_db
def test_sensor_turns_each_queued_sync_log_into_one_run_request():
    company = Company.objects.create(name="A", unified_connection_id="conn-a")
    queued = SyncLog.objects.create(
        company=company, status=SyncLog.Status.QUEUED, trigger=SyncLog.Trigger.WEBHOOK
    )
    SyncLog.objects.create(company=company, status=SyncLog.Status.SUCCESS)
    sensor = defs.resolve_sensor_def("webhook_sync_sensor")

    with build_sensor_context(resources={"django": DjangoResource()}) as context:
        (request,) = sensor(context)

    assert request.run_key == f"synclog-{queued.pk}"
    assert request.run_config["ops"]["sync_plan"]["config"] == {
        "connection_id": "conn-a",
        "trigger": "webhook",
        "full": False,
        "sync_log_id": queued.pk,
    }
    assert serialize_value(request)


@pytest.mark.django_db
def test_sensor_skips_when_nothing_is_queued():
    sensor = defs.resolve_sensor_def("webhook_sync_sensor")
    with build_sensor_context(resources={"django": DjangoResource()}) as context:
        (skip,) = sensor(context)
    assert skip.skip_message == "no queued sync requests"


@pytest.mark.django_db
def test_a_cancelled_run_closes_its_running_sync_log():
    from dagster import DagsterInstance, build_run_status_sensor_context

    from ar_dashboard.models import SyncLog

    instance = DagsterInstance.ephemeral()
    result = defs.resolve_job_def("ar_data_pipeline").execute_in_process(
        run_config=sync_run_config(connection_id="nobody", trigger="manual"),
        instance=instance,
        raise_on_error=False,
    )
    company = Company.objects.create(name="C", unified_connection_id="conn-c")
    log = SyncLog.objects.create(company=company, status="running", run_id=result.run_id)
    other = SyncLog.objects.create(company=company, status="success", run_id="another")
    with build_run_status_sensor_context(
        sensor_name="sync_log_on_run_canceled",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
        resources={"django": DjangoResource()},
    ) as context:
        defs.resolve_sensor_def("sync_log_on_run_canceled")(context)
    log.refresh_from_db()
    other.refresh_from_db()
    assert log.status == "failed"
    assert log.error == f"Dagster run {result.run_id} ended CANCELED before the sync finished"
    assert other.status == "success"
