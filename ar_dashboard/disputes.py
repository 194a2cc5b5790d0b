"""Invoices in an open dispute, as the aging views mark them (invoice-details, the aging-detail
exports, the drill-down page).

Disputes are collection work: `ar_collections` records them and registers the one reader here
when its app loads (`ArCollectionsConfig.ready`), so the ledger app never imports the
collections app and works without it (nothing is then in dispute). Every read is one query for
a whole page or export, never one per row.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date

from ar_dashboard.models import Company


@dataclass(frozen=True)
class DisputeMark:
    """Why and since when an invoice is in dispute."""

    reason: str
    opened_on: date


# (company=, invoice_ids=) → {invoice id: mark}; invoice_ids None = every open dispute.
DisputeReader = Callable[..., dict[int, DisputeMark]]
_reader: DisputeReader | None = None


def register_reader(reader: DisputeReader | None) -> None:
    """Set the function that reads open disputes (the collections app's)."""
    global _reader  # noqa: PLW0603 - one reader per process, set when the apps load
    _reader = reader


def open_disputes(
    *, company: Company, invoice_ids: Collection[int] | None = None
) -> dict[int, DisputeMark]:
    """{invoice id: mark} of the company's invoices in an open dispute (one query), among
    `invoice_ids` when given (no query for an empty page)."""
    if _reader is None or (invoice_ids is not None and not invoice_ids):
        return {}
    return _reader(company=company, invoice_ids=invoice_ids)


def mark_fields(mark: DisputeMark | None) -> dict:
    """The API's fields of one document: `disputed` and `dispute` (reason, opened_on) or null."""
    if mark is None:
        return {"disputed": False, "dispute": None}
    return {"disputed": True, "dispute": {"reason": mark.reason, "opened_on": mark.opened_on}}
