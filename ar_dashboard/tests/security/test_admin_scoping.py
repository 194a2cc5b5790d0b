"""Staff who are not superusers see and change, in the admin, only rows of companies they are
an admin of — on every ModelAdmin of the three apps, generated from the admin registry."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client

from ar_collections.models import Activity, ReminderStage
from ar_dashboard.admin import CompanyScopedAdmin
from ar_dashboard.models import Customer, ExchangeRate, Membership
from ar_dashboard.tests.factories import (
    CompanyFactory,
    CustomerFactory,
    InvoiceFactory,
    MembershipFactory,
    UserFactory,
)

APPS = {"ar_dashboard", "accounts", "ar_collections"}
pytestmark = pytest.mark.django_db


def test_every_model_admin_of_the_apps_is_scoped_by_company():
    registered = {
        model._meta.label: type(model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in APPS
    }
    assert len(registered) >= 20
    unscoped = [
        label for label, cls in registered.items() if not issubclass(cls, CompanyScopedAdmin)
    ]
    assert unscoped == []


@pytest.fixture
def world():
    a = CompanyFactory(name="Acme Supplies")
    b = CompanyFactory(name="Borealis Trading")
    dana = UserFactory(username="dana", is_staff=True)
    dana.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=APPS | {"auth"})
    )
    MembershipFactory(user=dana, company=a, role=Membership.Role.ADMIN)
    outsider = UserFactory(username="olga")
    MembershipFactory(user=outsider, company=b, role=Membership.Role.ADMIN)
    rows = {}
    for company, tag in ((a, "A"), (b, "B")):
        customer = CustomerFactory(company=company, name=f"Customer {tag}")
        InvoiceFactory(company=company, customer=customer, number=f"INV-{tag}")
        ExchangeRate.objects.create(
            company=company,
            currency="EUR",
            home_currency="USD",
            rate_date="2026-06-30",
            rate="1.1" if tag == "A" else "1.2",
        )
        ReminderStage.objects.create(
            company=company, name=f"Stage {tag}", days_after_due=7, subject="s", body="b"
        )
        Activity.objects.create(
            company=company,
            customer=customer,
            kind="note",
            body=f"Note {tag}",
            occurred_on="2026-06-30",
        )
        rows[tag] = customer
    client = Client()
    client.force_login(dana)
    return {"a": a, "b": b, "client": client, "customers": rows}


@pytest.mark.parametrize(
    ("url", "model"),
    [
        ("/admin/ar_dashboard/customer/", Customer),
        ("/admin/ar_dashboard/invoice/", None),
        ("/admin/ar_dashboard/exchangerate/", ExchangeRate),
        ("/admin/ar_dashboard/company/", None),
        ("/admin/ar_collections/reminderstage/", ReminderStage),
        ("/admin/ar_collections/activity/", Activity),
    ],
)
def test_staff_changelists_hold_only_their_companys_rows(world, url, model):
    response = world["client"].get(url)
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert changelist.result_count == 1
    row = changelist.result_list[0]
    company = row if url.endswith("/company/") else row.company
    assert company == world["a"]
    assert "Borealis" not in response.content.decode()


def test_another_companys_row_cannot_be_opened(world):
    theirs = world["customers"]["B"]
    response = world["client"].get(f"/admin/ar_dashboard/customer/{theirs.pk}/change/")
    assert response.status_code == 302  # "doesn't exist": not revealed
    stage = ReminderStage.objects.get(company=world["b"])
    response = world["client"].get(f"/admin/ar_collections/reminderstage/{stage.pk}/change/")
    assert response.status_code == 302


def test_foreign_key_choices_are_limited_to_their_companies(world):
    response = world["client"].get("/admin/ar_collections/activity/add/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.fields["company"].queryset) == [world["a"]]
    assert list(form.fields["customer"].queryset) == [world["customers"]["A"]]
    assert [u.username for u in form.fields["author"].queryset] == ["dana"]


def test_a_raw_id_of_another_companys_customer_is_refused(world):
    theirs = world["customers"]["B"]
    response = world["client"].post(
        "/admin/ar_collections/activity/add/",
        {
            "company": world["a"].pk,
            "customer": theirs.pk,
            "kind": "note",
            "body": "sneaky",
            "occurred_on": "2026-06-30",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert "customer" in response.context["adminform"].form.errors
    assert not Activity.objects.filter(body="sneaky").exists()


def test_superusers_see_every_company(world):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    assert client.get("/admin/ar_dashboard/customer/").context["cl"].result_count == 2
