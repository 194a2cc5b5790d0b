"""`make run`'s first-run setup: the demo company through the pipeline, and one admin user."""

from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from ar_dashboard.models import Company, Invoice, Membership, SyncLog
from ar_dashboard.services.ledger_load import SOURCE_DOC_TYPES

pytestmark = pytest.mark.django_db


def test_bootstrap_loads_the_demo_through_the_pipeline_and_creates_admin_once(settings):
    settings.DEBUG = True  # as `make run` runs it: the password is printed once
    out = StringIO()
    call_command("bootstrap_demo", stdout=out, stderr=StringIO())
    company = Company.objects.get(unified_connection_id="demo")
    assert company.name == "Demo Company (sandbox)"
    assert company.customers.count() == 160
    assert Invoice.objects.filter(company=company, doc_type__in=SOURCE_DOC_TYPES).count() == 6384
    log = SyncLog.objects.get(company=company)
    assert (log.status, log.trigger, log.rejected) == ("success", "manual", [])
    assert log.run_id  # a Dagster run, not a shortcut loader
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    assert Membership.objects.filter(user=admin, company=company, role="admin").exists()
    printed = out.getvalue()
    password = printed.split("password: ")[1].split()[0]
    assert admin.check_password(password)

    again = StringIO()
    call_command("bootstrap_demo", stdout=again, stderr=StringIO())
    assert "Companies exist: demo not loaded." in again.getvalue()
    assert "password" not in again.getvalue()
    assert get_user_model().objects.count() == 1
    assert SyncLog.objects.count() == 1


def test_load_demo_again_is_an_incremental_sync_with_nothing_new():
    call_command("load_demo", today=date(2026, 11, 15), stdout=StringIO(), stderr=StringIO())
    before = list(Invoice.objects.order_by("external_id").values_list("external_id", "balance"))
    call_command("load_demo", today=date(2026, 11, 15), stdout=StringIO(), stderr=StringIO())
    after = list(Invoice.objects.order_by("external_id").values_list("external_id", "balance"))
    assert after == before
    second = SyncLog.objects.order_by("-id").first()
    assert second.status == "success"
    # Only the records at the watermark were re-read (updated_gte is inclusive).
    assert second.counts["documents"]["created"] == 0
    assert second.counts["invoices"]["fetched"] < 10
