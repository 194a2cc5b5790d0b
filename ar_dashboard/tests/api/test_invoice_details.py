"""invoice-details/<customer>/: the open documents behind one customer row, as of a date."""

from datetime import date

import pytest

from ar_collections.services.activities import dispute_open, dispute_resolve
from ar_dashboard.tests.factories import CustomerFactory, InvoiceFactory

AS_OF = {"as_of": "2026-06-30"}


def _url(customer) -> str:
    return f"/ar/api/invoice-details/{customer}/"


def _row(doc, **fields) -> dict:
    return {
        "id": doc.pk,
        "external_id": doc.external_id,
        "invoice_number": doc.number,
        "doc_type": "INVOICE",
        "status": "AUTHORIZED",
        "warnings": [],
        "disputed": False,
        "dispute": None,
        **fields,
    }


def test_documents_of_one_customer_as_of_a_date(api, ledger):
    d = ledger.docs
    response = api.get(_url(ledger.globex.pk), AS_OF)

    assert response.status_code == 200
    assert response.json() == {
        "company": ledger.company.pk,
        "currency": "USD",
        "as_of": "2026-06-30",
        "basis": "due",
        "count": 4,
        "page": 1,
        "page_size": 50,
        "next": None,
        "previous": None,
        "customer": "Globex",
        "customer_id": ledger.globex.pk,
        "total_outstanding": "450.50",
        # Oldest due date first.
        "invoices": [
            # 120.00 was paid on 2026-07-10, after as_of: due in full on 2026-06-30.
            _row(
                d.d30,
                invoice_date="2026-05-01",
                due_date="2026-05-31",
                total_amount="300.00",
                amount_due="300.00",
                days_overdue=30,
                aging_bucket="1-30",
                aging_bucket_key="1_30",
            ),
            _row(
                d.memo,
                doc_type="CREDITMEMO",
                invoice_date="2026-06-20",
                due_date="2026-06-20",
                total_amount="-150.00",
                amount_due="-150.00",
                days_overdue=10,
                aging_bucket="1-30",
                aging_bucket_key="1_30",
            ),
            _row(
                d.d1,
                invoice_date="2026-05-30",
                due_date="2026-06-29",
                total_amount="200.50",
                amount_due="200.50",
                days_overdue=1,
                aging_bucket="1-30",
                aging_bucket_key="1_30",
            ),
            _row(
                d.d0,
                invoice_date="2026-05-31",
                due_date="2026-06-30",
                total_amount="100.00",
                amount_due="100.00",
                days_overdue=0,
                aging_bucket="Current",
                aging_bucket_key="current",
            ),
        ],
    }


def test_today_shows_current_balances(api, ledger):
    body = api.get(_url(ledger.globex.pk)).json()

    assert body["as_of"] == "2026-07-15"
    assert [(i["id"], i["amount_due"], i["days_overdue"]) for i in body["invoices"]] == [
        (ledger.docs.d30.pk, "180.00", 45),
        (ledger.docs.memo.pk, "-150.00", 25),
        (ledger.docs.d1.pk, "200.50", 16),
        (ledger.docs.d0.pk, "100.00", 15),
    ]
    assert body["total_outstanding"] == "330.50"


def test_posted_basis_ages_from_the_invoice_date(api, ledger):
    body = api.get(_url(ledger.initech.pk), {**AS_OF, "basis": "posted"}).json()

    assert [(i["days_overdue"], i["aging_bucket"]) for i in body["invoices"]] == [
        (120, "91-120"),  # the 90-day invoice, posted 30 days before its due date
        (91, "91-120"),
        (90, "61-90"),
        (61, "61-90"),
    ]
    assert body["total_outstanding"] == "2100.00"


def test_other_currency_of_the_same_customer(api, ledger):
    body = api.get(_url(ledger.globex.pk), {**AS_OF, "currency": "EUR"}).json()

    assert body["currency"] == "EUR"
    assert [(i["id"], i["amount_due"]) for i in body["invoices"]] == [
        (ledger.docs.eur.pk, "999.99")
    ]
    assert body["total_outstanding"] == "999.99"


def test_unknown_customer_path(api, ledger):
    response = api.get(_url("unknown"), AS_OF)

    assert response.status_code == 200
    body = response.json()
    assert (body["customer"], body["customer_id"], body["count"]) == ("Unknown customer", None, 1)
    assert body["invoices"] == [
        _row(
            ledger.docs.unknown,
            invoice_date="2026-04-16",
            due_date="2026-05-16",
            total_amount="250.00",
            amount_due="250.00",
            days_overdue=45,
            aging_bucket="31-60",
            aging_bucket_key="31_60",
        ),
    ]
    assert body["total_outstanding"] == "250.00"


