"""Company settings are validated in the model: full_clean and the admin form refuse bad ones.

An unknown time zone broke every page's "today"; aging edges past aging.MAX_EDGE_DAYS pushed
bucket date ranges out of the calendar. Both gave 500s on every page of the company.
"""

import pytest
from django.core.exceptions import ValidationError

from ar_dashboard.models import Company
from ar_dashboard.tests.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db

BAD_SETTINGS = [
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": ""}, "timezone"),
    ({"aging_edges": [99999]}, "aging_edges"),
    ({"aging_edges": [30, 20]}, "aging_edges"),
    ({"aging_edges": []}, "aging_edges"),
    ({"aging_edges": "30,60"}, "aging_edges"),
    ({"home_currency": "XYZ"}, "home_currency"),
]


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize(("changes", "field"), BAD_SETTINGS, ids=lambda v: str(v)[:30])
def test_full_clean_refuses_bad_settings(changes, field):
    company = Company(name="Acme", **changes)
    with pytest.raises(ValidationError) as excinfo:
        company.full_clean()
    assert field in excinfo.value.message_dict


def test_full_clean_accepts_good_settings():
    Company(
        name="Acme", timezone="America/New_York", home_currency="JPY", aging_edges=[15, 3650]
    ).full_clean()


@pytest.fixture
def admin_client(client):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    return client


def _form(company: Company, **changes) -> dict:
    data = {
        "name": company.name,
        "home_currency": company.home_currency,
        "timezone": company.timezone,
        "unified_connection_id": company.unified_connection_id,
        "aging_edges": "[30, 60, 90, 120]",
        "aging_basis": company.aging_basis,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"aging_edges": "[99999]"}, "aging_edges"),
        ({"home_currency": "XYZ"}, "home_currency"),
    ],
    ids=["timezone", "edges", "currency"],
)
def test_admin_change_form_refuses_bad_settings(admin_client, changes, field):
    company = CompanyFactory(name="Acme", timezone="UTC")
    url = f"/admin/ar_dashboard/company/{company.pk}/change/"

    response = admin_client.post(url, _form(company, **changes))

    assert response.status_code == 200  # the form again, with its errors; no redirect
    assert field in response.context["adminform"].form.errors
    company.refresh_from_db()
    assert (company.timezone, company.aging_edges, company.home_currency) == (
        "UTC",
        [30, 60, 90, 120],
        "USD",
    )


def test_admin_change_form_saves_good_settings(admin_client):
    company = CompanyFactory(name="Acme")
    url = f"/admin/ar_dashboard/company/{company.pk}/change/"

    response = admin_client.post(url, _form(company, timezone="Asia/Tokyo", aging_edges="[15, 45]"))

    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.timezone, company.aging_edges) == ("Asia/Tokyo", [15, 45])
