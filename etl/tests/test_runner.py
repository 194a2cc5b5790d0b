"""`etl.runner` (what `sync_ar` runs) and the Dagster job run the same steps: same results.

Two connections serve the same ledger: one company is synced by the Dagster job, the other by
the runner, and everything either wrote — customers, documents, payments, allocations,
summaries, snapshots, watermarks, the SyncLog — is compared row by row (ids and clock fields
aside), after a first sync and after a second with nothing new; the step outputs' metadata and
the checks' verdicts too.
"""

import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import models

from ar_dashboard.models import (
    Allocation,
    ARSnapshot,
    ARSummary,
    Company,
    Customer,
    Invoice,
    Payment,
    SyncCursor,
    SyncLog,
)
from connectors.unified.sandbox import SandboxServer
from etl import runner, verdicts
from etl.definitions import defs
from etl.schedules import sync_run_config
from etl.steps import unified_client
from etl.tests.conftest import API_KEY, CONNECTION, small_ledger, unified_for

pytestmark = pytest.mark.django_db
OTHER = "conn-runner"
COMPARED = (Customer, Invoice, Payment, Allocation, ARSummary, ARSnapshot, SyncCursor)
CLOCK_FIELDS = {"computed_at", "received_at", "synced_at"}


@pytest.fixture
def twin_sandbox():
    with SandboxServer(
        small_ledger(), api_key=API_KEY, connection_ids={CONNECTION, OTHER}
    ) as server:
        yield server


def rows(model: type[models.Model], company: Company) -> list[tuple]:
    """The company's rows of `model`, as comparable tuples: foreign keys by external id."""
    values = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name == "company" or field.name in CLOCK_FIELDS:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if field.is_relation:
            target = field.related_model
            if any(f.name == "external_id" for f in target._meta.concrete_fields):
                values.append(f"{field.name}__external_id")
            continue
        values.append(field.name)
    return sorted(
        model.objects.filter(company=company).values_list(*values),
        key=lambda row: tuple(str(v) for v in row),
    )


def state(company: Company) -> dict:
    company.refresh_from_db()
    log = company.sync_logs.order_by("-pk").first()
    return {
        **{model.__name__: rows(model, company) for model in COMPARED},
        "ledger_version": company.ledger_version,
        "log": (log.status, log.counts, log.rejected, log.warnings, log.progress, log.error),
    }


class Recorder:
    """The runner's listener: metadata and verdicts, as the Dagster run's events give them."""

    def __init__(self) -> None:
        self.outputs: dict[str, dict] = {}
        self.checks: dict[str, tuple] = {}
        self.done: list[tuple[str, bool]] = []

    def output(self, step, metadata):
        self.outputs.setdefault(step, {}).update(metadata)

    def check(self, step, name, verdict):
        self.checks[name] = (verdict.passed, verdict.severity if not verdict.passed else None)

    def step_done(self, step, *, failed):
        self.done.append((step, failed))


def dagster_sync(server: SandboxServer, connection: str):
    return defs.resolve_job_def("ar_data_pipeline").execute_in_process(
        run_config=sync_run_config(connection_id=connection, trigger="manual"),
        resources={"unified": unified_for(server)},
        raise_on_error=False,
    )


def runner_sync(server: SandboxServer, connection: str) -> tuple[runner.RunResult, Recorder]:
    recorder = Recorder()

    def client():
        return unified_client(
            api_key=API_KEY, base_url=server.base_url, backoff_base=0.001, backoff_max=0.01
        )

    config = sync_run_config(connection_id=connection, trigger="manual")["ops"]["sync_plan"]
    result = runner.run_sync(config["config"], run_id="r-1", client=client, listener=recorder)
    return result, recorder


def dagster_observed(result) -> tuple[dict, dict]:
    """Integer metadata per step and check verdicts of a Dagster run."""
    outputs: dict[str, dict] = {}
    checks = {}
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            metadata = event.event_specific_data.materialization.metadata
            ints = {k: v.value for k, v in metadata.items() if type(v.value) is int}
            outputs.setdefault(event.step_key, {}).update(ints)
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            check = event.event_specific_data
            name = f"{check.asset_key.to_user_string()}.{check.check_name}"
            checks[name] = (check.passed, check.severity.value if not check.passed else None)
    return outputs, checks


