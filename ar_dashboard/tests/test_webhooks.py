"""POST /ar/webhooks/unified/: signed deliveries queue one sync; anything else is refused.

202 queued (or merged into the sync already queued) · 400 not a delivery · 403 bad signature,
stale timestamp or no secret configured · 404 unknown connection · 409 a replayed delivery.
Never a 500: the endpoint is unauthenticated.
"""

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from ar_dashboard.models import SyncLog, WebhookDelivery
from ar_dashboard.tests.factories import CompanyFactory
from connectors.unified.webhooks import webhook_delivery

URL = "/ar/webhooks/unified/"
SECRET = "whsec-test"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.UNIFIED_WEBHOOK_SECRET = SECRET


def post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def delivery(connection_id, secret=SECRET, **kwargs):
    records = [{"id": "inv_1", "total_amount": 10}]
    return webhook_delivery(
        records, connection_id=connection_id, object_type="invoice", secret=secret, **kwargs
    )


def test_signed_delivery_queues_an_incremental_sync(client, company_a):
    response = post(client, delivery(company_a.unified_connection_id))
    assert response.status_code == 202
    log = SyncLog.objects.get(company=company_a)
    assert response.json() == {"status": "queued", "sync_log": log.pk}
    assert (log.status, log.trigger, log.full_sync) == ("queued", "webhook", False)


def test_a_burst_of_deliveries_queues_one_sync(client, company_a):
    for _ in range(3):
        assert post(client, delivery(company_a.unified_connection_id)).status_code == 202
    assert SyncLog.objects.filter(company=company_a).count() == 1


def test_wrong_signature_is_refused(client, company_a):
    response = post(client, delivery(company_a.unified_connection_id, secret="not-the-secret"))
    assert response.status_code == 403
    assert not SyncLog.objects.exists()


def test_tampered_data_is_refused(client, company_a):
    body = delivery(company_a.unified_connection_id)
    body["data"][0]["total_amount"] = 1_000_000
    assert post(client, body).status_code == 403


def _without(key):
    def change(body):
        del body[key]

    return change


def _set(key, value):
    def change(body):
        body[key] = value

    return change


@pytest.mark.parametrize(
    "change",
    [
        _without("sig"),
        _without("nonce"),
        _without("data"),
        _set("data", {"id": "inv_1"}),
        _set("nonce", 7),
        _set("sig", None),
        _without("webhook"),
        _set("webhook", {"event": "updated"}),
        _set("webhook", {"connection_id": ["conn_0"]}),
        _set("webhook", "conn_0"),
        _without("timestamp"),
        _set("timestamp", "1764492000"),
        _set("timestamp", True),
        _set("timestamp", 1764492000.5),
    ],
    ids=[
        "no-sig",
        "no-nonce",
        "no-data",
        "data-not-a-list",
        "nonce-not-a-string",
        "sig-null",
        "no-webhook",
        "no-connection-id",
        "connection-id-not-a-string",
        "webhook-not-an-object",
        "no-timestamp",
        "timestamp-a-string",
        "timestamp-a-boolean",
        "timestamp-a-float",
    ],
)
def test_an_incomplete_delivery_is_a_400(client, company_a, change):
    body = delivery(company_a.unified_connection_id)
    change(body)
    response = post(client, body)
    assert response.status_code == 400
    assert response.json()["error"].startswith("Not a Unified.to webhook delivery")
    assert not SyncLog.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        b"hello",
        b"",
        b"[1, 2]",
        b'"a string"',
        b"null",
        b"\xff\xfe not utf-8",
        b'{"data": [], "nonce": "n", "sig": "s"',  # cut short
        b"[" * 100_000 + b"]" * 100_000,  # RecursionError in the JSON parser
        b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b', "nonce": "n", "sig": "s"}',
    ],
    ids=["text", "empty", "array", "string", "null", "not-utf8", "truncated", "deep", "deep-data"],
)
def test_a_body_that_is_not_a_json_object_is_a_400(client, company_a, raw):
    response = client.post(URL, data=raw, content_type="application/json")
    assert response.status_code == 400
    assert not SyncLog.objects.exists()


def test_nesting_around_the_recursion_limit_is_a_400_or_a_403_never_a_500(client, company_a):
    """Near the limit `data` may parse yet fail to serialise again for the HMAC (or not)."""
    body = delivery(company_a.unified_connection_id)
    answers = set()
    for depth in range(850, 1010, 10):
        raw = json.dumps({**body, "data": "@"}).replace('"@"', "[" * depth + "]" * depth)
        answers.add(client.post(URL, data=raw, content_type="application/json").status_code)
    assert answers == {400, 403}  # deep enough is refused unparsed; the rest, unsigned


def test_a_lone_surrogate_is_a_400(client, company_a):
    body = delivery(company_a.unified_connection_id)
    raw = json.dumps({**body, "nonce": "@"}).replace('"@"', '"\\ud800"')
    response = client.post(URL, data=raw, content_type="application/json")
    assert response.status_code == 400


def test_a_connection_id_longer_than_any_stored_is_a_404(client, company_a):
    assert post(client, delivery("x" * 5000)).status_code == 404


def test_a_replayed_delivery_is_refused_and_queues_nothing(client, company_a):
    body = delivery(company_a.unified_connection_id)
    first = post(client, body)
    assert first.status_code == 202
    SyncLog.objects.all().delete()  # the first sync ran; a replay must not queue another
    replay = post(client, body)
    assert replay.status_code == 409
    assert replay.json() == {"error": "Delivery already received"}
    assert not SyncLog.objects.exists()
    assert WebhookDelivery.objects.count() == 1


