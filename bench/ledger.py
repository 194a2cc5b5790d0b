"""A ledger of N documents for the benchmark, built from the demo ledger's building blocks.

The demo generator (connectors/unified/demo_ledger.py) makes one company of a few hundred
customers and holds every `Document` until the end; the benchmark needs 10k-1M documents
over ~50k customers. So customers are made in independent chunks of `CUSTOMERS_PER_CHUNK`,
each chunk with its own profiles (seeded by the seed and the chunk number) and its own id
range, rendered to compact JSON at once: only the bytes are kept, never a million objects.
Same arguments, same bytes, whichever number of worker processes made them.

Deliberate differences from the demo: two currencies (its GBP, CAD and JPY customers bill
in USD here), 24 months of history, and invoices `GAP_SCALE` times further apart, so a
customer has about 20 documents and 1M documents mean about 50k customers. Supplier bills
and invoices of unknown customers come once, as in the demo.
"""

from __future__ import annotations

import json
import multiprocessing
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from connectors.unified.demo import catalog, counterparties, history, render, settlement
from connectors.unified.demo.entries import Document, Lifecycle, Payment
from connectors.unified.demo.profiles import CustomerProfile, customer_profiles, history_start

CUSTOMERS_PER_CHUNK = 250
MONTHS = 24
# The demo's customers get ~48 invoices in 24 months; 2.5x the gaps gives ~20 documents each.
GAP_SCALE = 2.5
DOCUMENTS_PER_CUSTOMER = 20
CURRENCIES = ("USD", "EUR")


@dataclass(frozen=True)
class Row:
    """One served record: its id, its `updated_at` as sent, and its compact JSON."""

    id: str
    updated_at: str
    body: bytes


@dataclass
class Records:
    """The records one customer (or the counterparties) adds to each endpoint."""

    contacts: list[Row] = field(default_factory=list)
    invoices: list[Row] = field(default_factory=list)  # types INVOICE, CREDITMEMO (and BILL)
    creditmemos: list[Row] = field(default_factory=list)
    payments: list[Row] = field(default_factory=list)
    # Posted invoices with an open balance: what an upstream edit may pay.
    open_invoices: list[str] = field(default_factory=list)
    currency: str = ""

    @property
    def documents(self) -> int:
        return len(self.invoices)


def row(record: dict) -> Row:
    body = json.dumps(record, separators=(",", ":")).encode()
    return Row(str(record["id"]), record["updated_at"], body)


def scaled_ledger(
    *, documents: int, today: date, seed: int = 2024, workers: int = 1
) -> Iterator[Records]:
    """Counterparties, then customers in order, until at least `documents` are yielded.

    Stops at a customer boundary, so the count overshoots by less than one customer's
    documents. `workers` > 1 makes chunks in that many processes (the order stays the same).
    """
    extras = counterparty_records(today=today, seed=seed)
    yield extras
    produced = extras.documents
    # Chunks worth making ahead in parallel: about what `documents` needs, and one more.
    expected = documents // (CUSTOMERS_PER_CHUNK * DOCUMENTS_PER_CUSTOMER) + 1
    for chunk in _chunks(today=today, seed=seed, workers=workers, expected=expected):
        for customer in chunk:
            if produced >= documents:
                return
            produced += customer.documents
            yield customer


def _chunks(*, today: date, seed: int, workers: int, expected: int) -> Iterator[list[Records]]:
    """Chunk 0, 1, 2, ... forever; with workers, up to `expected` of them made ahead."""
    if workers <= 1 or expected <= 1:
        number = 0
        while True:
            yield chunk_records(today=today, seed=seed, chunk=number)
            number += 1
    # spawn, not fork: forking a process that runs threads (a test server, a sync worker)
    # can copy a held lock into the child and hang it for good.
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pending: deque = deque()
        number = 0
        while True:
            while not pending or (len(pending) < workers * 2 and number < expected):
                pending.append(pool.apply_async(_chunk_job, ((today, seed, number),)))
                number += 1
            yield pending.popleft().get()


def _chunk_job(args: tuple[date, int, int]) -> list[Records]:
    today, seed, number = args
    return chunk_records(today=today, seed=seed, chunk=number)


def chunk_records(*, today: date, seed: int, chunk: int) -> list[Records]:
    """The records of customers chunk*CUSTOMERS_PER_CHUNK+1 ... (ids unique to the chunk)."""
    last_day = today - timedelta(days=1)
    rng = random.Random(f"{seed}:bench-profiles:{chunk}")
    profiles = [
        _bench_profile(profile, chunk * CUSTOMERS_PER_CHUNK + i + 1, rng)
        for i, profile in enumerate(
            customer_profiles(
                today=today,
                seed=seed * 1_000_000 + chunk,
                customers=CUSTOMERS_PER_CHUNK,
                months=MONTHS,
            )
        )
    ]
    histories = [_customer_history(p, seed=seed, last_day=last_day) for p in profiles]
    documents = [doc for docs, _ in histories for doc in docs]
    _assign_ids(documents, [p for _, paid in histories for p in paid], namespace=str(chunk))
    return [
        _customer_records(profile, docs, paid, today)
        for profile, (docs, paid) in zip(profiles, histories, strict=True)
    ]


