"""Every invalid query parameter is a 400 JSON response whose body names the parameter."""

import pytest
from rest_framework.test import APIClient

from ar_dashboard.tests.factories import CustomerFactory, MembershipFactory, UserFactory

FILTERED = [
    "/ar/api/summary-stats/",
    "/ar/api/aging-distribution/",
    "/ar/api/customer-breakdown/",
    "/ar/api/invoice-details/unknown/",
]
PAGED = ["/ar/api/customer-breakdown/", "/ar/api/invoice-details/unknown/"]


def _assert_400_naming(response, param: str) -> None:
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert param in body, body
    assert body[param]  # a message, not an empty list


@pytest.mark.parametrize("url", FILTERED)
@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"as_of": "2026-02-30"}, "as_of"),
        ({"basis": "foo"}, "basis"),
        ({"currency": "US"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "usdollar"}, "currency"),
        ({"bucket": "7_9"}, "bucket"),
        ({"min_amount": "abc"}, "min_amount"),
        ({"max_amount": "1e999"}, "max_amount"),
        ({"min_amount": "100", "max_amount": "50"}, "max_amount"),
        ({"company": "x"}, "company"),
        ({"company": "0"}, "company"),
    ],
    ids=lambda v: "-".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else v,
)
def test_invalid_filter_is_a_400_naming_it(api, company_a, url, params, param):
    _assert_400_naming(api.get(url, params), param)


@pytest.mark.parametrize("url", FILTERED[:3])
@pytest.mark.parametrize("customer", ["abc", "0", "-3"])
def test_invalid_customer_filter_is_a_400_naming_customer(api, company_a, url, customer):
    _assert_400_naming(api.get(url, {"customer": customer}), "customer")


@pytest.mark.parametrize("url", PAGED)
@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page_size": "1000"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
    ],
    ids=lambda v: "-".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else v,
)
def test_invalid_paging_is_a_400_naming_it(api, company_a, url, params, param):
    _assert_400_naming(api.get(url, params), param)


def test_largest_page_size_is_accepted(api, company_a):
    response = api.get("/ar/api/customer-breakdown/", {"page_size": "500"})

    assert response.status_code == 200
    assert response.json()["page_size"] == 500


def test_empty_params_mean_the_default(api, company_a):
    response = api.get("/ar/api/summary-stats/", {"as_of": "", "currency": "", "basis": ""})

    assert response.status_code == 200
    assert (response.json()["currency"], response.json()["basis"]) == ("USD", "due")


@pytest.fixture
def alice_in_two_companies(alice, company_a, company_b):
    MembershipFactory(user=alice, company=company_b)
    return alice


@pytest.mark.parametrize("url", FILTERED)
def test_company_is_required_when_the_user_sees_two(api, alice_in_two_companies, url):
    _assert_400_naming(api.get(url), "company")


def test_company_chosen_among_two(api, alice_in_two_companies, company_a, company_b):
    for company in (company_a, company_b):
        response = api.get("/ar/api/summary-stats/", {"company": company.pk})
        assert response.status_code == 200
        assert (response.json()["company"], response.json()["currency"]) == (
            company.pk,
            company.home_currency,
        )


def test_user_with_no_company_is_told_so(db):
    loner = UserFactory(username="loner")
    client = APIClient()
    client.force_authenticate(loner)

    _assert_400_naming(client.get("/ar/api/summary-stats/"), "company")


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_superuser_sees_every_company(root, company_a, company_b):
    client = APIClient()
    client.force_authenticate(root)
    theirs = CustomerFactory(company=company_b)

    _assert_400_naming(client.get("/ar/api/summary-stats/"), "company")
    for company in (company_a, company_b):
        response = client.get("/ar/api/summary-stats/", {"company": company.pk})
        assert response.status_code == 200
        assert response.json()["company"] == company.pk
    details = client.get(f"/ar/api/invoice-details/{theirs.pk}/")
    assert details.status_code == 200
    assert details.json()["company"] == company_b.pk
