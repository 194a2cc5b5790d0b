"""Exchange rates are edited in the admin, per company; a blank home currency is the company's."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from ar_dashboard.models import ExchangeRate
from ar_dashboard.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def test_admin_adds_a_rate_in_the_companys_home_currency(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    company = CompanyFactory(home_currency="GBP")
    assert client.get("/admin/ar_dashboard/exchangerate/add/").status_code == 200

    response = client.post(
        "/admin/ar_dashboard/exchangerate/add/",
        {
            "company": company.pk,
            "currency": "EUR",
            "home_currency": "",
            "rate_date": "2026-06-30",
            "rate": "0.8512",
            "source": "manual",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    rate = ExchangeRate.objects.get()
    assert (rate.home_currency, rate.rate, str(rate.rate_date)) == (
        "GBP",
        Decimal("0.8512"),
        "2026-06-30",
    )
    assert client.get("/admin/ar_dashboard/exchangerate/").status_code == 200


def test_a_rate_must_be_positive_and_the_currency_iso(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    company = CompanyFactory()
    response = client.post(
        "/admin/ar_dashboard/exchangerate/add/",
        {
            "company": company.pk,
            "currency": "EURO",
            "rate_date": "2026-06-30",
            "rate": "0",
            "source": "manual",
        },
    )
    assert response.status_code == 200  # the form again, with errors
    assert not ExchangeRate.objects.exists()
