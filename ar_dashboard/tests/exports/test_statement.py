"""Customer statement PDF: open items with aging, totals per currency, remit-to, as-of."""

import io
import re

import pytest
from pypdf import PdfReader

from ar_dashboard.tests.exports.conftest import AS_OF


def statement_text(response) -> str:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return re.sub(r"[ \t]+", " ", "\n".join(p.extract_text() for p in reader.pages))


def test_statement_per_currency_with_remit_to(web, api, ledger):
    """Globex as of 30 June: USD 100.00 + 200.50 + 300.00 − 150.00 = 450.50; EUR 999.99."""
    ledger.company.remit_to = "Acme Supplies Ltd\n1 Harbour Road, Springfield\nIBAN GB00 1234"
    ledger.company.save()
    url = f"/ar/customers/{ledger.globex.pk}/statement.pdf"

    text = statement_text(web.get(url, {"as_of": AS_OF}))
    usd = api.get("/ar/api/summary-stats/", {"as_of": AS_OF, "customer": ledger.globex.pk}).json()

    assert usd["total_ar"] == "450.50"
    assert "Statement of account — Globex" in text
    assert "As of 30 June 2026" in text
    assert "$450.50" in text and "€999.99" in text
    assert "Total due in USD 450.50" in text
    assert "Total due in EUR 999.99" in text
    assert "1 Harbour Road, Springfield" in text and "IBAN GB00 1234" in text
    assert ledger.docs.memo.number in text and "Credit memo" in text
    assert "-150.00" in text


def test_statement_without_open_items(web, ledger):
    text = statement_text(web.get(f"/ar/customers/{ledger.hooli.pk}/statement.pdf"))

    assert "Nothing is open on this account" in text


def test_outsider_gets_404(client, charlie, ledger):
    client.force_login(charlie)

    assert client.get(f"/ar/customers/{ledger.globex.pk}/statement.pdf").status_code == 404


@pytest.mark.parametrize(
    ("path", "query", "param"),
    [("1x", {}, "customer_id"), (None, {"as_of": "2026-02-30"}, "as_of")],
)
def test_bad_parameters_answer_400(web, ledger, path, query, param):
    response = web.get(f"/ar/customers/{path or ledger.globex.pk}/statement.pdf", query)

    assert response.status_code == 400
    assert param in response.json()
