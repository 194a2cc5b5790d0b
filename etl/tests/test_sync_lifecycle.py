"""One sync per company at a time: the lock, the heartbeat lease, reaping dead syncs, refusals.

The lock is the partial unique constraint `synclog_one_running`; a second sync of a company is
refused with "already running" and leaves the running one alone. A RUNNING log silent for longer
than SYNC_LEASE_SECONDS (300 s by default) is a sync whose process died: it is marked FAILED with
the reason, and the next sync proceeds. Clock pinned at conftest.NOW = 2026-03-15 12:00:00 UTC.
"""

import threading
import time
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
import time_machine
from dagster import build_sensor_context
from django.core.management import CommandError, call_command

from ar_dashboard.models import Company, SyncLog
from ar_dashboard.services import sync as sync_service
from ar_dashboard.services.sync import reaped_message, sync_log_start, sync_logs_reap
from ar_dashboard.services.sync_failures import DETAIL
from etl.definitions import defs
from etl.resources import DjangoResource
from etl.tests.conftest import API_KEY, CONNECTION, NOW

COMPANY = f"QuickBooks {CONNECTION}"  # the name a first sync gives a new connection's company
RUNNING, FAILED = SyncLog.Status.RUNNING, SyncLog.Status.FAILED


def detail(error: str) -> str:
    """The technical part of a SyncLog error (after the plain-words sentence)."""
    return error.split(DETAIL, 1)[1]


@pytest.fixture
def frozen():
    """The clock stopped at NOW: every timestamp the code writes is exact."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sync_ar_settings(settings, monkeypatch):
    settings.UNIFIED_API_KEY = API_KEY
    monkeypatch.delenv("DAGSTER_HOME", raising=False)  # an ephemeral Dagster instance


def sync_ar(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("sync_ar", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failure_of(result) -> str:
    """The innermost error of the run's first failed step: `module.Type: message`."""
    (failure, *_) = result.get_step_failure_events()
    error = failure.step_failure_data.error
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def running_log(company: Company, *, alive_at, **fields) -> SyncLog:
    """A RUNNING log whose last heartbeat was at `alive_at` (started then too)."""
    return SyncLog.objects.create(
        company=company, status=RUNNING, started_at=alive_at, heartbeat_at=alive_at, **fields
    )


def the_company() -> Company:
    return Company.objects.create(name=COMPANY, unified_connection_id=CONNECTION)


def sensor_requests() -> list:
    sensor = defs.resolve_sensor_def("webhook_sync_sensor")
    with build_sensor_context(resources={"django": DjangoResource()}) as context:
        return [r for r in sensor(context) if hasattr(r, "run_key")]


# --- the lock ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_sync_while_one_runs_is_refused_and_the_first_finishes(run_sync, sandbox, frozen):
    """The second run starts while the first is fetching contacts (both really run the job)."""
    second = {}
    extract = sync_service.extract_object

    def extract_and_start_a_second_sync(client, company, obj, updated_gte):
        if not second:
            second["result"] = run_sync()
        return extract(client, company, obj, updated_gte)

    with mock.patch.object(sync_service, "extract_object", extract_and_start_a_second_sync):
        first = run_sync()

    assert first.success
    (log,) = SyncLog.objects.all()  # the refused run opened no log
    assert (log.status, log.error, log.run_id) == (SyncLog.Status.SUCCESS, "", first.run_id)
    refused = second["result"]
    assert not refused.success
    assert failure_of(refused).endswith(
        f"SyncAlreadyRunning: a sync of {COMPANY} is already running since "
        f"2026-03-15 12:00:00 UTC (sync log {log.pk})"
    )
    # It stopped at its first step: nothing else of it ran.
    assert [e.step_key for e in refused.get_step_failure_events()] == ["sync_plan"]


