"""The Unified.to client against the sandbox over loopback HTTP: paging, cursor, retries, errors.

Sleeping is injected (`sleep=sleeps.append`), so retry delays are asserted, never waited for.
Shapes the sandbox cannot produce (an HTML body, an ignored offset) use httpx.MockTransport.
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import json
import logging
import random
import socket
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.unified.client import (
    REGIONS,
    UnifiedClient,
    UnifiedError,
    UnifiedHTTPError,
    UnifiedTransportError,
    connection_auth_url,
)
from connectors.unified.sandbox import SandboxData, SandboxServer
from connectors.unified.webhooks import (
    sign_webhook_payload,
    verify_webhook_signature,
    webhook_delivery,
)

KEY = "client-test-key"
CONN = "conn-1"
INVOICE_PATH = f"/accounting/{CONN}/invoice"


def _invoice(n: int) -> dict:
    return {
        "id": f"inv-{n}",
        "type": "INVOICE",
        "total_amount": 10.5 * n,
        "posted_at": f"2024-01-0{n}T00:00:00Z",
        "updated_at": f"2024-01-0{n}T00:00:00Z",
    }


@pytest.fixture
def sandbox():
    data = SandboxData(
        invoices=[_invoice(n) for n in (7, 1, 2, 3, 4, 5, 6)],
        contacts=[{"id": "c-1", "name": "Acme", "updated_at": "2024-01-01T00:00:00Z"}],
        creditmemos=[{"id": "cm-1", "updated_at": "2024-01-01T00:00:00Z"}],
        payments=[{"id": "pay-1", "updated_at": "2024-01-01T00:00:00Z"}],
    )
    with SandboxServer(data, api_key=KEY, connection_ids={CONN}) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


def _client(base_url: str, sleeps: list[float], **options) -> UnifiedClient:
    options = {"api_key": KEY, "page_size": 2, "rng": random.Random(7), **options}
    return UnifiedClient(base_url=base_url, sleep=sleeps.append, **options)


def _offsets(server: SandboxServer) -> list[int]:
    return [int(query["offset"]) for _, _, query, status in server.request_log if status == 200]


def _ids(records) -> list[str]:
    return [record["id"] for record in records]


def test_pages_with_int_params_until_a_short_page(sandbox, sleeps):
    with _client(sandbox.base_url, sleeps) as client:
        records = list(client.list_invoices(CONN))
    assert _ids(records) == [f"inv-{n}" for n in range(1, 8)]
    assert _offsets(sandbox) == [0, 2, 4, 6]
    _, path, query, _ = sandbox.request_log[0]
    assert path == INVOICE_PATH
    assert query == {"limit": "2", "offset": "0", "sort": "updated_at", "order": "asc"}
    assert client.stats == {"requests": 4, "retries": 0, "pages": 4, "records": 7}


def test_an_exact_multiple_of_the_page_size_ends_on_an_empty_page(sandbox, sleeps):
    sandbox.data.delete("invoice", "inv-7")
    with _client(sandbox.base_url, sleeps) as client:
        assert len(list(client.list_invoices(CONN))) == 6
    assert _offsets(sandbox) == [0, 2, 4, 6]


def test_updated_gte_is_inclusive_and_sent_as_utc_with_z(sandbox, sleeps):
    cursor = datetime(2024, 1, 5, 2, 0, tzinfo=timezone(timedelta(hours=2)))  # = inv-5's time
    with _client(sandbox.base_url, sleeps) as client:
        records = list(client.list_invoices(CONN, updated_gte=cursor))
    assert _ids(records) == ["inv-5", "inv-6", "inv-7"]
    assert {q["updated_gte"] for _, _, q, _ in sandbox.request_log} == {"2024-01-05T00:00:00Z"}


def test_a_naive_cursor_is_refused_at_the_call(sandbox, sleeps):
    with _client(sandbox.base_url, sleeps) as client, pytest.raises(ValueError, match="naive"):
        client.list_invoices(CONN, updated_gte=datetime(2024, 1, 5))
    assert sandbox.request_log == []


def test_each_list_method_reads_its_documented_path(sandbox, sleeps):
    with _client(sandbox.base_url, sleeps) as client:
        assert _ids(client.list_contacts(CONN)) == ["c-1"]
        assert _ids(client.list_creditmemos(CONN)) == ["cm-1"]
        assert _ids(client.list_payments(CONN)) == ["pay-1"]
        filtered = client.list_objects(f"accounting/{CONN}/invoice", params={"type": "BILL"})
        assert list(filtered) == []
    paths = [path for _, path, _, _ in sandbox.request_log]
    assert paths == [
        f"/accounting/{CONN}/contact",
        f"/accounting/{CONN}/creditmemo",
        f"/payment/{CONN}/payment",
        INVOICE_PATH,
    ]
    assert sandbox.request_log[-1][2]["type"] == "BILL"


def test_429_waits_exactly_retry_after_and_logs_each_retry(sandbox, sleeps, caplog):
    sandbox.faults.rate_limit_every = 2
    sandbox.faults.retry_after = 3
    caplog.set_level(logging.WARNING, logger="connectors.unified.client")
    with _client(sandbox.base_url, sleeps) as client:
        assert len(list(client.list_invoices(CONN))) == 7
    assert sleeps == [3.0, 3.0, 3.0]
    assert client.stats["requests"] == 7
    assert client.stats["retries"] == 3
    assert _offsets(sandbox) == [0, 2, 4, 6]
    assert "HTTP 429; retry 1/5 in 3.00s" in caplog.records[0].getMessage()


def test_retry_after_is_capped_and_429s_can_exhaust_retries(sandbox, sleeps):
    sandbox.faults.rate_limit_every = 1
    sandbox.faults.retry_after = 120
    with (
        _client(sandbox.base_url, sleeps, max_retries=2, backoff_max=10) as client,
        pytest.raises(UnifiedHTTPError) as caught,
    ):
        list(client.list_invoices(CONN))
    assert sleeps == [10.0, 10.0]
    assert caught.value.status_code == 429
    assert "after 2 retries" in str(caught.value)


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        (email.utils.format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True), 30.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("0.25", 0.25),
    ],
)
def test_retry_after_as_http_date_or_fraction(sleeps, retry_after, expected):
    answers = iter(
        [httpx.Response(429, headers={"Retry-After": retry_after}), httpx.Response(200, json=[])]
    )
    transport = httpx.MockTransport(lambda request: next(answers))
    with _client("https://api.unified.to", sleeps, transport=transport) as client:
        assert list(client.list_invoices(CONN)) == []
    assert sleeps == [expected]


def test_500_is_retried_with_jittered_backoff_then_succeeds(sandbox, sleeps):
    sandbox.faults.server_errors = 2
    with _client(sandbox.base_url, sleeps, backoff_base=0.5) as client:
        assert len(list(client.list_invoices(CONN))) == 7
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.5
    assert 0 <= sleeps[1] <= 1.0
    assert [status for *_, status in sandbox.request_log][:3] == [500, 500, 200]


def test_500s_exhausting_retries_raise_with_the_status_and_reason(sandbox, sleeps):
    sandbox.faults.server_errors = 100
    with (
        _client(sandbox.base_url, sleeps, max_retries=3, backoff_max=1.5) as client,
        pytest.raises(UnifiedHTTPError) as caught,
    ):
        list(client.list_invoices(CONN))
    error = caught.value
    assert error.status_code == 500
    assert INVOICE_PATH in error.url
    assert "HTTP 500 after 3 retries" in str(error)
    assert "injected server error" in str(error)
    assert len(sandbox.request_log) == 4
    assert all(
        0 <= delay <= ceiling for delay, ceiling in zip(sleeps, [0.5, 1.0, 1.5], strict=True)
    )


def test_401_is_not_retried_and_blames_the_api_key(sandbox, sleeps):
    with (
        _client(sandbox.base_url, sleeps, api_key="wrong") as client,
        pytest.raises(UnifiedHTTPError) as caught,
    ):
        list(client.list_invoices(CONN))
    assert caught.value.status_code == 401
    assert "API key is wrong" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert sleeps == []
    assert len(sandbox.request_log) == 1


@pytest.mark.parametrize(
    ("connection", "params", "status", "reason"),
    [
        ("nope", None, 404, "connection 'nope' not found"),
        (CONN, {"sort": "amount"}, 400, "sort='amount'"),
    ],
)
def test_other_4xx_are_not_retried(sandbox, sleeps, connection, params, status, reason):
    with _client(sandbox.base_url, sleeps) as client, pytest.raises(UnifiedHTTPError) as caught:
        list(client.list_objects(f"accounting/{connection}/invoice", params=params))
    assert (caught.value.status_code, sleeps) == (status, [])
    assert reason in str(caught.value)


def test_connection_refused_is_retried_then_a_transport_error(sleeps):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with (
        _client(f"http://127.0.0.1:{closed_port}", sleeps, max_retries=2) as client,
        pytest.raises(UnifiedTransportError, match="ConnectError") as caught,
    ):
        list(client.list_invoices(CONN))
    assert "after 2 retries" in str(caught.value)
    assert len(sleeps) == 2
    assert client.stats == {"requests": 3, "retries": 2, "pages": 0, "records": 0}


def test_a_read_timeout_is_retried(sandbox, sleeps):
    sandbox.faults.delay = 0.3
    with (
        _client(sandbox.base_url, sleeps, max_retries=1, timeout=0.05) as client,
        pytest.raises(UnifiedTransportError, match="ReadTimeout"),
    ):
        list(client.list_invoices(CONN))
    assert len(sleeps) == 1


def test_a_body_that_is_not_an_array_is_rejected(sandbox, sleeps):
    # The single-object endpoint answers an object: exactly what a list must never be.
    with _client(sandbox.base_url, sleeps) as client, pytest.raises(UnifiedHTTPError) as caught:
        list(client.list_objects(f"accounting/{CONN}/invoice/inv-1"))
    assert caught.value.status_code == 200
    assert "with a JSON object, not an array of records" in str(caught.value)
    assert '"id": "inv-1"' in caught.value.body


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(200, text="<html>login</html>"), "a body that is not JSON"),
        (httpx.Response(200, json=[{"id": "a"}, "b"]), "item 1 is a JSON string"),
        (httpx.Response(200, content=b"null"), "a JSON null, not an array"),
    ],
)
def test_other_malformed_bodies_are_rejected(sleeps, response, message):
    transport = httpx.MockTransport(lambda request: response)
    with (
        _client("https://api.unified.to", sleeps, transport=transport) as client,
        pytest.raises(UnifiedHTTPError, match=message),
    ):
        list(client.list_invoices(CONN))


def test_a_malformed_record_is_yielded_as_served(sandbox, sleeps):
    sandbox.faults.malformed_ids = {"inv-3"}
    with _client(sandbox.base_url, sleeps) as client:
        records = {record["id"]: record for record in client.list_invoices(CONN)}
    assert records["inv-3"]["total_amount"] == "not-a-number"
    assert records["inv-3"]["posted_at"] == "31/02/2024"
    assert records["inv-4"]["total_amount"] == 42.0


def test_headers_and_query_on_the_wire(sleeps):
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    since = datetime(2024, 1, 1, 12, 30, 15, 999, tzinfo=UTC)
    base = REGIONS["eu"]
    with _client(base, sleeps, transport=httpx.MockTransport(answer)) as client:
        list(client.list_payments("conn/1", updated_gte=since))
    request = seen[0]
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.url.raw_path.startswith(b"/payment/conn%2F1/payment?")
    assert request.url.host == "api-eu.unified.to"
    assert parse_qs(request.url.query.decode()) == {
        "limit": ["2"],
        "offset": ["0"],
        "sort": ["updated_at"],
        "order": ["asc"],
        "updated_gte": ["2024-01-01T12:30:15Z"],
    }


def test_ids_repeated_across_pages_are_yielded_once_and_an_ignored_offset_stops(sleeps):
    pages = {0: [{"id": "a"}, {"id": "b"}], 2: [{"id": "b"}, {"id": "c"}]}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages.get(int(request.url.params["offset"]), []))

    with _client("https://x.test", sleeps, transport=httpx.MockTransport(answer)) as client:
        assert _ids(client.list_invoices(CONN)) == ["a", "b", "c"]

    same = httpx.MockTransport(lambda request: httpx.Response(200, json=[{"id": "a"}, {"id": "b"}]))
    with _client("https://x.test", sleeps, transport=same) as client:
        records = client.list_invoices(CONN)
        with pytest.raises(UnifiedError, match="appears to ignore offset"):
            list(records)


def test_bad_configuration_fails_at_construction():
    with pytest.raises(ValueError, match="api_key is empty"):
        UnifiedClient(api_key="")
    with pytest.raises(ValueError, match="page_size must be between 1 and 100"):
        UnifiedClient(api_key=KEY, page_size=500)


def test_connection_auth_url():
    url = connection_auth_url(
        workspace_id="ws 1",
        success_redirect="https://ar.example.com/connect/done?x=1",
        failure_redirect="https://ar.example.com/connect/failed",
        state="company-7",
        base_url=REGIONS["eu"],
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "api-eu.unified.to")
    assert parts.path == "/unified/integration/auth/ws%201/quickbooks"
    assert parse_qs(parts.query) == {
        "success_redirect": ["https://ar.example.com/connect/done?x=1"],
        "failure_redirect": ["https://ar.example.com/connect/failed"],
        "state": ["company-7"],
        "redirect": ["true"],
    }


def test_reads_the_whole_demo_ledger(sleeps):
    pytest.importorskip("connectors.unified.demo_ledger")
    data = SandboxData.from_demo(today=date(2025, 6, 30))
    with (
        SandboxServer(data) as server,
        _client(server.base_url, sleeps, api_key="sandbox-key", page_size=100) as client,
    ):
        contacts = list(client.list_contacts("demo"))
    assert sorted(_ids(contacts)) == sorted(_ids(data.records("contact")))
    assert client.stats["pages"] == data.count("contact") // 100 + 1


SECRET = "workspace-secret"
DATA = [{"id": "inv-1", "name": "Société Générale", "total_amount": 12.5, "lines": [1, 2]}]


def _delivery(**changes) -> dict:
    delivery = webhook_delivery(
        DATA, connection_id=CONN, object_type="invoice", secret=SECRET, nonce="n-1"
    )
    return {**delivery, **changes}


def test_webhook_signature_round_trip_from_raw_bytes_and_parsed_json():
    delivery = _delivery()
    assert delivery["sig"] == sign_webhook_payload(DATA, "n-1", SECRET)
    assert delivery["webhook"]["object_type"] == "accounting_invoice"
    raw = json.dumps(delivery, ensure_ascii=False).encode("utf-8")
    assert verify_webhook_signature(raw, SECRET)
    assert verify_webhook_signature(delivery, SECRET)


def test_webhook_signature_accepts_base64_and_uppercase_hex():
    base64_sig = sign_webhook_payload(DATA, "n-1", SECRET, encoding="base64")
    assert verify_webhook_signature(_delivery(sig=base64_sig), SECRET)
    assert verify_webhook_signature(_delivery(sig=_delivery()["sig"].upper()), SECRET)


def test_webhook_signature_is_hmac_sha1_of_compact_data_plus_nonce():
    expected = hmac.new(
        SECRET.encode(),
        (
            '[{"id":"inv-1","name":"Société Générale","total_amount":12.5,"lines":[1,2]}]n-1'
        ).encode(),
        hashlib.sha1,
    ).hexdigest()
    assert sign_webhook_payload(DATA, "n-1", SECRET) == expected


@pytest.mark.parametrize(
    "changes",
    [
        {"data": [{**DATA[0], "total_amount": 1250}]},
        {"nonce": "n-2"},
        {"sig": "0" * 40},
        {"sig": None},
        {"data": {"id": "inv-1"}},
    ],
)
def test_a_tampered_or_incomplete_webhook_is_refused(changes):
    assert not verify_webhook_signature(_delivery(**changes), SECRET)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b""])
def test_a_webhook_body_that_is_not_a_json_object_is_refused(body):
    assert not verify_webhook_signature(body, SECRET)


def test_webhook_with_the_wrong_secret_is_refused_and_an_empty_secret_is_an_error():
    assert not verify_webhook_signature(_delivery(), "another-secret")
    with pytest.raises(ValueError, match="secret is empty"):
        verify_webhook_signature(_delivery(), "")
