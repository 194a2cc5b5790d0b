"""Invoices in an open dispute (recorded by collections) are marked in the aging-detail
exports and the drill-down page, read in one query whatever the number of documents."""

import csv
import io
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ar_collections.services.activities import dispute_open, dispute_resolve
from ar_dashboard.tests.exports.conftest import AS_OF, body
from ar_dashboard.tests.exports.test_pdf import read_pdf
from ar_dashboard.tests.exports.test_xlsx import read_xlsx

EXPORT = "/ar/export/"


@pytest.fixture
def disputed(ledger, alice):
    """d30 (Globex, 300.00) in an open dispute; d1 disputed once and resolved."""
    d = ledger.docs
    dispute_open(invoice=d.d30, reason="Short shipment", author=alice, opened_on=date(2026, 6, 20))
    resolved = dispute_open(
        invoice=d.d1, reason="Wrong PO", author=alice, opened_on=date(2026, 6, 1)
    )
    dispute_resolve(
        dispute=resolved, resolution="fixed", author=alice, resolved_on=date(2026, 6, 2)
    )
    return d


def _csv(web) -> list[dict]:
    response = web.get(EXPORT + "aging-detail.csv", {"as_of": AS_OF})
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8"))))


def test_csv_marks_the_disputed_document_with_reason_and_date(web, disputed):
    rows = _csv(web)

    by_id = {int(r["Document id"]): r for r in rows}
    mark = by_id[disputed.d30.pk]
    assert (mark["In dispute"], mark["Dispute reason"], mark["Disputed since"]) == (
        "yes",
        "Short shipment",
        "2026-06-20",
    )
    others = [r for r in rows if int(r["Document id"]) != disputed.d30.pk]
    assert len(others) == 11
    assert {(r["In dispute"], r["Dispute reason"], r["Disputed since"]) for r in others} == {
        ("no", "", "")
    }  # the resolved dispute of d1 included


def test_csv_reads_disputes_in_one_query_whatever_their_number(web, disputed, alice):
    with CaptureQueriesContext(connection) as one:
        _csv(web)
    for doc in (disputed.d0, disputed.d61, disputed.d91):
        dispute_open(invoice=doc, reason="Price", author=alice, opened_on=date(2026, 6, 25))

    with CaptureQueriesContext(connection) as four:
        rows = _csv(web)

    assert sum(r["In dispute"] == "yes" for r in rows) == 4
    assert len(four.captured_queries) == len(one.captured_queries)
    assert sum("ar_collections_dispute" in q["sql"] for q in four.captured_queries) == 1


def test_xlsx_has_the_dispute_columns(web, disputed):
    ws = read_xlsx(web.get(EXPORT + "aging-detail.xlsx", {"as_of": AS_OF}))["Documents"]
    header = [c.value for c in ws[1]]
    rows = [{h: c.value for h, c in zip(header, row, strict=True)} for row in ws.iter_rows(2)]

    mark = next(r for r in rows if r["Document id"] == disputed.d30.pk)
    assert (mark["In dispute"], mark["Dispute reason"]) == ("yes", "Short shipment")
    assert mark["Disputed since"] == datetime(2026, 6, 20)
    assert [r["In dispute"] for r in rows[:-1]].count("no") == 11
    assert rows[-1]["Customer id"] == "Total"


def test_pdf_marks_the_disputed_document(web, disputed):
    _, text = read_pdf(web.get(EXPORT + "aging-detail.pdf", {"as_of": AS_OF}))

    assert "In dispute" in text  # the column header
    assert text.count("Disputed") == 1
    line = next(line for line in text.splitlines() if "Disputed" in line)
    assert disputed.d30.number in line and "300.00" in line


def test_drill_down_page_marks_the_disputed_document(web, disputed, ledger):
    html = web.get(f"/ar/report/customer/{ledger.globex.pk}/", {"as_of": AS_OF}).content.decode()

    assert html.count('class="document-row disputed"') == 1
    assert html.count('class="document-row"') == 3
    # Dates in the company's locale (UTC: plain English), like every date on the page.
    assert "Since Jun 20, 2026: Short shipment" in html
    row = html.split('class="document-row disputed"')[1].split("</tr>")[0]
    assert disputed.d30.number in row
