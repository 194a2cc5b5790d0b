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


# Inputs that once reached date arithmetic, int() or the database unchecked (issue 13, #12).
EDGE_CASES = [
    ({"as_of": "0001-01-01"}, "as_of"),  # as_of − 120 days underflowed: a 500
    ({"as_of": "0001-05-01"}, "as_of"),
    ({"as_of": "1899-12-31"}, "as_of"),
    ({"as_of": "2200-01-01"}, "as_of"),
    ({"as_of": "9999-12-31"}, "as_of"),
    ({"as_of": "٢٠٢٦-٠٦-٣٠"}, "as_of"),  # Arabic-Indic digits: Django's \d takes them
    ({"as_of": "2026-6-30"}, "as_of"),
    ({"as_of": "2026-06-30T00:00"}, "as_of"),
    ({"company": "١"}, "company"),  # int() reads it as 1
    ({"company": "²"}, "company"),  # isdigit() is True, int() raises
    ({"company": " 1"}, "company"),
    ({"company": "+1"}, "company"),
    ({"company": "1_0"}, "company"),
    ({"company": "9" * 5000}, "company"),  # int() refuses past 4300 digits
    ({"company": "9223372036854775808"}, "company"),  # past the largest id
    ({"customer": "١٢"}, "customer"),
    ({"customer": "²"}, "customer"),
    ({"customer": "9" * 5000}, "customer"),
    ({"min_amount": "NaN"}, "min_amount"),
    ({"min_amount": "Infinity"}, "min_amount"),
    ({"max_amount": "-Infinity"}, "max_amount"),
    ({"min_amount": "1e3"}, "min_amount"),
    ({"min_amount": "1_000"}, "min_amount"),
    ({"min_amount": "١٢"}, "min_amount"),
    ({"min_amount": "1000000000000000"}, "min_amount"),  # 10^15: past the money column
    ({"max_amount": "-1000000000000000"}, "max_amount"),
    ({"min_amount": "0.00001"}, "min_amount"),  # 5 decimals: the column keeps 4
]


@pytest.mark.parametrize("url", FILTERED[:3])
@pytest.mark.parametrize(("params", "param"), EDGE_CASES, ids=lambda v: str(v)[:40])
def test_edge_input_is_a_400_naming_it(api, ledger, url, params, param):
    _assert_400_naming(api.get(url, params), param)


@pytest.mark.parametrize(
    ("params", "param"),
    [case for case in EDGE_CASES if case[1] != "customer"],  # the path names it there (below)
    ids=lambda v: str(v)[:40],
)
def test_edge_input_to_invoice_details_is_a_400_naming_it(api, ledger, params, param):
    _assert_400_naming(api.get("/ar/api/invoice-details/unknown/", params), param)


@pytest.mark.parametrize("params", [{"page": "١"}, {"page": "9" * 5000}, {"page_size": "²"}])
def test_edge_paging_is_a_400_naming_it(api, ledger, params):
    [param] = params
    _assert_400_naming(api.get("/ar/api/customer-breakdown/", params), param)


@pytest.mark.parametrize("customer_id", ["²", "١٢", "0", "9" * 5000, "-1", "12a", "UNKNOWN"])
def test_a_customer_id_in_the_path_in_other_digits_is_a_400(api, ledger, customer_id):
    _assert_400_naming(api.get(f"/ar/api/invoice-details/{customer_id}/"), "customer_id")


def test_a_customer_id_with_leading_zeros_is_that_customer(api, ledger):
    response = api.get(f"/ar/api/invoice-details/000{ledger.globex.pk}/", {"as_of": "2026-06-30"})
    assert response.status_code == 200
    assert (response.json()["customer_id"], response.json()["customer"]) == (
        ledger.globex.pk,
        "Globex",
    )


@pytest.mark.parametrize("company", ["²", "١", "0", "9" * 5000])
def test_dagster_status_company_in_other_digits_is_a_400(api, ledger, company, settings):
    settings.DAGSTER_URL = "http://127.0.0.1:9"  # never asked: the parameter is refused first
    _assert_400_naming(api.get("/ar/api/dagster-status/", {"company": company}), "company")


@pytest.mark.parametrize("url", FILTERED)
@pytest.mark.parametrize("as_of", ["1900-01-01", "2199-12-31"])
def test_the_as_of_range_is_inclusive(api, ledger, url, as_of):
    response = api.get(url, {"as_of": as_of, "bucket": "over_120"})
    assert response.status_code == 200
    assert response.json()["as_of"] == as_of


@pytest.mark.parametrize(
    ("params", "customers"),
    [
        # The plainest forms of the bounds are accepted: 15 integer digits, 4 decimals.
        ({"min_amount": "999999999999999.9999"}, 0),
        ({"max_amount": "-999999999999999.9999"}, 0),
        # Conftest's ledger: Umbrella's 1000.00 is the only document ≥ 999.9999.
        ({"min_amount": "999.9999"}, 1),
    ],
)
def test_amounts_at_the_column_bounds_are_accepted(api, ledger, params, customers):
    response = api.get("/ar/api/customer-breakdown/", {"as_of": "2026-06-30", **params})
    assert response.status_code == 200
    assert response.json()["count"] == customers
