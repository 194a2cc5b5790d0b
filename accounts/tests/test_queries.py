"""List pages: their query count does not grow with the rows they list (no N+1)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEntry, Invitation
from accounts.services.connect import company_connect
from ar_dashboard.models import Membership, SyncLog
from ar_dashboard.tests.factories import UserFactory
from etl.sensors import queued_run_requests


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(company, n: int) -> None:
    for i in range(n):
        user = UserFactory(username=f"member{i}")
        Membership.objects.create(user=user, company=company, role="viewer")
        Invitation.objects.create(company=company, email=f"x{i}@example.com", role="viewer")
        AuditEntry.objects.create(company=company, actor="alice", action="settings.changed")


def test_members_page_queries_do_not_grow_with_members(client, alice, company_a):
    client.force_login(alice)
    url = f"/ar/members/?company={company_a.pk}"
    _grow(company_a, 1)
    client.get(url)  # the first visit creates the company's profile
    few = _queries(client, url)
    for i in range(5):
        Membership.objects.create(
            user=UserFactory(username=f"extra{i}"), company=company_a, role="collector"
        )
    assert _queries(client, url) == few


def test_settings_page_queries_do_not_grow_with_the_audit_log(client, alice, company_a):
    client.force_login(alice)
    url = f"/ar/settings/?company={company_a.pk}"
    _grow(company_a, 1)
    client.get(url)  # the first visit creates the company's profile
    few = _queries(client, url)
    for _ in range(20):
        AuditEntry.objects.create(company=company_a, actor="alice", action="settings.changed")
    assert _queries(client, url) == few


def test_progress_json_is_a_fixed_number_of_queries(api, company_a, django_assert_num_queries):
    log = SyncLog.objects.create(company=company_a, status=SyncLog.Status.RUNNING)
    # 1 the token/session user is already authenticated (force_authenticate): 0
    # 1 the sync log of one of the user's companies, with its company (one join)
    with django_assert_num_queries(1):
        assert api.get(f"/ar/api/syncs/{log.pk}/").status_code == 200


def test_the_first_sync_is_run_full_by_the_sensor_and_the_worker(db):
    """The queued log of a new connection carries full=True and trigger=manual to the run."""
    company, log = company_connect(user=UserFactory(username="dora"), connection_id="sbx_new")
    (request,) = queued_run_requests()
    config = request.run_config["ops"]["sync_plan"]["config"]
    assert config == {
        "connection_id": "sbx_new",
        "trigger": "manual",
        "full": True,
        "sync_log_id": log.pk,
    }
    assert request.tags == {"company_id": str(company.pk), "trigger": "manual"}


def test_a_full_request_upgrades_a_waiting_incremental_sync(company_a):
    from ar_dashboard.webhooks import sync_log_queue

    queued, created = sync_log_queue(company=company_a)
    assert created and not queued.full_sync
    again, created = sync_log_queue(company=company_a, trigger="manual", full=True)
    assert (again.pk, created, again.full_sync) == (queued.pk, False, True)
    queued.refresh_from_db()
    assert queued.full_sync is True
