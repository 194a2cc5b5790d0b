"""POST /ar/webhooks/unified/<token>/: Unified.to-signed deliveries queue one sync; anything
else is refused.

202 queued (or merged into the sync already queued) · 400 not a delivery · 403 bad signature,
another connection's delivery, stale or undated, or no secret configured · 404 unknown URL
token or connection · 409 a replayed delivery · 410 the retired shared URL. Never a 500: the
endpoint is unauthenticated.
"""

import base64
import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ar_dashboard.models import SyncLog, WebhookDelivery
from ar_dashboard.tests.factories import CompanyFactory
from ar_dashboard.webhooks import connection_from_token, webhook_path, webhook_token
from connectors.unified.webhooks import webhook_delivery

SECRET = "whsec-test"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.UNIFIED_WEBHOOK_SECRET = SECRET


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def post(client, body, connection_id=None):
    """POST to the URL of `connection_id` (by default the connection the body names)."""
    url = webhook_path(connection_id or body["webhook"]["connection_id"])
    return client.post(url, data=json.dumps(body), content_type="application/json")


def delivery(connection_id, secret=SECRET, updated_at=None, **kwargs):
    updated = _iso(updated_at or timezone.now())
    records = [{"id": "inv_1", "total_amount": 10, "updated_at": updated}]
    return webhook_delivery(
        records, connection_id=connection_id, object_type="invoice", secret=secret, **kwargs
    )


def test_a_genuine_unified_to_delivery_queues_an_incremental_sync(client, company_a):
    """Signed as Unified.to signs: HMAC-SHA1(secret, JSON.stringify(data) + nonce), hex, in the
    body; nothing signs the connection id or a time. Built here by hand, not by our helper."""
    updated = _iso(timezone.now() - timedelta(hours=1))
    raw_data = (
        f'[{{"id":"inv_1","name":"Société Générale","total_amount":12.5,"updated_at":"{updated}"}}]'
    )
    sig = hmac.new(SECRET.encode(), (raw_data + "n-42").encode(), hashlib.sha1).hexdigest()
    raw = (
        f'{{"data":{raw_data},"webhook":{{"id":"wh_1","connection_id":'
        f'"{company_a.unified_connection_id}","object_type":"accounting_invoice",'
        f'"event":"updated","webhook_type":"virtual"}},"nonce":"n-42","sig":"{sig}",'
        '"type":"VIRTUAL"}'
    )
    url = f"/ar/webhooks/unified/{webhook_token(company_a.unified_connection_id)}/"
    response = client.post(url, data=raw.encode(), content_type="application/json")
    assert response.status_code == 202
    log = SyncLog.objects.get(company=company_a)
    assert response.json() == {"status": "queued", "sync_log": log.pk}
    assert (log.status, log.trigger, log.full_sync) == ("queued", "webhook", False)
    [remembered] = WebhookDelivery.objects.all()
    assert remembered.connection_id == company_a.unified_connection_id
    expected_key = hmac.new(SECRET.encode(), (raw_data + "n-42").encode(), hashlib.sha256)
    assert remembered.digest == expected_key.hexdigest()


def test_a_base64_signature_is_accepted(client, company_a):
    body = delivery(company_a.unified_connection_id)
    body["sig"] = base64.b64encode(bytes.fromhex(body["sig"])).decode()
    assert post(client, body).status_code == 202


def test_a_burst_of_deliveries_queues_one_sync(client, company_a):
    for _ in range(3):
        assert post(client, delivery(company_a.unified_connection_id)).status_code == 202
    assert SyncLog.objects.filter(company=company_a).count() == 1


def test_wrong_signature_is_refused(client, company_a):
    response = post(client, delivery(company_a.unified_connection_id, secret="not-the-secret"))
    assert response.status_code == 403
    assert response.json() == {"error": "Invalid signature"}
    assert not SyncLog.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_tampered_data_is_refused(client, company_a):
    body = delivery(company_a.unified_connection_id)
    body["data"][0]["total_amount"] = 1_000_000
    assert post(client, body).status_code == 403


