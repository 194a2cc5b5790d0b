"""`field__any_of=[…]` selects what `field__in=[…]` selects, as one array on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ar_dashboard.models import Company, Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers():
    company = Company.objects.create(name="Lookup Co")
    made = Customer.objects.bulk_create(
        Customer(company=company, external_id=f"c-{i}", name=f"Customer {i}") for i in range(30)
    )
    return company, made


@pytest.mark.parametrize(
    "ids",
    [
        ["c-1", "c-7", "c-29", "missing"],
        [f"c-{i}" for i in range(0, 30, 2)] * 2,  # duplicates
        ["c-3", None],
        [],
    ],
)
def test_any_of_selects_what_in_selects(customers, ids):
    company, _ = customers
    by_in = Customer.objects.filter(company=company, external_id__in=ids)
    by_any = Customer.objects.filter(company=company, external_id__any_of=ids)

    assert sorted(by_any.values_list("external_id", flat=True)) == sorted(
        by_in.values_list("external_id", flat=True)
    )


def test_ids_update_and_delete_through_any_of(customers):
    company, made = customers
    picked = [made[0].pk, made[5].pk, made[6].pk]

    assert Customer.objects.filter(id__any_of=picked).update(name="picked") == 3
    assert set(Customer.objects.filter(name="picked").values_list("pk", flat=True)) == set(picked)
    Customer.objects.filter(id__any_of=picked[:2]).delete()
    assert Customer.objects.filter(company=company).count() == 28


def test_on_postgresql_the_list_is_one_array_parameter(customers):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite: plain IN")
    company, _ = customers
    ids = [f"c-{i}" for i in range(20)]
    with CaptureQueriesContext(connection) as queries:
        assert Customer.objects.filter(company=company, external_id__any_of=ids).count() == 20

    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert "= ANY(" in sql and "IN (" not in sql


def test_a_foreign_key_column_takes_any_of(customers):
    from ar_dashboard.models import Invoice

    company, made = customers
    for customer in made[:3]:
        Invoice.objects.create(
            company=company,
            customer=customer,
            external_id=f"inv-{customer.external_id}",
            currency="USD",
            total=10,
            balance=10,
            posted_on="2026-01-01",
            due_on="2026-02-01",
        )
    picked = [made[0].pk, made[2].pk, made[9].pk]

    found = Invoice.objects.filter(customer_id__any_of=picked).values_list("external_id", flat=True)
    assert sorted(found) == ["inv-c-0", "inv-c-2"]
