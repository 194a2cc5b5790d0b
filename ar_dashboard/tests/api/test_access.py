"""Who may read what: login required, tokens and sessions, and tenant isolation (404)."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ar_dashboard.tests.factories import CustomerFactory, InvoiceFactory

API = "/ar/api/"
FIGURES = ["summary-stats/", "aging-distribution/", "customer-breakdown/"]
PASSWORD = "correct horse battery staple"  # the factories' password


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    "path",
    [*FIGURES, "invoice-details/1/", "invoice-details/unknown/", "schema/", "docs/"],
)
def test_anonymous_is_refused_everywhere(anon_api, ledger, path):
    response = anon_api.get(API + path, {"as_of": "2026-06-30"})

    assert response.status_code in (401, 403)
    assert b"Globex" not in response.content


def test_token_auth_works(ledger, alice):
    token = Token.objects.create(user=alice)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.get(API + "summary-stats/", {"as_of": "2026-06-30"})

    assert response.status_code == 200
    assert response.json()["total_ar"] == "5500.50"


def test_wrong_token_is_refused(ledger, alice):
    Token.objects.create(user=alice)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")

    assert client.get(API + "summary-stats/").status_code in (401, 403)


def test_session_login_works(client, ledger, alice):
    assert client.login(username="alice", password=PASSWORD)

    response = client.get(API + "summary-stats/", {"as_of": "2026-06-30"})

    assert response.status_code == 200
    assert response.json()["total_ar"] == "5500.50"


def test_wrong_password_does_not_log_in(client, alice):
    assert not client.login(username="alice", password="wrong")


def test_schema_is_served_to_a_signed_in_user(api):
    response = api.get(API + "schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/ar/api/summary-stats/" in paths
    assert "/ar/api/invoice-details/{customer_id}/" in paths


@pytest.mark.parametrize("path", [*FIGURES, "invoice-details/unknown/"])
def test_outsider_gets_404_asking_for_another_company(ledger, charlie, path):
    response = _client(charlie).get(API + path, {"company": ledger.company.pk})

    assert response.status_code == 404
    assert b"Globex" not in response.content


@pytest.mark.parametrize("name", ["globex", "hooli"])
def test_outsider_gets_404_for_another_companys_customer(ledger, charlie, name):
    customer = getattr(ledger, name)

    response = _client(charlie).get(f"{API}invoice-details/{customer.pk}/")

    assert response.status_code == 404


@pytest.fixture
def charlies_customer(company_b, charlie):
    customer = CustomerFactory(company=company_b, name="Charlie's client", currency="EUR")
    InvoiceFactory(company=company_b, customer=customer, currency="EUR")
    return customer


def test_outsiders_customer_is_404_to_alice(api, ledger, charlies_customer):
    pk = charlies_customer.pk

    assert api.get(f"{API}invoice-details/{pk}/").status_code == 404
    assert api.get(f"{API}invoice-details/{pk}/", {"company": ledger.company.pk}).status_code == 404
    for path in FIGURES:
        assert api.get(API + path, {"customer": pk}).status_code == 404


def test_outsider_sees_only_their_company(ledger, charlie, company_b, charlies_customer):
    response = _client(charlie).get(API + "summary-stats/", {"as_of": "2026-06-30"})

    assert response.status_code == 200
    body = response.json()
    assert (body["company"], body["currency"], body["total_ar"]) == (company_b.pk, "EUR", "100.00")
    assert body["currencies"] == ["EUR"]


@pytest.mark.parametrize("path", [*FIGURES, "invoice-details/unknown/"])
def test_teammate_sees_the_same_figures(api, ledger, bob, path):
    params = {"as_of": "2026-06-30"}
    mine = api.get(API + path, params)
    theirs = _client(bob).get(API + path, params)

    assert mine.status_code == theirs.status_code == 200
    assert theirs.json() == mine.json()


def test_teammate_sees_the_customers_invoices(api, ledger, bob):
    path = f"{API}invoice-details/{ledger.globex.pk}/"

    assert _client(bob).get(path).json() == api.get(path).json()


def test_home_redirects_anonymous_to_login(client, db):
    response = client.get("/ar/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/ar/"


def test_site_root_leads_to_the_dashboard(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/ar/"


def test_home_renders_the_users_company(client, ledger, alice):
    client.force_login(alice)

    response = client.get("/ar/", {"as_of": "2026-06-30"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Acme Supplies" in page
    assert "Borealis Trading" not in page
    assert "$5,500.50" in page  # total AR, in the currency's display format
    assert "Umbrella" in page


def test_home_of_the_outsider_shows_only_their_company(client, ledger, charlie):
    client.force_login(charlie)

    page = client.get("/ar/").content.decode()

    assert "Borealis Trading" in page
    assert "Acme Supplies" not in page
    assert "Globex" not in page
    assert client.get("/ar/", {"company": ledger.company.pk}).status_code == 404


def test_login_page_renders(client, db):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_login_form_signs_in_and_returns_to_the_dashboard(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD, "next": "/ar/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/ar/"