def test_the_url_token_names_its_connection_and_cannot_be_forged():
    token = webhook_token("conn_1")
    assert token == webhook_token("conn_1") != webhook_token("conn_2")
    assert connection_from_token(token) == "conn_1"
    assert "/" not in token and "?" not in token and "#" not in token
    assert webhook_path("conn_1") == f"/ar/webhooks/unified/{token}/"
    payload, signature = token.rsplit(":", 1)
    other_payload = webhook_token("conn_2").rsplit(":", 1)[0]
    assert connection_from_token(f"{other_payload}:{signature}") is None
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    assert connection_from_token(f"{payload}:{flipped}") is None
    for junk in ("", "x", ":", "conn_1", "a:b:c", "%%%:%%%"):
        assert connection_from_token(junk) is None


def test_a_delivery_re_aimed_at_another_connections_url_is_refused(client, company_a):
    """A captured delivery of A posted to B's URL: the body names A, the URL names B."""
    other = CompanyFactory(unified_connection_id="conn_victim")
    body = delivery(company_a.unified_connection_id)
    response = post(client, body, connection_id=other.unified_connection_id)
    assert response.status_code == 403
    assert response.json() == {"error": "Delivery is for another connection than this URL's"}
    assert not SyncLog.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_a_body_re_aimed_at_another_connection_is_refused(client, company_a):
    """The connection id is not signed by Unified.to: changing it in the body keeps the
    signature valid, so the URL's token is what refuses it."""
    other = CompanyFactory(unified_connection_id="conn_victim")
    body = delivery(company_a.unified_connection_id)
    body["webhook"]["connection_id"] = other.unified_connection_id
    response = post(client, body, connection_id=company_a.unified_connection_id)
    assert response.status_code == 403
    assert response.json() == {"error": "Delivery is for another connection than this URL's"}
    assert not SyncLog.objects.exists()


@pytest.mark.parametrize(
    "token",
    ["nonsense", "a:b", "ImNvbm5fMCI:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
    ids=["not-signed", "bad-parts", "forged-signature"],
)
def test_a_tampered_url_token_is_a_404(client, company_a, token):
    body = delivery(company_a.unified_connection_id)
    url = reverse("ar_dashboard:unified_webhook", kwargs={"connection_token": token})
    response = client.post(url, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 404
    assert response.json() == {"error": "Unknown webhook URL"}
    assert not SyncLog.objects.exists()


def test_the_retired_shared_url_refuses_with_the_way_forward(client, company_a):
    body = json.dumps(delivery(company_a.unified_connection_id))
    response = client.post("/ar/webhooks/unified/", data=body, content_type="application/json")
    assert response.status_code == 410
    assert "/ar/webhooks/unified/<token>/" in response.json()["error"]
    assert "manage.py webhook_url --connection ID" in response.json()["error"]
    assert reverse("ar_dashboard:unified_webhook_retired") == "/ar/webhooks/unified/"
    assert not SyncLog.objects.exists()


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
    ],
)
def test_an_incomplete_delivery_is_a_400(client, company_a, change):
    body = delivery(company_a.unified_connection_id)
    change(body)
    response = post(client, body, connection_id=company_a.unified_connection_id)
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
    url = webhook_path(company_a.unified_connection_id)
    response = client.post(url, data=raw, content_type="application/json")
    assert response.status_code == 400
    assert not SyncLog.objects.exists()


def test_nesting_around_the_recursion_limit_is_a_400_or_a_403_never_a_500(client, company_a):
    """Near the limit `data` may parse yet fail to serialise again for the HMAC (or not)."""
    body = delivery(company_a.unified_connection_id)
    url = webhook_path(company_a.unified_connection_id)
    answers = set()
    for depth in range(850, 1010, 10):
        raw = json.dumps({**body, "data": "@"}).replace('"@"', "[" * depth + "]" * depth)
        answers.add(client.post(url, data=raw, content_type="application/json").status_code)
    assert answers == {400, 403}  # deep enough is refused unparsed; the rest, unsigned