def _bench_profile(profile: CustomerProfile, number: int, rng: random.Random) -> CustomerProfile:
    """The demo's profile under a unique id and name, in USD unless it bills in EUR."""
    trade_name, suffix = profile.name.rsplit(" ", 1)
    contact_id = f"cus_{number:06d}"
    if profile.currency in CURRENCIES:
        return replace(profile, contact_id=contact_id, name=f"{trade_name} {number} {suffix}")
    return replace(
        profile,
        contact_id=contact_id,
        name=f"{trade_name} {number} {catalog.LEGAL_SUFFIX['US']}",
        currency="USD",
        country_code="US",
        tax_rate=Decimal(rng.choice(catalog.TAX_RATES["US"])),
        payment_method=rng.choice(catalog.PAYMENT_METHODS["USD"]),
        place=rng.choice(catalog.PLACES["US"]),
    )


def _customer_history(
    profile: CustomerProfile, *, seed: int, last_day: date
) -> tuple[list[Document], list[Payment]]:
    """As demo_ledger._customer_history, with invoices GAP_SCALE times further apart."""
    rng = random.Random(f"{seed}:history:{profile.contact_id}")
    invoices = _issue_invoices(profile, rng, last_day)
    history.mark_lifecycles(invoices, rng, last_day)
    memos = history.issue_credit_memos(profile, invoices, rng, last_day)
    payments = settlement.settle_customer(profile, invoices, rng, last_day)
    return invoices + memos, payments


def _issue_invoices(profile: CustomerProfile, rng: random.Random, last_day: date) -> list[Document]:
    low, high = history.INVOICE_GAP_DAYS[profile.size]
    low, high = round(low * GAP_SCALE), round(high * GAP_SCALE)
    day, end = profile.first_invoice_on, min(profile.last_invoice_on, last_day)
    invoices = []
    while day <= end:
        # The demo's own invoice maker (amounts, lines, tax): only the rhythm differs.
        invoices.append(history._invoice(profile, day, rng))
        day += timedelta(days=rng.randint(low, high))
    return invoices


def _assign_ids(documents: list[Document], payments: list[Payment], *, namespace: str) -> None:
    """Ids numbered in date order within the chunk, as a ledger numbers them: `inv_<chunk>_<n>`."""
    prefix = {"INVOICE": "inv", "CREDITMEMO": "cm", "BILL": "bill"}
    counters: dict[str, int] = {}
    for doc in sorted(documents, key=lambda d: (d.posted, d.created)):
        counters[doc.kind] = counters.get(doc.kind, 0) + 1
        doc.id = f"{prefix[doc.kind]}_{namespace}_{counters[doc.kind]}"
        doc.number = f"{namespace}-{counters[doc.kind]}"
    for n, payment in enumerate(sorted(payments, key=lambda p: (p.day, p.stamp)), 1):
        payment.id = f"pay_{namespace}_{n}"


def _customer_records(
    profile: CustomerProfile, documents: list[Document], payments: list[Payment], today: date
) -> Records:
    records = Records(contacts=[row(render.contact_record(profile))], currency=profile.currency)
    _add_documents(records, documents, payments, today)
    return records


def _add_documents(
    records: Records, documents: list[Document], payments: list[Payment], today: date
) -> None:
    for doc in sorted(documents, key=lambda d: d.id):
        records.invoices.append(row(render.invoice_record(doc, today)))
        if doc.kind == "CREDITMEMO":
            records.creditmemos.append(row(render.creditmemo_record(doc, today)))
        open_invoice = doc.kind == "INVOICE" and doc.lifecycle is Lifecycle.POSTED
        if open_invoice and doc.contact_id and doc.settled < doc.total:
            records.open_invoices.append(doc.id)
    for payment in sorted(payments, key=lambda p: p.id):
        records.payments.append(row(render.payment_record(payment)))


def counterparty_records(*, today: date, seed: int) -> Records:
    """The demo's suppliers, their bills and payments, and the invoices of unknown customers."""
    last_day = today - timedelta(days=1)
    start = history_start(today, MONTHS)
    bills, bill_payments = counterparties.supplier_bills(seed=seed, start=start, last_day=last_day)
    orphans = counterparties.orphan_invoices(seed=seed, last_day=last_day)
    for n, bill in enumerate(sorted(bills, key=lambda d: (d.posted, d.created)), 1):
        bill.id = f"bill_{n:04d}"
    for n, orphan in enumerate(orphans, 1):
        orphan.id, orphan.number = f"inv_orphan_{n}", f"X-{n}"
    for n, payment in enumerate(bill_payments, 1):
        payment.id = f"pay_bill_{n}"
    records = Records(
        contacts=[
            row(render.supplier_record(contact_id, name, domain, start - timedelta(days=400)))
            for contact_id, name, domain, _item, _prefix in counterparties.SUPPLIERS
        ]
    )
    _add_documents(records, bills + orphans, bill_payments, today)
    records.open_invoices = []  # an edit pays known customers' invoices only
    return records
