"""Validation of raw Unified.to records into typed ones (ParsedBatch), batch by batch.

`ledger_parse` rejects bad records with a reason and keeps warnings; `batch_merge` adds one
batch's counts and findings into a sync's running report, so a sync read in batches reports as
one read at once. Lists of findings are capped (MAX_FINDINGS): the counts stay exact.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ar_dashboard.models import Invoice
from ar_dashboard.services.load_delta import LoadDelta
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
# The AR document types a source serves (unapplied-payment documents are ours, not theirs).
SOURCE_DOC_TYPES = (Invoice.DocType.INVOICE, Invoice.DocType.CREDITMEMO)
# Clock skew allowed between the source's `updated_at` and ours when asking "was this record
# edited while we were listing?".
EDIT_MARGIN = timedelta(minutes=5)
# Rejected records and warnings kept per sync (the SyncLog keeps 1,000 of each).
MAX_FINDINGS = 10_000


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
    # What the load changed (set by the load): the summaries refresh from it.
    delta: LoadDelta | None = None

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


def batch_merge(report: ParsedBatch, batch: ParsedBatch) -> None:
    """Add a batch's counts, findings and newest updates to a sync's report (lists capped)."""
    for obj, counts in batch.counts.items():
        for key, n in counts.items():
            report.count(obj, key, n)
    report.rejected += batch.rejected[: max(0, MAX_FINDINGS - len(report.rejected))]
    report.warnings += batch.warnings[: max(0, MAX_FINDINGS - len(report.warnings))]
    for obj, moment in batch.latest_update.items():
        if moment > report.latest_update.get(obj, moment - EDIT_MARGIN):
            report.latest_update[obj] = moment