def test_a_lone_surrogate_is_a_400(client, company_a):
    body = delivery(company_a.unified_connection_id)
    raw = json.dumps({**body, "nonce": "@"}).replace('"@"', '"\\ud800"')
    url = webhook_path(company_a.unified_connection_id)
    response = client.post(url, data=raw, content_type="application/json")
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
    as_base64 = base64.b64encode(bytes.fromhex(body["sig"])).decode()
    assert post(client, {**body, "sig": as_base64}).status_code == 409
    assert not SyncLog.objects.exists()


@pytest.mark.parametrize("age", [timedelta(days=30, seconds=1), timedelta(days=400)])
def test_a_delivery_whose_newest_record_is_older_than_the_window_is_stale(client, company_a, age):
    body = delivery(company_a.unified_connection_id, updated_at=timezone.now() - age)
    response = post(client, body)
    assert response.status_code == 403
    assert response.json() == {
        "error": "Delivery is stale: its newest record is older than 30 days"
    }
    assert not SyncLog.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_the_newest_record_dates_the_delivery(client, company_a):
    now = timezone.now()
    records = [
        {"id": "inv_1", "updated_at": _iso(now - timedelta(days=90))},
        {"id": "inv_2", "updated_at": "not a date"},
        {"id": "inv_3", "updated_at": (now - timedelta(days=29)).strftime("%Y-%m-%dT%H:%M:%S")},
        {"id": "inv_4"},
    ]
    body = webhook_delivery(
        records,
        connection_id=company_a.unified_connection_id,
        object_type="invoice",
        secret=SECRET,
    )
    assert post(client, body).status_code == 202


def test_the_window_is_a_setting(client, company_a, settings):
    settings.WEBHOOK_REPLAY_DAYS = 7
    body = delivery(company_a.unified_connection_id, updated_at=timezone.now() - timedelta(days=8))
    response = post(client, body)
    assert response.status_code == 403
    assert response.json() == {"error": "Delivery is stale: its newest record is older than 7 days"}
    fresh = delivery(company_a.unified_connection_id, updated_at=timezone.now() - timedelta(days=6))
    assert post(client, fresh).status_code == 202


@pytest.mark.parametrize(
    "records",
    [[{"id": "inv_1"}], [{"id": "inv_1", "updated_at": "yesterday"}], ["inv_1"]],
    ids=["no-updated-at", "not-a-date", "not-an-object"],
)
def test_an_undated_delivery_is_refused(client, company_a, records):
    """With no date, a copy replayed after its row was pruned could not be told apart."""
    body = webhook_delivery(
        records,
        connection_id=company_a.unified_connection_id,
        object_type="invoice",
        secret=SECRET,
    )
    response = post(client, body)
    assert response.status_code == 403
    assert response.json() == {"error": "Delivery cannot be dated: no record carries updated_at"}
    assert not SyncLog.objects.exists()


def test_a_delivery_without_records_is_acknowledged_and_queues_nothing(client, company_a):
    """E.g. an initial delivery of a connection with nothing to send: nothing to sync."""
    body = webhook_delivery(
        [], connection_id=company_a.unified_connection_id, object_type="invoice", secret=SECRET
    )
    for _ in range(2):  # a replay changes nothing either
        response = post(client, body)
        assert response.status_code == 200
        assert response.json() == {"status": "ignored", "reason": "no records"}
    assert not SyncLog.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_a_replay_after_its_row_was_pruned_is_refused_as_stale(client, company_a):
    start = timezone.now()
    body = delivery(company_a.unified_connection_id, updated_at=start - timedelta(days=29))
    assert post(client, body).status_code == 202
    SyncLog.objects.all().delete()
    with time_machine.travel(start + timedelta(days=31, hours=1), tick=False):
        # Another delivery arrives and prunes the first's row (received 31 days + 1 h ago).
        assert post(client, delivery(company_a.unified_connection_id)).status_code == 202
        assert WebhookDelivery.objects.count() == 1
        SyncLog.objects.all().delete()
        replay = post(client, body)
    assert replay.status_code == 403
    assert replay.json()["error"].startswith("Delivery is stale")
    assert not SyncLog.objects.exists()


