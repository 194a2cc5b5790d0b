"""Write side of the pipeline: validated Unified.to records → the company's ledger tables.

`ledger_load` loads one parsed batch held in memory; `ledger_staged.ledger_load_staged` loads
what a sync's extract staged, batch by batch, with the same steps (`load_begin`, `load_rows`,
`load_allocations`). Both run in one transaction (a failure leaves the previous
ledger exactly as it was) and note what changed (`LoadDelta`, on the batch's `delta`) so the
summaries are refreshed only for the customers and dates concerned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, OuterRef, Subquery

from ar_dashboard import aging
from ar_dashboard.models import Allocation, Company, Customer, Invoice, Payment
from ar_dashboard.services import bulk, sources
from ar_dashboard.services.allocations import (
    ANALYZE_THRESHOLD,
    allocations_rebuild,
    analyze,
    payment_document_id,
)
from ar_dashboard.services.ledger_deletions import (
    DOCUMENT_OBJECTS,
    Deleted,
    mark_missing_deleted,
    missing_from_seen,
)
from ar_dashboard.services.ledger_parse import (  # noqa: F401 - the load's public names
    EDIT_MARGIN,
    MAX_FINDINGS,
    SOURCE_DOC_TYPES,
    ExtractBatch,
    ParsedBatch,
    batch_merge,
    ledger_parse,
)
from ar_dashboard.services.load_delta import DeltaTracker, LoadDelta  # noqa: F401
from connectors.unified.records import DocumentRecord, PaymentRecord

logger = logging.getLogger(__name__)
BATCH = 500  # ids a lookup asks for at once


@dataclass
class LoadContext:
    company: Company
    tz: ZoneInfo
    report: ParsedBatch  # counts and findings of the whole load
    changes: DeltaTracker
    full: bool = False
    listed_since: datetime | None = None  # when the full listings started being read
    # The current batch's contacts: contact id -> customer pk, and -> its currency.
    customers: dict[str, int] = field(default_factory=dict)
    contact_currency: dict[str, str] = field(default_factory=dict)

    def local_date(self, moment: datetime | None) -> date | None:
        return aging.calendar_date(moment, self.tz) if moment else None


def _existing(model, company: Company, ids: list[str], *fields: str) -> dict[str, tuple]:
    """external id -> (pk, *fields) of the stored rows among `ids`."""
    found: dict[str, tuple] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for external_id, *values in model.objects.filter(
            company=company, external_id__any_of=chunk
        ).values_list("external_id", "id", *fields):
            found[external_id] = tuple(values)
    return found


def _tally(ctx: LoadContext, obj: str, ids: list[str], existing: dict) -> None:
    created = sum(1 for i in ids if i not in existing)
    ctx.report.count(obj, "created", created)
    ctx.report.count(obj, "updated", len(ids) - created)


def _batch_contacts(ctx: LoadContext, contact_ids: set[str]) -> None:
    """Look up the customers (and their currencies) the batch's records name."""
    ctx.customers, ctx.contact_currency = {}, {}
    ids = sorted(i for i in contact_ids if i)
    for start in range(0, len(ids), BATCH):
        rows = Customer.objects.filter(
            company=ctx.company, external_id__any_of=ids[start : start + BATCH]
        ).values_list("external_id", "id", "currency")
        for external_id, pk, currency in rows:
            ctx.customers[external_id] = pk
            if currency:
                ctx.contact_currency[external_id] = currency


CUSTOMER_COLUMNS = ("company_id", "external_id", "name", "email", "currency", "is_active")
CUSTOMER_COLUMNS += ("source_updated_at",)


