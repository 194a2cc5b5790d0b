"""`/ar/api/customer-suggestions/`: names for the filter box, prefix matches first."""

from rest_framework.test import APIClient

from ar_dashboard.tests.factories import CustomerFactory

URL = "/ar/api/customer-suggestions/"


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_prefix_matches_come_before_other_matches(ledger, alice):
    CustomerFactory(company=ledger.company, name="Big Globe Ltd")

    body = _api(alice).get(URL, {"q": "glo"}).json()

    assert [c["name"] for c in body["results"]] == ["Globex", "Big Globe Ltd"]
    assert body["results"][0]["id"] == ledger.globex.pk


def test_empty_text_suggests_nothing(ledger, alice):
    assert _api(alice).get(URL, {"q": " "}).json() == {"results": []}


def test_outsider_gets_404(ledger, charlie):
    response = _api(charlie).get(URL, {"company": ledger.company.pk, "q": "g"})

    assert response.status_code == 404


def test_long_text_is_a_400_naming_q(ledger, alice):
    response = _api(alice).get(URL, {"q": "x" * 101})

    assert response.status_code == 400
    assert "q" in response.json()
