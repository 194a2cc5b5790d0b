"""The extract's staging table and the bulk writers the load uses (both databases)."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from ar_dashboard.models import Customer, Invoice, StagedRecord, SyncLog
from ar_dashboard.services import bulk
from ar_dashboard.services.staging import (
    records_stage,
    staged_ids,
    staged_records,
    staging_clear,
)

pytestmark = pytest.mark.django_db


def test_staged_records_come_back_in_order_in_batches_with_the_newest_update(company_a):
    """5 records staged, read back 2 at a time: [r0 r1] [r2 r3] [r4]; the newest update is
    r3's 2026-03-04 (r4's unparseable `updated_at` moves nothing)."""
    log = SyncLog.objects.create(company=company_a, status=SyncLog.Status.SUCCESS)
    records = [
        {"id": f"r{i}", "updated_at": f"2026-03-0{i + 1}T00:00:00Z", "n": i} for i in range(4)
    ]
    records.append({"id": "r4", "updated_at": "not a date"})

    report = records_stage(sync_log_id=log.pk, obj="invoices", records=iter(records))

    assert (report.records, report.latest_update) == (5, datetime(2026, 3, 4, tzinfo=UTC))
    pages = [
        [raw for _, raw in page]
        for page in staged_records(sync_log_id=log.pk, obj="invoices", size=2)
    ]
    assert pages == [records[0:2], records[2:4], records[4:5]]
    assert staged_ids(sync_log_id=log.pk, objects=("invoices",), ids=["r1", "x"]) == {"r1"}


def test_staging_again_replaces_and_clearing_drops_the_rows(company_a):
    log = SyncLog.objects.create(company=company_a, status=SyncLog.Status.SUCCESS)
    records_stage(sync_log_id=log.pk, obj="payments", records=[{"id": "p1"}, {"id": "p2"}])
    records_stage(sync_log_id=log.pk, obj="payments", records=[{"id": "p3"}])  # a retried step
    assert list(StagedRecord.objects.values_list("external_id", flat=True)) == ["p3"]

    staging_clear(sync_log_id=log.pk)
    assert not StagedRecord.objects.exists()


def test_rows_upsert_inserts_then_updates_only_the_named_fields(company_a):
    """c1 is inserted, then upserted with a new name and email: the name changes (it is in
    `update`), the email keeps its first value (it is not)."""
    columns = ("company_id", "external_id", "name", "email", "currency", "is_active")
    first = [(company_a.pk, "c1", "First", "a@example.com", "USD", True)]
    bulk.rows_upsert(Customer, columns, first, unique=("company", "external_id"), update=("name",))
    again = [(company_a.pk, "c1", "Renamed", "b@example.com", "USD", True)]
    bulk.rows_upsert(Customer, columns, again, unique=("company", "external_id"), update=("name",))

    assert list(Customer.objects.values_list("external_id", "name", "email")) == [
        ("c1", "Renamed", "a@example.com")
    ]


def test_rows_upsert_writes_money_dates_and_json(company_a):
    columns = ("company_id", "external_id", "external_contact_id", "number", "source_status")
    columns += ("doc_type", "posted_on", "due_on", "currency", "total", "paid", "balance")
    columns += ("warnings",)
    day = datetime(2026, 1, 10, tzinfo=UTC).date()
    row = (company_a.pk, "i1", "c1", "I1", "AUTHORIZED", "INVOICE", day, day, "USD")
    row += (D("100.1234"), D(0), D("100.1234"))
    bulk.rows_upsert(
        Invoice,
        columns,
        [(*row, ["due_at missing: posted date used"])],
        unique=("company", "external_id"),
        update=("total",),
    )

    invoice = Invoice.objects.get()
    assert (invoice.total, invoice.posted_on) == (D("100.1234"), day)
    assert invoice.warnings == ["due_at missing: posted date used"]