def _load_customers(ctx: LoadContext, parsed: ParsedBatch) -> None:
    contacts = [c for c in parsed.contacts if c.is_ar_party]
    ctx.report.count("contacts", "skipped", len(parsed.contacts) - len(contacts))
    ids = [c.id for c in contacts]
    _tally(ctx, "contacts", ids, _existing(Customer, ctx.company, ids))
    rows = [
        (ctx.company.pk, c.id, c.name, c.email, c.currency or "", True, c.updated_at)
        for c in contacts
    ]
    bulk.rows_upsert(
        Customer,
        CUSTOMER_COLUMNS,
        rows,
        unique=("company", "external_id"),
        update=("name", "email", "currency", "source_updated_at"),
    )
    # Documents and payments that arrived before their contact now find it.
    for model in (Invoice, Payment):
        orphans = model.objects.filter(
            company=ctx.company, customer__isnull=True, external_contact_id__in=ids
        )
        if model is Invoice and not ctx.changes.everything:
            for pk, posted_on in orphans.values_list("id", "posted_on"):
                ctx.changes.customer(None)  # leaves the "Unknown customer" row
                ctx.changes.document(pk, posted_on)
        orphans.update(
            customer_id=Subquery(
                Customer.objects.filter(
                    company=ctx.company, external_id=OuterRef("external_contact_id")
                ).values("id")[:1]
            )
        )


DOCUMENT_FIELDS = (
    "customer",
    "external_contact_id",
    "number",
    "doc_type",
    "source_status",
    "posted_on",
    "due_on",
    "paid_on",
    "currency",
    "total",
    "paid",
    "balance",
    "source_updated_at",
    "warnings",
)
DOCUMENT_COLUMNS = ("company_id", "external_id", *DOCUMENT_FIELDS)


def _document_row(ctx: LoadContext, doc: DocumentRecord) -> tuple:
    """The document's row, in DOCUMENT_COLUMNS order."""
    sign = -1 if doc.doc_type == Invoice.DocType.CREDITMEMO else 1
    warnings = list(doc.warnings)
    currency = doc.currency or ctx.contact_currency.get(doc.contact_id)
    if currency is None:
        currency = ctx.company.home_currency
        warnings.append(f"currency missing: {currency} (company home currency) used")
    posted_on = ctx.local_date(doc.posted_at)
    due_on = ctx.local_date(doc.due_at)
    if doc.doc_type == Invoice.DocType.CREDITMEMO or doc.total < 0:
        # A credit is aged from its own date: a due date (the invoice endpoint serves memos
        # with the customer's terms) would keep it "current" for a month it was available.
        due_on = posted_on
    elif due_on is None:
        due_on = posted_on
        warnings.append("due_at missing: posted date used")
    paid = doc.paid if doc.paid is not None else doc.total - doc.balance
    return (
        ctx.company.pk,
        doc.id,
        ctx.customers.get(doc.contact_id),
        doc.contact_id,
        doc.number,
        doc.doc_type,
        doc.status,
        posted_on,
        due_on,
        ctx.local_date(doc.paid_at),
        currency,
        sign * doc.total,
        sign * paid,
        sign * doc.balance,
        doc.updated_at,
        warnings,
    )


def _note_moves(
    ctx: LoadContext,
    existing: dict[str, tuple],
    rows: list[tuple],
    at: int,
    history: Callable[[tuple, tuple], bool] | None = None,
) -> None:
    """Each written row's customer and date, and the ones it had (a move names both).

    Given `history(before, row)`, a row for which it says the past is unchanged names its
    customer but no date: what changed is its balance, and the allocation rows that moved it
    are noted with their own dates (a paid invoice then refreshes today, not 24 month-ends).
    """
    if ctx.changes.everything:
        return
    for row in rows:
        ctx.changes.customer(row[2])
        before = existing.get(row[1])
        if before is not None:
            ctx.changes.customer(before[1])
            if history is not None and history(before, row):
                continue
            ctx.changes.on(before[2])
        ctx.changes.on(row[at])


