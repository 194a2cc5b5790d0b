"""Disconnect (DELETE at Unified.to, syncs stop) and delete a company's data."""

import re

import pytest
from django.apps import apps

from accounts.models import AuditEntry, CompanyProfile
from ar_dashboard.models import Company, Membership, SyncLog
from ar_dashboard.tests.factories import CustomerFactory, InvoiceFactory, PaymentFactory


@pytest.fixture
def connected_a(unified, company_a):
    unified.connection_ids.add(company_a.unified_connection_id)
    return company_a


def test_disconnect_removes_the_connection_at_unified_and_stops_syncs(
    client, alice, connected_a, unified
):
    connection_id = connected_a.unified_connection_id
    queued = SyncLog.objects.create(company=connected_a, status=SyncLog.Status.QUEUED)
    client.force_login(alice)

    answer = client.post("/ar/settings/disconnect/", {"company": connected_a.pk}, follow=True)

    assert "Disconnected from QuickBooks" in answer.content.decode()
    assert ("DELETE", f"/unified/connection/{connection_id}", {}, 200) in unified.request_log
    assert connection_id not in unified.connection_ids
    connected_a.refresh_from_db()
    assert connected_a.unified_connection_id is None
    queued.refresh_from_db()
    assert queued.status == SyncLog.Status.FAILED and "disconnected" in queued.error
    assert AuditEntry.objects.get(action="connection.disconnected").old == connection_id


def test_a_failure_at_unified_changes_nothing(client, alice, company_a, unified, settings):
    settings.UNIFIED_API_KEY = "wrong-key"  # the sandbox answers 401
    client.force_login(alice)
    answer = client.post("/ar/settings/disconnect/", {"company": company_a.pk}, follow=True)
    assert "did not remove the connection" in answer.content.decode()
    company_a.refresh_from_db()
    assert company_a.unified_connection_id


def test_a_connection_already_gone_at_unified_still_disconnects(client, alice, company_a, unified):
    client.force_login(alice)  # the sandbox does not know company_a's connection: 404
    client.post("/ar/settings/disconnect/", {"company": company_a.pk})
    company_a.refresh_from_db()
    assert company_a.unified_connection_id is None


def test_only_admins_disconnect(client, bob, carol, charlie, company_a, unified):
    for user, status in ((bob, 403), (carol, 403), (charlie, 404)):
        client.force_login(user)
        assert client.post("/ar/settings/disconnect/", {"company": company_a.pk}).status_code == (
            status
        )
    company_a.refresh_from_db()
    assert company_a.unified_connection_id


def _ledger(company, n: int) -> None:
    for i in range(n):
        customer = CustomerFactory(company=company)
        InvoiceFactory(company=company, customer=customer)
        if i % 2 == 0:
            PaymentFactory(company=company, customer=customer)
    SyncLog.objects.create(company=company, status=SyncLog.Status.SUCCESS)
    CompanyProfile.objects.get_or_create(company=company)


def _rows_of(company) -> dict[str, int]:
    """Every row referring to the company, per model (any model with a `company` foreign key)."""
    counts = {}
    for model in apps.get_models():
        if any(f.name == "company" and f.is_relation for f in model._meta.get_fields()):
            counts[model._meta.label] = model.objects.filter(company=company).count()
    return counts


def test_delete_removes_every_row_of_the_company_and_no_other(
    client, alice, charlie, connected_a, company_b, unified
):
    """A: 3 customers, 3 invoices, 2 payments (i = 0, 2), 1 sync log, 1 profile, 1 membership."""
    _ledger(connected_a, 3)
    _ledger(company_b, 2)
    before_b = _rows_of(company_b)
    client.force_login(alice)

    answer = client.post(
        "/ar/settings/delete/", {"company": connected_a.pk, "confirmation": "Acme Supplies"}
    )

    assert answer.status_code == 200
    text = answer.content.decode()
    removed = re.findall(r"<li>(\d+) ([a-z ]+)</li>", text)
    assert {name: int(n) for n, name in removed} == {
        "companies": 1,
        "company profiles": 1,
        "customers": 3,
        "invoices": 3,
        "memberships": 1,
        "payments": 2,
        "sync logs": 1,
        "audit entries": 1,  # the disconnect, written just before the delete
    }
    assert not Company.objects.filter(pk=connected_a.pk).exists()
    assert all(count == 0 for count in _rows_of(connected_a).values())
    assert _rows_of(company_b) == before_b
    assert Membership.objects.filter(user=charlie).exists()
    # and the connection was removed at Unified.to first
    assert any(m == "DELETE" for m, *_ in unified.request_log)


def test_delete_needs_the_typed_name(client, alice, company_a, unified):
    client.force_login(alice)
    answer = client.post(
        "/ar/settings/delete/", {"company": company_a.pk, "confirmation": "acme"}, follow=True
    )
    assert "Type the company name exactly" in answer.content.decode()
    assert Company.objects.filter(pk=company_a.pk).exists()


def test_delete_waits_for_a_running_sync(client, alice, company_a, unified):
    SyncLog.objects.create(company=company_a, status=SyncLog.Status.RUNNING)
    client.force_login(alice)
    answer = client.post(
        "/ar/settings/delete/",
        {"company": company_a.pk, "confirmation": "Acme Supplies"},
        follow=True,
    )
    assert "A sync is running" in answer.content.decode()
    assert Company.objects.filter(pk=company_a.pk).exists()


def test_only_admins_delete(client, bob, carol, charlie, company_a, unified):
    for user, status in ((bob, 403), (carol, 403), (charlie, 404)):
        client.force_login(user)
        answer = client.post(
            "/ar/settings/delete/", {"company": company_a.pk, "confirmation": "Acme Supplies"}
        )
        assert answer.status_code == status
    assert Company.objects.filter(pk=company_a.pk).exists()
