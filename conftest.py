"""Shared fixtures: three users everywhere — alice (owner of A), bob (teammate), charlie (B)."""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from ar_dashboard.models import Membership
from ar_dashboard.tests.factories import CompanyFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: rolled-back rows reuse ids (SQLite), and an answer
    cached by one test must not answer the next one's identical request."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def company_a(db):
    return CompanyFactory(name="Acme Supplies", home_currency="USD", timezone="UTC")


@pytest.fixture
def company_b(db):
    return CompanyFactory(name="Borealis Trading", home_currency="EUR", timezone="Europe/Paris")


@pytest.fixture
def alice(company_a):
    user = UserFactory(username="alice")
    MembershipFactory(user=user, company=company_a, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def bob(company_a):
    user = UserFactory(username="bob")
    MembershipFactory(user=user, company=company_a, role=Membership.Role.VIEWER)
    return user


@pytest.fixture
def charlie(company_b):
    user = UserFactory(username="charlie")
    MembershipFactory(user=user, company=company_b, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


@pytest.fixture
def anon_api():
    return APIClient()


PROJECT_ROOT = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _project_working_directory():
    """Every test starts in the project root: a test or library that leaves the process in a
    temporary directory it then deletes would break the live server's static files (relative
    paths) and anything resolving paths in later tests."""
    try:
        here = os.getcwd()
    except FileNotFoundError:
        here = None
    if here != str(PROJECT_ROOT):
        os.chdir(PROJECT_ROOT)
    yield
