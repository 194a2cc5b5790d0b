"""PDF exports read back with pypdf: vector text, the API's totals, page furniture."""

import io
import re

from pypdf import PdfReader

from ar_dashboard.tests.exports.conftest import AS_OF

EXPORT = "/ar/export/"


def read_pdf(response) -> tuple[PdfReader, str]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, re.sub(r"[ \t]+", " ", text)


def test_aging_summary_pdf(web, api, ledger):
    """Title, company, as-of, the API's bucket figures and total, every customer, page numbers,
    landscape (letter for a USD company)."""
    reader, text = read_pdf(web.get(EXPORT + "aging-summary.pdf", {"as_of": AS_OF}))
    answer = api.get("/ar/api/aging-distribution/", {"as_of": AS_OF}).json()

    assert "A/R Aging Summary — Acme Supplies" in text
    assert "As of 30 June 2026" in text
    assert "amounts in USD" in text
    assert "aged by due date" in text
    for bucket in answer["buckets"]:
        assert f"{bucket['label']} " in text
    assert "$5,500.50" in text  # Total AR
    assert "5,500.50" in text.replace("$5,500.50", "")  # the aging table's total too
    for amount in ("350.50", "1,150.00", "1,200.00", "1,700.00"):
        assert amount in text
    for name in ("Umbrella", "Initech", "Globex", "Unknown customer"):
        assert name in text
    assert "Page 1 of 1" in text
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == (792, 612)


def test_filters_are_stated_and_applied(web, ledger):
    query = {"as_of": AS_OF, "bucket": "91_120"}
    _, text = read_pdf(web.get(EXPORT + "customer-breakdown.pdf", query))

    assert "Filtered: Bucket 91-120" in text
    assert "1,700.00" in text  # Umbrella's 800.00 + 900.00
    assert "Initech" not in text


def test_aging_detail_pdf_lists_documents(web, ledger):
    _, text = read_pdf(web.get(EXPORT + "aging-detail.pdf", {"as_of": AS_OF}))

    assert "A/R Aging Detail" in text
    assert ledger.docs.memo.number in text
    assert "-150.00" in text
    assert "2026-05-31" in text  # d30's due date


def test_long_table_repeats_its_header_on_every_page(web, company_a, pinned_today):
    from ar_dashboard.tests.factories import CustomerFactory, InvoiceFactory

    for n in range(120):
        customer = CustomerFactory(company=company_a, name=f"Customer {n:03d}")
        InvoiceFactory(company=company_a, customer=customer)
    reader, _ = read_pdf(web.get(EXPORT + "customer-breakdown.pdf", {"as_of": AS_OF}))

    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        assert "Total outstanding" in page
        assert f"Page {n} of {len(pages)}" in page


def test_long_table_in_pieces_reads_as_one_document(
    web, company_a, pinned_today, monkeypatch, caplog
):
    """Printed in pieces of 2 pages (paging.py), joined: pages numbered 1..N of N, the header
    on every page, every customer once, the totals row (120 × 100.00 = 12,000.00) last."""
    from ar_dashboard.tests.factories import CustomerFactory, InvoiceFactory

    monkeypatch.setattr("ar_dashboard.exports.pdf.LONG_TABLE_ROWS", 30)
    monkeypatch.setattr("ar_dashboard.exports.paging.PIECE_PAGES", 2)
    for n in range(120):
        customer = CustomerFactory(company=company_a, name=f"Customer {n:03d}")
        InvoiceFactory(company=company_a, customer=customer)
    reader, text = read_pdf(web.get(EXPORT + "customer-breakdown.pdf", {"as_of": AS_OF}))

    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        assert "Total outstanding" in page
        assert f"Page {n} of {len(pages)}" in page
    assert sorted(re.findall(r"Customer \d{3}", text)) == [f"Customer {n:03d}" for n in range(120)]
    assert "Total" in pages[-1].split("Customer 119")[-1]
    assert "12,000.00" in pages[-1]
    # The pieces came out as planned (the probe counted the striped rows too): no fallback.
    assert "rendering in one piece" not in caplog.text
