"""Login throttling (django-axes): AXES_FAILURE_LIMIT wrong passwords lock the account and the
address for AXES_COOLOFF_MINUTES, on the app's login page and the admin's alike."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from ar_dashboard.tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
APP_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
pytestmark = pytest.mark.django_db


def attempt(url, username, password, ip):
    return Client(REMOTE_ADDR=ip).post(url, {"username": username, "password": password})


def fail_five_times(url, username, ip):
    codes = [attempt(url, username, f"wrong-{n}", ip).status_code for n in range(5)]
    return codes


@pytest.fixture
def users(db):
    return (
        UserFactory(username="alice", is_staff=True, is_superuser=True),
        UserFactory(username="bob", is_staff=True, is_superuser=True),
    )


def test_right_password_signs_in(users):
    response = attempt(APP_LOGIN, "alice", PASSWORD, "10.0.0.1")
    assert response.status_code == 302
    assert response["Location"] == "/ar/"


@pytest.mark.parametrize("url", [APP_LOGIN, ADMIN_LOGIN])
def test_after_five_failures_even_the_right_password_is_refused(users, url):
    codes = fail_five_times(url, "alice", "10.0.0.1")
    assert codes == [200, 200, 200, 200, 429]  # the fifth failure locks
    locked = attempt(url, "alice", PASSWORD, "10.0.0.1")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Too many failed sign-ins" in body
    assert "after 5 wrong passwords" in body
    assert "Try again in 15 minutes" in body
    assert "_auth_user_id" not in locked.client.session


def test_another_account_from_another_address_is_unaffected(users):
    fail_five_times(APP_LOGIN, "alice", "10.0.0.1")
    assert attempt(APP_LOGIN, "bob", PASSWORD, "10.0.0.2").status_code == 302


def test_the_account_is_locked_from_every_address(users):
    """Per account: a guesser changing address does not get five more tries."""
    fail_five_times(APP_LOGIN, "alice", "10.0.0.1")
    assert attempt(APP_LOGIN, "alice", PASSWORD, "10.0.0.9").status_code == 429


def test_the_address_is_locked_for_every_account(users):
    """Per address: one client spraying passwords over many accounts is stopped too."""
    for n, name in enumerate(["carol", "dave", "erin", "frank", "grace"]):
        attempt(APP_LOGIN, name, f"guess-{n}", "10.0.0.1")
    assert attempt(APP_LOGIN, "bob", PASSWORD, "10.0.0.1").status_code == 429
    assert attempt(APP_LOGIN, "bob", PASSWORD, "10.0.0.2").status_code == 302


def test_four_failures_then_success_resets_the_count(users):
    for n in range(4):
        assert attempt(APP_LOGIN, "alice", f"wrong-{n}", "10.0.0.1").status_code == 200
    assert attempt(APP_LOGIN, "alice", PASSWORD, "10.0.0.1").status_code == 302
    for n in range(4):
        assert attempt(APP_LOGIN, "alice", f"again-{n}", "10.0.0.1").status_code == 200
    assert attempt(APP_LOGIN, "alice", PASSWORD, "10.0.0.1").status_code == 302


def test_axes_reset_lifts_the_lockout(users):
    fail_five_times(APP_LOGIN, "alice", "10.0.0.1")
    assert AccessAttempt.objects.exists()
    call_command("axes_reset")
    assert attempt(APP_LOGIN, "alice", PASSWORD, "10.0.0.1").status_code == 302


def test_the_limit_comes_from_the_settings(users, settings):
    settings.AXES_FAILURE_LIMIT = 2
    assert attempt(APP_LOGIN, "alice", "x", "10.0.0.1").status_code == 200
    assert attempt(APP_LOGIN, "alice", "y", "10.0.0.1").status_code == 429


def test_behind_a_trusted_proxy_the_address_is_the_proxy_appended_hop(users, settings):
    settings.TRUSTED_PROXY = True

    def via_proxy(password, forwarded):
        return Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded).post(
            APP_LOGIN, {"username": "bob", "password": password}
        )

    for n in range(5):  # five addresses spoofed in front, one real client (203.0.113.7)
        via_proxy(f"wrong-{n}", f"198.51.100.{n}, 203.0.113.7")
    assert AccessAttempt.objects.filter(ip_address="203.0.113.7").count() >= 1
    assert not AccessAttempt.objects.filter(ip_address__startswith="198.51.100.").exists()


def test_test_client_login_without_a_request_still_works(users):
    """`Client.login()` authenticates without a request: not counted, not refused."""
    client = Client()
    assert client.login(username="alice", password=PASSWORD)
    assert not client.login(username="alice", password="wrong")
