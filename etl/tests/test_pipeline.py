"""The whole `ar_data_pipeline` job against the sandbox: load, reconcile, resync, fail safely.

Steps run in the test's thread (the job's executor is in-process), so the test transaction
holds everything and no `transaction=True` flush is needed.
"""

import time
from datetime import UTC, date, datetime
from decimal import Decimal as D
from unittest import mock

import pytest
import time_machine
from dagster import mem_io_manager

from ar_dashboard import selectors
from ar_dashboard.models import Allocation, ARSummary, Company, Invoice, SyncCursor, SyncLog
from ar_dashboard.services.ledger_load import SOURCE_DOC_TYPES
from connectors.unified.sandbox import SandboxData, SandboxServer
from etl.assets import ALL_ASSETS
from etl.checks import ALL_CHECKS
from etl.resources import DjangoResource
from etl.schedules import sync_run_config
from etl.tests.conftest import API_KEY, CONNECTION, unified_for

pytestmark = pytest.mark.django_db


def ledger_rows(company: Company) -> tuple[list[dict], list[dict]]:
    invoices = Invoice.objects.filter(company=company).order_by("external_id")
    allocations = Allocation.objects.filter(company=company).order_by(
        "document__external_id", "ref", "target", "stated_by", "allocated_on", "line"
    )
    return list(invoices.values()), list(allocations.values())


def open_total(company: Company, currency: str, today: date) -> D:
    filters = selectors.ARFilters(as_of=today, today=today, currency=currency)
    return selectors.summary_total(company=company, filters=filters)


def summary_total(company: Company, currency: str, as_of: date) -> D:
    return sum(
        ARSummary.objects.filter(company=company, currency=currency, as_of=as_of).values_list(
            "total", flat=True
        ),
        start=D(0),
    )


def ar_document_count(data: SandboxData) -> int:
    """What the loader keeps: INVOICE and CREDITMEMO documents, credit memos deduplicated."""
    ids = {r["id"] for r in data.records("invoice") if r.get("type") in ("INVOICE", "CREDITMEMO")}
    return len(ids | {r["id"] for r in data.records("creditmemo")})


def test_sync_loads_the_ledger_and_its_totals_reconcile(run_sync, sandbox, today):
    result = run_sync()

    assert result.success
    company = Company.objects.get(unified_connection_id=CONNECTION)
    log = SyncLog.objects.get(company=company)
    assert (log.status, log.trigger, log.error) == (SyncLog.Status.SUCCESS, "manual", "")
    assert log.run_id == result.run_id
    assert (
        Invoice.objects.filter(company=company, doc_type__in=SOURCE_DOC_TYPES).count()
        == ar_document_count(sandbox.data)
        == 9
    )
    # By hand: USD 980 + 150 + 90 (inv-3 paid, inv-4 voided) - 30 unapplied credit; EUR 600+320+45.
    assert open_total(company, "USD", today) == summary_total(company, "USD", today) == D("1190")
    assert open_total(company, "EUR", today) == summary_total(company, "EUR", today) == D("965")
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == 5
    assert all(e.passed for e in evaluations), [e.description for e in evaluations]
    assert result.output_for_node("sync_log")["status"] == "success"


def test_a_second_full_sync_changes_no_row(run_sync, today):
    assert run_sync().success
    company = Company.objects.get(unified_connection_id=CONNECTION)
    before = ledger_rows(company)

    assert run_sync(full=True).success

    assert ledger_rows(company) == before
    assert SyncLog.objects.filter(company=company, status=SyncLog.Status.SUCCESS).count() == 2


def test_incremental_sync_asks_from_the_cursor_and_changes_only_edited_invoices(
    run_sync, sandbox, today
):
    assert run_sync().success
    company = Company.objects.get(unified_connection_id=CONNECTION)
    before = {row["external_id"]: row for row in ledger_rows(company)[0]}
    edited = ["inv-1", "inv-2", "inv-5", "inv-6", "inv-8"]
    for external_id in edited:
        sandbox.data.update(
            "invoice",
            external_id,
            {"invoice_number": f"{external_id}-R", "due_at": "2026-04-30T09:00:00Z"},
            updated_at=datetime(2026, 3, 14, 8, 0, tzinfo=UTC),
        )
    sandbox.request_log.clear()

    result = run_sync()

    assert result.success
    invoice_queries = [q for _, path, q, _ in sandbox.request_log if path.endswith("/invoice")]
    assert invoice_queries and all(
        q["updated_gte"] == "2026-02-12T09:55:00Z" for q in invoice_queries
    )  # inv-8's updated_at, the newest seen by the first sync, less the 5-minute overlap
    assert all("updated_gte" in q for _, _, q, _ in sandbox.request_log)
    after = {row["external_id"]: row for row in ledger_rows(company)[0]}
    changed = sorted(k for k in after if after[k] != before[k])
    assert changed == edited
    assert after["inv-5"]["number"] == "inv-5-R"
    assert after["inv-5"]["due_on"] == date(2026, 4, 30)


