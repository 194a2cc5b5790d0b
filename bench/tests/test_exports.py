"""`python -m bench.exports`' pieces on the test database: the load, one measured export each,
and the results table (timings are not asserted)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from bench import exports
from bench.exports import load, measure, render

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load(documents=60, customers=6, today=date(2026, 3, 15))


def test_load_makes_open_documents_over_customers(loaded):
    from ar_dashboard.models import Customer, Invoice

    assert Customer.objects.count() == 6
    assert Invoice.objects.exclude(balance=0).count() == 60


@pytest.mark.parametrize("kind", ["csv", "xlsx", "pdf"])
def test_each_export_is_measured(loaded, kind):
    result = measure(kind)

    assert result["status"] == 200
    assert result["bytes"] > 0
    assert result["seconds"] >= 0 and result["peak_rss_mb"] > 0


def test_csv_rows_are_the_loaded_documents(loaded, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=exports.USERNAME))
    response = client.get(exports.URLS["csv"], secure=True)  # as of today: all are posted
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert len(rows) == 1 + 60


def test_results_table_judges_against_the_targets():
    results = [
        {"kind": "csv", "status": 200, "seconds": 3.0, "cpu_seconds": 2.0,
         "first_byte_seconds": 1.0, "bytes": 2**20, "peak_rss_mb": 100.0,
         "worker_peak_rss_mb": 0.0},
        {"kind": "pdf", "status": 500},
    ]  # fmt: skip

    table = render(results, documents=100_000, customers=5000)

    row = "| /ar/export/aging-detail.csv | 100,000 | 3.0 | 2.0 | 1.0 | 1.0 | 100.0 (0.0) |"
    assert row in table
    assert "met (projected 30.0 s)" in table
    assert "error: 500" in table
