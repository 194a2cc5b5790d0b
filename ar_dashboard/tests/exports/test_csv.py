"""CSV exports read back with the csv module: totals equal the API's to the cent."""

import csv
import io
from decimal import Decimal as D

import pytest

from ar_dashboard.tests.exports.conftest import AS_OF, body
from ar_dashboard.tests.factories import CustomerFactory, InvoiceFactory

EXPORT = "/ar/export/"


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="acme-supplies-')
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8"))))


def column_sum(rows: list[dict], column: str) -> D:
    return sum((D(row[column]) for row in rows if row[column]), start=D(0))


def test_response_streams(web, ledger):
    response = web.get(EXPORT + "aging-detail.csv", {"as_of": AS_OF})

    assert response.streaming


def test_aging_summary_equals_the_api_distribution(web, api, ledger):
    """One row per bucket: 100.00 + 350.50 + 1150.00 + 1200.00 + 1700.00 + 1000.00 = 5500.50."""
    rows = read_csv(web.get(EXPORT + "aging-summary.csv", {"as_of": AS_OF}))
    answer = api.get("/ar/api/aging-distribution/", {"as_of": AS_OF}).json()

    assert [r["Bucket"] for r in rows] == [b["key"] for b in answer["buckets"]]
    assert [r["Amount (USD)"] for r in rows] == [b["amount"] for b in answer["buckets"]]
    assert [r["Amount (USD)"] for r in rows] == [
        "100.00", "350.50", "1150.00", "1200.00", "1700.00", "1000.00"
    ]  # fmt: skip
    assert [int(r["Documents"]) for r in rows] == [b["invoice_count"] for b in answer["buckets"]]
    assert str(column_sum(rows, "Amount (USD)")) == answer["total"] == "5500.50"
    assert (rows[0]["From day"], rows[0]["To day"], rows[5]["To day"]) == ("", "0", "")


def test_customer_breakdown_equals_the_api(web, api, ledger):
    """Σ each bucket column = the API's bucket; Σ total = total_ar; Σ overdue = total_overdue
    (5500.50 − Current 100.00 = 5400.50); rows as the API's customer-breakdown, all of them."""
    rows = read_csv(web.get(EXPORT + "customer-breakdown.csv", {"as_of": AS_OF}))
    distribution = api.get("/ar/api/aging-distribution/", {"as_of": AS_OF}).json()
    stats = api.get("/ar/api/summary-stats/", {"as_of": AS_OF}).json()
    page = api.get("/ar/api/customer-breakdown/", {"as_of": AS_OF, "page_size": 500}).json()

    for bucket in distribution["buckets"]:
        column = f"{bucket['label']} (USD)"
        assert str(column_sum(rows, column)) == bucket["amount"]
    assert str(column_sum(rows, "Total outstanding (USD)")) == stats["total_ar"] == "5500.50"
    assert str(column_sum(rows, "Overdue (USD)")) == stats["total_overdue"] == "5400.50"
    assert sum(int(r["Documents"]) for r in rows) == stats["total_invoices"] == 12
    expected = [
        [c["id"] or "", c["customer"], c["total_outstanding"], c["overdue"], c["invoice_count"]]
        for c in page["customers"]
    ]
    got = [
        [
            int(r["Customer id"]) if r["Customer id"] else "",
            r["Customer"],
            r["Total outstanding (USD)"],
            r["Overdue (USD)"],
            int(r["Documents"]),
        ]
        for r in rows
    ]
    assert got == expected
    assert [r["Customer"] for r in rows] == ["Umbrella", "Initech", "Globex", "Unknown customer"]


def test_customer_breakdown_sort_as_the_api(web, ledger):
    query = {"as_of": AS_OF, "sort": "customer"}
    rows = read_csv(web.get(EXPORT + "customer-breakdown.csv", query))

    assert [r["Customer"] for r in rows] == ["Globex", "Initech", "Umbrella", "Unknown customer"]


