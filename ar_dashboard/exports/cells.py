"""Table cells of the PDFs: each typed value formatted in the currency's minor units."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ar_dashboard.exports.reports import Kind, in_minor_units


@dataclass(frozen=True)
class Cell:
    text: str
    css: str  # "num", "neg", "zero" or "" (text)


def amount_text(amount: Decimal, currency: str) -> str:
    """'1,234.50' in the currency's minor units (the column header names the currency)."""
    return f"{in_minor_units(amount, currency):,}"


def display(value, kind: Kind, currency: str) -> Cell:
    """One typed value as a table cell."""
    if value is None:
        return Cell("", "")
    if kind == Kind.MONEY:
        if value == 0:
            return Cell("–", "num zero")
        return Cell(amount_text(value, currency), "num neg" if value < 0 else "num")
    if kind == Kind.DATE:
        return Cell(value.isoformat(), "date")
    if kind in (Kind.COUNT, Kind.DAYS):
        return Cell(f"{value:,}" if kind == Kind.COUNT else str(value), "num")
    return Cell(str(value), "")