def test_a_replay_spelling_the_signature_differently_is_still_a_replay(client, company_a):
    body = delivery(company_a.unified_connection_id)
    assert post(client, body).status_code == 202
    SyncLog.objects.all().delete()
    assert post(client, {**body, "sig": body["sig"].upper()}).status_code == 409
    assert not SyncLog.objects.exists()


def test_a_delivery_re_aimed_at_another_connection_is_refused(client, company_a):
    """The connection id is signed: a captured delivery cannot be pointed at company B."""
    other = CompanyFactory(unified_connection_id="conn_victim")
    body = delivery(company_a.unified_connection_id)
    body["webhook"]["connection_id"] = other.unified_connection_id
    response = post(client, body)
    assert response.status_code == 403
    assert response.json() == {"error": "Invalid signature"}
    assert not SyncLog.objects.exists()


@pytest.mark.parametrize("age", [301, -301, 86_400])
def test_a_stale_or_future_delivery_is_refused(client, company_a, age):
    body = delivery(company_a.unified_connection_id, timestamp=int(time.time()) - age)
    response = post(client, body)
    assert response.status_code == 403
    assert response.json() == {"error": "Delivery timestamp is more than 300 s from now"}
    assert not SyncLog.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_a_delivery_within_the_window_is_accepted(client, company_a):
    body = delivery(company_a.unified_connection_id, timestamp=int(time.time()) - 290)
    assert post(client, body).status_code == 202


def test_a_retimed_delivery_is_refused(client, company_a):
    """Refreshing a captured delivery's timestamp breaks its signature."""
    body = delivery(company_a.unified_connection_id, timestamp=int(time.time()) - 3600)
    body["timestamp"] = int(time.time())
    assert post(client, body).status_code == 403


def test_remembered_deliveries_past_twice_the_window_are_forgotten(client, company_a):
    from datetime import timedelta

    from django.utils import timezone

    old = WebhookDelivery.objects.create(
        digest="0" * 64, connection_id="c", received_at=timezone.now() - timedelta(seconds=601)
    )
    recent = WebhookDelivery.objects.create(
        digest="1" * 64, connection_id="c", received_at=timezone.now() - timedelta(seconds=599)
    )
    assert post(client, delivery(company_a.unified_connection_id)).status_code == 202
    remaining = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert old.pk not in remaining and recent.pk in remaining and len(remaining) == 2


def test_unknown_connection_is_404(client, company_a):
    response = post(client, delivery("conn_nobody_knows"))
    assert response.status_code == 404
    assert response.json() == {"error": "Unknown connection"}


def test_without_a_configured_secret_everything_is_refused(client, company_a, settings):
    settings.UNIFIED_WEBHOOK_SECRET = ""
    assert post(client, delivery(company_a.unified_connection_id)).status_code == 403


def test_get_is_not_allowed(client):
    assert client.get(URL).status_code == 405


def test_a_delivery_while_a_sync_is_queued_is_merged_into_it(client, company_a):
    waiting = SyncLog.objects.create(company=company_a, status="queued", trigger="schedule")
    response = post(client, delivery(company_a.unified_connection_id))
    assert response.status_code == 202
    assert response.json() == {"status": "queued", "sync_log": waiting.pk}
    assert SyncLog.objects.filter(company=company_a).count() == 1


def test_a_delivery_while_a_sync_runs_queues_the_next_one(client, company_a):
    """The running sync may have read the source before this change: queue one after it."""
    running = SyncLog.objects.create(company=company_a, status="running", trigger="schedule")
    first = post(client, delivery(company_a.unified_connection_id))
    second = post(client, delivery(company_a.unified_connection_id))
    assert (first.status_code, second.status_code) == (202, 202)
    queued = SyncLog.objects.get(company=company_a, status="queued")
    assert first.json()["sync_log"] == second.json()["sync_log"] == queued.pk != running.pk
    assert SyncLog.objects.filter(company=company_a).count() == 2


def test_queues_are_per_company(client, company_a):
    other = CompanyFactory(unified_connection_id="conn_other")
    post(client, delivery(company_a.unified_connection_id))
    post(client, delivery(other.unified_connection_id))
    assert SyncLog.objects.filter(status="queued").count() == 2


BURST = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_deliveries_queue_exactly_one_sync():
    """Twenty deliveries at once, each on its own connection: the unique constraint arbitrates."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent inserts need PostgreSQL")
    company = CompanyFactory(unified_connection_id="conn_burst")
    bodies = [json.dumps(delivery(company.unified_connection_id)) for _ in range(BURST)]
    start = threading.Barrier(BURST, timeout=30)
    results = [None] * BURST

    def deliver(i: int) -> None:
        try:
            start.wait()
            response = Client().post(URL, data=bodies[i], content_type="application/json")
            results[i] = (response.status_code, response.json().get("sync_log"))
        except Exception as exc:  # reported by the assertion below
            results[i] = (repr(exc), None)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    log = SyncLog.objects.get(company=company)  # exactly one, or this raises
    assert (log.status, log.trigger) == ("queued", "webhook")
    assert results == [(202, log.pk)] * BURST


@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_twice_at_once_queues_once():
    """Two copies racing in: the unique digest lets exactly one through."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent inserts need PostgreSQL")
    company = CompanyFactory(unified_connection_id="conn_race")
    body = json.dumps(delivery(company.unified_connection_id))
    start = threading.Barrier(8, timeout=30)
    codes = []

    def deliver() -> None:
        try:
            start.wait()
            codes.append(Client().post(URL, data=body, content_type="application/json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [202] + [409] * 7
    assert SyncLog.objects.filter(company=company).count() == 1