def test_remembered_deliveries_past_the_window_and_a_day_are_forgotten(client, company_a):
    now = timezone.now()
    old = WebhookDelivery.objects.create(
        digest="0" * 64, connection_id="c", received_at=now - timedelta(days=31, minutes=1)
    )
    recent = WebhookDelivery.objects.create(
        digest="1" * 64, connection_id="c", received_at=now - timedelta(days=30, hours=23)
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


def test_get_is_not_allowed(client, company_a):
    assert client.get(webhook_path(company_a.unified_connection_id)).status_code == 405


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


def test_webhook_url_command_prints_a_connections_url(capsys):
    call_command("webhook_url", "--connection", "conn_77", "--base-url", "https://ar.example.com/")
    url = capsys.readouterr().out.strip()
    assert url == "https://ar.example.com" + webhook_path("conn_77")
    assert url.startswith("https://ar.example.com/ar/webhooks/unified/")


def test_webhook_url_command_lists_every_connected_company(capsys):
    a = CompanyFactory(name="Acme", unified_connection_id="conn_a")
    CompanyFactory(name="Idle", unified_connection_id=None)
    b = CompanyFactory(name="Borealis", unified_connection_id="conn_b")
    call_command("webhook_url")
    assert capsys.readouterr().out.splitlines() == [
        f"{a.pk}\tAcme\tconn_a\t{webhook_path('conn_a')}",
        f"{b.pk}\tBorealis\tconn_b\t{webhook_path('conn_b')}",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--connection", " "], "must not be empty"),
        (["--connection", "c", "--base-url", "ar.example.com"], "must start with https://"),
        ([], "No company is connected"),
    ],
)
def test_webhook_url_command_says_what_is_wrong(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("webhook_url", *args)


BURST = 20
# company, prune, remember, queue (merged: insert refused, read the waiting log), savepoints
QUERIES_PER_DELIVERY = 12


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_deliveries_queue_exactly_one_sync():
    """Twenty deliveries at once, each on its own connection: the unique constraint arbitrates."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent inserts need PostgreSQL")
    company = CompanyFactory(unified_connection_id="conn_burst")
    bodies = [json.dumps(delivery(company.unified_connection_id)) for _ in range(BURST)]
    url = webhook_path(company.unified_connection_id)
    start = threading.Barrier(BURST, timeout=30)
    results = [None] * BURST

    def deliver(i: int) -> None:
        try:
            start.wait()
            response = Client().post(url, data=bodies[i], content_type="application/json")
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
    url = webhook_path(company.unified_connection_id)
    start = threading.Barrier(8, timeout=30)
    codes = []

    def deliver() -> None:
        try:
            start.wait()
            codes.append(Client().post(url, data=body, content_type="application/json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [202] + [409] * 7
    assert SyncLog.objects.filter(company=company).count() == 1


def test_an_accepted_delivery_costs_a_fixed_number_of_queries(client, company_a):
    """However many deliveries are remembered (the prune is one DELETE)."""
    post(client, delivery(company_a.unified_connection_id))  # warm: content types, sessions
    with CaptureQueriesContext(connection) as first:
        assert post(client, delivery(company_a.unified_connection_id)).status_code == 202
    for n in range(30):
        WebhookDelivery.objects.create(
            digest=f"{n:064x}", connection_id="c", received_at=timezone.now()
        )
    with CaptureQueriesContext(connection) as later:
        assert post(client, delivery(company_a.unified_connection_id)).status_code == 202
    assert len(first) == len(later) == QUERIES_PER_DELIVERY
