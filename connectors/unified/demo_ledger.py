"""A deterministic, realistic QuickBooks-like AR ledger as raw Unified.to API records.

The local sandbox serves it and the ETL loads it, so the demo company exercises the same code
path as a real connection: records are plain dicts shaped as the Unified.to API returns them
(field names from the unified-python-sdk models). The same arguments always give byte-identical
output: randomness comes only from `random.Random` streams seeded by `seed` (one per customer,
so customers do not shift each other), and every date is relative to `today`, never the clock.

The ledger is as of the start of `today`: nothing is dated later than the day before, as a sync
run in the morning would see it. See `connectors/unified/demo/` for the rules of the simulation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from connectors.unified.demo import counterparties, history, render, settlement
from connectors.unified.demo import dirty as defects
from connectors.unified.demo.entries import Document, Payment
from connectors.unified.demo.profiles import (
    CustomerProfile,
    Habit,
    Size,
    customer_profiles,
    history_start,
)

__all__ = ["CustomerProfile", "DemoLedger", "Habit", "Size", "customer_profiles"]
__all__ += ["generate_demo_ledger"]


@dataclass(frozen=True)
class DemoLedger:
    """Records per endpoint, each list in the order the fake server pages through it."""

    contacts: list[dict]  # AccountingContact
    invoices: list[dict]  # AccountingInvoice, type INVOICE, CREDITMEMO (and a few BILL)
    creditmemos: list[dict]  # AccountingCreditmemo (same credit memos, own endpoint shape)
    payments: list[dict]  # PaymentPayment


def generate_demo_ledger(
    *, today: date, seed: int = 2024, customers: int = 160, months: int = 18, dirty: bool = False
) -> DemoLedger:
    """The demo company's ledger over the `months` months before `today`, as of `today`.

    `dirty=True` adds defective records and QuickBooks' hard ledger cases (see `demo/dirty.py`)
    beside the clean ones, which stay exactly as without it.
    """
    last_day = today - timedelta(days=1)
    profiles = customer_profiles(today=today, seed=seed, customers=customers, months=months)
    documents: list[Document] = []
    payments: list[Payment] = []
    for profile in profiles:
        docs, paid = _customer_history(profile, seed=seed, last_day=last_day)
        documents += docs
        payments += paid
    start = history_start(today, months)
    bills, bill_payments = counterparties.supplier_bills(seed=seed, start=start, last_day=last_day)
    documents += bills + counterparties.orphan_invoices(seed=seed, last_day=last_day)
    documents, payments = render.assign_ids(documents, payments + bill_payments)
    ledger = DemoLedger(
        contacts=_contacts(profiles, start),
        invoices=[render.invoice_record(doc, today) for doc in documents],
        creditmemos=[
            render.creditmemo_record(doc, today) for doc in documents if doc.kind == "CREDITMEMO"
        ],
        payments=[render.payment_record(payment) for payment in payments],
    )
    return _with_dirty_records(ledger, today) if dirty else ledger


def _customer_history(
    profile: CustomerProfile, *, seed: int, last_day: date
) -> tuple[list[Document], list[Payment]]:
    """One customer's invoices, credit memos and payments, from its own random stream."""
    rng = random.Random(f"{seed}:history:{profile.contact_id}")  # noqa: S311 - demo data
    invoices = history.issue_invoices(profile, rng, last_day)
    history.mark_lifecycles(invoices, rng, last_day)
    memos = history.issue_credit_memos(profile, invoices, rng, last_day)
    payments = settlement.settle_customer(profile, invoices, rng, last_day)
    return invoices + memos, payments


def _contacts(profiles: list[CustomerProfile], start: date) -> list[dict]:
    suppliers = [
        render.supplier_record(contact_id, name, domain, start - timedelta(days=400))
        for contact_id, name, domain, _item, _prefix in counterparties.SUPPLIERS
    ]
    return [render.contact_record(profile) for profile in profiles] + suppliers


def _with_dirty_records(ledger: DemoLedger, today: date) -> DemoLedger:
    """The clean ledger followed, in each listing, by the dirty records (clean ones unchanged)."""
    contact_id = next(c["id"] for c in ledger.contacts if c["currency"] == "USD")
    invoices = defects.dirty_invoices(invoices=ledger.invoices, contact_id=contact_id, today=today)
    payments = defects.dirty_payments(contact_id=contact_id, today=today)
    faults = defects.ledger_faults(today=today)
    return DemoLedger(
        contacts=ledger.contacts + faults.contacts,
        invoices=ledger.invoices + invoices + faults.invoices,
        creditmemos=ledger.creditmemos + faults.creditmemos,
        payments=ledger.payments + payments + faults.payments,
    )
