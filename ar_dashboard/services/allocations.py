"""Dated allocations: the history that lets AR be aged as of any past date.

Each row is keyed (document, ref) where ref names the money's source, so the same payment seen
from the invoice (`payments[]`) and from the payment (`allocations[]`) is one row. Whatever
part of a document's paid amount no dated row explains becomes one `implied` row dated on the
document's paid date (else its last update), as DESIGN.md prescribes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Sum

from ar_dashboard import aging
from ar_dashboard.models import Allocation, Company, Invoice, Payment
from connectors.unified.records import DocumentRecord, PaymentRecord

BATCH = 500
LocalDate = Callable[[datetime | None], date | None]


class _Targets:
    """Stored documents by external id: pk, sign and dates needed to place allocations."""

    def __init__(self, company: Company, external_ids: set[str]):
        self.rows: dict[str, dict] = {}
        ids = sorted(external_ids)
        for start in range(0, len(ids), BATCH):
            for row in Invoice.objects.filter(
                company=company, external_id__in=ids[start : start + BATCH]
            ).values("id", "external_id", "doc_type", "paid_on", "posted_on"):
                row["sign"] = -1 if row["doc_type"] == Invoice.DocType.CREDITMEMO else 1
                self.rows[row["external_id"]] = row

    def get(self, external_id: str) -> dict | None:
        return self.rows.get(external_id)


def _payment_dates(company: Company, refs: set[str]) -> dict[str, tuple[int, date]]:
    ids = sorted(r.removeprefix("pay:") for r in refs)
    found = {}
    for start in range(0, len(ids), BATCH):
        for pk, external_id, paid_on in Payment.objects.filter(
            company=company, external_id__in=ids[start : start + BATCH]
        ).values_list("id", "external_id", "paid_on"):
            found[f"pay:{external_id}"] = (pk, paid_on)
    return found


def allocations_rebuild(
    *,
    company: Company,
    documents: list[DocumentRecord],
    payments: list[PaymentRecord],
    local_date: LocalDate,
    warnings: list[dict],
) -> None:
    """Upsert the allocations the batch states, drop those it withdrew, refresh implied rows."""
    targets = _Targets(
        company,
        {d.id for d in documents}
        | {a.target_id for d in documents for a in d.allocations}
        | {a.target_id for p in payments for a in p.allocations},
    )
    stated = [a for d in documents for a in d.allocations]
    # Stored payments (pk, date) for every payment ref the batch mentions, from either side.
    payment_refs = {a.ref for a in stated if a.ref.startswith("pay:")}
    payment_info = _payment_dates(company, payment_refs | {f"pay:{p.id}" for p in payments})
    rows: dict[tuple[int, str], Allocation] = {}

    def add(target_id: str, ref: str, amount: Decimal, on: date, kind: str, sign=None):
        target = targets.get(target_id)
        if target is None:
            warnings.append({"object": kind, "id": ref, "warning": f"unknown document {target_id}"})
            return
        rows[(target["id"], ref)] = Allocation(
            company=company,
            document_id=target["id"],
            payment_id=payment_info.get(ref, (None,))[0],
            kind=kind,
            ref=ref,
            amount=(sign or target["sign"]) * amount,
            allocated_on=on,
        )

    for doc in documents:
        own = targets.get(doc.id)
        fallback = local_date(doc.paid_at) or local_date(doc.updated_at)
        for a in doc.allocations:
            if a.ref.startswith("cm:"):  # a credit memo applied to another document
                on = local_date(a.on) or fallback or own["posted_on"]
                add(a.target_id, a.ref, a.amount, on, Allocation.Kind.CREDIT, sign=1)
                add(doc.id, f"app:{a.target_id}", a.amount, on, Allocation.Kind.CREDIT)
            else:
                known = payment_info.get(a.ref, (None, None))[1]
                on = local_date(a.on) or known or fallback or own["posted_on"]
                add(doc.id, a.ref, a.amount, on, Allocation.Kind.PAYMENT)
    for payment in payments:
        if not payment.is_settled:
            continue
        for a in payment.allocations:
            add(a.target_id, a.ref, a.amount, local_date(a.on), Allocation.Kind.PAYMENT)

    _withdraw(company, documents, payments, rows)
    _save(list(rows.values()))
    _refresh_implied(company, [t["id"] for t in targets.rows.values()], warnings)


def _withdraw(company, documents, payments, rows) -> None:
    """Delete rows a reloaded memo or payment no longer states (a void, a re-application)."""
    kept = set(rows)
    memo_ids = sorted(d.id for d in documents if d.doc_type == "CREDITMEMO")
    owned_refs = sorted({f"cm:{m}" for m in memo_ids} | {f"pay:{p.id}" for p in payments})
    stale = []
    for start in range(0, len(owned_refs), BATCH):
        owned = Allocation.objects.filter(
            company=company, ref__in=owned_refs[start : start + BATCH]
        )
        stale += [
            pk
            for pk, doc, ref in owned.values_list("id", "document_id", "ref")
            if (doc, ref) not in kept
        ]
    for start in range(0, len(memo_ids), BATCH):
        applied = Allocation.objects.filter(
            company=company,
            document__external_id__in=memo_ids[start : start + BATCH],
            ref__startswith="app:",
        )
        stale += [
            pk
            for pk, doc, ref in applied.values_list("id", "document_id", "ref")
            if (doc, ref) not in kept
        ]
    for start in range(0, len(stale), BATCH):
        Allocation.objects.filter(id__in=stale[start : start + BATCH]).delete()


def _save(rows: list[Allocation]) -> None:
    for start in range(0, len(rows), BATCH):
        Allocation.objects.bulk_create(
            rows[start : start + BATCH],
            update_conflicts=True,
            unique_fields=["document", "ref"],
            update_fields=["payment", "kind", "amount", "allocated_on"],
        )


def _refresh_implied(company: Company, document_ids: list[int], warnings: list[dict]) -> None:
    """Give each document an `implied` row for the paid part no dated allocation explains."""
    for start in range(0, len(document_ids), BATCH):
        chunk = document_ids[start : start + BATCH]
        dated = dict(
            Allocation.objects.filter(document_id__in=chunk)
            .exclude(kind=Allocation.Kind.IMPLIED)
            .values("document_id")
            .annotate(total=Sum("amount"))
            .values_list("document_id", "total")
        )
        implied, drop = [], []
        docs = Invoice.objects.filter(id__in=chunk).values(
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
        for doc in docs:
            row = _implied_row(company, doc, dated.get(doc["id"]) or Decimal(0), warnings)
            (implied.append(row) if row else drop.append(doc["id"]))
        Allocation.objects.filter(document_id__in=drop, kind=Allocation.Kind.IMPLIED).delete()
        _save(implied)


def _implied_row(company, doc: dict, dated: Decimal, warnings: list[dict]) -> Allocation | None:
    if not aging.counts_as_ar(doc["doc_type"], doc["source_status"]):
        return None
    remainder = (doc["total"] - doc["balance"]) - dated  # signed like the document
    sign = -1 if doc["doc_type"] == Invoice.DocType.CREDITMEMO else 1
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
    updated = doc["source_updated_at"]
    updated_on = aging.calendar_date(updated, ZoneInfo(company.timezone)) if updated else None
    on = doc["paid_on"] or updated_on or doc["posted_on"]
    return Allocation(
        company=company,
        document_id=doc["id"],
        kind=Allocation.Kind.IMPLIED,
        ref="implied",
        amount=remainder,
        allocated_on=on,
    )
