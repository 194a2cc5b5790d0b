"""The analytics endpoints: login required, tenant isolation (404), a teammate sees the same."""

import pytest
from rest_framework.test import APIClient

from ar_dashboard.tests.api.analytics_ledger import AS_OF, books  # noqa: F401 - fixture

PATHS = ["kpis/", "trends/", "customer-health/", "cash-forecast/", "payment-velocity/"]
API = "/ar/api/"


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("path", PATHS)
def test_anonymous_is_refused(anon_api, books, path):  # noqa: F811
    response = anon_api.get(API + path, {"as_of": AS_OF})
    assert response.status_code in (401, 403)
    assert b"Stopped Steel" not in response.content


@pytest.mark.parametrize("path", PATHS)
def test_outsider_gets_404_asking_for_another_company(books, charlie, path):  # noqa: F811
    response = _client(charlie).get(API + path, {"company": books.company.pk, "as_of": AS_OF})
    assert response.status_code == 404
    assert b"Stopped Steel" not in response.content


@pytest.mark.parametrize("path", PATHS)
def test_outsider_sees_only_their_own_company(books, charlie, company_b, path):  # noqa: F811
    response = _client(charlie).get(API + path, {"as_of": AS_OF})
    assert response.status_code == 200
    assert response.json()["company"] == company_b.pk
    assert b"Stopped Steel" not in response.content


@pytest.mark.parametrize("path", PATHS)
def test_another_companys_customer_is_404(books, charlie, company_b, path):  # noqa: F811
    response = _client(charlie).get(API + path, {"customer": books.late.pk, "as_of": AS_OF})
    assert response.status_code == 404


@pytest.mark.parametrize("path", PATHS)
def test_teammate_sees_the_same_answer(api, bob, books, path):  # noqa: F811
    assert (
        _client(bob).get(API + path, {"as_of": AS_OF}).json()
        == api.get(API + path, {"as_of": AS_OF}).json()
    )


def test_schema_lists_the_analytics_endpoints(api):
    paths = api.get(API + "schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in PATHS:
        assert f"/ar/api/{path}" in paths


@pytest.mark.parametrize("path", PATHS)
def test_one_customer_and_the_unknown_customer_answer(api, books, path):  # noqa: F811
    for customer in (str(books.late.pk), "unknown"):
        response = api.get(API + path, {"as_of": AS_OF, "customer": customer})
        assert response.status_code == 200, (customer, response.content[:300])
        assert b"Stopped Steel" not in response.content
