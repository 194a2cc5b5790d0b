"""Each export button of the dashboards, clicked in Chromium: the downloaded CSV, XLSX and PDF
are read back (csv, openpyxl, pypdf) and their totals equal the JSON API's for the same filters,
to the cent, with only the filtered customers in them.

The shop's ledger as of 2026-06-30 (conftest): invoices of 1000 + 250·n, n = 0..7, aged
0/15/45/75/100/150/5/35 days; Globex also owes 600.00 − 200.00 paid = 400.00 (30 days);
Initech has a credit memo of −150.00 (10 days).
"""

import csv
import io
import re
from decimal import Decimal as D
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

FORMATS = ("csv", "xlsx", "pdf")
DAY = "2026-06-30"


def _download(page, fmt: str, folder) -> bytes:
    """Click the page's export button of `fmt`; the downloaded file's bytes."""
    button = page.locator(".export-buttons a", has_text=re.compile(rf"^{fmt.upper()}$"))
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(f".{fmt}")
    path = folder / download.suggested_filename
    download.save_as(path)
    return path.read_bytes()


def _api(page, endpoint: str, **params) -> dict:
    """The JSON API's answer, asked with the browser's own session."""
    response = page.request.get(f"{page.base}/ar/api/{endpoint}/?{urlencode(params)}")
    assert response.ok, response.text()
    return response.json()


def _csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _sheet(data: bytes, name: str) -> tuple[list[str], list[tuple]]:
    """The sheet's header and its data rows, the totals row last (formulas resolved to sums)."""
    ws = load_workbook(io.BytesIO(data))[name]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    header, *body = rows
    totals = tuple(_formula_sum(ws, v) if str(v).startswith("=SUM(") else v for v in body[-1])
    return list(header), [*body[:-1], totals]


def _formula_sum(ws, formula: str) -> D:
    first, last = formula[5:-1].split(":")
    return sum((D(str(row[0].value)) for row in ws[f"{first}:{last}"]), start=D(0))


def _pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"[ \t]+", " ", text)


def _column_sum(rows: list[dict], column: str) -> D:
    return sum((D(r[column]) for r in rows if r[column]), start=D(0))


def test_filtered_page_exports_carry_the_bucket_filters(signed_in, shop, tmp_path):
    """Buckets 31-60 and 120+ chosen in the form: Tyrell 1000 + 250·7 = 2,750.00 (35 days),
    Wayne 1000 + 250·5 = 2,250.00 (150 days) and Umbrella 1000 + 250·2 = 1,500.00 (45 days);
    total 6,500.00 over 3 documents, all overdue."""
    page = signed_in
    company = shop.company.pk
    page.goto(f"{page.base}/ar/filtered/?company={company}&as_of={DAY}")
    page.click('label[for="f-bucket-31_60"]')
    page.wait_for_url(re.compile(r"bucket=31_60"))
    page.wait_for_function(
        "() => document.querySelectorAll('.filtered-table tbody tr').length === 2"
    )
    page.click('label[for="f-bucket-over_120"]')
    page.wait_for_url(re.compile(r"bucket=31_60&bucket=over_120"))
    page.wait_for_function(
        "() => document.querySelectorAll('.filtered-table tbody tr').length === 3"
    )
    query = {"company": company, "as_of": DAY, "bucket": "31_60,over_120"}
    customers = _api(page, "customer-breakdown", **query, page_size=500)["customers"]
    distribution = _api(page, "aging-distribution", **query)
    stats = _api(page, "summary-stats", **query)
    names = [c["customer"] for c in customers]
    assert names == ["Tyrell", "Wayne Enterprises International Holdings", "Umbrella"]
    assert distribution["total"] == stats["total_ar"] == "6500.00"
    expected = {f"{b['label']} (USD)": D(b["amount"]) for b in distribution["buckets"]}
    expected |= {
        "Total outstanding (USD)": D(stats["total_ar"]),
        "Overdue (USD)": D(stats["total_overdue"]),
        "Documents": stats["total_invoices"],
    }
    files = {fmt: _download(page, fmt, tmp_path) for fmt in FORMATS}

    rows = _csv(files["csv"])
    assert [r["Customer"] for r in rows] == names
    assert [r["Total outstanding (USD)"] for r in rows] == [
        c["total_outstanding"] for c in customers
    ]
    for column, total in expected.items():
        assert _column_sum(rows, column) == total, column

    header, body = _sheet(files["xlsx"], "Customers")
    *data, totals = body
    assert [r[header.index("Customer")] for r in data] == names
    assert totals[0] == "Total"
    for column, total in expected.items():
        assert totals[header.index(column)] == total, column

    text = _pdf_text(files["pdf"])
    assert "Filtered: Buckets 31-60, 120+" in text
    assert "Tyrell" in text and "Umbrella" in text
    for amount in ("6,500.00", "2,750.00", "2,250.00", "1,500.00"):
        assert amount in text
    for other in shop.customers.keys() - set(names):
        assert other not in text
    assert page.console_errors == []


