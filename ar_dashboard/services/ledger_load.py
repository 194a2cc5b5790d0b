"""Write side of the pipeline: validated Unified.to records → the company's ledger tables.

`ledger_parse` validates raw records (rejects with reasons, keeps warnings); `ledger_load`
upserts them idempotently on (company, external id) inside one transaction, so a failure
leaves the previous ledger exactly as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, OuterRef, Subquery

from ar_dashboard import aging
from ar_dashboard.models import Allocation, Company, Customer, Invoice, Payment
from ar_dashboard.services import sources
from ar_dashboard.services.allocations import (
    ANALYZE_THRESHOLD,
    allocations_rebuild,
    analyze,
    payment_document_id,
)
from connectors.unified.records import (
    ContactRecord,
    DocumentRecord,
    PaymentRecord,
    RecordError,
    parse_contact,
    parse_document,
    parse_payment,
    parse_timestamp,
)

logger = logging.getLogger(__name__)
BATCH = 500
# The AR document types a source serves (unapplied-payment documents are ours, not theirs).
SOURCE_DOC_TYPES = (Invoice.DocType.INVOICE, Invoice.DocType.CREDITMEMO)
# Clock skew allowed between the source's `updated_at` and ours when asking "was this record
# edited while we were listing?".
EDIT_MARGIN = timedelta(minutes=5)


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
    # Every id the listings returned, rejected records included: in a full sync, what is not
    # here was deleted upstream; a record that failed validation was not.
    seen: dict[str, set[str]] = field(default_factory=dict)
    # The newest `updated_at` each listing returned: an edit made while a full listing was
    # paged can shift an unchanged record behind the offset, so it must not look deleted.
    latest_update: dict[str, datetime] = field(default_factory=dict)

    def count(self, obj: str, key: str, n: int = 1) -> None:
        self.counts.setdefault(obj, {}).setdefault(key, 0)
        self.counts[obj][key] += n


def _raw_id(raw: object) -> str:
    if not isinstance(raw, dict) or raw.get("id") is None:
        return ""
    return str(raw["id"]).strip()


def _note_update(parsed: ParsedBatch, obj: str, raw: object) -> None:
    try:
        moment = parse_timestamp(raw, "updated_at") if isinstance(raw, dict) else None
    except RecordError:
        return
    if moment is not None and moment > parsed.latest_update.get(obj, moment - EDIT_MARGIN):
        parsed.latest_update[obj] = moment


def _parse_all(parsed: ParsedBatch, obj: str, raws: Iterable, parse) -> list:
    records = []
    seen = parsed.seen.setdefault(obj, set())
    for raw in raws:
        parsed.count(obj, "fetched")
        seen.add(_raw_id(raw))
        _note_update(parsed, obj, raw)
        try:
            records.append(parse(raw))
        except RecordError as exc:
            parsed.count(obj, "rejected")
            parsed.rejected.append({"object": obj, "id": _raw_id(raw)[:200], "reason": str(exc)})
            logger.warning("rejected %s %s: %s", obj, _raw_id(raw)[:200], exc)
    # A record edited while the listing was paged arrives twice: the later version wins.
    return list({record.id: record for record in records}.values())


def ledger_parse(*, batch: ExtractBatch) -> ParsedBatch:
    """Validate every raw record; bad ones are rejected with a reason, the rest kept."""
    parsed = ParsedBatch()
    parsed.contacts = _parse_all(parsed, "contacts", batch.contacts, parse_contact)
    invoices = _parse_all(parsed, "invoices", batch.invoices, parse_document)
    memos = _parse_all(
        parsed, "creditmemos", batch.creditmemos, lambda r: parse_document(r, doc_type="CREDITMEMO")
    )
    payments = _parse_all(parsed, "payments", batch.payments, parse_payment)
    parsed.payments = [p for p in payments if p.is_receivable]
    if len(payments) > len(parsed.payments):
        parsed.count("payments", "skipped", len(payments) - len(parsed.payments))
    # QuickBooks credit memos arrive twice (as invoices of type CREDITMEMO and from their own
    # endpoint); the dedicated endpoint carries the applications, so it wins.
    documents = {doc.id: doc for doc in invoices}
    documents.update({memo.id: memo for memo in memos})
    for doc in documents.values():
        if doc.doc_type not in SOURCE_DOC_TYPES:
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
    listed_since: datetime | None = None  # when the full listings started being read

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
        )
        for c in contacts
    ]
    _upsert(Customer, rows, ["name", "email", "currency", "source_updated_at"])
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
    if doc.doc_type == Invoice.DocType.CREDITMEMO or doc.total < 0:
        # A credit is aged from its own date: a due date (the invoice endpoint serves memos
        # with the customer's terms) would keep it "current" for a month it was available.
        due_on = posted_on
    elif due_on is None:
        due_on = posted_on
        warnings.append("due_at missing: posted date used")
    paid = doc.paid if doc.paid is not None else doc.total - doc.balance
    return Invoice(
        company=ctx.company,
        customer_id=ctx.customers.get(doc.contact_id),
        external_id=doc.id,
        external_contact_id=doc.contact_id,
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
            external_contact_id=p.contact_id,
            paid_on=ctx.local_date(p.paid_at),
            currency=_payment_currency(ctx, p),
            total=p.total,
            source_status=p.status,
            reference=p.reference,
            source_updated_at=p.updated_at,
        )
        for p in ctx.parsed.payments
    ]
    _upsert(
        Payment,
        rows,
        ["customer", "external_contact_id", "paid_on", "currency", "total", "source_status"]
        + ["reference", "source_updated_at"],
    )
    _load_payment_documents(ctx, _existing(Payment, ctx.company, ids))


def _payment_currency(ctx: LoadContext, p: PaymentRecord) -> str:
    return p.currency or ctx.contact_currency.get(p.contact_id) or ctx.company.home_currency


def _load_payment_documents(ctx: LoadContext, payment_pks: dict[str, int]) -> None:
    """Each payment's unapplied-payment document: −cash, aged from the payment date.

    Its balance is set by allocations_rebuild from the lines that spent it; a payment that
    moves no money (voided, failed, deleted) gets a document that counts nothing.
    """
    rows = []
    for p in ctx.parsed.payments:
        paid_on = ctx.local_date(p.paid_at)
        status = p.status if p.is_settled else ("DELETED" if p.status == "DELETED" else "VOIDED")
        rows.append(
            Invoice(
                company=ctx.company,
                customer_id=ctx.customers.get(p.contact_id),
                payment_id=payment_pks[p.id],
                external_id=payment_document_id(p.id),
                external_contact_id=p.contact_id,
                number=(p.reference or p.id)[:100],
                doc_type=Invoice.DocType.PAYMENT,
                source_status=status[:20],
                posted_on=paid_on,
                due_on=paid_on,
                currency=_payment_currency(ctx, p),
                total=-p.total,
                paid=0,
                balance=-p.total,
                source_updated_at=p.updated_at,
            )
        )
    _upsert(Invoice, rows, ["payment", *DOCUMENT_FIELDS])


@dataclass
class Deleted:
    documents: set[str] = field(default_factory=set)
    payments: set[str] = field(default_factory=set)


def _missing(ctx: LoadContext, model, seen: set[str], **filters) -> list[str]:
    """Stored external ids a complete listing no longer returned."""
    stored = (
        model.objects.filter(company=ctx.company, **filters)
        .exclude(source_status="DELETED")
        .values_list("external_id", flat=True)
    )
    return [external_id for external_id in stored.iterator() if external_id not in seen]


def _mark_missing_deleted(ctx: LoadContext) -> Deleted:
    """A complete full listing that no longer returns a record means the source deleted it.

    Rejected records were returned (they are in `seen`), so they are kept. Listings that
    returned no document and no payment at all are not taken as "everything was deleted":
    an emptied connection is refused with a warning rather than wiping the ledger.
    """
    deleted = Deleted()
    seen = ctx.parsed.seen
    documents_seen = seen.get("invoices", set()) | seen.get("creditmemos", set())
    checks = [
        (Invoice, documents_seen, {"doc_type__in": SOURCE_DOC_TYPES}, deleted.documents),
        (Payment, seen.get("payments", set()), {}, deleted.payments),
    ]
    if not any(ids for _, ids, _, _ in checks):
        # Every listing came back empty: a revoked or emptied connection, not a company that
        # deleted its whole ledger. Refuse to wipe it; the warning says why.
        ctx.parsed.warnings.append(
            {
                "object": "invoices",
                "id": "",
                "warning": "the full listings returned no documents and no payments: "
                "nothing marked deleted",
            }
        )
        return deleted
    objects = {Invoice: ("invoices", "creditmemos"), Payment: ("payments",)}
    for model, ids, filters, found in checks:
        if ctx.listed_since is not None and any(
            ctx.parsed.latest_update.get(obj, ctx.listed_since - EDIT_MARGIN * 2)
            >= ctx.listed_since - EDIT_MARGIN
            for obj in objects[model]
        ):
            ctx.parsed.warnings.append(
                {
                    "object": model._meta.model_name,
                    "id": "",
                    "warning": "records changed while the full listing was read (offset "
                    "paging may have skipped one): deletions left to the next full sync",
                }
            )
            continue
        found.update(_missing(ctx, model, ids, **filters))
    pmt_ids = [payment_document_id(p) for p in deleted.payments]
    for model, ids in (
        (Invoice, sorted(deleted.documents)),
        (Payment, sorted(deleted.payments)),
        (Invoice, pmt_ids),
    ):
        for start in range(0, len(ids), BATCH):
            model.objects.filter(
                company=ctx.company, external_id__in=ids[start : start + BATCH]
            ).update(source_status="DELETED")
    ctx.parsed.count("documents", "deleted", len(deleted.documents))
    ctx.parsed.count("payments", "deleted", len(deleted.payments))
    return deleted


def _analyze_if_large(parsed: ParsedBatch) -> None:
    """A large upsert leaves statistics stale (647 ms a lookup batch before ANALYZE, 2 ms after)."""
    if len(parsed.documents) + len(parsed.payments) >= ANALYZE_THRESHOLD:
        analyze(Customer, Invoice, Payment, Allocation)


@transaction.atomic
def ledger_load(
    *,
    company: Company,
    parsed: ParsedBatch,
    full: bool = False,
    listed_since: datetime | None = None,
) -> ParsedBatch:
    """Upsert a parsed batch into the company's ledger in one transaction; returns the counts.

    `full` marks what the complete listings no longer return as deleted; `listed_since` (when
    those listings started) lets it refuse to when records were edited during the listing.
    """
    # A new ledger version: summaries and cached answers of the old one stop being served.
    Company.objects.filter(pk=company.pk).update(ledger_version=F("ledger_version") + 1)
    company.refresh_from_db(fields=["ledger_version"])
    ctx = LoadContext(company, ZoneInfo(company.timezone), {}, {}, parsed, listed_since)
    sources.sources_store(company=company, parsed=parsed, skip_unchanged=not full)
    _load_customers(ctx)
    _load_documents(ctx)
    _load_payments(ctx)
    _analyze_if_large(parsed)
    deleted = _mark_missing_deleted(ctx) if full else Deleted()
    allocations_rebuild(
        company=company,
        documents=parsed.documents,
        payments=parsed.payments,
        local_date=ctx.local_date,
        warnings=parsed.warnings,
        dead_documents=deleted.documents,
        dead_payments=deleted.payments,
    )
    return parsed
