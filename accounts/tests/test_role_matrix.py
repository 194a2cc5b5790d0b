"""The onboarding pages and endpoints, per role: viewer, collector, admin, outsider.

Outsiders (charlie, admin of company B) get 404 for company A's objects; a member whose role is
too low gets 403. Reads need viewer; "Sync now" collector; settings, members, connection and
data admin. Anonymous users, every other endpoint and every admin list are covered by the
URLconf-generated isolation matrix (test_isolation_matrix.py).
"""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.models import AuditEntry
from ar_dashboard.models import Membership, SyncLog
from ar_dashboard.tests.factories import CustomerFactory, UserFactory

ROLES = ("viewer", "collector", "admin", "outsider")
OK = {"viewer": 200, "collector": 200, "admin": 200, "outsider": 404}
ADMIN_ONLY = {"viewer": 403, "collector": 403, "admin": 200, "outsider": 404}
ADMIN_ONLY_POST = {"viewer": 403, "collector": 403, "admin": 302, "outsider": 404}
COLLECTOR_POST = {"viewer": 403, "collector": 302, "admin": 302, "outsider": 404}

ENDPOINTS = [
    ("get", "/ar/?company={a}&as_of=2026-03-15", OK),
    ("get", "/ar/api/summary-stats/?company={a}&as_of=2026-03-15", OK),
    ("get", "/ar/api/aging-distribution/?company={a}&as_of=2026-03-15", OK),
    ("get", "/ar/api/customer-breakdown/?company={a}&as_of=2026-03-15", OK),
    ("get", "/ar/api/invoice-details/{customer}/?company={a}&as_of=2026-03-15", OK),
    ("get", "/ar/syncs/{sync}/", OK),
    ("get", "/ar/api/syncs/{sync}/", OK),
    ("post", "/ar/syncs/new/", COLLECTOR_POST),
    ("get", "/ar/settings/?company={a}", ADMIN_ONLY),
    ("post", "/ar/settings/", {**ADMIN_ONLY, "admin": 400}),  # an empty form: 400, not saved
    ("post", "/ar/settings/disconnect/", ADMIN_ONLY_POST),
    ("post", "/ar/settings/delete/", ADMIN_ONLY_POST),  # no confirmation typed: not deleted
    ("get", "/ar/members/?company={a}", ADMIN_ONLY),
    ("post", "/ar/members/", {**ADMIN_ONLY, "admin": 400}),  # no email: 400
    ("post", "/ar/members/{viewer_membership}/role/", ADMIN_ONLY_POST),
]


@pytest.fixture
def world(company_a, company_b, unified):
    users = {}
    for role in ("viewer", "collector", "admin"):
        users[role] = UserFactory(username=role)
        Membership.objects.create(user=users[role], company=company_a, role=role)
    users["outsider"] = UserFactory(username="outsider")
    Membership.objects.create(user=users["outsider"], company=company_b, role="admin")
    return {
        "users": users,
        "a": company_a.pk,
        "customer": CustomerFactory(company=company_a).pk,
        "sync": SyncLog.objects.create(company=company_a, status=SyncLog.Status.SUCCESS).pk,
        "viewer_membership": Membership.objects.get(user=users["viewer"]).pk,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "expected"), ENDPOINTS, ids=[e[1] for e in ENDPOINTS])
def test_role_matrix(world, role, method, path, expected):
    client = Client()
    client.force_login(world["users"][role])
    url = path.format(**world)
    if method == "get":
        answer = client.get(url)
    else:
        data = {"company": world["a"]}
        if url.endswith("/role/"):
            data["role"] = "viewer"
        answer = client.post(url, data)
    assert answer.status_code == expected[role], answer.content[:300]


@pytest.fixture
def staff(world):
    """The company-A users made staff with every view/change permission of the app models."""
    perms = Permission.objects.filter(
        content_type__app_label__in=["ar_dashboard", "accounts"],
        codename__regex=r"^(view|change)_",
    )
    for user in world["users"].values():
        user.is_staff = True
        user.save()
        user.user_permissions.set(perms)
    AuditEntry.objects.create(company_id=world["a"], actor="admin", action="settings.changed")
    return world


@pytest.mark.parametrize(
    ("role", "expected"),
    [("viewer", 403), ("collector", 403), ("admin", 200), ("outsider", 200)],
)
def test_admin_site_lists_only_companies_the_user_administers(staff, role, expected):
    """Outsider (admin of B) sees the list, with B and without A; A's viewer/collector: 403."""
    client = Client()
    client.force_login(staff["users"][role])
    answer = client.get("/admin/ar_dashboard/company/")
    assert answer.status_code == expected
    if expected == 200:
        text = answer.content.decode()
        assert ("Acme Supplies" in text) == (role == "admin")
        assert ("Borealis Trading" in text) == (role == "outsider")


@pytest.mark.parametrize(
    ("role", "expected"),
    [("viewer", 403), ("collector", 403), ("admin", 200), ("outsider", 302)],
)
def test_admin_change_page_of_company_a(staff, role, expected):
    """A company outside the user's scope is "not found" (Django admin redirects to the index)."""
    client = Client()
    client.force_login(staff["users"][role])
    answer = client.get(f"/admin/ar_dashboard/company/{staff['a']}/change/")
    assert answer.status_code == expected
