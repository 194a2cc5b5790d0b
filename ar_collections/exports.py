"""The worklist as a `Report` of the exports package: CSV and XLSX like every other view."""

from __future__ import annotations

from collections.abc import Iterator

from ar_collections.selectors import WorklistRow
from ar_dashboard.exports.reports import Column, Kind, Report
from ar_dashboard.models import Company
from ar_dashboard.money import quantize_money
from ar_dashboard.selectors import ARFilters

VIEW = "collections-worklist"


def worklist_report(*, company: Company, filters: ARFilters, rows: list[WorklistRow]) -> Report:
    """The ranked rows as the page shows them (no totals: a worklist is not a ledger sum)."""
    cur = filters.currency
    columns = [
        Column("rank", "Rank", Kind.COUNT),
        Column("customer", "Customer", Kind.TEXT),
        Column("priority", "Priority", Kind.TEXT),
        Column("next_action", "Next action", Kind.TEXT),
        Column("band", "Risk band", Kind.TEXT),
        Column("collector", "Collector", Kind.TEXT),
        Column("total_outstanding", f"Open ({cur})", Kind.MONEY),
        Column("overdue", f"Overdue ({cur})", Kind.MONEY),
        Column("oldest_days_past_due", "Oldest (days)", Kind.DAYS),
        Column("last_contact", "Last contact", Kind.DATE),
        Column("open_promise_due", "Promise due", Kind.DATE),
        Column("broken_promise", "Broken promise", Kind.TEXT),
        Column("open_disputes", "Open disputes", Kind.COUNT),
    ]

    def values() -> Iterator[tuple]:
        for rank, r in enumerate(rows, start=1):
            yield (
                rank,
                r.customer_name,
                f"{r.priority:.2f}",
                r.action.label,
                r.band or "",
                r.collector,
                quantize_money(r.total_outstanding, cur),
                quantize_money(r.overdue, cur),
                r.days_past_due,
                r.last_contact,
                r.open_promise.promised_on if r.open_promise else None,
                "yes" if r.broken_promise else "",
                r.open_disputes,
            )

    return Report(
        view=VIEW,
        title="Collections worklist",
        company=company,
        filters=filters,
        columns=columns,
        rows=values,
        stated_totals=dict,
    )