# What a document's past balances depend on besides its allocations (DESIGN.md: balance on
# a date = current balance + effective allocations dated after it), in `_existing` order.
HISTORY_FIELDS = ("customer_id", "posted_on", "due_on", "doc_type", "currency", "total")
_HISTORY_AT = tuple(DOCUMENT_COLUMNS.index(name.removesuffix("_id")) for name in HISTORY_FIELDS)
_DOC_TYPE_AT = DOCUMENT_COLUMNS.index("doc_type")
_STATUS_AT = DOCUMENT_COLUMNS.index("source_status")


def _same_history(before: tuple, row: tuple) -> bool:
    """True when the stored document (pk, *HISTORY_FIELDS, status) and the new row differ in
    nothing a past date sees: same customer, dates, type, currency, total, and still in AR
    or still out of it (OPEN → PAID is a balance change, VOIDED is not)."""
    *fields, status = before[1:]
    doc_type = row[_DOC_TYPE_AT]
    return tuple(fields) == tuple(row[i] for i in _HISTORY_AT) and aging.counts_as_ar(
        doc_type, status
    ) == aging.counts_as_ar(doc_type, row[_STATUS_AT])


def _load_documents(ctx: LoadContext, parsed: ParsedBatch) -> None:
    ids = [d.id for d in parsed.documents]
    existing = _existing(Invoice, ctx.company, ids, *HISTORY_FIELDS, "source_status")
    _tally(ctx, "documents", ids, existing)
    rows = [_document_row(ctx, doc) for doc in parsed.documents]
    _note_moves(ctx, existing, rows, DOCUMENT_COLUMNS.index("posted_on"), _same_history)
    bulk.rows_upsert(
        Invoice, DOCUMENT_COLUMNS, rows, unique=("company", "external_id"), update=DOCUMENT_FIELDS
    )


PAYMENT_FIELDS = ("customer", "external_contact_id", "paid_on", "currency", "total")
PAYMENT_FIELDS += ("source_status", "reference", "source_updated_at")
PAYMENT_COLUMNS = ("company_id", "external_id", *PAYMENT_FIELDS)


def _load_payments(ctx: LoadContext, parsed: ParsedBatch) -> None:
    ids = [p.id for p in parsed.payments]
    existing = _existing(Payment, ctx.company, ids, "customer_id", "paid_on")
    _tally(ctx, "payments", ids, existing)
    rows = [
        (
            ctx.company.pk,
            p.id,
            ctx.customers.get(p.contact_id),
            p.contact_id,
            ctx.local_date(p.paid_at),
            _payment_currency(ctx, p),
            p.total,
            p.status,
            p.reference,
            p.updated_at,
        )
        for p in parsed.payments
    ]
    _note_moves(ctx, existing, rows, PAYMENT_COLUMNS.index("paid_on"))
    bulk.rows_upsert(
        Payment, PAYMENT_COLUMNS, rows, unique=("company", "external_id"), update=PAYMENT_FIELDS
    )
    stored = _existing(Payment, ctx.company, ids)
    _load_payment_documents(
        ctx, parsed, {external_id: row[0] for external_id, row in stored.items()}
    )


def _payment_currency(ctx: LoadContext, p: PaymentRecord) -> str:
    return p.currency or ctx.contact_currency.get(p.contact_id) or ctx.company.home_currency


def _load_payment_documents(ctx: LoadContext, parsed: ParsedBatch, pks: dict[str, int]) -> None:
    """Each payment's unapplied-payment document: −cash, aged from the payment date.

    Its balance is set by allocations_rebuild from the lines that spent it; a payment that
    moves no money (voided, failed, deleted) gets a document that counts nothing.
    """
    rows = []
    for p in parsed.payments:
        paid_on = ctx.local_date(p.paid_at)
        status = p.status if p.is_settled else ("DELETED" if p.status == "DELETED" else "VOIDED")
        rows.append(
            (
                ctx.company.pk,
                payment_document_id(p.id),
                pks[p.id],
                ctx.customers.get(p.contact_id),
                p.contact_id,
                (p.reference or p.id)[:100],
                Invoice.DocType.PAYMENT,
                status[:20],
                paid_on,
                paid_on,
                None,
                _payment_currency(ctx, p),
                -p.total,
                0,
                -p.total,
                p.updated_at,
                [],
            )
        )
    bulk.rows_upsert(
        Invoice,
        ("company_id", "external_id", "payment", *DOCUMENT_FIELDS),
        rows,
        unique=("company", "external_id"),
        update=("payment", *DOCUMENT_FIELDS),
    )


