"""The analytics endpoints on the dirty demo loaded through the real pipeline (`load_demo
--dirty`: defective records, QuickBooks' hard cases): every endpoint answers, every figure ties
out, and trend points read from the pipeline's month-end snapshots equal the live as-of AR."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from ar_dashboard import selectors
from ar_dashboard.models import Company
from ar_dashboard.selectors import ARFilters
from ar_dashboard.tests.factories import MembershipFactory, UserFactory

TODAY = date(2026, 11, 15)
PATHS = ["kpis/", "trends/", "customer-health/", "cash-forecast/", "payment-velocity/"]


@pytest.mark.django_db
def test_dirty_demo_through_the_pipeline():
    call_command("load_demo", today=TODAY, dirty=True, stdout=StringIO(), stderr=StringIO())
    company = Company.objects.get()
    user = UserFactory(username="dirty-viewer")
    MembershipFactory(user=user, company=company)
    client = APIClient()
    client.force_authenticate(user)
    as_of = TODAY.isoformat()
    answers = {}
    for path in PATHS:
        for currency in selectors.currencies_in_use(company=company):
            response = client.get(f"/ar/api/{path}", {"as_of": as_of, "currency": currency})
            assert response.status_code == 200, (path, currency, response.content[:300])
            answers[path, currency] = response.json()

    forecast = answers["cash-forecast/", "USD"]
    parts = [forecast["past_expected"], forecast["later"], forecast["doubtful"]["amount"]]
    parts += [m["amount"] for m in forecast["months"]]
    assert sum(Decimal(p) for p in parts) == Decimal(forecast["open_invoices"])

    kpis = answers["kpis/", "USD"]
    filters = ARFilters(as_of=TODAY, today=TODAY, currency="USD")
    assert Decimal(kpis["ar_total"]) == selectors.summary_total(company=company, filters=filters)

    months = answers["trends/", "USD"]["months"]
    stored = [m for m in months if m["source"] == "snapshot"]
    assert stored, "the pipeline writes month-end snapshots"
    for month in stored:
        day = date.fromisoformat(month["end"])
        live = selectors.summary_total(company=company, filters=replace(filters, as_of=day))
        assert Decimal(month["ar_total"]) == live, month["month"]
