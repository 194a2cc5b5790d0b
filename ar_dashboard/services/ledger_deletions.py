"""Deletions seen by a full sync: what the complete listings no longer return.

A record deleted upstream simply stops being listed, so a full sync that completed without
error compares what is stored with what was listed. What was listed is either a set of ids
(a batch loaded from memory) or the sync's staging table (`StagedRecord`), compared in SQL so
no set of a million ids is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef

from ar_dashboard.models import Company, Invoice, Payment, StagedRecord
from ar_dashboard.services.allocations import payment_document_id
from ar_dashboard.services.ledger_parse import EDIT_MARGIN, SOURCE_DOC_TYPES, ParsedBatch
from ar_dashboard.services.load_delta import DeltaTracker

BATCH = 500
DOCUMENT_OBJECTS = ("invoices", "creditmemos")
OBJECTS = {Invoice: DOCUMENT_OBJECTS, Payment: ("payments",)}
FILTERS = {Invoice: {"doc_type__in": SOURCE_DOC_TYPES}, Payment: {}}
# (model, listings, filters) -> stored external ids those listings did not return
Missing = Callable[[type, tuple[str, ...], dict], list[str]]


@dataclass
class Deleted:
    documents: set[str] = field(default_factory=set)
    payments: set[str] = field(default_factory=set)


def _stored(company: Company, model, filters: dict):
    return model.objects.filter(company=company, **filters).exclude(source_status="DELETED")


def missing_from_seen(company: Company, seen: dict[str, set[str]]) -> Missing:
    """Stored ids absent from the `seen` ids of the listings (a batch held in memory)."""

    def missing(model, objects: tuple[str, ...], filters: dict) -> list[str]:
        ids = set().union(*(seen.get(obj, set()) for obj in objects))
        stored = _stored(company, model, filters).values_list("external_id", flat=True)
        return [external_id for external_id in stored.iterator() if external_id not in ids]

    return missing


def missing_from_staging(company: Company, sync_log_id: int) -> Missing:
    """Stored ids no staged record of the listings has (one anti-join per model)."""

    def missing(model, objects: tuple[str, ...], filters: dict) -> list[str]:
        listed = StagedRecord.objects.filter(
            sync_log_id=sync_log_id, object_type__in=objects, external_id=OuterRef("external_id")
        )
        stored = _stored(company, model, filters).exclude(Exists(listed))
        return list(stored.values_list("external_id", flat=True))

    return missing


def _edited_while_listed(
    parsed: ParsedBatch, objects: tuple[str, ...], listed_since: datetime | None
) -> bool:
    if listed_since is None:
        return False
    floor = listed_since - EDIT_MARGIN
    return any(parsed.latest_update.get(obj, floor - EDIT_MARGIN) >= floor for obj in objects)


def mark_missing_deleted(
    *,
    company: Company,
    parsed: ParsedBatch,
    missing: Missing,
    anything_listed: bool,
    listed_since: datetime | None,
    changes: DeltaTracker,
) -> Deleted:
    """A complete full listing that no longer returns a record means the source deleted it.

    Rejected records were returned (they are listed), so they are kept. Listings that returned
    no document and no payment at all are not taken as "everything was deleted": an emptied
    connection is refused with a warning rather than wiping the ledger.
    """
    deleted = Deleted()
    if not anything_listed:
        parsed.warnings.append(
            {
                "object": "invoices",
                "id": "",
                "warning": "the full listings returned no documents and no payments: "
                "nothing marked deleted",
            }
        )
        return deleted
    found = {Invoice: deleted.documents, Payment: deleted.payments}
    for model, objects in OBJECTS.items():
        if _edited_while_listed(parsed, objects, listed_since):
            parsed.warnings.append(
                {
                    "object": model._meta.model_name,
                    "id": "",
                    "warning": "records changed while the full listing was read (offset "
                    "paging may have skipped one): deletions left to the next full sync",
                }
            )
            continue
        found[model].update(missing(model, objects, FILTERS[model]))
    _mark(company, deleted, changes)
    parsed.count("documents", "deleted", len(deleted.documents))
    parsed.count("payments", "deleted", len(deleted.payments))
    return deleted


def _mark(company: Company, deleted: Deleted, changes: DeltaTracker) -> None:
    pmt_ids = [payment_document_id(p) for p in deleted.payments]
    for model, ids in (
        (Invoice, sorted(deleted.documents)),
        (Payment, sorted(deleted.payments)),
        (Invoice, pmt_ids),
    ):
        for start in range(0, len(ids), BATCH):
            rows = model.objects.filter(company=company, external_id__in=ids[start : start + BATCH])
            if model is Invoice:
                for pk, posted_on in rows.values_list("id", "posted_on"):
                    changes.document(pk, posted_on)
            rows.update(source_status="DELETED")