def test_customer_with_no_open_documents_gets_an_empty_list(api, ledger):
    """Hooli has only voided, draft, deleted and fully paid invoices."""
    response = api.get(_url(ledger.hooli.pk), AS_OF)

    assert response.status_code == 200
    body = response.json()
    assert (body["customer"], body["customer_id"]) == ("Hooli", ledger.hooli.pk)
    assert (body["count"], body["invoices"], body["total_outstanding"]) == (0, [], "0.00")


def test_pages_do_not_change_the_customers_total(api, ledger):
    body = api.get(_url(ledger.globex.pk), {**AS_OF, "page_size": 3, "page": 2}).json()

    assert (body["count"], body["page"], body["next"]) == (4, 2, None)
    assert [i["id"] for i in body["invoices"]] == [ledger.docs.d0.pk]
    assert body["total_outstanding"] == "450.50"


def test_another_companys_customer_is_404(api, ledger, company_b):
    theirs = CustomerFactory(company=company_b, name="Their customer")
    InvoiceFactory(company=company_b, customer=theirs, currency="EUR")

    response = api.get(_url(theirs.pk), AS_OF)

    assert response.status_code == 404
    assert "Their customer" not in response.content.decode()


def test_customer_that_does_not_exist_is_404(api, ledger):
    assert api.get(_url(ledger.hooli.pk + 1000), AS_OF).status_code == 404


@pytest.mark.parametrize("customer", ["abc", "-1", "1.5", "UNKNOWNX"])
def test_non_numeric_id_is_a_400_naming_customer_id(api, ledger, customer):
    response = api.get(_url(customer), AS_OF)

    assert response.status_code == 400
    assert list(response.json()) == ["customer_id"]


@pytest.mark.parametrize("page_size", [2, 50])
def test_query_count_does_not_grow_with_the_page(api, ledger, django_assert_num_queries, page_size):
    # 1. the customer, among the user's companies (its company becomes the `company` param)
    # 2. the company, among the user's companies
    # 3. the customer again, within that company (the `customer` filter)
    # 4. COUNT(*) of the open documents, for the paginator
    # 5. the page of documents (with days past due and bucket index in SQL)
    # 6. Σ amount due of all the customer's open documents
    # 7. the open disputes among the page's documents (ar_collections, via ar_dashboard.disputes)
    with django_assert_num_queries(7):
        response = api.get(_url(ledger.globex.pk), {**AS_OF, "page_size": page_size})

    assert response.status_code == 200
    assert len(response.json()["invoices"]) == min(page_size, 4)


def test_a_disputed_document_is_marked_with_its_reason_and_date(api, ledger, alice):
    d = ledger.docs
    dispute_open(
        invoice=d.d30, reason="Goods arrived damaged", author=alice, opened_on=date(2026, 6, 20)
    )
    resolved = dispute_open(
        invoice=d.d1, reason="Wrong PO", author=alice, opened_on=date(2026, 6, 1)
    )
    dispute_resolve(
        dispute=resolved, resolution="PO corrected", author=alice, resolved_on=date(2026, 6, 5)
    )

    rows = api.get(_url(ledger.globex.pk), AS_OF).json()["invoices"]

    marks = {row["id"]: (row["disputed"], row["dispute"]) for row in rows}
    assert marks == {
        d.d30.pk: (True, {"reason": "Goods arrived damaged", "opened_on": "2026-06-20"}),
        d.memo.pk: (False, None),
        d.d1.pk: (False, None),  # resolved: no longer marked
        d.d0.pk: (False, None),
    }


def test_a_dispute_opened_after_a_cached_answer_is_marked_at_once(api, ledger, alice):
    first = api.get(_url(ledger.globex.pk), AS_OF)
    dispute_open(
        invoice=ledger.docs.d0, reason="Never ordered", author=alice, opened_on=date(2026, 7, 1)
    )

    second = api.get(_url(ledger.globex.pk), AS_OF)

    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")  # the ledger did not change
    row = next(r for r in second.json()["invoices"] if r["id"] == ledger.docs.d0.pk)
    assert row["dispute"] == {"reason": "Never ordered", "opened_on": "2026-07-01"}
    assert [r["disputed"] for r in first.json()["invoices"]] == [False] * 4
