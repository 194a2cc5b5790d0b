"""`/ar/report/`: customers × buckets with a totals row that reconciles; sorting, paging;
the customer drill-down with applied payments and credits as of the report date."""

import re
from datetime import date
from decimal import Decimal as D

import pytest

from ar_dashboard.models import Allocation
from ar_dashboard.pages import report
from ar_dashboard.tests.factories import AllocationFactory

AS_OF = {"as_of": "2026-06-30"}


def _names(html: str) -> list[str]:
    return re.findall(r'<th scope="row" class="sticky-col fw-normal"><a [^>]+>([^<]+)</a>', html)


def _total_row(html: str) -> list[str]:
    row = html[html.index('class="report-total"') :]
    row = row[: row.index("</tr>")]
    return re.findall(r'<td class="text-end">([^<]+)</td>', row)


def test_report_rows_and_totals_reconcile(ledger, alice_client, django_assert_num_queries):
    """Totals row: Current 100.00 · 1-30 350.50 · 31-60 1150.00 · 61-90 1200.00 · 91-120
    1700.00 · 120+ 1000.00 · total 5500.50 = Σ customers 2700 + 2100 + 450.50 + 250."""
    # 1-2. session, user; 3. companies; 4. the company; 5. EXISTS summary rows (live);
    # 6. COUNT of customer rows; 7. the page (GROUP BY customer, LIMIT 50); 8. EXISTS summary
    # rows for the totals; 9. the bucket sums of the totals row.
    with django_assert_num_queries(9):
        response = alice_client.get("/ar/report/", AS_OF)

    html = response.content.decode()
    assert response.status_code == 200
    assert _names(html) == ["Umbrella", "Initech", "Globex", "Unknown customer"]
    assert _total_row(html) == [
        "$100.00",
        "$350.50",
        "$1,150.00",
        "$1,200.00",
        "$1,700.00",
        "$1,000.00",
        "$5,500.50",
    ]
    assert "4 customers" in html


def test_report_sorts_by_name_and_by_bucket(ledger, alice_client):
    by_name = alice_client.get("/ar/report/", {**AS_OF, "sort": "customer"}).content.decode()
    # 120+: Umbrella 1000.00, the others 0 (then by name): Globex, Initech, Unknown customer.
    by_old = alice_client.get("/ar/report/", {**AS_OF, "sort": "-over_120"}).content.decode()

    assert _names(by_name) == ["Globex", "Initech", "Umbrella", "Unknown customer"]
    assert 'aria-sort="ascending"' in by_name
    assert _names(by_old)[0] == "Umbrella"


def test_report_pages_keep_the_totals_of_all_customers(ledger, alice_client, monkeypatch):
    monkeypatch.setattr(report, "REPORT_PAGE_SIZE", 3)

    html = alice_client.get("/ar/report/", {**AS_OF, "page": "2"}).content.decode()

    assert _names(html) == ["Unknown customer"]
    assert "Page 2 of 2" in html
    assert _total_row(html)[-1] == "$5,500.50"


@pytest.mark.parametrize(
    ("params", "name"),
    [({"sort": "balance"}, "sort"), ({"page": "9"}, "page"), ({"page": "x"}, "page")],
)
def test_report_bad_sort_or_page_is_a_400_naming_it(ledger, alice_client, params, name):
    response = alice_client.get("/ar/report/", {**AS_OF, **params})

    assert response.status_code == 400
    assert f"<code>{name}</code>" in response.content.decode()


def test_report_links_customers_to_their_drill_down_with_the_way_back(ledger, alice_client):
    html = alice_client.get("/ar/report/", {**AS_OF, "sort": "customer"}).content.decode()

    query = f"company={ledger.company.pk}&amp;as_of=2026-06-30"
    link = f"/ar/report/customer/{ledger.initech.pk}/?{query}&amp;back="
    assert link in html
    assert "sort%3Dcustomer" in html  # the report's own state rides along


def test_drill_down_lists_open_documents_with_what_was_applied_by_the_report_date(
    ledger, alice_client, django_assert_num_queries
):
    """Initech as of 2026-06-30: 400.00 + 500.00 + 500.00 + 700.00 = 2100.00; the 600.00
    invoice had 100.00 applied on 2026-06-15 (shown). Globex's 300.00 invoice was paid 120.00
    on 2026-07-10, after the report date: not shown, and the invoice counts 300.00 open."""
    AllocationFactory(
        document=ledger.docs.d61,
        kind=Allocation.Kind.CREDIT,
        ref="cm:cm9",
        amount=D("0.00"),
        allocated_on=date(2026, 7, 1),  # after as_of: not listed
    )
    back = "company=1&sort=customer&page=1"
    # 1-2. session, user; 3. companies; 4. the company; 5. the customer (access.py);
    # 6. COUNT of documents; 7. the page of documents; 8. their allocations up to as_of;
    # 9. the open disputes among them (ar_dashboard.disputes);
    # 10. EXISTS stored rows (none for this date); 11. the customer's one-pass stats;
    # 12-14. the collections panel: promises, last activities, disputes (ar_collections).
    with django_assert_num_queries(14):
        response = alice_client.get(
            f"/ar/report/customer/{ledger.initech.pk}/", {**AS_OF, "back": back}
        )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="document-row"') == 4
    assert '<strong class="customer-total">$2,100.00</strong>' in html
    assert html.count('class="application-row small"') == 1
    assert "Jun 15, 2026" in html and "$100.00" in html
    assert "cm:cm9" not in html
    assert 'href="/ar/report/?company=1&amp;sort=customer&amp;page=1"' in html

    globex = alice_client.get(f"/ar/report/customer/{ledger.globex.pk}/", AS_OF).content.decode()
    assert "2026-07-10" not in globex
    assert "$300.00" in globex


def test_drill_down_of_the_unknown_customer(ledger, alice_client):
    html = alice_client.get("/ar/report/customer/unknown/", AS_OF).content.decode()

    assert "Unknown customer" in html
    assert '<strong class="customer-total">$250.00</strong>' in html


def test_drill_down_with_a_bad_id_is_a_400(ledger, alice_client):
    response = alice_client.get("/ar/report/customer/12x/", AS_OF)

    assert response.status_code == 400
    assert "<code>customer_id</code>" in response.content.decode()


def test_report_has_a_print_header_with_date_and_filters(ledger, alice_client):
    html = alice_client.get("/ar/report/", {**AS_OF, "bucket": "1_30"}).content.decode()

    header = html[html.index('class="print-header"') :]
    header = header[: header.index("</div>")]
    assert "as of June 30, 2026" in header and "Bucket 1-30" in header


def test_report_export_buttons_carry_the_filters(ledger, alice_client):
    html = alice_client.get("/ar/report/", {**AS_OF, "bucket": "1_30"}).content.decode()

    query = f"company={ledger.company.pk}&amp;as_of=2026-06-30&amp;bucket=1_30"
    for fmt in ("csv", "xlsx", "pdf"):
        assert f'href="/ar/export/aging-summary.{fmt}?{query}"' in html