def load_begin(company: Company, report: ParsedBatch, *, full: bool, listed_since) -> LoadContext:
    """A new ledger version (summaries and cached answers of the old one stop being served)."""
    first = not Invoice.objects.filter(company=company).exists()
    Company.objects.filter(pk=company.pk).update(ledger_version=F("ledger_version") + 1)
    company.refresh_from_db(fields=["ledger_version"])
    tz = ZoneInfo(company.timezone)
    return LoadContext(company, tz, report, DeltaTracker(everything=first), full, listed_since)


def load_rows(ctx: LoadContext, parsed: ParsedBatch) -> None:
    """The batch's raw records, customers, documents and payments (unchanged ones dropped
    first on an incremental sync)."""
    sources.sources_store(
        company=ctx.company, parsed=parsed, skip_unchanged=not ctx.full, report=ctx.report
    )
    contact_ids = {d.contact_id for d in parsed.documents} | {p.contact_id for p in parsed.payments}
    _load_customers(ctx, parsed)
    _batch_contacts(ctx, contact_ids)
    _load_documents(ctx, parsed)
    _load_payments(ctx, parsed)


def load_allocations(
    ctx: LoadContext, parsed: ParsedBatch, deleted: Deleted, *, in_batches: bool = False
) -> None:
    allocations_rebuild(
        company=ctx.company,
        documents=parsed.documents,
        payments=parsed.payments,
        local_date=ctx.local_date,
        warnings=ctx.report.warnings,
        dead_documents=deleted.documents,
        dead_payments=deleted.payments,
        changes=ctx.changes,
        batched=in_batches,
    )


def analyze_ledger(written: int | None = None) -> None:
    """A large upsert leaves statistics stale (647 ms a lookup batch before ANALYZE, 2 ms after);
    given the rows `written`, only tables they are a large share of are analyzed."""
    analyze(Customer, Invoice, Payment, Allocation, written=written)


@dataclass
class AnalyzeAsItGrows:
    """ANALYZE when the rows written by this load have doubled since the last time: lookups
    in tables a load is filling stay planned by index, at O(log n) ANALYZEs a load."""

    models: tuple
    written: int = 0
    next_at: int = ANALYZE_THRESHOLD

    def add(self, rows: int) -> None:
        self.written += rows
        if self.written >= self.next_at:
            analyze(*self.models, written=self.written)
            self.next_at = self.written * 2


@transaction.atomic
def ledger_load(
    *,
    company: Company,
    parsed: ParsedBatch,
    full: bool = False,
    listed_since: datetime | None = None,
) -> ParsedBatch:
    """Upsert a parsed batch into the company's ledger in one transaction; returns the batch
    with its counts and `delta`.

    `full` marks what the complete listings no longer return as deleted; `listed_since` (when
    those listings started) lets it refuse to when records were edited during the listing.
    """
    ctx = load_begin(company, parsed, full=full, listed_since=listed_since)
    load_rows(ctx, parsed)
    loaded = len(parsed.documents) + len(parsed.payments)
    if loaded >= ANALYZE_THRESHOLD:
        analyze_ledger(written=loaded)
    deleted = Deleted()
    if full:
        listed = DOCUMENT_OBJECTS + ("payments",)
        deleted = mark_missing_deleted(
            company=company,
            parsed=parsed,
            missing=missing_from_seen(company, parsed.seen),
            anything_listed=any(parsed.seen.get(obj) for obj in listed),
            listed_since=listed_since,
            changes=ctx.changes,
        )
    load_allocations(ctx, parsed, deleted)
    parsed.delta = ctx.changes.result()
    return parsed