@pytest.mark.django_db
def test_sync_ar_says_already_running_and_leaves_the_running_sync_alone(
    sandbox, sync_ar_settings, frozen
):
    company = the_company()
    started = NOW - timedelta(seconds=60)  # beat a minute ago: well within the 300 s lease
    running = running_log(company, alive_at=started, run_id="the-other-run")

    with pytest.raises(CommandError) as refusal:
        sync_ar("--connection", CONNECTION, "--base-url", sandbox.base_url)

    assert str(refusal.value) == (
        f"SyncAlreadyRunning: a sync of {COMPANY} is already running since "
        f"2026-03-15 11:59:00 UTC (sync log {running.pk})"
    )
    (log,) = SyncLog.objects.all()
    assert (log.status, log.error, log.heartbeat_at, log.finished_at) == (
        RUNNING,
        "",
        started,
        None,
    )
    assert sandbox.request_log == []  # refused before calling the API


@pytest.mark.django_db
def test_a_refused_webhook_sync_keeps_its_queued_log_for_a_later_run(run_sync, frozen):
    company = the_company()
    running = running_log(company, alive_at=NOW - timedelta(seconds=10))
    queued = SyncLog.objects.create(
        company=company, status=SyncLog.Status.QUEUED, trigger=SyncLog.Trigger.WEBHOOK
    )

    refused = run_sync(sync_log_id=queued.pk)

    assert not refused.success
    queued.refresh_from_db()
    running.refresh_from_db()
    assert (running.status, running.error) == (RUNNING, "")
    assert (queued.status, queued.run_id) == (SyncLog.Status.QUEUED, refused.run_id)
    assert queued.progress == (
        f"waiting: a sync of {COMPANY} is already running since 2026-03-15 11:59:50 UTC "
        f"(sync log {running.pk})"
    )
    assert SyncLog.objects.count() == 2
    # Once the running sync is done, the sensor retries the queued log under a new run key.
    assert sensor_requests() == []
    SyncLog.objects.filter(pk=running.pk).update(status=SyncLog.Status.SUCCESS)
    (request,) = sensor_requests()
    assert request.run_key == f"synclog-{queued.pk}-after-{refused.run_id}"

    assert run_sync(sync_log_id=queued.pk).success
    queued.refresh_from_db()
    assert queued.status == SyncLog.Status.SUCCESS


# --- the lease: dead syncs are reaped -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("silent_for", "reaped"),
    [
        (timedelta(seconds=299), False),
        (timedelta(seconds=300), False),  # exactly the lease: still alive
        (timedelta(seconds=301), True),
    ],
)
def test_a_running_log_silent_beyond_the_lease_is_reaped(silent_for, reaped, frozen):
    company = the_company()
    log = running_log(company, alive_at=NOW - silent_for)

    assert [r.pk for r in sync_logs_reap()] == ([log.pk] if reaped else [])

    log.refresh_from_db()
    if reaped:
        # 12:00:00 − 301 s = 11:54:59
        assert (log.status, log.progress, log.finished_at) == (FAILED, "failed", NOW)
        assert log.error == (
            "The sync stopped without finishing: its process was stopped or crashed. Whatever "
            "it had not committed was discarded and the figures are those of the last good "
            "sync; the next sync starts over. Detail: no heartbeat since 2026-03-15 11:54:59 "
            "UTC: the sync process died"
        )
    else:
        assert (log.status, log.error, log.finished_at) == (RUNNING, "", None)


@pytest.mark.django_db
def test_without_a_heartbeat_the_start_counts_then_the_request(frozen):
    company = the_company()
    started = SyncLog.objects.create(
        company=company, status=RUNNING, started_at=NOW - timedelta(minutes=6)
    )
    with time_machine.travel(NOW - timedelta(minutes=7), tick=False):
        requested = SyncLog.objects.create(
            company=Company.objects.create(name="Other", unified_connection_id="conn-other"),
            status=RUNNING,
        )

    sync_logs_reap()

    started.refresh_from_db()
    requested.refresh_from_db()
    died = "UTC: the sync process died"
    assert detail(started.error) == f"no heartbeat since 2026-03-15 11:54:00 {died}"
    assert detail(requested.error) == f"no heartbeat since 2026-03-15 11:53:00 {died}"


@pytest.mark.django_db
def test_the_lease_comes_from_the_setting(settings, frozen):
    settings.SYNC_LEASE_SECONDS = 60
    log = running_log(the_company(), alive_at=NOW - timedelta(seconds=61))

    assert [r.pk for r in sync_logs_reap()] == [log.pk]


