"""CSV exports: a header row, then one line per row, streamed in chunks as the cursor reads.

Amounts are plain decimals in the currency's minor units ("1234.50", "1235" JPY), dates ISO
8601, so a spreadsheet or a script reads them as numbers and dates. Text that a spreadsheet
would run as a formula is defused (OWASP "CSV Injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from ar_dashboard.exports import reports
from ar_dashboard.exports.reports import Kind, Report
from ar_dashboard.models import Company
from ar_dashboard.selectors import ARFilters

# OWASP: a cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice
# and Google Sheets. Prefixing a single quote makes it text; the csv module quotes the rest.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CHUNK_CHARS = 64 * 1024  # one write to the socket per ~64 KB, not per line


def defuse(text: str) -> str:
    """`text` safe to open in a spreadsheet: a leading formula character is escaped with '."""
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def cell(value, kind: Kind) -> str:
    """One typed value as CSV text (numbers stay numbers: only text is defused)."""
    if value is None:
        return ""
    if kind == Kind.TEXT:
        return defuse(str(value))
    if kind == Kind.DATE:
        return value.isoformat()
    return str(value)


def report_rows(report: Report) -> Iterator[list[str]]:
    """The header, then every row of `report` as CSV cells."""
    kinds = [column.kind for column in report.columns]
    yield [column.label for column in report.columns]
    for row in report.rows():
        yield [cell(value, kind) for value, kind in zip(row, kinds, strict=True)]


def aging_summary_csv_rows(*, company: Company, filters: ARFilters) -> Iterator[list[str]]:
    return report_rows(reports.aging_summary(company=company, filters=filters))


def customer_breakdown_csv_rows(
    *, company: Company, filters: ARFilters, sort: str = reports.DEFAULT_SORT
) -> Iterator[list[str]]:
    return report_rows(reports.customer_breakdown(company=company, filters=filters, sort=sort))


def aging_detail_csv_rows(*, company: Company, filters: ARFilters) -> Iterator[list[str]]:
    return report_rows(reports.aging_detail(company=company, filters=filters))


def stream(rows: Iterable[list[str]], *, bom: bool = False) -> Iterator[str]:
    """CSV text in ~64 KB pieces (RFC 4180 line ends), optionally after a UTF-8 BOM for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        buffer.write(BOM)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
