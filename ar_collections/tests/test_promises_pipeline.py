"""Promises are kept or broken by the payments the real pipeline loads (never by hand).

etl/tests' small ledger, served by the sandbox, synced by the `ar_data_pipeline` job. Customer
c-usd owes inv-1 (1000 − 20 credit = 980.00 open, due 2026-02-05) and inv-7 (90.00). Today is
2026-03-15. The sandbox is then told to record payments (POST /payment/{connection}/payment,
as Unified.to's create-payment call), and the next sync loads them.
"""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import httpx
import pytest
import time_machine

from ar_collections.priority import PromiseStatus
from ar_collections.selectors import promises_with_status
from ar_collections.services import activities
from ar_dashboard.models import Company, Customer, Invoice
from connectors.unified.sandbox import SandboxServer
from etl.definitions import defs
from etl.schedules import sync_run_config
from etl.tests.conftest import API_KEY, CONNECTION, NOW, small_ledger, unified_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox():
    with SandboxServer(small_ledger(), api_key=API_KEY, connection_ids={CONNECTION}) as server:
        yield server


def sync(server) -> None:
    result = defs.resolve_job_def("ar_data_pipeline").execute_in_process(
        run_config=sync_run_config(connection_id=CONNECTION, trigger="manual"),
        resources={"unified": unified_for(server)},
        raise_on_error=False,
    )
    assert result.success


def pay(server, invoice_id: str, amount, paid_at: str) -> dict:
    answer = httpx.post(
        f"{server.base_url}/payment/{CONNECTION}/payment",
        json={"invoice_id": invoice_id, "total_amount": amount, "paid_at": paid_at},
        headers={"Authorization": f"Bearer {API_KEY}"},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def statuses(company, as_of) -> dict:
    return {r.id: (r.status, r.paid) for r in promises_with_status(company=company, as_of=as_of)}


def test_a_loaded_payment_keeps_a_promise_and_a_missed_one_breaks(sandbox):
    with time_machine.travel(NOW, tick=False):
        sync(sandbox)
        company = Company.objects.get(unified_connection_id=CONNECTION)
        customer = Customer.objects.get(company=company, external_id="c-usd")
        inv1 = Invoice.objects.get(company=company, external_id="inv-1")
        inv7 = Invoice.objects.get(company=company, external_id="inv-7")
        made = date(2026, 3, 15)
        on_inv1 = activities.promise_create(
            customer=customer,
            author=None,
            made_on=made,
            promised_on=date(2026, 3, 18),
            amount=D("980.00"),
            invoice_ids=[inv1.pk],
        )
        on_inv7 = activities.promise_create(
            customer=customer,
            author=None,
            made_on=made,
            promised_on=date(2026, 3, 16),
            amount=D("90.00"),
            invoice_ids=[inv7.pk],
        )
        on_account = activities.promise_create(
            customer=customer,
            author=None,
            made_on=made,
            promised_on=date(2026, 3, 20),
            amount=D("500.00"),
        )
        assert statuses(company, made) == {
            on_inv1.pk: (PromiseStatus.OPEN, D("0")),
            on_inv7.pk: (PromiseStatus.OPEN, D("0")),
            on_account.pk: (PromiseStatus.OPEN, D("0")),
        }

    # The customer pays inv-1 in full on 03-17 (booked upstream that day); nothing for inv-7.
    with time_machine.travel(datetime(2026, 3, 17, 12, tzinfo=UTC), tick=False):
        payment = pay(sandbox, "inv-1", 980, "2026-03-17")
        assert (payment["total_amount"], payment["invoice_id"]) == (980, "inv-1")
        # Before a sync loads it, nothing has changed.
        assert statuses(company, date(2026, 3, 17))[on_inv1.pk][0] == PromiseStatus.OPEN
        sync(sandbox)

    inv1.refresh_from_db()
    assert inv1.balance == 0
    # 03-19: inv-1's promise kept (980 paid on 03-17 ≤ 03-18 + 2); inv-7's broken (promised
    # 03-16, grace to 03-18, nothing paid); the on-account promise counts the customer's
    # payments since 03-15 in USD: 980 ≥ 500, kept.
    assert statuses(company, date(2026, 3, 19)) == {
        on_inv1.pk: (PromiseStatus.KEPT, D("980.0000")),
        on_inv7.pk: (PromiseStatus.BROKEN, D("0")),
        on_account.pk: (PromiseStatus.KEPT, D("980.0000")),
    }
    # As of a day before the payment, the same promise was still open: history holds.
    assert statuses(company, date(2026, 3, 16))[on_inv1.pk][0] == PromiseStatus.OPEN


def test_a_late_payment_does_not_unbreak_a_promise(sandbox):
    with time_machine.travel(NOW, tick=False):
        sync(sandbox)
        company = Company.objects.get(unified_connection_id=CONNECTION)
        customer = Customer.objects.get(company=company, external_id="c-usd")
        inv7 = Invoice.objects.get(company=company, external_id="inv-7")
        promise = activities.promise_create(
            customer=customer,
            author=None,
            made_on=date(2026, 3, 15),
            promised_on=date(2026, 3, 16),
            amount=D("90.00"),
            invoice_ids=[inv7.pk],
        )
    with time_machine.travel(datetime(2026, 3, 25, 12, tzinfo=UTC), tick=False):
        pay(sandbox, "inv-7", 90, "2026-03-25")  # a week after the grace ended (03-18)
        sync(sandbox)
    assert statuses(company, date(2026, 3, 26))[promise.pk] == (PromiseStatus.BROKEN, D("0"))


def test_the_sandbox_refuses_a_payment_it_cannot_book(sandbox):
    headers = {"Authorization": f"Bearer {API_KEY}"}
    url = f"{sandbox.base_url}/payment/{CONNECTION}/payment"
    too_much = httpx.post(url, json={"invoice_id": "inv-7", "total_amount": 91}, headers=headers)
    assert too_much.status_code == 400 and "at most the balance 90" in too_much.json()["error"]
    missing = httpx.post(url, json={"invoice_id": "nope"}, headers=headers)
    assert missing.status_code == 400
    assert httpx.post(url, json={"invoice_id": "inv-7"}).status_code == 401
