"""Every export: login required, another company's data answers 404, bad params 400."""

import pytest

from ar_dashboard.tests.exports.conftest import AS_OF
from ar_dashboard.tests.factories import CustomerFactory

VIEWS = ["aging-summary", "customer-breakdown", "aging-detail"]
FORMATS = ["csv", "xlsx", "pdf"]
ALL = [f"/ar/export/{v}.{f}" for v in VIEWS for f in FORMATS]


@pytest.mark.parametrize("url", [*ALL, "/ar/customers/1/statement.pdf"])
def test_anonymous_is_sent_to_login(client, ledger, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", ALL)
def test_outsider_gets_404_for_another_company(client, charlie, ledger, url):
    client.force_login(charlie)

    assert client.get(url, {"company": ledger.company.pk}).status_code == 404


@pytest.mark.parametrize("url", ALL)
def test_another_companys_customer_is_404(web, company_b, ledger, url):
    stranger = CustomerFactory(company=company_b, name="Stranger")

    assert web.get(url, {"customer": stranger.pk}).status_code == 404


@pytest.mark.parametrize("url", ALL)
def test_teammate_may_export(client, bob, ledger, url):
    client.force_login(bob)

    assert client.get(url, {"as_of": AS_OF}).status_code == 200


@pytest.mark.parametrize(
    ("url", "query", "param"),
    [
        ("/ar/export/aging-detail.csv", {"as_of": "2026-13-01"}, "as_of"),
        ("/ar/export/aging-summary.xlsx", {"currency": "XX"}, "currency"),
        ("/ar/export/aging-summary.pdf", {"bucket": "7_8"}, "bucket"),
        ("/ar/export/aging-detail.pdf", {"min_amount": "1e3"}, "min_amount"),
        ("/ar/export/aging-detail.csv", {"basis": "paid"}, "basis"),
        ("/ar/export/customer-breakdown.csv", {"sort": "-colour"}, "sort"),
        ("/ar/export/customer-breakdown.xlsx", {"customer": "12x"}, "customer"),
        ("/ar/export/aging-summary.csv", {"bom": "yes"}, "bom"),
        ("/ar/export/aging-detail.xlsx", {"max_amount": "1", "min_amount": "2"}, "max_amount"),
    ],
)
def test_bad_parameter_answers_400_naming_it(web, ledger, url, query, param):
    response = web.get(url, query)

    assert response.status_code == 400
    assert param in response.json()


@pytest.mark.parametrize(
    "url", ["/ar/export/aging.csv", "/ar/export/aging-summary.docx", "/ar/export/aging-detail"]
)
def test_unknown_export_is_404(web, ledger, url):
    assert web.get(url).status_code == 404


def test_post_is_refused(web, ledger):
    assert web.post("/ar/export/aging-summary.csv").status_code == 405


def test_too_many_rows_for_a_pdf(web, ledger, monkeypatch):
    monkeypatch.setattr("ar_dashboard.exports.pdf.MAX_ROWS", 5)
    response = web.get("/ar/export/aging-detail.pdf", {"as_of": AS_OF})

    assert response.status_code == 400
    assert "12" in response.json()["format"][0]


def test_url_names_the_dashboards_link_to():
    from django.urls import reverse

    kwargs = {"view": "aging-summary", "fmt": "pdf"}
    assert reverse("ar_dashboard:export", kwargs=kwargs) == "/ar/export/aging-summary.pdf"
    statement = reverse("ar_dashboard:customer_statement", kwargs={"customer_id": 7})
    assert statement == "/ar/customers/7/statement.pdf"
