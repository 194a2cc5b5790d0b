"""Every dashboard page: login required, and another company's pages are a 404."""

import pytest

from ar_dashboard.tests.factories import CustomerFactory
from ar_dashboard.tests.pages.conftest import PAGES


@pytest.mark.parametrize("path", [*PAGES, "/ar/widgets/layout/", "/ar/report/customer/1/"])
def test_anonymous_is_sent_to_login(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", [*PAGES, "/ar/widgets/layout/"])
def test_outsider_gets_404_asking_for_another_company(ledger, charlie, client_for, path):
    response = client_for(charlie).get(path, {"company": ledger.company.pk})

    assert response.status_code == 404
    assert b"Globex" not in response.content


def test_outsider_gets_404_for_another_companys_customer(ledger, charlie, client_for):
    response = client_for(charlie).get(f"/ar/report/customer/{ledger.globex.pk}/")

    assert response.status_code == 404


def test_a_customer_of_another_company_is_404_to_alice(ledger, company_b, alice_client):
    theirs = CustomerFactory(company=company_b, name="Borealis client")

    response = alice_client.get(f"/ar/report/customer/{theirs.pk}/")

    assert response.status_code == 404


@pytest.mark.parametrize("path", PAGES)
def test_a_teammate_sees_the_company(ledger, bob, client_for, path):
    assert client_for(bob).get(path, {"as_of": "2026-06-30"}).status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_a_bad_filter_is_a_400_naming_it(ledger, alice_client, path):
    response = alice_client.get(path, {"as_of": "2026-02-30"})

    assert response.status_code == 400
    assert b"<code>as_of</code>" in response.content


def test_company_switcher_lists_only_the_users_companies(ledger, alice, company_b, client_for):
    from ar_dashboard.tests.factories import CompanyFactory, MembershipFactory

    second = CompanyFactory(name="Second Ltd", home_currency="USD")
    MembershipFactory(user=alice, company=second)

    html = client_for(alice).get("/ar/", {"company": second.pk}).content.decode()

    assert 'id="company-switcher"' in html
    assert f'<option value="{second.pk}" selected>Second Ltd</option>' in html
    assert "Acme Supplies" in html
    assert "Borealis" not in html
