"""The API tests' hand-made ledger (tests/api/conftest.py) read through the pages.

As of 2026-06-30 in USD: Current 100.00 · 1-30 350.50 · 31-60 1150.00 · 61-90 1200.00 ·
91-120 1700.00 · 120+ 1000.00 · total 5500.50. Per customer: Umbrella 2700.00 (800 + 900 +
1000), Initech 2100.00 (400 + 500 + 500 + 700), Globex 450.50 (100 + 200.50 + 300 − 150),
Unknown customer 250.00; 2700 + 2100 + 450.50 + 250 = 5500.50.
"""

import pytest
from django.test import Client

from ar_dashboard.tests.api.conftest import (  # noqa: F401 - fixtures shared with the API tests
    AS_OF,
    fast_password_hasher,
    ledger,
    pinned_today,
)

PAGES = ["/ar/", "/ar/widgets/", "/ar/filtered/", "/ar/report/"]


@pytest.fixture
def client_for():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def alice_client(alice, client_for):
    return client_for(alice)
