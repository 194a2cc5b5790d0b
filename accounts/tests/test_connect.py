"""Connect QuickBooks: /ar/connect/ → (the sandbox's authorization) → success or failure."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine
from django.test import Client

from accounts.models import AuditEntry, CompanyProfile
from accounts.tests.conftest import WORKSPACE, query_of
from ar_dashboard.models import Company, Membership, SyncLog
from ar_dashboard.tests.factories import CompanyFactory, UserFactory

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def dora(db):
    """A new user with no company yet."""
    return UserFactory(username="dora")


def start(client) -> dict[str, str]:
    """Follow /ar/connect/ to the authorization URL; its query parameters."""
    answer = client.get("/ar/connect/")
    assert answer.status_code == 302
    return {"url": answer["Location"], **query_of(answer["Location"])}


def authorize(sandbox_url: str, decision: str = "allow") -> dict[str, str]:
    """What the sandbox's authorization page redirects back with (as a browser would follow)."""
    answer = httpx.get(f"{sandbox_url}&decision={decision}")
    assert answer.status_code == 302
    return {"url": answer.headers["Location"], **query_of(answer.headers["Location"])}


def test_connect_redirects_to_unified_authorization_with_a_state(client, dora, unified):
    client.force_login(dora)
    auth = start(client)

    assert auth["url"].startswith(
        f"{unified.base_url}/unified/integration/auth/{WORKSPACE}/quickbooks?"
    )
    assert auth["success_redirect"] == "http://testserver/ar/connect/success/"
    assert auth["failure_redirect"] == "http://testserver/ar/connect/failure/"
    assert auth["redirect"] == "true"
    assert len(auth["state"]) > 20


def test_connect_needs_login(client, unified):
    answer = client.get("/ar/connect/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")


def test_connect_without_a_workspace_says_it_is_not_set_up(client, dora, settings):
    settings.UNIFIED_WORKSPACE_ID = ""
    client.force_login(dora)
    answer = client.get("/ar/connect/")
    assert answer.status_code == 503
    assert b"UNIFIED_WORKSPACE_ID" in answer.content


def test_success_creates_the_company_its_admin_and_a_queued_full_sync(client, dora, unified):
    client.force_login(dora)
    back = authorize(start(client)["url"])
    assert back["url"].startswith("http://testserver/ar/connect/success/?")

    answer = client.get("/ar/connect/success/", {"id": back["id"], "state": back["state"]})

    company = Company.objects.get(unified_connection_id=back["id"])
    log = SyncLog.objects.get(company=company)
    assert answer.status_code == 302 and answer["Location"] == f"/ar/syncs/{log.pk}/"
    assert (log.status, log.full_sync, log.trigger) == ("queued", True, "manual")
    assert Membership.objects.get(company=company).user == dora
    assert Membership.objects.get(company=company).role == "admin"
    assert CompanyProfile.objects.filter(company=company).exists()
    assert AuditEntry.objects.get(company=company).action == "connection.connected"


def _nothing_created():
    return (Company.objects.count(), SyncLog.objects.count(), Membership.objects.count())


def test_tampered_state_is_refused_and_nothing_created(client, dora, unified):
    client.force_login(dora)
    back = authorize(start(client)["url"])
    before = _nothing_created()
    tampered = back["state"][:-2] + ("AA" if not back["state"].endswith("AA") else "BB")

    answer = client.get("/ar/connect/success/", {"id": back["id"], "state": tampered})

    assert answer.status_code == 400
    assert b"not valid" in answer.content
    assert _nothing_created() == before


def test_missing_state_is_refused(client, dora, unified):
    client.force_login(dora)
    answer = client.get("/ar/connect/success/", {"id": "sbx_quickbooks_x"})
    assert answer.status_code == 400
    assert Company.objects.count() == 0


def test_expired_state_is_refused(client, dora, unified):
    """The state lives CONNECT_STATE_MAX_AGE_SECONDS (900): at 901 s it is refused."""
    client.force_login(dora)
    with time_machine.travel(NOW, tick=False):
        back = authorize(start(client)["url"])
    with time_machine.travel(NOW + timedelta(seconds=901), tick=False):
        answer = client.get("/ar/connect/success/", {"id": back["id"], "state": back["state"]})
    assert answer.status_code == 400
    assert b"expired" in answer.content
    assert Company.objects.count() == 0


