"""The API tests' hand-made ledger (tests/api/conftest.py), and clients signed in as alice.

Figures of that ledger as of 2026-06-30 (USD): Current 100.00 · 1-30 350.50 · 31-60 1150.00 ·
61-90 1200.00 · 91-120 1700.00 · 120+ 1000.00 · total 5500.50 over 12 open documents; one EUR
invoice of 999.99 apart.
"""

import pytest
from rest_framework.test import APIClient

from ar_dashboard.tests.api.conftest import (  # noqa: F401 — fixtures shared with the API tests
    fast_password_hasher,
    ledger,
    pinned_today,
)

AS_OF = "2026-06-30"


@pytest.fixture
def web(client, alice):
    """Django's test client signed in as alice (owner of company A)."""
    client.force_login(alice)
    return client


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def body(response) -> bytes:
    """The whole body of a plain or streaming response."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content
