"""The load's delta: which customers' ledgers changed, and the earliest date that changed.

Each case loads a small ledger (c1: i1 of 100 posted 2026-01-10; c2: i2 of 50 posted
2026-01-20), then a second batch, and checks the delta of that second load. Every case runs
through both loads: a batch held in memory (`ledger_load`) and the sync's staging
(`ledger_load_staged`, the path the pipeline takes).
"""

from datetime import date

import pytest

from ar_dashboard.models import Customer, SyncLog
from ar_dashboard.services.ledger_load import ExtractBatch, LoadDelta, ledger_load, ledger_parse
from ar_dashboard.services.ledger_staged import ledger_load_staged, ledger_validate_staged
from ar_dashboard.services.staging import records_stage
from ar_dashboard.tests.services.test_ledger_load import contact, invoice

pytestmark = pytest.mark.django_db


def load_in_memory(company, full=False, **lists):
    return ledger_load(company=company, parsed=ledger_parse(batch=ExtractBatch(**lists)), full=full)


def load_staged(company, full=False, **lists):
    log = SyncLog.objects.create(company=company, status=SyncLog.Status.SUCCESS)  # any log
    for obj in ("contacts", "invoices", "creditmemos", "payments"):
        records_stage(sync_log_id=log.pk, obj=obj, records=lists.get(obj, []))
    report, _ = ledger_validate_staged(sync_log_id=log.pk)
    return ledger_load_staged(company=company, sync_log_id=log.pk, report=report, full=full)


@pytest.fixture(params=[load_in_memory, load_staged], ids=["in_memory", "staged"])
def load(request):
    return request.param


def payment(pid, contact_id, invoice_id, amount, paid_at):
    return {
        "id": pid,
        "contact_id": contact_id,
        "total_amount": amount,
        "currency": "USD",
        "paid_at": paid_at,
        "status": "SUCCEEDED",
        "updated_at": paid_at,
        "allocations": [{"object_type": "INVOICE", "object_id": invoice_id, "amount": amount}],
    }


def base(load, company):
    return load(
        company,
        contacts=[contact("c1"), contact("c2")],
        invoices=[invoice("i1", "c1", total=100), invoice("i2", "c2", total=50, **JAN_20)],
    )


JAN_20 = {"posted_at": "2026-01-20T09:00:00Z", "updated_at": "2026-01-20T09:00:00Z"}


def pk(external_id):
    return Customer.objects.get(external_id=external_id).pk


def test_a_first_load_changes_everything(load, company_a):
    assert base(load, company_a).delta == LoadDelta.everything()


def test_a_new_payment_changes_its_customer_from_its_date(load, company_a):
    """p1 pays i1 (c1) 40 on 2026-03-05: only c1, since the payment's date (its document and
    its allocation are both dated 2026-03-05; i1 itself is not restated)."""
    base(load, company_a)
    result = load(company_a, payments=[payment("p1", "c1", "i1", 40, "2026-03-05T12:00:00Z")])
    assert result.delta == LoadDelta(frozenset({pk("c1")}), date(2026, 3, 5))


def test_an_invoice_deleted_upstream_changes_its_customer_from_its_posted_date(load, company_a):
    """The full listing no longer has i2 (c2, posted 2026-01-20): c2 changed from then on.
    i1 is restated unchanged by the full sync: its customer c1 is in the delta too (a full
    sync restates what it lists), but not its date: nothing of i1's past changed, so the
    earliest date is i2's."""
    base(load, company_a)
    result = load(company_a, full=True, invoices=[invoice("i1", "c1", total=100)])
    assert result.counts["documents"]["deleted"] == 1
    assert result.delta == LoadDelta(frozenset({pk("c1"), pk("c2")}), date(2026, 1, 20))


def test_an_incremental_delete_of_one_invoice_names_only_its_customer(load, company_a):
    """i2 comes back DELETED (status): c2 only, since its posted date 2026-01-20."""
    base(load, company_a)
    result = load(company_a, invoices=[invoice("i2", "c2", total=50, status="DELETED", **JAN_20)])
    assert result.delta == LoadDelta(frozenset({pk("c2")}), date(2026, 1, 20))


