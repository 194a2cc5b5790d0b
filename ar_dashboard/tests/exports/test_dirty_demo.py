"""Exports of the dirty demo, loaded through the real pipeline (`load_demo --dirty`): every
currency's CSV, XLSX and PDF totals equal the API's, today (summary rows) and at a past date
(computed live); a statement shows an unapplied payment as a credit."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from ar_dashboard.management.commands.load_demo import DEMO_CONNECTION
from ar_dashboard.models import Company, Customer, Membership
from ar_dashboard.tests.exports.conftest import body
from ar_dashboard.tests.factories import MembershipFactory, UserFactory
from etl.tests.test_dirty_demo import TODAY, load_dirty_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(time_machine, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_dirty_demo()
    time_machine.move_to(datetime(2026, 11, 15, 9, 0, tzinfo=UTC), tick=False)
    company = Company.objects.get(unified_connection_id=DEMO_CONNECTION)
    user = UserFactory(username="controller")
    MembershipFactory(user=user, company=company, role=Membership.Role.VIEWER)
    return company, user


def test_dirty_demo_exports_tie_out_to_the_api(demo, client):
    company, user = demo
    client.force_login(user)
    api = APIClient()
    api.force_authenticate(user)
    currencies = api.get("/ar/api/summary-stats/").json()["currencies"]
    assert len(currencies) >= 4
    for as_of in (str(TODAY), "2026-10-15"):
        for currency in currencies:
            query = {"as_of": as_of, "currency": currency}
            stats = api.get("/ar/api/summary-stats/", query).json()
            response = client.get("/ar/export/customer-breakdown.csv", query)
            rows = list(csv.DictReader(io.StringIO(body(response).decode())))
            column = f"Total outstanding ({currency})"
            assert sum((D(r[column]) for r in rows), start=D(0)) == D(stats["total_ar"]), query
            detail = client.get("/ar/export/aging-detail.xlsx", query)
            ws = load_workbook(io.BytesIO(detail.content))["Documents"]
            amounts = [row[12] for row in ws.iter_rows(min_row=2, values_only=True)][:-1]
            assert len(amounts) == stats["total_invoices"], query
            assert sum(D(str(a)) for a in amounts) == D(stats["total_ar"]), query

    pdf = client.get("/ar/export/aging-summary.pdf", {"as_of": str(TODAY)})
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    total = api.get("/ar/api/summary-stats/", {"as_of": str(TODAY)}).json()["total_ar"]
    assert f"{D(total):,}" in text

    paid_ahead = Customer.objects.get(company=company, external_id="cus_dirty_04")
    statement = client.get(f"/ar/customers/{paid_ahead.pk}/statement.pdf")
    pages = PdfReader(io.BytesIO(statement.content)).pages
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pages))
    assert "Payment on account" in text and "Total due in USD -250.00" in text, text
