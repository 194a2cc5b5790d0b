"""XLSX exports read back with openpyxl: typed cells, totals formulas equal to the API's."""

import io
from datetime import datetime
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from ar_dashboard.tests.exports.conftest import AS_OF
from ar_dashboard.tests.factories import CustomerFactory, InvoiceFactory

EXPORT = "/ar/export/"
USD = '"$"#,##0.00;-"$"#,##0.00'


def read_xlsx(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def formula_sum(ws, formula: str) -> D:
    """The value of '=SUM(C2:C5)': the column's cells from row 2 to 5, summed exactly."""
    assert formula.startswith("=SUM(") and formula.endswith(")")
    first, last = formula[5:-1].split(":")
    cells = ws[f"{first}:{last}"]
    return sum((D(str(row[0].value)) for row in cells if row[0].value is not None), start=D(0))


def test_customer_breakdown_sheet(web, api, ledger):
    """4 customer rows, a totals row of formulas; each formula sums to the API's figure."""
    wb = read_xlsx(web.get(EXPORT + "customer-breakdown.xlsx", {"as_of": AS_OF}))
    ws = wb["Customers"]
    header = [c.value for c in ws[1]]
    distribution = api.get("/ar/api/aging-distribution/", {"as_of": AS_OF}).json()
    stats = api.get("/ar/api/summary-stats/", {"as_of": AS_OF}).json()

    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(header)).column_letter}5"
    assert ws.max_row == 6  # header, 4 customers, totals
    totals = {name: ws.cell(6, i + 1).value for i, name in enumerate(header)}
    assert totals["Customer id"] == "Total"
    expected = {f"{b['label']} (USD)": b["amount"] for b in distribution["buckets"]}
    expected |= {"Total outstanding (USD)": stats["total_ar"], "Overdue (USD)": "5400.50"}
    for name, amount in expected.items():
        column = header.index(name) + 1
        letter = ws.cell(2, column).column_letter
        assert totals[name] == f"=SUM({letter}2:{letter}5)"
        assert formula_sum(ws, totals[name]) == D(amount)
        assert ws.cell(2, column).number_format == USD
        assert isinstance(ws.cell(2, column).value, int | float)
    assert formula_sum(ws, totals["Documents"]) == stats["total_invoices"] == 12
    assert ws.cell(2, 2).value == "Umbrella"


def test_aging_detail_sheet_has_dates_and_numbers(web, ledger):
    wb = read_xlsx(web.get(EXPORT + "aging-detail.xlsx", {"as_of": AS_OF}))
    ws = wb["Documents"]
    header = [c.value for c in ws[1]]
    first = {name: ws.cell(2, i + 1) for i, name in enumerate(header)}

    assert isinstance(first["Invoice date"].value, datetime)
    assert first["Invoice date"].is_date
    assert first["Days past due"].value == 121  # oldest first: Umbrella's 1000.00
    assert first["Open balance (USD)"].value == 1000
    assert first["Open balance (USD)"].number_format == USD
    total = ws.cell(ws.max_row, header.index("Open balance (USD)") + 1).value
    assert total == "=SUM(M2:M13)"
    assert formula_sum(ws, total) == D("5500.50")


def test_about_sheet_lists_filters_and_stated_totals(web, ledger):
    query = {"as_of": AS_OF, "bucket": "31_60", "customer": ledger.initech.pk}
    wb = read_xlsx(web.get(EXPORT + "aging-summary.xlsx", query))
    about = {row[0]: row[1] for row in wb["About"].iter_rows(min_row=2, values_only=True) if row}

    assert about["Company"] == "Acme Supplies"
    assert about["As of"] == "2026-06-30"
    assert about["Currency"] == "USD"
    assert about["Aged by"] == "due date"
    assert about["Bucket"] == "31-60"
    assert about["Customer"] == "Initech"
    assert about["Generated at (UTC)"] == datetime(2026, 7, 15, 12, 0)
    # Initech in 31-60: 400.00 + 500.00 = 900.00 over 2 documents.
    assert about["Amount (USD)"] == 900
    assert about["Documents"] == 2
    ws = wb["Aging summary"]
    assert formula_sum(ws, ws["F8"].value) == D("900.00")


def test_jpy_has_no_minor_unit(web, company_a, pinned_today):
    InvoiceFactory(company=company_a, currency="JPY", total=D("1234.5000"))
    wb = read_xlsx(web.get(EXPORT + "aging-detail.xlsx", {"as_of": AS_OF, "currency": "JPY"}))
    cell = wb["Documents"]["M2"]

    assert cell.value == 1235  # half-up to the yen
    assert cell.number_format == '"¥"#,##0;-"¥"#,##0'


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","x")', "=1+1", "@SUM(A1)"])
def test_text_is_never_a_formula(web, company_a, pinned_today, name):
    customer = CustomerFactory(company=company_a, name=name)
    InvoiceFactory(company=company_a, customer=customer, number=name)

    wb = read_xlsx(web.get(EXPORT + "aging-detail.xlsx", {"as_of": AS_OF}))
    cell = wb["Documents"]["B2"]

    assert cell.value == name
    assert cell.data_type == "s"


def test_empty_export_has_zero_totals(web, ledger):
    wb = read_xlsx(web.get(EXPORT + "aging-detail.xlsx", {"as_of": "2020-01-01"}))
    ws = wb["Documents"]

    assert ws.max_row == 2
    assert ws["M2"].value == 0