def test_report_page_exports_carry_the_name_filter(signed_in, shop, tmp_path):
    """Names starting with "s": Soylent 1000 + 250·6 = 2,500.00 (5 days, 1-30) and Stark
    Industries 1000 + 250·4 = 2,000.00 (100 days, 91-120); total 4,500.00 over 2 documents."""
    page = signed_in
    query = {"company": shop.company.pk, "as_of": DAY, "name": "s"}
    page.goto(f"{page.base}/ar/report/?{urlencode(query)}")
    assert page.locator("#report-table tbody th a").all_inner_texts() == [
        "Soylent",
        "Stark Industries",
    ]
    distribution = _api(page, "aging-distribution", **query)
    stats = _api(page, "summary-stats", **query)
    amounts = {b["key"]: D(b["amount"]) for b in distribution["buckets"]}
    assert distribution["total"] == "4500.00"
    assert (amounts["1_30"], amounts["91_120"]) == (D("2500.00"), D("2000.00"))
    files = {fmt: _download(page, fmt, tmp_path) for fmt in FORMATS}

    rows = _csv(files["csv"])
    assert {r["Bucket"]: D(r["Amount (USD)"]) for r in rows} == amounts
    assert _column_sum(rows, "Amount (USD)") == D(distribution["total"])
    assert sum(int(r["Documents"]) for r in rows) == stats["total_invoices"] == 2

    header, body = _sheet(files["xlsx"], "Aging summary")
    *data, totals = body
    amount = header.index("Amount (USD)")
    assert {r[header.index("Bucket")]: D(str(r[amount])) for r in data} == amounts
    assert totals[amount] == D(distribution["total"])
    assert totals[header.index("Documents")] == stats["total_invoices"]

    text = _pdf_text(files["pdf"])
    assert "Soylent" in text and "Stark Industries" in text
    for figure in ("4,500.00", "2,500.00", "2,000.00"):
        assert figure in text
    for other in shop.customers.keys() - {"Soylent", "Stark Industries"}:
        assert other not in text
    assert page.console_errors == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_customer_drill_down_exports_only_that_customers_documents(signed_in, shop, tmp_path, fmt):
    """Globex: 1,000.00 due today (Current) + 600.00 − 200.00 paid = 400.00; total 1,400.00."""
    page = signed_in
    globex = shop.customers["Globex"].pk
    page.goto(f"{page.base}/ar/report/customer/{globex}/?company={shop.company.pk}&as_of={DAY}")
    stats = _api(page, "summary-stats", company=shop.company.pk, as_of=DAY, customer=globex)
    assert stats["total_ar"] == "1400.00"
    data = _download(page, fmt, tmp_path)

    if fmt == "csv":
        rows = _csv(data)
        assert {r["Customer"] for r in rows} == {"Globex"}
        assert _column_sum(rows, "Open balance (USD)") == D(stats["total_ar"])
    elif fmt == "xlsx":
        header, body = _sheet(data, "Documents")
        *rows, totals = body
        assert {r[header.index("Customer")] for r in rows} == {"Globex"}
        assert totals[header.index("Open balance (USD)")] == D(stats["total_ar"])
    else:
        text = _pdf_text(data)
        assert "Globex" in text and "1,400.00" in text
        assert "Initech" not in text
