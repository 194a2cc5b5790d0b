"""Sync now, the worker that runs it outside the request, and the progress page and JSON."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils.html import escape

from accounts.selectors import sync_progress
from accounts.services.connect import company_connect
from accounts.services.sync_requests import sync_now_request
from ar_dashboard.models import Company, Invoice, SyncLog
from ar_dashboard.tests.factories import CompanyFactory, UserFactory

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def test_sync_now_by_a_viewer_is_forbidden(client, bob, company_a):
    client.force_login(bob)
    answer = client.post("/ar/syncs/new/", {"company": company_a.pk})
    assert answer.status_code == 403
    assert not SyncLog.objects.exists()


def test_sync_now_for_another_company_is_404(client, charlie, company_a):
    client.force_login(charlie)
    assert client.post("/ar/syncs/new/", {"company": company_a.pk}).status_code == 404


def test_sync_now_by_a_collector_queues_and_shows_progress(client, carol, company_a):
    client.force_login(carol)
    answer = client.post("/ar/syncs/new/", {"company": company_a.pk})
    log = SyncLog.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/ar/syncs/{log.pk}/"
    assert (log.status, log.trigger, log.full_sync) == ("queued", "manual", False)


def test_sync_now_needs_post(client, alice, company_a):
    client.force_login(alice)
    assert client.get("/ar/syncs/new/", {"company": company_a.pk}).status_code == 405


def test_sync_now_with_a_bad_company_param_is_400(client, alice):
    client.force_login(alice)
    answer = client.post("/ar/syncs/new/", {"company": "abc"})
    assert answer.status_code == 400
    assert b"company" in answer.content


def test_two_clicks_make_one_queued_sync(client, alice, company_a):
    client.force_login(alice)
    first = client.post("/ar/syncs/new/", {"company": company_a.pk})
    second = client.post("/ar/syncs/new/", {"company": company_a.pk})
    assert first["Location"] == second["Location"]
    assert SyncLog.objects.filter(company=company_a).count() == 1


def test_sync_now_while_one_runs_shows_the_running_one(client, alice, company_a):
    running = SyncLog.objects.create(company=company_a, status=SyncLog.Status.RUNNING)
    client.force_login(alice)
    answer = client.post("/ar/syncs/new/", {"company": company_a.pk})
    assert answer["Location"] == f"/ar/syncs/{running.pk}/"
    assert SyncLog.objects.count() == 1


def test_sync_now_of_a_disconnected_company_says_connect_first(client, alice, company_a):
    Company.objects.filter(pk=company_a.pk).update(unified_connection_id=None)
    client.force_login(alice)
    answer = client.post("/ar/syncs/new/", {"company": company_a.pk}, follow=True)
    assert "not connected to QuickBooks" in answer.content.decode()
    assert not SyncLog.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_sync_now_requests_queue_one_sync():
    """Eight simultaneous "Sync now" requests: one queued log, every request answered with it."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's shared test database locks tables: concurrency needs PostgreSQL")
    company = CompanyFactory(name="Busy")
    user = UserFactory(username="eve")
    ids, errors = [], []
    barrier = threading.Barrier(8)

    def click():
        try:
            barrier.wait()
            ids.append(sync_now_request(company=company, user=user).pk)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert SyncLog.objects.filter(company=company).count() == 1
    assert set(ids) == {SyncLog.objects.get(company=company).pk}


def test_progress_json_of_a_running_sync(api, company_a):
    """Started 12:00:00, polled 12:00:42 → 42 s; fetched and loaded summed per object."""
    log = SyncLog.objects.create(
        company=company_a,
        status=SyncLog.Status.RUNNING,
        started_at=NOW,
        progress="loading",
        counts={
            "contacts": {"fetched": 3, "created": 2, "updated": 1},
            "invoices": {"fetched": 9, "rejected": 1},
        },
        rejected=[{"object": "invoice", "id": "inv-9", "reason": "total_amount: not a number"}],
    )
    with time_machine.travel(NOW + timedelta(seconds=42), tick=False):
        answer = api.get(f"/ar/api/syncs/{log.pk}/")
    body = answer.json()
    assert answer.status_code == 200
    assert body["step"] == "loading" and body["status"] == "running"
    assert body["finished"] is False
    assert body["elapsed_seconds"] == 42
    assert body["fetched"] == {"contacts": 3, "invoices": 9}
    assert body["loaded"] == {"contacts": 3}  # 2 created + 1 updated
    assert body["rejected_count"] == 1
    assert body["rejected"][0]["reason"] == "total_amount: not a number"


def test_progress_of_another_company_is_404(client, charlie, company_a):
    log = SyncLog.objects.create(company=company_a, status=SyncLog.Status.QUEUED)
    client.force_login(charlie)
    assert client.get(f"/ar/api/syncs/{log.pk}/").status_code == 404
    assert client.get(f"/ar/syncs/{log.pk}/").status_code == 404


def test_progress_needs_login(client, company_a):
    log = SyncLog.objects.create(company=company_a, status=SyncLog.Status.QUEUED)
    assert client.get(f"/ar/api/syncs/{log.pk}/").status_code in (401, 403)
    assert client.get(f"/ar/syncs/{log.pk}/").status_code == 302


def test_a_viewer_may_watch_a_sync(client, bob, company_a):
    log = SyncLog.objects.create(company=company_a, status=SyncLog.Status.QUEUED)
    client.force_login(bob)
    assert client.get(f"/ar/syncs/{log.pk}/").status_code == 200


@pytest.fixture
def connected(unified, db):
    """A company connected through the service, its first full sync queued (as after connect)."""
    user = UserFactory(username="dora")
    unified.connection_ids.add("sbx_first")
    company, log = company_connect(user=user, connection_id="sbx_first")
    return company, log, user


def test_the_worker_runs_the_first_sync_to_the_end(connected):
    """The small ledger: 3 contacts, 9 invoices, 1 credit memo, 2 payments fetched."""
    company, log, _ = connected
    with time_machine.travel(NOW, tick=True):
        call_command("run_sync_worker", once=True, verbosity=0)

    log.refresh_from_db()
    progress = sync_progress(log=log, now=NOW)
    assert log.status in (SyncLog.Status.SUCCESS, SyncLog.Status.PARTIAL), log.error
    assert log.full_sync is True
    assert progress["finished"] is True and progress["step"] == "done"
    assert progress["fetched"] == {"contacts": 3, "invoices": 9, "creditmemos": 1, "payments": 2}
    assert Invoice.objects.filter(company=company).exists()


def test_a_failing_sync_shows_its_reason_on_the_progress_page(connected, client, unified):
    """Unified.to no longer knows the connection: the first listing answers 404, the sync fails."""
    company, log, user = connected
    unified.connection_ids.discard("sbx_first")
    with time_machine.travel(NOW, tick=True):
        call_command("run_sync_worker", once=True, verbosity=0)

    log.refresh_from_db()
    assert log.status == SyncLog.Status.FAILED
    assert "404" in log.error and "sbx_first" in log.error
    client.force_login(user)
    body = client.get(f"/ar/api/syncs/{log.pk}/").json()
    assert body["finished"] is True and body["status"] == "failed"
    assert body["error"] == log.error
    page = client.get(f"/ar/syncs/{log.pk}/")
    assert f"The sync failed: {escape(log.error)}" in page.content.decode()