def test_state_within_its_lifetime_is_accepted(client, dora, unified):
    client.force_login(dora)
    with time_machine.travel(NOW, tick=False):
        back = authorize(start(client)["url"])
    with time_machine.travel(NOW + timedelta(seconds=899), tick=False):
        answer = client.get("/ar/connect/success/", {"id": back["id"], "state": back["state"]})
    assert answer.status_code == 302


def test_replayed_state_is_refused(client, dora, unified):
    client.force_login(dora)
    back = authorize(start(client)["url"])
    params = {"id": back["id"], "state": back["state"]}
    assert client.get("/ar/connect/success/", params).status_code == 302

    again = client.get("/ar/connect/success/", params)

    assert again.status_code == 400
    assert b"already used" in again.content
    assert Company.objects.count() == 1


def test_replay_with_another_connection_id_is_refused(client, dora, unified):
    client.force_login(dora)
    back = authorize(start(client)["url"])
    client.get("/ar/connect/success/", {"id": back["id"], "state": back["state"]})
    answer = client.get("/ar/connect/success/", {"id": "sbx_other", "state": back["state"]})
    assert answer.status_code == 400
    assert not Company.objects.filter(unified_connection_id="sbx_other").exists()


def test_stolen_callback_url_used_by_another_session_is_refused(client, dora, unified):
    """Mallory gets Dora's callback URL (proxy log, shoulder): her session never asked for it."""
    client.force_login(dora)
    back = authorize(start(client)["url"])
    mallory = Client()
    mallory.force_login(UserFactory(username="mallory"))

    answer = mallory.get(back["url"].replace("http://testserver", ""))

    assert answer.status_code == 400
    assert Company.objects.count() == 0
    # Dora's own callback still works afterwards: the thief did not spend it.
    assert client.get(back["url"].replace("http://testserver", "")).status_code == 302


def test_same_user_in_another_browser_session_is_refused(client, dora, unified):
    client.force_login(dora)
    back = authorize(start(client)["url"])
    other_browser = Client()
    other_browser.force_login(dora)
    answer = other_browser.get("/ar/connect/success/", {"id": back["id"], "state": back["state"]})
    assert answer.status_code == 400


def test_connection_owned_by_another_company_is_refused(client, dora, unified, company_b):
    client.force_login(dora)
    back = authorize(start(client)["url"])
    company_b.unified_connection_id = back["id"]
    company_b.save()
    before = _nothing_created()

    answer = client.get("/ar/connect/success/", {"id": back["id"], "state": back["state"]})

    assert answer.status_code == 400
    assert b"already belongs to a company" in answer.content
    assert _nothing_created() == before
    assert not Membership.objects.filter(user=dora).exists()


def test_a_malformed_connection_id_is_refused(client, dora, unified):
    client.force_login(dora)
    auth = start(client)
    answer = client.get("/ar/connect/success/", {"id": "a b<script>", "state": auth["state"]})
    assert answer.status_code == 400
    assert Company.objects.count() == 0


def test_failure_shows_the_reason_in_plain_words(client, dora, unified):
    client.force_login(dora)
    back = authorize(start(client)["url"], decision="deny")
    assert back["url"].startswith("http://testserver/ar/connect/failure/?")

    answer = client.get(back["url"].replace("http://testserver", ""))

    assert answer.status_code == 200
    assert "You cancelled the connection at QuickBooks" in answer.content.decode()
    assert Company.objects.count() == 0
    # The state was spent by the failure: it cannot be turned into a success afterwards.
    success = client.get("/ar/connect/success/", {"id": "sbx_x", "state": back["state"]})
    assert success.status_code == 400


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        ("access_denied", "You cancelled the connection"),
        ("token expired", "took too long and expired"),
        ("missing scope accounting_invoice_read", "did not grant the permissions"),
        ("something odd", "could not be connected"),
    ],
)
def test_failure_messages(client, dora, error, shown):
    client.force_login(dora)
    answer = client.get("/ar/connect/failure/", {"error": error})
    assert shown in answer.content.decode()


def test_an_existing_company_is_untouched_by_a_refused_callback(client, dora, unified):
    existing = CompanyFactory(name="Existing", unified_connection_id="sbx_taken")
    client.force_login(dora)
    auth = start(client)
    client.get("/ar/connect/success/", {"id": "sbx_taken", "state": auth["state"]})
    existing.refresh_from_db()
    assert existing.name == "Existing"
    assert not existing.memberships.exists()