@pytest.mark.django_db
def test_a_dead_sync_is_reaped_and_the_next_sync_runs(run_sync, frozen):
    company = the_company()
    dead = running_log(company, alive_at=NOW - timedelta(minutes=10), run_id="killed-run")

    result = run_sync()

    assert result.success
    dead.refresh_from_db()
    assert (dead.status, dead.finished_at) == (FAILED, NOW)
    assert detail(dead.error) == "no heartbeat since 2026-03-15 11:50:00 UTC: the sync process died"
    new = SyncLog.objects.get(run_id=result.run_id)
    assert (new.status, new.started_at) == (SyncLog.Status.SUCCESS, NOW)


@pytest.mark.django_db
def test_sync_ar_reap_marks_only_dead_syncs_failed(sync_ar_settings, frozen):
    dead = running_log(the_company(), alive_at=NOW - timedelta(minutes=10))
    other = Company.objects.create(name="Alive Co", unified_connection_id="conn-alive")
    alive = running_log(other, alive_at=NOW - timedelta(seconds=30))

    out, _ = sync_ar("--reap")

    assert out == (
        f"{COMPANY}: sync log {dead.pk} marked failed: {reaped_message(dead.heartbeat_at)}\n"
    )
    assert reaped_message(dead.heartbeat_at).endswith(
        "no heartbeat since 2026-03-15 11:50:00 UTC: the sync process died"
    )
    alive.refresh_from_db()
    assert alive.status == RUNNING
    assert sync_ar("--reap")[0] == "no dead syncs\n"


@pytest.mark.django_db
def test_the_sync_worker_reaps_dead_syncs_on_each_pass(frozen):
    dead = running_log(the_company(), alive_at=NOW - timedelta(minutes=10))
    other = Company.objects.create(name="Alive Co", unified_connection_id="conn-alive")
    alive = running_log(other, alive_at=NOW - timedelta(seconds=30))
    out, err = StringIO(), StringIO()

    call_command("run_sync_worker", "--once", stdout=out, stderr=err)

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, alive.status) == (FAILED, RUNNING)
    assert err.getvalue() == f"sync worker: sync log {dead.pk} of {COMPANY}: {dead.error}\n"
    assert detail(dead.error) == "no heartbeat since 2026-03-15 11:50:00 UTC: the sync process died"


@pytest.mark.django_db
def test_starting_a_sync_reaps_only_its_own_company(frozen):
    company = the_company()
    dead_here = running_log(company, alive_at=NOW - timedelta(minutes=10))
    elsewhere = Company.objects.create(name="Elsewhere", unified_connection_id="conn-else")
    dead_elsewhere = running_log(elsewhere, alive_at=NOW - timedelta(minutes=10))

    log = sync_log_start(company=company, trigger="manual", full=False, run_id="r1")

    assert (log.status, log.started_at, log.heartbeat_at, log.run_id) == (RUNNING, NOW, NOW, "r1")
    assert SyncLog.objects.get(pk=dead_here.pk).status == FAILED
    assert SyncLog.objects.get(pk=dead_elsewhere.pk).status == RUNNING


# --- the webhook sensor ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sensor_skips_companies_whose_sync_runs_and_reaps_dead_ones(frozen):
    busy = Company.objects.create(name="Busy", unified_connection_id="conn-busy")
    running_log(busy, alive_at=NOW - timedelta(seconds=20))
    SyncLog.objects.create(company=busy, status=SyncLog.Status.QUEUED)
    idle = Company.objects.create(name="Idle", unified_connection_id="conn-idle")
    idle_queued = SyncLog.objects.create(company=idle, status=SyncLog.Status.QUEUED)
    dead = Company.objects.create(name="Dead", unified_connection_id="conn-dead")
    dead_run = running_log(dead, alive_at=NOW - timedelta(minutes=30))
    dead_queued = SyncLog.objects.create(company=dead, status=SyncLog.Status.QUEUED)

    requests = sensor_requests()

    assert [r.run_key for r in requests] == [
        f"synclog-{idle_queued.pk}",
        f"synclog-{dead_queued.pk}",
    ]
    assert SyncLog.objects.get(pk=dead_run.pk).status == FAILED


