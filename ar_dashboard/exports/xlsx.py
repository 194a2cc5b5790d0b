"""Excel exports (openpyxl write-only: rows go to disk as they come, not into a cell grid).

Amounts are typed numbers in the currency's number format, dates are dates, the header is
frozen and filterable, and a totals row holds SUM formulas over the rows, which equal the totals
the selectors state (listed again on the second sheet with the filters, so the workbook checks
itself). Text is always a text cell: a customer named "=HYPERLINK(…)" stays a name.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_symbol
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet import _writer as openpyxl_writer

from ar_dashboard.exports import reports
from ar_dashboard.exports.reports import Column, Kind, Report
from ar_dashboard.models import Company
from ar_dashboard.money import minor_units
from ar_dashboard.selectors import ARFilters

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
TOTAL_FONT = Font(bold=True)
WIDTHS = {Kind.TEXT: 18, Kind.MONEY: 17, Kind.COUNT: 11, Kind.DAYS: 11, Kind.DATE: 12}
WIDE_TEXT = {"customer": 38, "label": 12, "external_id": 22}
SHEET_NAMES = {
    "aging-summary": "Aging summary",
    "customer-breakdown": "Customers",
    "aging-detail": "Documents",
    "collections-worklist": "Worklist",  # ar_collections/exports.py
}


def currency_format(currency: str) -> str:
    """An Excel number format showing `currency`'s symbol and minor units: "$"#,##0.00."""
    places = minor_units(currency)
    symbol = get_currency_symbol(currency, locale="en_US")
    if symbol.isalpha() and len(symbol) > 1:
        symbol += " "  # "CHF 1,234.50", as babel writes it
    number = "#,##0" + ("." + "0" * places if places else "")
    quoted = '"' + symbol.replace('"', "") + '"'
    return f"{quoted}{number};-{quoted}{number}"


def _text(ws, value: str):
    """A text cell, never a formula: openpyxl would run a string starting with '='."""
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def _row(ws, row: tuple, kinds: list[Kind], money_format: str) -> list:
    cells = []
    for value, kind in zip(row, kinds, strict=True):
        if value is None:
            cells.append(None)
        elif kind == Kind.MONEY:
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = money_format
            cells.append(cell)
        elif kind == Kind.TEXT:
            cells.append(_text(ws, str(value)))
        else:
            cells.append(value)  # ints and dates: openpyxl types them (dates as yyyy-mm-dd)
    return cells


def _header(ws, columns: list[Column]) -> list:
    cells = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column.label)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cells.append(cell)
    return cells


def _totals(ws, columns: list[Column], rows: int, money_format: str) -> list:
    """The totals row: SUM over each stated column's rows (a literal 0 when there are none)."""
    cells = []
    for i, column in enumerate(columns, start=1):
        value = "Total" if i == 1 else None
        if column.total:
            letter = get_column_letter(i)
            value = f"=SUM({letter}2:{letter}{rows + 1})" if rows else 0
        cell = WriteOnlyCell(ws, value=value)
        cell.font = TOTAL_FONT
        if column.kind == Kind.MONEY:
            cell.number_format = money_format
        cells.append(cell)
    return cells


def _data_sheet(wb: Workbook, report: Report) -> None:
    ws = wb.create_sheet(SHEET_NAMES[report.view])
    columns = report.columns
    for i, column in enumerate(columns, start=1):
        width = WIDE_TEXT.get(column.key, WIDTHS[column.kind])
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"  # before the first row: write-only mode writes the view first
    money_format = currency_format(report.filters.currency)
    kinds = [column.kind for column in columns]
    ws.append(_header(ws, columns))
    count = 0
    for row in report.rows():
        ws.append(_row(ws, row, kinds, money_format))
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    ws.append(_totals(ws, columns, count, money_format))


def _about_sheet(wb: Workbook, report: Report, generated_at: datetime) -> None:
    ws = wb.create_sheet("About")
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 60
    title = WriteOnlyCell(ws, value=f"{report.title} — {report.company.name}")
    title.font = Font(bold=True, size=13)
    ws.append([title])
    zone = report.company.timezone
    local = generated_at.astimezone(ZoneInfo(zone)).replace(tzinfo=None, microsecond=0)
    for name, value in reports.filter_lines(report.company, report.filters):
        ws.append([name, _text(ws, value)])
    stamp = WriteOnlyCell(ws, value=local)
    stamp.number_format = "yyyy-mm-dd hh:mm:ss"
    ws.append([f"Generated at ({zone})", stamp])
    ws.append([])
    heading = WriteOnlyCell(ws, value="Stated totals (the API's figures for these filters)")
    heading.font = TOTAL_FONT
    ws.append([heading])
    money_format = currency_format(report.filters.currency)
    stated = report.stated_totals()
    for column in report.columns:
        if column.key in stated:
            value = WriteOnlyCell(ws, value=stated[column.key])
            if column.kind == Kind.MONEY:
                value = WriteOnlyCell(ws, value=reports.money(stated[column.key], report.filters))
                value.number_format = money_format
            ws.append([column.label, value])


def report_xlsx(report: Report, *, generated_at: datetime) -> bytes:
    """The workbook of `report`: its rows with a totals row, then the About sheet."""
    with _temporary_files_removed_on_error():
        wb = Workbook(write_only=True)
        _data_sheet(wb, report)
        _about_sheet(wb, report, generated_at)
        out = io.BytesIO()
        wb.save(out)
    return out.getvalue()


@contextmanager
def _temporary_files_removed_on_error() -> Iterator[None]:
    """Delete the temporary sheet files of a workbook that failed half way (disk full, say).

    A write-only workbook streams each sheet to a temporary file and removes it once saved;
    one that raises first leaves them until the process exits, which on a full disk in a
    long-lived web worker only makes the disk fuller.
    """
    before = set(openpyxl_writer.ALL_TEMP_FILES)
    try:
        yield
    except BaseException:
        for path in set(openpyxl_writer.ALL_TEMP_FILES) - before:
            with suppress(OSError):
                os.remove(path)
            with suppress(ValueError):
                openpyxl_writer.ALL_TEMP_FILES.remove(path)
        raise


def aging_summary_xlsx(*, company: Company, filters: ARFilters, generated_at: datetime) -> bytes:
    return report_xlsx(
        reports.aging_summary(company=company, filters=filters), generated_at=generated_at
    )


def customer_breakdown_xlsx(
    *,
    company: Company,
    filters: ARFilters,
    generated_at: datetime,
    sort: str = reports.DEFAULT_SORT,
) -> bytes:
    report = reports.customer_breakdown(company=company, filters=filters, sort=sort)
    return report_xlsx(report, generated_at=generated_at)


def aging_detail_xlsx(*, company: Company, filters: ARFilters, generated_at: datetime) -> bytes:
    return report_xlsx(
        reports.aging_detail(company=company, filters=filters), generated_at=generated_at
    )