def test_aging_detail_equals_the_api(web, api, ledger):
    """12 open USD documents; Σ open balance = 5500.50; Globex's rows are the API's."""
    rows = read_csv(web.get(EXPORT + "aging-detail.csv", {"as_of": AS_OF}))
    stats = api.get("/ar/api/summary-stats/", {"as_of": AS_OF}).json()

    assert len(rows) == stats["total_invoices"] == 12
    assert str(column_sum(rows, "Open balance (USD)")) == stats["total_ar"] == "5500.50"
    details = api.get(f"/ar/api/invoice-details/{ledger.globex.pk}/", {"as_of": AS_OF}).json()
    globex = [r for r in rows if r["Customer"] == "Globex"]
    assert [
        (int(r["Document id"]), r["Invoice date"], r["Due date"], int(r["Days past due"]),
         r["Aging"], r["Original amount (USD)"], r["Open balance (USD)"])
        for r in globex
    ] == [
        (i["id"], i["invoice_date"], i["due_date"], i["days_overdue"], i["aging_bucket"],
         i["total_amount"], i["amount_due"])
        for i in details["invoices"]
    ]  # fmt: skip
    # The historical balance: 180.00 today, 300.00 on 30 June (120.00 paid on 10 July).
    d30 = next(r for r in rows if int(r["Document id"]) == ledger.docs.d30.pk)
    assert (d30["Open balance (USD)"], d30["Original amount (USD)"]) == ("300.00", "300.00")
    memo = next(r for r in rows if r["Type"] == "CREDITMEMO")
    assert memo["Open balance (USD)"] == "-150.00"  # a number, not defused text


@pytest.mark.parametrize(
    ("params", "count", "total"),
    [
        ({"bucket": "31_60"}, 3, "1150.00"),  # 400.00 + 250.00 (unknown) + 500.00
        ({"bucket": "31-60"}, 3, "1150.00"),  # the label works too, as in the API
        ({"currency": "EUR"}, 1, "999.99"),
        ({"min_amount": "500"}, 6, "4400.00"),  # 500 + 500 + 700 + 800 + 900 + 1000
        ({"max_amount": "200.50"}, 3, "150.50"),  # 100.00 + 200.50 − 150.00
        ({"customer": "unknown"}, 1, "250.00"),
        ({"as_of": "2026-07-15"}, 12, "5380.50"),  # today: the 120.00 paid on 10 July is gone
    ],
)
def test_filters_are_honoured(web, api, ledger, params, count, total):
    query = {"as_of": AS_OF, **params}
    rows = read_csv(web.get(EXPORT + "aging-detail.csv", query))
    stats = api.get("/ar/api/summary-stats/", query).json()

    assert len(rows) == stats["total_invoices"] == count
    currency = params.get("currency", "USD")
    assert str(column_sum(rows, f"Open balance ({currency})")) == stats["total_ar"] == total


def test_one_customers_detail(web, ledger):
    """Initech: 400.00 + 500.00 + 500.00 + 700.00 = 2100.00."""
    query = {"as_of": AS_OF, "customer": ledger.initech.pk}
    rows = read_csv(web.get(EXPORT + "aging-detail.csv", query))

    assert {r["Customer"] for r in rows} == {"Initech"}
    assert str(column_sum(rows, "Open balance (USD)")) == "2100.00"


def test_basis_posted_moves_the_buckets(web, api, ledger):
    """Posted 30 days before due: nothing is Current by invoice date, every amount moves up."""
    query = {"as_of": AS_OF, "basis": "posted"}
    rows = read_csv(web.get(EXPORT + "aging-summary.csv", query))
    answer = api.get("/ar/api/aging-distribution/", query).json()

    assert [r["Amount (USD)"] for r in rows] == [b["amount"] for b in answer["buckets"]]
    assert rows[0]["Amount (USD)"] == "0.00"


def test_bom_option(web, ledger):
    plain = body(web.get(EXPORT + "aging-summary.csv", {"as_of": AS_OF}))
    with_bom = body(web.get(EXPORT + "aging-summary.csv", {"as_of": AS_OF, "bom": "1"}))

    assert not plain.startswith(b"\xef\xbb\xbf")
    assert with_bom == b"\xef\xbb\xbf" + plain


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
     "\tTabbed", "\rReturn"],
)  # fmt: skip
def test_formula_injection_is_neutralised(web, company_a, pinned_today, name):
    customer = CustomerFactory(company=company_a, name=name)
    InvoiceFactory(company=company_a, customer=customer, number=name, total=D("10.00"))

    rows = read_csv(web.get(EXPORT + "aging-detail.csv", {"as_of": AS_OF}))

    assert rows[0]["Customer"] == "'" + name
    assert rows[0]["Number"] == "'" + name
    assert rows[0]["Open balance (USD)"] == "10.00"


def test_one_round_of_queries_whatever_the_rows(web, ledger, django_assert_max_num_queries):
    """Session + user, the filter checks (company, customer), today's fast-path check, the
    rows: a fixed handful, however many customers (no query per row)."""
    with django_assert_max_num_queries(10):
        body(web.get(EXPORT + "customer-breakdown.csv", {"as_of": AS_OF}))
    for _ in range(30):
        InvoiceFactory(company=ledger.company, customer=CustomerFactory(company=ledger.company))
    with django_assert_max_num_queries(10):
        body(web.get(EXPORT + "customer-breakdown.csv", {"as_of": AS_OF}))