def ints(outputs: dict[str, dict]) -> dict[str, dict]:
    ignored = {"company_id", "sync_log_id"}  # the two companies' own ids
    return {
        step: {k: v for k, v in found.items() if type(v) is int and k not in ignored}
        for step, found in outputs.items()
    }


def test_the_runner_and_the_dagster_job_load_the_same_ledger_summaries_and_log(twin_sandbox, today):
    for round_ in ("first sync", "nothing changed"):
        dagster = dagster_sync(twin_sandbox, CONNECTION)
        plain, recorder = runner_sync(twin_sandbox, OTHER)

        assert dagster.success and plain.success, round_
        by_dagster = Company.objects.get(unified_connection_id=CONNECTION)
        by_runner = Company.objects.get(unified_connection_id=OTHER)
        assert state(by_runner) == state(by_dagster), round_
        outputs, checks = dagster_observed(dagster)
        assert ints(recorder.outputs) == ints(outputs), round_
        assert recorder.checks == checks, round_
        assert [step for step, failed in recorder.done if failed] == []
        succeeded = [e for e in dagster.all_events if e.event_type_value == "STEP_SUCCESS"]
        assert len(recorder.done) == runner.STEP_COUNT == len(succeeded)
    # The states compared are not empty: the ledger is loaded, the summaries built.
    assert Invoice.objects.filter(company=by_runner).count() == 11  # 9 listed, 2 unapplied payments
    assert ARSummary.objects.filter(company=by_runner).exists()
    total = Invoice.objects.filter(company=by_runner).aggregate(t=models.Sum("balance"))["t"]
    assert total == Invoice.objects.filter(company=by_dagster).aggregate(t=models.Sum("balance"))[
        "t"
    ] and total != Decimal(0)
    assert by_runner.sync_logs.filter(status=SyncLog.Status.SUCCESS).count() == 2


def test_a_failing_extract_fails_the_run_and_skips_what_needs_it(twin_sandbox, today):
    result, recorder = runner_sync(twin_sandbox, "unknown-conn")

    assert not result.success
    assert type(result.error).__name__ == "UnifiedHTTPError"
    log = SyncLog.objects.get(company__unified_connection_id="unknown-conn")
    assert log.status == SyncLog.Status.FAILED and "Detail: UnifiedHTTPError: GET" in log.error
    # Every extract ran (the later ones stopped at once: the log had failed), nothing after.
    assert [step for step, _ in recorder.done] == [
        "sync_plan",
        *(f"unified_{obj}_raw" for obj in runner.OBJECTS),
    ]
    assert all(failed for step, failed in recorder.done if step != "sync_plan")
    assert "sync_log" in result.skipped_steps and "ledger_loaded" in result.skipped_steps
    assert len(twin_sandbox.request_log) == 1


def test_a_failed_check_is_reported_as_dagster_would(twin_sandbox, today, monkeypatch):
    mismatch = {"USD": {"summary_customers": Decimal("1"), "open_balances": Decimal("2")}}
    monkeypatch.setattr(verdicts, "reconcile_figures", lambda **kwargs: mismatch)

    result, recorder = runner_sync(twin_sandbox, OTHER)

    assert result.success  # checks judge a committed sync; they do not fail it
    assert recorder.checks["ar_summary.totals_reconcile"] == (False, "ERROR")


@pytest.mark.django_db(transaction=True)
def test_sync_ar_imports_no_dagster_without_dagster_home(twin_sandbox):
    """The point of the runner: a `sync_ar` child process never imports Dagster."""
    import os
    import subprocess

    from django.db import connection

    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("the test database is in memory: a child process cannot open it")
    probe = (
        "import sys, runpy; sys.argv = ['manage.py', 'sync_ar', '--connection', "
        f"{OTHER!r}, '--base-url', {twin_sandbox.base_url!r}]\n"
        "try:\n    runpy.run_path('manage.py', run_name='__main__')\n"
        "finally:\n    print('DAGSTER_IMPORTED' if 'dagster' in sys.modules else 'NO_DAGSTER')"
    )
    env = {**os.environ, "UNIFIED_API_KEY": API_KEY, "DATABASE_URL": database_url()}
    env.pop("DAGSTER_HOME", None)
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "-c", probe],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert "NO_DAGSTER" in done.stdout, done.stdout + done.stderr
    assert Company.objects.get(unified_connection_id=OTHER).sync_logs.get().status == "success"


def database_url() -> str:
    from bench.sync import database_url as url

    return url()
