"""Onboarding fixtures: the root conftest's alice (admin of A), bob (viewer of A) and charlie
(admin of B), plus carol (collector of A), and a sandbox standing in for Unified.to."""

from urllib.parse import parse_qs, urlsplit

import pytest

from ar_dashboard.models import Membership
from ar_dashboard.tests.factories import MembershipFactory, UserFactory
from connectors.unified.sandbox import SandboxServer
from etl.tests.conftest import small_ledger

API_KEY = "onboarding-key"
WORKSPACE = "ws-test"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories hash a password per user; PBKDF2's default cost makes that seconds each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def carol(company_a):
    user = UserFactory(username="carol")
    MembershipFactory(user=user, company=company_a, role=Membership.Role.COLLECTOR)
    return user


@pytest.fixture
def sandbox():
    with SandboxServer(small_ledger(), api_key=API_KEY, connection_ids=set()) as server:
        yield server


@pytest.fixture
def unified(settings, sandbox):
    """Settings pointing at the sandbox: what `make run` sets up without a real key."""
    settings.UNIFIED_BASE_URL = sandbox.base_url
    settings.UNIFIED_API_KEY = API_KEY
    settings.UNIFIED_WORKSPACE_ID = WORKSPACE
    return sandbox


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def login(client, user):
    client.force_login(user)
    return client
