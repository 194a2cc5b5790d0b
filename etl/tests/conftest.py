"""A small hand-made ledger served by the sandbox, and a helper running the pipeline job on it.

The ledger (as of 2026-03-15, the pinned today) holds two customers in USD and EUR, a supplier,
eight invoices (one partly paid, one paid, one voided), a bill, a credit memo applied to an
invoice, and two payments: every shape the loader distinguishes, small enough to read.
"""

from datetime import UTC, datetime

import pytest
import time_machine

from connectors.unified import client as client_module
from connectors.unified.sandbox import Faults, SandboxData, SandboxServer
from etl.definitions import defs
from etl.resources import UnifiedResource
from etl.schedules import sync_run_config

API_KEY = "etl-test-key"
CONNECTION = "conn-etl"
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def contact(cid: str, currency: str, **extra) -> dict:
    return {
        "id": cid,
        "name": f"Customer {cid}",
        "is_customer": True,
        "currency": currency,
        "emails": [{"email": f"{cid}@example.com"}],
        "updated_at": "2026-01-02T08:00:00Z",
        **extra,
    }


def invoice(
    iid: str,
    contact_id: str,
    currency: str,
    total: int,
    *,
    paid: int = 0,
    day: int = 10,
    month: int = 1,
    **extra,
) -> dict:
    return {
        "id": iid,
        "type": "INVOICE",
        "invoice_number": iid.upper(),
        "status": "AUTHORIZED",
        "contact_id": contact_id,
        "currency": currency,
        "posted_at": f"2026-{month:02d}-{day:02d}T09:00:00Z",
        "due_at": f"2026-{month + 1:02d}-{day:02d}T09:00:00Z",
        "total_amount": total,
        "paid_amount": paid,
        "balance_amount": total - paid,
        "updated_at": f"2026-{month:02d}-{day:02d}T10:00:00Z",
        **extra,
    }


def small_ledger() -> SandboxData:
    invoices = [
        invoice("inv-1", "c-usd", "USD", 1000, paid=20, day=5),
        invoice(
            "inv-2",
            "c-usd",
            "USD",
            250,
            paid=100,
            day=6,
            payments=[
                {"payment_id": "pay-1", "amount": 100, "allocated_at": "2026-02-20T10:00:00Z"}
            ],
        ),
        invoice(
            "inv-3",
            "c-usd",
            "USD",
            400,
            paid=400,
            day=7,
            status="PAID",
            paid_at="2026-02-01T10:00:00Z",
        ),
        invoice("inv-4", "c-usd", "USD", 75, day=8, status="VOIDED"),
        invoice("inv-5", "c-eur", "EUR", 600, day=9),
        invoice("inv-6", "c-eur", "EUR", 320, day=10, month=2),
        invoice("inv-7", "c-usd", "USD", 90, day=11, month=2),
        invoice("inv-8", "c-eur", "EUR", 45, day=12, month=2),
        invoice("bill-1", "s-1", "USD", 500, day=3, type="BILL"),
    ]
    creditmemos = [
        {
            "id": "cm-1",
            "creditmemo_number": "CM-1",
            "status": "AUTHORIZED",
            "contact_id": "c-usd",
            "currency": "USD",
            "posted_at": "2026-02-02T09:00:00Z",
            "total_amount": 50,
            "balance_amount": 30,
            "updated_at": "2026-02-02T10:00:00Z",
            "applications": [
                {"object_id": "inv-1", "amount": 20, "applied_at": "2026-02-03T10:00:00Z"}
            ],
        }
    ]
    payments = [
        {
            "id": "pay-1",
            "contact_id": "c-usd",
            "currency": "USD",
            "total_amount": 100,
            "paid_at": "2026-02-20T10:00:00Z",
            "status": "SUCCEEDED",
            "updated_at": "2026-02-20T10:00:00Z",
            "allocations": [
                {
                    "object_type": "INVOICE",
                    "object_id": "inv-2",
                    "amount": 100,
                    "allocated_at": "2026-02-20T10:00:00Z",
                }
            ],
        },
        {
            "id": "pay-2",
            "contact_id": "c-usd",
            "currency": "USD",
            "total_amount": 400,
            "paid_at": "2026-02-01T10:00:00Z",
            "status": "SUCCEEDED",
            "updated_at": "2026-02-01T10:00:00Z",
            "invoice_id": "inv-3",
        },
    ]
    return SandboxData(
        contacts=[
            contact("c-usd", "USD"),
            contact("c-eur", "EUR"),
            contact("s-1", "USD", is_customer=False, is_supplier=True),
        ],
        invoices=invoices,
        creditmemos=creditmemos,
        payments=payments,
    )


@pytest.fixture
def today():
    """Pins the clock: the summaries are built for the company's today."""
    with time_machine.travel(NOW, tick=True):
        yield NOW.date()


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
def sandbox(faults):
    with SandboxServer(
        small_ledger(), api_key=API_KEY, connection_ids={CONNECTION}, faults=faults
    ) as server:
        yield server


def unified_for(server: SandboxServer) -> UnifiedResource:
    # Millisecond backoff: injected 429/500 answers are retried without real sleeping.
    return UnifiedResource(
        api_key=API_KEY, base_url=server.base_url, backoff_base=0.001, backoff_max=0.01
    )


@pytest.fixture
def run_sync(sandbox):
    """Run the `ar_data_pipeline` job in-process against the sandbox; returns the result."""

    def run(
        *,
        full: bool = False,
        connection: str = CONNECTION,
        sync_log_id: int = 0,
        server: SandboxServer | None = None,
    ):
        job = defs.resolve_job_def("ar_data_pipeline")
        return job.execute_in_process(
            run_config=sync_run_config(
                connection_id=connection, trigger="manual", full=full, sync_log_id=sync_log_id
            ),
            resources={"unified": unified_for(server or sandbox)},
            raise_on_error=False,
        )

    return run


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Every retry wait the client asks for, in seconds (none is slept)."""
    waits: list[float] = []
    monkeypatch.setattr(client_module, "retry_sleep", waits.append)
    return waits


@pytest.fixture
def fault_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DAGSTER_URL = "http://127.0.0.1:9"  # refused at once: the SyncLog answers