def test_a_document_moved_between_customers_names_both(load, company_a):
    """i2 moves from c2 to c1 and is re-dated 2026-02-01: both customers, since the earlier of
    its old and new posted dates (2026-01-20)."""
    base(load, company_a)
    moved = invoice("i2", "c1", total=50, posted_at="2026-02-01T09:00:00Z")
    result = load(company_a, invoices=[{**moved, "updated_at": "2026-02-02T00:00:00Z"}])
    assert result.delta == LoadDelta(frozenset({pk("c1"), pk("c2")}), date(2026, 1, 20))


def test_a_resync_of_the_same_records_changes_nothing(load, company_a):
    """The incremental overlap re-reads i1 unchanged: its content hash is the stored one."""
    base(load, company_a)
    result = load(company_a, invoices=[invoice("i1", "c1", total=100)])
    assert result.counts["documents"]["unchanged"] == 1
    assert result.delta.is_empty
    assert result.delta == LoadDelta(frozenset(), None)


def test_an_invoice_paid_in_full_changes_its_customer_from_the_payment_date(load, company_a):
    """i1 (posted 2026-01-10) comes back PAID, balance 0, with p1 paying it on 2026-03-05:
    i1's balance on any date before 2026-03-05 is still 100 (its balance + the allocation
    after the date), so only c1 changed, and only from 2026-03-05 (the bench's incremental
    sync: a month-end before the payment is not recomputed)."""
    base(load, company_a)
    paid = invoice("i1", "c1", total=100, paid=100, status="PAID")
    result = load(
        company_a,
        invoices=[{**paid, "updated_at": "2026-03-05T12:00:00Z"}],
        payments=[payment("p1", "c1", "i1", 100, "2026-03-05T12:00:00Z")],
    )
    assert result.delta == LoadDelta(frozenset({pk("c1")}), date(2026, 3, 5))


def test_a_balance_change_no_payment_explains_changes_from_its_implied_date(load, company_a):
    """i1's balance drops 100 → 70 with no payment: the implied row of 30 is dated by the
    edit (updated 2026-04-02), so c1 changed from 2026-04-02, not from i1's posted date."""
    base(load, company_a)
    part = invoice("i1", "c1", total=100, paid=30, updated_at="2026-04-02T08:00:00Z")
    result = load(company_a, invoices=[part])
    assert result.delta == LoadDelta(frozenset({pk("c1")}), date(2026, 4, 2))


def test_an_implied_row_whose_amount_moves_under_its_key_is_noted(load, company_a):
    """i1 is paid 30 on 2026-03-01 (`paid_at`: the implied row's date), then 60 by the same
    date in a later edit: the row keeps its key (2026-03-01) and its amount moves 30 → 60,
    so c1 changed from 2026-03-01 although no dated row and no date of i1 changed."""
    base(load, company_a)
    first = invoice("i1", "c1", total=100, paid=30, paid_at="2026-03-01T00:00:00Z")
    load(company_a, invoices=[{**first, "updated_at": "2026-03-01T10:00:00Z"}])
    second = invoice("i1", "c1", total=100, paid=60, paid_at="2026-03-01T00:00:00Z")
    result = load(company_a, invoices=[{**second, "updated_at": "2026-04-15T10:00:00Z"}])
    assert result.delta == LoadDelta(frozenset({pk("c1")}), date(2026, 3, 1))


@pytest.mark.parametrize(
    "change",
    [
        {"due_at": "2026-03-09T09:00:00Z"},  # due date: the bucket of every past date
        {"total_amount": 120, "balance_amount": 120},  # the amount itself
        {"currency": "EUR"},
        {"status": "VOIDED"},  # out of AR on every date
    ],
    ids=["due-date", "total", "currency", "voided"],
)
def test_a_change_to_what_past_dates_see_changes_from_the_posted_date(load, company_a, change):
    """Due date, total, currency or leaving AR: c1 changed from i1's posted date 2026-01-10."""
    base(load, company_a)
    edited = {**invoice("i1", "c1", total=100), **change, "updated_at": "2026-05-01T00:00:00Z"}
    result = load(company_a, invoices=[edited])
    assert result.delta == LoadDelta(frozenset({pk("c1")}), date(2026, 1, 10))
