"""Write side of the pipeline: validated Unified.to records → the company's ledger tables.

`ledger_parse` validates raw records (rejects with reasons, keeps warnings); `ledger_load`
upserts them idempotently on (company, external id) inside one transaction, so a failure
leaves the previous ledger exactly as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import OuterRef, Subquery

from ar_dashboard import aging
from ar_dashboard.models import Company, Customer, Invoice, Payment
from ar_dashboard.services.allocations import allocations_rebuild
from connectors.unified.records import (
    ContactRecord,
    DocumentRecord,
    PaymentRecord,
    RecordError,
    parse_contact,
    parse_document,
    parse_payment,
)

logger = logging.getLogger(__name__)
BATCH = 500


@dataclass
class ExtractBatch:
    """Raw records as the API returned them, one list per object type."""

    contacts: list = field(default_factory=list)
    invoices: list = field(default_factory=list)
    creditmemos: list = field(default_factory=list)
    payments: list = field(default_factory=list)


@dataclass
class ParsedBatch:
    contacts: list[ContactRecord] = field(default_factory=list)
    documents: list[DocumentRecord] = field(default_factory=list)
    payments: list[PaymentRecord] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    rejected: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)

    def count(self, obj: str, key: str, n: int = 1) -> None:
        self.counts.setdefault(obj, {}).setdefault(key, 0)
        self.counts[obj][key] += n


def _raw_id(raw: object) -> str:
    return str(raw.get("id", "")) if isinstance(raw, dict) else ""


def _parse_all(parsed: ParsedBatch, obj: str, raws: Iterable, parse) -> list:
    records = []
    for raw in raws:
        parsed.count(obj, "fetched")
        try:
            records.append(parse(raw))
        except RecordError as exc:
            parsed.count(obj, "rejected")
            parsed.rejected.append({"object": obj, "id": _raw_id(raw), "reason": str(exc)})
            logger.warning("rejected %s %s: %s", obj, _raw_id(raw), exc)
    return records


def ledger_parse(*, batch: ExtractBatch) -> ParsedBatch:
    """Validate every raw record; bad ones are rejected with a reason, the rest kept."""
    parsed = ParsedBatch()
    parsed.contacts = _parse_all(parsed, "contacts", batch.contacts, parse_contact)
    invoices = _parse_all(parsed, "invoices", batch.invoices, parse_document)
    memos = _parse_all(
        parsed, "creditmemos", batch.creditmemos, lambda r: parse_document(r, doc_type="CREDITMEMO")
    )
    parsed.payments = _parse_all(parsed, "payments", batch.payments, parse_payment)
    # QuickBooks credit memos arrive twice (as invoices of type CREDITMEMO and from their own
    # endpoint); the dedicated endpoint carries the applications, so it wins.
    documents = {doc.id: doc for doc in invoices}
    documents.update({memo.id: memo for memo in memos})
    for doc in documents.values():
        if doc.doc_type not in Invoice.DocType.values:
            parsed.count("invoices", "skipped")
            continue
        parsed.documents.append(doc)
        for warning in doc.warnings:
            parsed.warnings.append({"object": "invoices", "id": doc.id, "warning": warning})
    return parsed


@dataclass
class LoadContext:
    company: Company
    tz: ZoneInfo
    customers: dict[str, int]
    contact_currency: dict[str, str]
    parsed: ParsedBatch

    def local_date(self, moment: datetime | None) -> date | None:
        return aging.calendar_date(moment, self.tz) if moment else None


def _existing(model, company: Company, ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found.update(
            model.objects.filter(company=company, external_id__in=chunk).values_list(
                "external_id", "id"
            )
        )
    return found


def _upsert(model, rows: list, update_fields: list[str]) -> None:
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(
            rows[start : start + BATCH],
            update_conflicts=True,
            unique_fields=["company", "external_id"],
            update_fields=update_fields,
        )


def _tally(ctx: LoadContext, obj: str, ids: list[str], existing: dict[str, int]) -> None:
    created = sum(1 for i in ids if i not in existing)
    ctx.parsed.count(obj, "created", created)
    ctx.parsed.count(obj, "updated", len(ids) - created)


def _load_customers(ctx: LoadContext) -> None:
    contacts = [c for c in ctx.parsed.contacts if c.is_ar_party]
    ctx.parsed.count("contacts", "skipped", len(ctx.parsed.contacts) - len(contacts))
    ids = [c.id for c in contacts]
    _tally(ctx, "contacts", ids, _existing(Customer, ctx.company, ids))
    rows = [
        Customer(
            company=ctx.company,
            external_id=c.id,
            name=c.name,
            email=c.email,
            currency=c.currency or "",
            source_updated_at=c.updated_at,
            raw=c.raw,
        )
        for c in contacts
    ]
    _upsert(Customer, rows, ["name", "email", "currency", "source_updated_at", "raw"])
    ctx.customers = dict(
        Customer.objects.filter(company=ctx.company).values_list("external_id", "id")
    )
    ctx.contact_currency = dict(
        Customer.objects.filter(company=ctx.company)
        .exclude(currency="")
        .values_list("external_id", "currency")
    )
    # Documents and payments that arrived before their contact now find it.
    for model in (Invoice, Payment):
        model.objects.filter(
            company=ctx.company, customer__isnull=True, external_contact_id__in=ids
        ).update(
            customer_id=Subquery(
                Customer.objects.filter(
                    company=ctx.company, external_id=OuterRef("external_contact_id")
                ).values("id")[:1]
            )
        )


def _document_row(ctx: LoadContext, doc: DocumentRecord) -> Invoice:
    sign = -1 if doc.doc_type == Invoice.DocType.CREDITMEMO else 1
    warnings = list(doc.warnings)
    currency = doc.currency or ctx.contact_currency.get(doc.contact_id)
    if currency is None:
        currency = ctx.company.home_currency
        warnings.append(f"currency missing: {currency} (company home currency) used")
    posted_on = ctx.local_date(doc.posted_at)
    due_on = ctx.local_date(doc.due_at)
    if due_on is None:
        due_on = posted_on
        if doc.doc_type == Invoice.DocType.INVOICE:
            warnings.append("due_at missing: posted date used")
    paid = doc.paid if doc.paid is not None else doc.total - doc.balance
    return Invoice(
        company=ctx.company,
        customer_id=ctx.customers.get(doc.contact_id),
        external_id=doc.id,
        external_contact_id=doc.contact_id[:100],
        number=doc.number,
        doc_type=doc.doc_type,
        source_status=doc.status,
        posted_on=posted_on,
        due_on=due_on,
        paid_on=ctx.local_date(doc.paid_at),
        currency=currency,
        total=sign * doc.total,
        paid=sign * paid,
        balance=sign * doc.balance,
        source_updated_at=doc.updated_at,
        warnings=warnings,
        raw=doc.raw,
    )


DOCUMENT_FIELDS = [
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
    "raw",
]


def _load_documents(ctx: LoadContext) -> None:
    ids = [d.id for d in ctx.parsed.documents]
    existing = _existing(Invoice, ctx.company, ids)
    _tally(ctx, "documents", ids, existing)
    rows = [_document_row(ctx, doc) for doc in ctx.parsed.documents]
    _upsert(Invoice, rows, DOCUMENT_FIELDS)


def _load_payments(ctx: LoadContext) -> None:
    ids = [p.id for p in ctx.parsed.payments]
    _tally(ctx, "payments", ids, _existing(Payment, ctx.company, ids))
    rows = [
        Payment(
            company=ctx.company,
            customer_id=ctx.customers.get(p.contact_id),
            external_id=p.id,
            external_contact_id=p.contact_id[:100],
            paid_on=ctx.local_date(p.paid_at),
            currency=p.currency
            or ctx.contact_currency.get(p.contact_id)
            or ctx.company.home_currency,
            total=p.total,
            source_status=p.status,
            reference=p.reference,
            source_updated_at=p.updated_at,
            raw=p.raw,
        )
        for p in ctx.parsed.payments
    ]
    _upsert(
        Payment,
        rows,
        ["customer", "external_contact_id", "paid_on", "currency", "total", "source_status"]
        + ["reference", "source_updated_at", "raw"],
    )


def _mark_missing_deleted(ctx: LoadContext) -> None:
    """A full sync that no longer sees a document means the source deleted it."""
    seen = {d.id for d in ctx.parsed.documents}
    stale = (
        Invoice.objects.filter(company=ctx.company)
        .exclude(source_status="DELETED")
        .values_list("external_id", flat=True)
    )
    missing = [external_id for external_id in stale if external_id not in seen]
    for start in range(0, len(missing), BATCH):
        Invoice.objects.filter(
            company=ctx.company, external_id__in=missing[start : start + BATCH]
        ).update(source_status="DELETED")
    ctx.parsed.count("documents", "deleted", len(missing))


@transaction.atomic
def ledger_load(*, company: Company, parsed: ParsedBatch, full: bool = False) -> ParsedBatch:
    """Upsert a parsed batch into the company's ledger in one transaction; returns the counts."""
    ctx = LoadContext(company, ZoneInfo(company.timezone), {}, {}, parsed)
    _load_customers(ctx)
    _load_documents(ctx)
    _load_payments(ctx)
    if full:
        _mark_missing_deleted(ctx)
    allocations_rebuild(
        company=company,
        documents=parsed.documents,
        payments=parsed.payments,
        local_date=ctx.local_date,
        warnings=parsed.warnings,
    )
    return parsed