# --- the heartbeat --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_advances_during_a_long_step(run_sync, sandbox, settings):
    """Each answer takes 0.2 s; a beat every 0.05 s renews the lease while a step waits."""
    settings.SYNC_HEARTBEAT_SECONDS = 0.05
    sandbox.faults.delay = 0.2
    beats = []  # (thread, rows renewed, heartbeat_at written, progress then)
    beat = sync_service.sync_log_heartbeat

    def recorded_beat(log_id: int) -> int:
        rows = beat(log_id)
        progress, heartbeat_at = SyncLog.objects.values_list("progress", "heartbeat_at").get(
            pk=log_id
        )
        beats.append((threading.current_thread().name, rows, heartbeat_at, progress))
        return rows

    with (
        time_machine.travel(NOW, tick=True),
        mock.patch.object(sync_service, "sync_log_heartbeat", recorded_beat),
    ):
        started = time.monotonic()
        result = run_sync()
        elapsed = time.monotonic() - started

    assert result.success
    log = SyncLog.objects.get()
    assert log.status == SyncLog.Status.SUCCESS
    during_invoices = [b for b in beats if b[3] == "fetching invoices"]
    # At least one 0.2 s answer: about 4 beats; 2 leave room for a slow machine.
    assert len(during_invoices) >= 2, beats
    assert {(name, rows) for name, rows, *_ in during_invoices} == {(f"sync-heartbeat-{log.pk}", 1)}
    moments = [heartbeat_at for _, _, heartbeat_at, _ in during_invoices]
    assert moments == sorted(set(moments))  # strictly advancing
    assert moments[0] > NOW and moments[-1] < NOW + timedelta(seconds=elapsed + 1)
    assert not [t for t in threading.enumerate() if t.name.startswith("sync-heartbeat-")]


def _slow_load(seconds: float, during):
    """`ledger_load_staged` that, its writes done and its transaction still open, runs
    `during()` in another thread (its own connection) for `seconds`."""
    load = sync_service.ledger_load_staged

    def slow(**kwargs):
        load(**kwargs)
        reader = threading.Thread(target=during, args=(seconds,), name="progress-reader")
        reader.start()
        reader.join()

    return mock.patch.object(sync_service, "ledger_load_staged", slow)


@pytest.mark.django_db(transaction=True)
def test_a_progress_read_during_the_load_sees_the_heartbeat_move(run_sync, sandbox, settings):
    """The load transaction does not hold the SyncLog's row: beats from the heartbeat thread
    commit while the ledger is loading, and a reader (the progress page) sees them."""
    from django.db import connection

    settings.SYNC_HEARTBEAT_SECONDS = 0.05
    seen = []  # (progress, heartbeat_at) read while the load's transaction is open

    def read_progress(seconds: float) -> None:
        try:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                seen.append(SyncLog.objects.values_list("progress", "heartbeat_at").get())
                time.sleep(0.1)
        finally:
            connection.close()

    with _slow_load(1.5, read_progress):
        result = run_sync()

    assert result.success
    assert SyncLog.objects.get().status == SyncLog.Status.SUCCESS
    assert len(seen) >= 5 and {progress for progress, _ in seen} == {"loading"}
    moments = [heartbeat_at for _, heartbeat_at in seen]
    if connection.vendor == "sqlite":
        # One writer at a time: no beat commits during the load's transaction, whose own
        # renewal commits with it.
        assert len(set(moments)) == 1
        assert SyncLog.objects.get().heartbeat_at > moments[0]
    else:
        assert len(set(moments)) >= 4, moments  # a beat every 0.05 s, reads every 0.1 s
        assert moments == sorted(moments)