def test_a_crash_during_the_load_keeps_the_previous_ledger_and_says_why(run_sync, sandbox, today):
    assert run_sync().success
    company = Company.objects.get(unified_connection_id=CONNECTION)
    before = ledger_rows(company)
    cursors = list(SyncCursor.objects.filter(company=company).values())
    sandbox.data.update(
        "invoice",
        "inv-1",
        {"invoice_number": "CHANGED"},
        updated_at=datetime(2026, 3, 14, tzinfo=UTC),
    )

    with mock.patch(
        "ar_dashboard.services.ledger_load._load_payments", side_effect=RuntimeError("disk full")
    ):
        result = run_sync()

    assert not result.success
    assert ledger_rows(company) == before
    assert list(SyncCursor.objects.filter(company=company).values()) == cursors
    log = SyncLog.objects.filter(company=company).latest("id")
    assert (log.status, log.error) == (
        SyncLog.Status.FAILED,
        "The sync stopped on an unexpected error; retry, and tell support if it persists. "
        "Nothing from this sync was saved: the figures are still those of the last good sync. "
        "Detail: RuntimeError: disk full",
    )
    assert log.finished_at is not None and log.progress == "failed"
    # The counts known when it failed: inv-1, and inv-8 re-read at the inclusive cursor.
    assert log.counts["invoices"]["fetched"] == 2


def test_a_malformed_record_is_rejected_and_the_rest_loaded(run_sync, sandbox, today):
    sandbox.faults.malformed_ids.add("inv-5")

    result = run_sync()

    assert result.success
    log = SyncLog.objects.get()
    assert log.status == SyncLog.Status.PARTIAL
    assert [(r["object"], r["id"]) for r in log.rejected] == [("invoices", "inv-5")]
    assert "is not" in log.rejected[0]["reason"]  # a bad date or amount, named
    assert (
        Invoice.objects.filter(doc_type__in=SOURCE_DOC_TYPES).count()
        == ar_document_count(sandbox.data) - 1
    )
    assert not Invoice.objects.filter(external_id="inv-5").exists()
    rejected = {e.check_name: e for e in result.get_asset_check_evaluations()}["rejected_records"]
    assert not rejected.passed and "inv-5" in rejected.description


def test_rate_limits_and_server_errors_are_retried_without_sleeping(run_sync, sandbox, today):
    sandbox.faults.server_errors = 2
    sandbox.faults.rate_limit_every = 3
    sandbox.faults.retry_after = 5  # capped by the resource's backoff_max (0.01 s)

    started = time.monotonic()
    result = run_sync()

    # Honouring Retry-After (5 s) uncapped would sleep for half a minute or more.
    assert time.monotonic() - started < 20
    assert result.success
    statuses = [status for *_, status in sandbox.request_log]
    assert statuses.count(500) == 2 and 429 in statuses
    assert SyncLog.objects.get().status == SyncLog.Status.SUCCESS
    assert Invoice.objects.filter(doc_type__in=SOURCE_DOC_TYPES).count() == 9


def test_a_queued_webhook_sync_is_claimed_by_the_run(run_sync, today):
    company = Company.objects.create(name="Hooked", unified_connection_id=CONNECTION)
    queued = SyncLog.objects.create(
        company=company, status=SyncLog.Status.QUEUED, trigger=SyncLog.Trigger.WEBHOOK
    )

    assert run_sync(sync_log_id=queued.pk).success

    queued.refresh_from_db()
    assert (queued.status, queued.trigger) == (SyncLog.Status.SUCCESS, "webhook")
    assert SyncLog.objects.count() == 1


def test_the_demo_ledger_materializes_end_to_end():
    """18 months of the demo company, every asset and check through `materialize()`."""
    from dagster import materialize

    data = SandboxData.from_demo(today=date(2026, 11, 15))
    with (
        time_machine.travel(datetime(2026, 11, 15, 7, 0, tzinfo=UTC), tick=True),
        SandboxServer(data, api_key=API_KEY, connection_ids={CONNECTION}) as server,
    ):
        result = materialize(
            [*ALL_ASSETS, *ALL_CHECKS],
            run_config=sync_run_config(connection_id=CONNECTION, trigger="demo"),
            resources={
                "django": DjangoResource(),
                "unified": unified_for(server),
                "io_manager": mem_io_manager,
            },
        )
    assert result.success
    company = Company.objects.get(unified_connection_id=CONNECTION)
    log = SyncLog.objects.get(company=company)
    assert log.status == SyncLog.Status.SUCCESS
    assert Invoice.objects.filter(
        company=company, doc_type__in=SOURCE_DOC_TYPES
    ).count() == ar_document_count(data) - len(log.rejected)
    currencies = selectors.currencies_in_use(company=company)
    assert len(currencies) > 1
    for currency in currencies:
        total = open_total(company, currency, date(2026, 11, 15))
        assert summary_total(company, currency, date(2026, 11, 15)) == total, currency
    assert all(e.passed for e in result.get_asset_check_evaluations())
    assert company.snapshots.values("as_of").distinct().count() == 25  # today + 24 month-ends
