"""Dated allocations: the history that lets AR be aged as of any past date.

Every record that states applications of money keeps its own rows (`stated_by`): a payment's
`allocations[]`, a credit memo's `applications[]`, an invoice's `payments[]`. One line of
money from a source (`ref`: pay:<payment> or cm:<memo>) to a target document gives two legs:
one on the target (its balance went down) and one on the source's own document (the memo, or
the payment's unapplied-payment document: its credit was used). For each (source, target) pair
only the most authoritative statement is `effective` (rank: the source's own, then a payment
carrying a memo line, then the target's), so the same application seen from two sides counts
once, and a withdrawn statement falls back to the other side.

Reloading a record replaces its statement; a deleted or voided object takes every row it
sourced or received with it. What part of a document's paid amount no effective dated row
explains becomes one `implied` row on its paid date (else its last update), as DESIGN.md says.
An unapplied-payment document's balance is derived here: −cash + what its lines applied.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, F, Max, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ar_dashboard import aging
from ar_dashboard.expressions import MoneySum
from ar_dashboard.models import Allocation, Company, Invoice, Payment
from ar_dashboard.services import bulk
from ar_dashboard.services.load_delta import DeltaTracker
from connectors.unified.records import DocumentRecord, PaymentRecord

BATCH = 500
LocalDate = Callable[[datetime | None], date | None]
ZERO = Decimal(0)


ANALYZE_THRESHOLD = 1_000


# Statistics go stale when a load writes more than this share of a table's rows (PostgreSQL's
# own autovacuum_analyze_scale_factor): below it, the planner's estimates still hold.
ANALYZE_SHARE = 0.1


def analyze(*models, written: int | None = None) -> None:
    """Refresh PostgreSQL's planner statistics of these tables (inside the load transaction).

    Tables a load has just filled look empty to the planner, which then plans every lookup by
    external id as a scan: quadratic in the ledger. SQLite plans by index alone. Given the
    number of rows `written`, a table whose statistics already count more than
    written / ANALYZE_SHARE rows is left alone: a small incremental load does not change its
    plans, and ANALYZE of a large table costs a sample of 30,000 rows (about a second for the
    ledger's four tables at 100k documents).
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            if written is not None:
                cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
                found = cursor.fetchone()
                if found is not None and found[0] * ANALYZE_SHARE > written:
                    continue
            cursor.execute(f"ANALYZE {table}")


def payment_document_id(payment_id: str) -> str:
    """External id of the unapplied-payment document that stands for a payment."""
    return f"pmt:{payment_id}"


def _chunks(items: Iterable, size: int = BATCH):
    items = sorted(items, key=str)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Stored:
    """Stored documents and payments by external id, fetched once for the whole rebuild."""

    DOC_FIELDS = ("id", "external_id", "doc_type", "source_status", "total", "balance")
    DOC_FIELDS += ("paid_on", "posted_on")

    def __init__(self, company: Company, document_ids: set[str], payment_ids: set[str]):
        self.docs: dict[str, dict] = {}
        self.payments: dict[str, dict] = {}
        for chunk in _chunks(document_ids):
            for row in Invoice.objects.filter(company=company, external_id__any_of=chunk).values(
                *self.DOC_FIELDS
            ):
                row["sign"] = -1 if row["total"] < 0 else 1
                row["live"] = aging.counts_as_ar(row["doc_type"], row["source_status"])
                self.docs[row["external_id"]] = row
        for chunk in _chunks(payment_ids):
            for row in Payment.objects.filter(company=company, external_id__any_of=chunk).values(
                "id", "external_id", "paid_on", "source_status"
            ):
                self.payments[row["external_id"]] = row

    def doc(self, external_id: str) -> dict | None:
        return self.docs.get(external_id)

    def source_doc(self, ref: str) -> dict | None:
        """The document whose credit a source spends: the memo, or the payment's document."""
        kind, _, external_id = ref.partition(":")
        if kind == "cm":
            return self.docs.get(external_id)
        if kind == "pay":
            return self.docs.get(payment_document_id(external_id))
        return None

    def payment_pk(self, ref: str) -> int | None:
        row = self.payments.get(ref.removeprefix("pay:")) if ref.startswith("pay:") else None
        return row["id"] if row else None

    def payment_date(self, ref: str) -> date | None:
        row = self.payments.get(ref.removeprefix("pay:")) if ref.startswith("pay:") else None
        return row["paid_on"] if row else None


@dataclass(slots=True)
class Row:
    """An Allocation row to write, as plain values (a model instance costs ~10x to build)."""

    company_id: int
    document_id: int
    kind: str
    ref: str
    target: str
    stated_by: str
    amount: Decimal
    allocated_on: date
    payment_id: int | None = None
    line: int = 0
    rank: int = Allocation.Rank.SOURCE
    effective: bool = True


@dataclass
class _Statement:
    """The rows one record states, built line by line (ordinals per pair and date)."""

    company: Company
    stored: _Stored
    stated_by: str
    rank: int
    warnings: list[dict]
    rows: list[Row] = field(default_factory=list)
    _ordinals: dict = field(default_factory=lambda: defaultdict(int))

    def line(self, ref: str, target_id: str, amount: Decimal, on: date, kind: str) -> None:
        """Money `amount` from `ref` onto document `target_id` on `on`: its two legs."""
        target = self.stored.doc(target_id)
        if target is None:
            self.warnings.append(
                {"object": kind, "id": self.stated_by, "warning": f"unknown document {target_id}"}
            )
            return
        source = self.stored.source_doc(ref)
        if source is not None and source["id"] == target["id"]:
            return  # a credit applied to itself moves nothing
        if not target["live"] or (source is not None and not source["live"]):
            return  # a voided or deleted end: the application no longer exists
        if ref.startswith("pay:"):
            payment = self.stored.payments.get(ref.removeprefix("pay:"))
            if payment is not None and source is None:
                return  # a stored payment without its document has been deleted
        key = (ref, target_id, on)
        ordinal = self._ordinals[key]
        self._ordinals[key] += 1
        common = {
            "company_id": self.company.pk,
            "payment_id": self.stored.payment_pk(ref),
            "kind": kind,
            "ref": ref,
            "target": target_id,
            "stated_by": self.stated_by,
            "line": ordinal,
            "rank": self.rank,
            "allocated_on": on,
        }
        # The target's balance goes down by `amount` toward zero (a credit's goes up); the
        # source's leg is the opposite, so an application never changes the total AR.
        leg = target["sign"] * amount
        self.rows.append(Row(document_id=target["id"], amount=leg, **common))
        if source is not None:
            self.rows.append(Row(document_id=source["id"], amount=-leg, **common))


def _document_statements(
    company: Company, stored: _Stored, doc: DocumentRecord, local_date: LocalDate, warnings
) -> list[_Statement]:
    """An invoice's `payments[]` (rank TARGET) and a memo's `applications[]` (rank SOURCE)."""
    own = stored.doc(doc.id)
    if own is None or not own["live"]:
        return []
    fallback = local_date(doc.paid_at) or local_date(doc.updated_at) or own["posted_on"]
    received = _Statement(company, stored, f"doc:{doc.id}", Allocation.Rank.TARGET, warnings)
    applied = _Statement(company, stored, f"cm:{doc.id}", Allocation.Rank.SOURCE, warnings)
    for a in doc.allocations:
        if a.ref.startswith("cm:"):
            on = local_date(a.on) or fallback
            applied.line(a.ref, a.target_id, a.amount, on, Allocation.Kind.CREDIT)
        else:
            on = local_date(a.on) or stored.payment_date(a.ref) or fallback
            received.line(a.ref, doc.id, a.amount, on, Allocation.Kind.PAYMENT)
    return [received, applied]


def _payment_statement(
    company: Company, stored: _Stored, payment: PaymentRecord, local_date: LocalDate, warnings
) -> _Statement:
    """A payment's lines. Lines on credits (memos, negative invoices) spend that credit on the
    payment's invoice lines in order (QuickBooks: total = Σ invoice lines − Σ credit lines);
    what no invoice line absorbs is credit paid out by the payment itself (a refund)."""
    ref = f"pay:{payment.id}"
    statement = _Statement(company, stored, ref, Allocation.Rank.SOURCE, warnings)
    carried = _Statement(company, stored, ref, Allocation.Rank.CARRIER, warnings)
    if not payment.is_settled:
        return statement
    invoices: list[list] = []  # [target id, cash left, date]
    credits: list[tuple[str, Decimal, date]] = []
    for a in payment.allocations:
        target = stored.doc(a.target_id)
        is_credit = target["sign"] < 0 if target else a.target_type == "CREDITMEMO"
        if is_credit:
            credits.append((a.target_id, a.amount, local_date(a.on)))
        else:
            invoices.append([a.target_id, a.amount, local_date(a.on)])
    for memo_id, amount, on in credits:
        left = amount
        for line in invoices:
            used = min(left, line[1]) if line[1] > 0 else ZERO
            if used > 0:
                carried.line(f"cm:{memo_id}", line[0], used, on, Allocation.Kind.CREDIT)
                line[1] -= used
                left -= used
        if left:
            carried.line(
                f"cm:{memo_id}", payment_document_id(payment.id), left, on, Allocation.Kind.CREDIT
            )
    for target_id, cash, on in invoices:
        if cash:
            statement.line(ref, target_id, cash, on, Allocation.Kind.PAYMENT)
    statement.rows += carried.rows
    return statement


def allocations_rebuild(
    *,
    company: Company,
    documents: list[DocumentRecord],
    payments: list[PaymentRecord],
    local_date: LocalDate,
    warnings: list[dict],
    dead_documents: Iterable[str] = (),
    dead_payments: Iterable[str] = (),
    changes: DeltaTracker | None = None,
    batched: bool = False,
) -> None:
    """Replace the statements of the batch's records, drop what dead objects sourced or received,
    re-rank the pairs touched, then refresh implied rows and unapplied-payment balances.

    Every row added, restated, re-ranked or removed is noted in `changes` (its document, date).
    A load calling this batch after batch passes `batched=True`: it refreshes the statistics
    itself (as the table doubles) rather than once per batch, and no batch runs a
    company-wide update (each would rewrite the whole company: quadratic in the ledger).
    """
    changes = changes if changes is not None else DeltaTracker(everything=True)
    dead_documents, dead_payments = set(dead_documents), set(dead_payments)
    document_ids = {d.id for d in documents} | dead_documents
    document_ids |= {a.target_id for d in documents for a in d.allocations}
    document_ids |= {a.target_id for p in payments for a in p.allocations}
    document_ids |= {p.invoice_id for p in payments if p.invoice_id}
    document_ids |= {a.ref.removeprefix("cm:") for p in payments for a in p.allocations}
    payment_ids = {p.id for p in payments} | dead_payments
    payment_ids |= {a.ref.removeprefix("pay:") for d in documents for a in d.allocations}
    document_ids |= {payment_document_id(p) for p in payment_ids}
    stored = _Stored(company, document_ids, payment_ids)

    statements: list[_Statement] = []
    for doc in documents:
        statements += _document_statements(company, stored, doc, local_date, warnings)
    for payment in payments:
        statements.append(_payment_statement(company, stored, payment, local_date, warnings))

    stated_by = {f"doc:{d.id}" for d in documents} | {f"cm:{d.id}" for d in documents}
    stated_by |= {f"pay:{p.id}" for p in payments}
    dead_refs = {f"pay:{p}" for p in dead_payments} | {f"cm:{d}" for d in dead_documents}
    dead_refs |= {f"pay:{p.id}" for p in payments if not p.is_settled}
    dead_targets = dead_documents | {payment_document_id(p) for p in dead_payments}
    for key in (d.id for d in documents):
        row = stored.doc(key)
        if row is not None and not row["live"]:
            dead_refs.add(f"cm:{key}")
            dead_targets.add(key)
    rows = [row for s in statements for row in s.rows]
    # A line-less payment's rows are restated after ranking (below), not withdrawn here.
    spared = {f"pay:{p.id}" for p in _lineless(payments)}
    touched = _withdraw(
        company, stated_by - spared, dead_refs, dead_targets, {_key(r) for r in rows}, changes
    )
    _save(rows, changes)
    if not batched and len(rows) >= ANALYZE_THRESHOLD:
        # fresh rows without statistics: the lookups below would scan
        analyze(Allocation, written=len(rows))
    touched.refs |= {row.ref for row in rows}
    touched.documents |= {row.document_id for row in rows}
    _rank(company, touched, changes)

    capped, withdrawn = _invoice_id_lines(company, stored, payments, local_date, warnings, changes)
    _save(capped, changes)
    touched.refs |= withdrawn.refs | {row.ref for row in capped}
    touched.documents |= withdrawn.documents | {row.document_id for row in capped}
    _rank(company, touched, changes)

    touched.documents |= {row["id"] for row in stored.docs.values()}
    _refresh_implied(company, touched.documents, local_date, warnings, changes)
    _refresh_payment_documents(touched.documents)
    documents_last_allocated_refresh(
        company=company, document_ids=touched.documents, company_wide=not batched
    )


@dataclass
class _Touched:
    refs: set[str] = field(default_factory=set)
    documents: set[int] = field(default_factory=set)


ROW_KEY = ("document_id", "ref", "target", "stated_by", "allocated_on", "line")


def _key(row: Row) -> tuple:
    return tuple(getattr(row, name) for name in ROW_KEY)


def _withdraw(
    company: Company,
    stated_by: set[str],
    dead_refs: set[str],
    dead_targets: set[str],
    keep: set[tuple],
    changes: DeltaTracker,
) -> _Touched:
    """Delete the rows the batch's records no longer state, and every row of a dead object.

    Rows restated identically (`keep`) stay where they are, so a resync changes no row.
    """
    touched = _Touched()
    lookups = [
        ("stated_by__in", stated_by),
        ("ref__in", dead_refs),
        ("target__in", dead_targets),
    ]
    for lookup, keys in lookups:
        for chunk in _chunks(keys):
            rows = Allocation.objects.filter(company=company, **{lookup: chunk}).exclude(
                kind=Allocation.Kind.IMPLIED
            )
            stale = []
            for pk, *key in rows.values_list("id", *ROW_KEY):
                if lookup != "stated_by__in" or tuple(key) not in keep:
                    stale.append(pk)
                    touched.refs.add(key[1])
                    touched.documents.add(key[0])
                    changes.document(key[0], key[4])
            for ids in _chunks(stale):
                Allocation.objects.filter(id__in=ids).delete()
    return touched


SAVED = ("company_id", "payment_id", "kind", "rank", "effective", "amount", *ROW_KEY)


def _save(rows: list[Row], changes: DeltaTracker | None = None) -> None:
    """Insert new rows, update the amount of restated ones (same statement line); each row
    is noted in `changes` when given."""
    unique = {_key(row): row for row in rows}  # one row a key: the upsert needs it
    for row in unique.values() if changes is not None else ():
        changes.document(row.document_id, row.allocated_on)
    bulk.rows_upsert(
        Allocation,
        SAVED,
        [tuple(getattr(row, name) for name in SAVED) for row in unique.values()],
        unique=("document", "ref", "target", "stated_by", "allocated_on", "line"),
        update=("payment", "kind", "amount", "rank"),
    )


def _rank(company: Company, touched: _Touched, changes: DeltaTracker) -> None:
    """For each (source, target) pair of the touched sources, only the best rank counts."""
    for chunk in _chunks(touched.refs):
        rows = list(
            Allocation.objects.filter(company=company, ref__any_of=chunk).values_list(
                "id", "ref", "target", "rank", "effective", "document_id", "allocated_on"
            )
        )
        best: dict[tuple[str, str], int] = {}
        for _, ref, target, rank, *_ in rows:
            best[(ref, target)] = min(rank, best.get((ref, target), rank))
        flips = {True: [], False: []}
        for pk, ref, target, rank, effective, document_id, on in rows:
            wanted = rank == best[(ref, target)]
            if wanted != effective:
                flips[wanted].append(pk)
                touched.documents.add(document_id)
                changes.document(document_id, on)
        for value, ids in flips.items():
            for ids_chunk in _chunks(ids):
                Allocation.objects.filter(id__in=ids_chunk).update(effective=value)


def _explained(document_ids: Iterable[int]) -> dict[int, Decimal]:
    """Σ effective dated (non-implied) allocations per document."""
    totals: dict[int, Decimal] = {}
    for chunk in _chunks(document_ids):
        totals.update(
            Allocation.objects.filter(document_id__any_of=chunk, effective=True)
            .exclude(kind=Allocation.Kind.IMPLIED)
            .order_by()
            .values("document_id")
            .annotate(total=Sum("amount"))
            .values_list("document_id", "total")
        )
    return totals


def _lineless(payments: list[PaymentRecord]) -> list[PaymentRecord]:
    """Settled payments that name an invoice but state no lines, oldest first."""
    found = (p for p in payments if p.is_settled and p.invoice_id and not p.allocations)
    return sorted(found, key=lambda p: (p.paid_at, p.id))


def _invoice_id_lines(
    company: Company,
    stored: _Stored,
    payments: list[PaymentRecord],
    local_date,
    warnings,
    changes: DeltaTracker,
) -> tuple[list[Row], _Touched]:
    """A payment naming an invoice without lines pays it only up to its unexplained paid part.

    Computed after every other statement is ranked: the room left on the invoice is its paid
    part less what effective dated rows (other than this payment's own) already explain.
    """
    lineless = _lineless(payments)
    targets = [stored.doc(p.invoice_id) for p in lineless]
    explained = _explained(t["id"] for t in targets if t is not None)
    own_refs = [f"pay:{p.id}" for p in lineless]
    own = Allocation.objects.filter(company=company, stated_by__in=own_refs, effective=True)
    for document_id, amount in own.values_list("document_id", "amount"):
        explained[document_id] = explained.get(document_id, ZERO) - amount
    rows: list[Row] = []
    for payment, target in zip(lineless, targets, strict=True):
        if target is None:
            warnings.append(
                {
                    "object": "payments",
                    "id": payment.id,
                    "warning": f"unknown document {payment.invoice_id}",
                }
            )
            continue
        if target["sign"] < 0 or payment.total <= 0:
            continue
        paid = target["total"] - target["balance"]
        room = max(ZERO, paid - explained.get(target["id"], ZERO))
        applied = min(payment.total, room)
        if applied < payment.total:
            warnings.append(
                {
                    "object": "payments",
                    "id": payment.id,
                    "warning": f"{applied} of {payment.total} applied to {payment.invoice_id}; "
                    "the rest is unapplied credit",
                }
            )
        if applied <= 0:
            continue
        explained[target["id"]] = explained.get(target["id"], ZERO) + applied
        ref = f"pay:{payment.id}"
        statement = _Statement(company, stored, ref, Allocation.Rank.SOURCE, warnings)
        statement.line(ref, payment.invoice_id, applied, local_date(payment.paid_at), "payment")
        rows += statement.rows
    touched = _withdraw(company, set(own_refs), set(), set(), {_key(r) for r in rows}, changes)
    return rows, touched


def _refresh_implied(
    company: Company,
    document_ids: set[int],
    local_date: LocalDate,
    warnings: list[dict],
    changes: DeltaTracker,
) -> None:
    """Give each document an `implied` row for the paid part no effective dated row explains."""
    explained = _explained(document_ids)
    for chunk in _chunks(document_ids):
        implied = []
        docs = (
            Invoice.objects.filter(id__any_of=chunk)
            .exclude(doc_type=Invoice.DocType.PAYMENT)
            .values(
                "id",
                "external_id",
                "doc_type",
                "source_status",
                "total",
                "balance",
                "paid_on",
                "source_updated_at",
                "posted_on",
            )
        )
        for doc in docs:
            row = _implied_row(company, doc, explained.get(doc["id"], ZERO), local_date, warnings)
            if row is not None:
                implied.append(row)
        wanted = {_key(row) for row in implied}
        existing = {
            tuple(key): (pk, amount)
            for pk, amount, *key in Allocation.objects.filter(
                document_id__any_of=chunk, kind=Allocation.Kind.IMPLIED
            ).values_list("id", "amount", *ROW_KEY)
        }
        stale = [pk for key, (pk, _) in existing.items() if key not in wanted]
        for key in existing.keys() - wanted:
            changes.document(key[0], key[4])
        Allocation.objects.filter(id__in=stale).delete()
        _save(implied)
        # New rows and rows whose amount moved (a document's balance change is noted by the
        # rows that explain it, not by its own dates: `ledger_load._note_moves`).
        for row in implied:
            before = existing.get(_key(row))
            if before is None or before[1] != row.amount:
                changes.document(row.document_id, row.allocated_on)


def _implied_row(
    company: Company, doc: dict, dated: Decimal, local_date: LocalDate, warnings: list[dict]
) -> Row | None:
    if not aging.counts_as_ar(doc["doc_type"], doc["source_status"]):
        return None
    remainder = (doc["total"] - doc["balance"]) - dated  # signed like the document
    sign = -1 if doc["total"] < 0 else 1
    if remainder * sign < 0:
        warnings.append(
            {
                "object": "invoices",
                "id": doc["external_id"],
                "warning": f"allocations exceed the paid part by {abs(remainder)}",
            }
        )
        return None
    if remainder == 0:
        return None
    on = doc["paid_on"] or local_date(doc["source_updated_at"]) or doc["posted_on"]
    return Row(
        company_id=company.pk,
        document_id=doc["id"],
        kind=Allocation.Kind.IMPLIED,
        ref="implied",
        target=doc["external_id"],
        stated_by="implied",
        amount=remainder,
        allocated_on=on,
    )


def _refresh_payment_documents(document_ids: set[int]) -> None:
    """An unapplied-payment document's balance: its total (−cash) less what its lines used.

    One UPDATE per batch with the sum as a correlated subquery: computed where the rows are,
    with no per-row statement (a first load changes every payment's document).
    """
    used = (
        Allocation.objects.filter(document=OuterRef("pk"), effective=True)
        .order_by()
        .values("document")
        .annotate(total=MoneySum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=19, decimal_places=4)
    spent = Coalesce(Subquery(used, output_field=money), Value(ZERO, output_field=money))
    for chunk in _chunks(document_ids):
        Invoice.objects.filter(id__in=chunk, doc_type=Invoice.DocType.PAYMENT).update(
            balance=F("total") - spent, paid=spent
        )


# Past this many touched documents one company-wide UPDATE beats thousands of batched ones.
COMPANY_WIDE_REFRESH = 5_000


def documents_last_allocated_refresh(
    *, company: Company, document_ids: set[int], company_wide: bool = True
) -> None:
    """Keep `Invoice.last_allocated_on` = the date of the document's latest effective allocation.

    The as-of read path finds the documents settled today but open on a past date through it
    (selectors.open_documents), instead of scanning every allocation after that date.
    """
    latest = (
        Allocation.objects.filter(document=OuterRef("pk"), effective=True)
        .order_by()
        .values("document")
        .annotate(latest=Max("allocated_on"))
        .values("latest")
    )
    if company_wide and len(document_ids) > COMPANY_WIDE_REFRESH:
        Invoice.objects.filter(company=company).update(last_allocated_on=Subquery(latest))
        return
    for chunk in _chunks(document_ids):
        Invoice.objects.filter(id__any_of=chunk).update(last_allocated_on=Subquery(latest))