@pytest.mark.django_db(transaction=True)
def test_a_sync_reaped_during_its_load_commits_nothing(run_sync, sandbox, settings):
    """With the row unlocked during the load, a reaper can take a silent sync meanwhile: the
    check at the end of the transaction then refuses the commit (nothing loaded)."""
    from django.db import connection

    from ar_dashboard.models import Invoice

    if connection.vendor == "sqlite":
        pytest.skip("SQLite: one writer at a time, no reaper writes while a load's is open")
    settings.SYNC_HEARTBEAT_SECONDS = 60  # silent: no beat while the load runs

    def reap(seconds: float) -> None:
        from django.db import connection

        try:
            SyncLog.objects.filter(status=SyncLog.Status.RUNNING).update(
                status=SyncLog.Status.FAILED, error="reaped"
            )
        finally:
            connection.close()

    with _slow_load(0, reap):
        result = run_sync()

    assert not result.success
    assert not Invoice.objects.exists()
    assert SyncLog.objects.get().status == SyncLog.Status.FAILED


@pytest.mark.django_db
def test_a_failing_heartbeat_never_breaks_the_sync(run_sync, sandbox, settings, caplog, today):
    settings.SYNC_HEARTBEAT_SECONDS = 0.01
    sandbox.faults.delay = 0.05

    def broken_beat(log_id: int) -> int:
        raise RuntimeError("database is locked")

    with mock.patch.object(sync_service, "sync_log_heartbeat", broken_beat):
        result = run_sync()

    assert result.success
    assert SyncLog.objects.get().status == SyncLog.Status.SUCCESS
    assert any("heartbeat of sync log" in r.getMessage() for r in caplog.records)


# --- sync_ar shows what was rejected --------------------------------------------------------


@pytest.mark.django_db
def test_sync_ar_lists_each_rejected_record(sandbox, sync_ar_settings, today):
    sandbox.faults.malformed_ids.add("inv-5")

    out, _ = sync_ar("--connection", CONNECTION, "--base-url", sandbox.base_url)

    log = SyncLog.objects.get()
    assert log.status == SyncLog.Status.PARTIAL
    (rejected,) = log.rejected
    assert (rejected["object"], rejected["id"]) == ("invoices", "inv-5")
    summary, *lines = out.splitlines()
    assert summary.startswith(f"{COMPANY}: success with rejected records;")
    assert lines == [f"  rejected invoices inv-5: {rejected['reason']}"]


@pytest.mark.django_db
def test_sync_ar_lists_the_first_rejected_records_then_how_many_more(
    sandbox, sync_ar_settings, today
):
    sandbox.faults.malformed_ids.update({"inv-5", "inv-6", "inv-7"})

    with mock.patch("ar_dashboard.management.commands.sync_ar.MAX_REJECTED_SHOWN", 2):
        out, _ = sync_ar("--connection", CONNECTION, "--base-url", sandbox.base_url)

    log = SyncLog.objects.get()
    assert sorted(r["id"] for r in log.rejected) == ["inv-5", "inv-6", "inv-7"]
    _, *lines = out.splitlines()
    first, second = log.rejected[:2]
    assert lines == [
        f"  rejected invoices {first['id']}: {first['reason']}",
        f"  rejected invoices {second['id']}: {second['reason']}",
        f"  and 1 more rejected (sync log {log.pk})",  # 3 rejected − 2 shown
    ]


def test_a_reaped_sync_does_not_commit_its_load(company_a):
    """A process stalled past its lease was reaped: when it wakes up, its load is refused and
    the ledger stays as it was (nothing loaded, the reason named)."""
    from ar_dashboard.models import Invoice
    from ar_dashboard.services.ledger_load import ExtractBatch, ledger_parse
    from ar_dashboard.services.sync import SyncLeaseLost, ledger_commit

    log = SyncLog.objects.create(company=company_a, status=SyncLog.Status.FAILED)
    raw = {
        "id": "i1",
        "type": "INVOICE",
        "contact_id": "c1",
        "currency": "USD",
        "posted_at": "2026-01-10T00:00:00Z",
        "total_amount": 100,
        "balance_amount": 100,
    }
    batch = ExtractBatch(invoices=[raw])
    with pytest.raises(SyncLeaseLost, match=f"sync log {log.pk} is no longer running"):
        ledger_commit(
            company=company_a,
            batch=batch,
            parsed=ledger_parse(batch=batch),
            full=False,
            sync_log_id=log.pk,
        )
    assert not Invoice.objects.filter(company=company_a).exists()
