"""A bad body answers 400 in the documented shape: each field, a list of messages."""

from ar_dashboard.tests.factories import CustomerFactory


def test_bad_invoice_ids_are_named_by_position_in_a_flat_list(api, company_a):
    """Found by the schema fuzz: DRF nests a list's item errors ({"invoices": {"1": [...]}}),
    which is not the documented 400 body."""
    customer = CustomerFactory(company=company_a)
    answer = api.post(
        f"/ar/api/collections/customers/{customer.pk}/promises/",
        {"amount": "10.00", "promised_on": "2026-07-31", "invoices": [1, "AAA", "0.5"]},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "invoices": [
            "item 1: Must be a whole number (digits 0-9).",
            "item 2: Must be a whole number (digits 0-9).",
        ]
    }
