"""The Unified.to client against the sandbox over loopback HTTP: paging, cursor, retries, errors.

Paging ends on an empty page only: every listing below costs one request more than its records
need (the empty page), and a short page mid-list is passed over.

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

from connectors.unified import client as client_module
from connectors.unified.client import (
    REGIONS,
    UnifiedClient,
    UnifiedError,
    UnifiedHTTPError,
    UnifiedTransportError,
    connection_auth_url,
)
from connectors.unified.sandbox import (
    Faults,
    PagingEdit,
    SandboxData,
    SandboxServer,
    iso_z,
)
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


def test_pages_with_int_params_until_an_empty_page(sandbox, sleeps):
    with _client(sandbox.base_url, sleeps) as client:
        records = list(client.list_invoices(CONN))
    assert _ids(records) == [f"inv-{n}" for n in range(1, 8)]
    # 7 records by 2: the short page at 6 holds inv-7, and the empty page at 7 ends the listing.
    assert _offsets(sandbox) == [0, 2, 4, 6, 7]
    _, path, query, _ = sandbox.request_log[0]
    assert path == INVOICE_PATH
    assert query == {"limit": "2", "offset": "0", "sort": "updated_at", "order": "asc"}
    assert client.stats == {"requests": 5, "retries": 0, "pages": 5, "records": 7}


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
    assert paths == [  # one record, then the empty page that ends each listing
        f"/accounting/{CONN}/contact",
        f"/accounting/{CONN}/contact",
        f"/accounting/{CONN}/creditmemo",
        f"/accounting/{CONN}/creditmemo",
        f"/payment/{CONN}/payment",
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
    # Requests 2, 4, 6 and 8 are limited: each of the five pages (the last empty) is fetched
    # once, after at most one wait.
    assert sleeps == [3.0, 3.0, 3.0, 3.0]
    assert client.stats["requests"] == 9
    assert client.stats["retries"] == 4
    assert _offsets(sandbox) == [0, 2, 4, 6, 7]
    assert "HTTP 429; retry 1/10 in 3.00s" in caplog.records[0].getMessage()


def test_retry_after_is_capped_and_429s_can_exhaust_their_retries(sandbox, sleeps):
    sandbox.faults.rate_limit_every = 1
    sandbox.faults.retry_after = 120
    with (
        _client(sandbox.base_url, sleeps, max_rate_limit_retries=2, backoff_max=10) as client,
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


def test_a_short_page_mid_list_is_not_the_end(sleeps):
    pages = {
        0: [{"id": "a"}, {"id": "b"}],
        2: [{"id": "c"}],  # a proxy clamped it, or a record was filtered out upstream
        3: [{"id": "d"}, {"id": "e"}],
        5: [{"id": "e"}],  # one repeat alone (e.g. edited while we paged): passed over
    }
    asked: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(int(request.url.params["offset"]))
        return httpx.Response(200, json=pages.get(asked[-1], []))

    with _client("https://x.test", sleeps, transport=httpx.MockTransport(answer)) as client:
        assert _ids(client.list_invoices(CONN)) == ["a", "b", "c", "d", "e"]
    assert asked == [0, 2, 3, 5, 6]  # each offset moved by what came; the empty page ends it


def _bulk_invoices(count: int) -> list[dict]:
    """`count` invoices updated one second apart, inv-00001 the oldest."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        {"id": f"inv-{n:05d}", "type": "INVOICE", "updated_at": iso_z(start + timedelta(seconds=n))}
        for n in range(1, count + 1)
    ]


@pytest.fixture
def big_sandbox():
    with SandboxServer(
        SandboxData(invoices=_bulk_invoices(1500)), api_key=KEY, connection_ids={CONN}
    ) as server:
        yield server


def test_a_server_clamping_pages_below_the_limit_loses_nothing(big_sandbox, sleeps):
    big_sandbox.faults.page_cap = 33  # a third of the 100 asked
    with _client(big_sandbox.base_url, sleeps, page_size=100) as client:
        ids = _ids(client.list_invoices(CONN))
    assert ids == [f"inv-{n:05d}" for n in range(1, 1501)]  # all 1,500, not the first 33
    # 1,500 = 45 pages of 33 (offsets 0 … 1,452) + 15 at 1,485; the empty page at 1,500.
    assert _offsets(big_sandbox) == [*range(0, 1486, 33), 1500]
    assert {query["limit"] for _, _, query, _ in big_sandbox.request_log} == {"100"}


def test_a_page_short_of_a_record_filtered_upstream_still_reaches_later_pages(big_sandbox, sleeps):
    big_sandbox.faults.short_page_at = {500}
    with _client(big_sandbox.base_url, sleeps, page_size=100) as client:
        ids = _ids(client.list_invoices(CONN))
    # The page at 500 is rows 500-599 less its last, inv-00600, filtered out upstream (and so
    # on every page): 99 records. Every record after it still comes.
    assert ids == [f"inv-{n:05d}" for n in range(1, 1501) if n != 600]
    # 500 + 99 = 599, whose window holds the filtered row again: 99 more, to 698; then 100 a
    # page (the first a repeat) to 1,498; 2 records to 1,500, the empty page.
    assert _offsets(big_sandbox) == [*range(0, 501, 100), 599, *range(698, 1499, 100), 1500]


def _edited_while_paging_sandbox() -> SandboxServer:
    """inv-1 … inv-7 updated at 10:00 … 10:06; inv-3 is edited at 10:10 after the 2nd page."""
    start = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    invoices = [
        {"id": f"inv-{n}", "updated_at": iso_z(start + timedelta(minutes=n - 1))}
        for n in range(1, 8)
    ]
    edit = PagingEdit("invoice", "inv-3", after_offset=2, updated_at=start + timedelta(minutes=10))
    return SandboxServer(
        SandboxData(invoices=invoices),
        api_key=KEY,
        connection_ids={CONN},
        faults=Faults(edit_during_paging=edit),
    )


@pytest.mark.django_db
def test_a_record_an_edit_shifted_behind_the_offset_is_reread_next_time(sleeps, settings):
    from ar_dashboard.models import Company, SyncCursor
    from ar_dashboard.services.ledger_load import ExtractBatch
    from ar_dashboard.services.sync import cursors_advance, cursors_for

    settings.UNIFIED_CURSOR_OVERLAP_SECONDS = 300
    listed_since = datetime(2024, 3, 1, 10, 8, tzinfo=UTC)  # the listing started at 10:08
    with _edited_while_paging_sandbox() as server, _client(server.base_url, sleeps) as client:
        first = list(client.list_invoices(CONN))
        # Pages [1, 2], [3, 4]; then inv-3 moves to the end, inv-5 slips to offset 3, behind
        # us: [6, 7], [3] (its new version, passed on), [] — inv-5 is missed.
        assert _ids(first) == ["inv-1", "inv-2", "inv-3", "inv-4", "inv-6", "inv-7", "inv-3"]
        assert _offsets(server) == [0, 2, 4, 6, 7]
        company = Company.objects.create(name="Acme", unified_connection_id=CONN)
        previous = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
        SyncCursor.objects.create(company=company, object_type="invoices", updated_gte=previous)
        # inv-3 was edited at 10:10, during the listing: the watermark is held at 09:00, since
        # moving it to 10:10 would leave inv-5 (10:04) behind it for good.
        cursors_advance(company, ExtractBatch(invoices=first), listed_since)
        cursor = cursors_for(company, full=False)["invoices"]
        second = {record["id"]: record for record in client.list_invoices(CONN, updated_gte=cursor)}

    assert cursor == datetime(2024, 3, 1, 8, 55, tzinfo=UTC)  # 09:00 - 300 s
    assert "inv-5" in second
    assert second["inv-3"]["updated_at"] == "2024-03-01T10:10:00Z"
    # A quiet listing (nothing edited after it started) moves the watermark to its newest.
    cursors_advance(
        company, ExtractBatch(invoices=list(second.values())), listed_since + timedelta(hours=1)
    )
    assert SyncCursor.objects.get(company=company).updated_gte == datetime(
        2024, 3, 1, 10, 10, tzinfo=UTC
    )


@pytest.mark.django_db
def test_cursors_for_reads_the_overlap_setting_at_call_time(settings):
    from ar_dashboard.models import Company, SyncCursor
    from ar_dashboard.services.sync import cursors_for

    company = Company.objects.create(name="Acme", unified_connection_id=CONN)
    stored = datetime(2024, 3, 1, 10, 6, tzinfo=UTC)
    SyncCursor.objects.create(company=company, object_type="payments", updated_gte=stored)
    settings.UNIFIED_CURSOR_OVERLAP_SECONDS = 0
    assert cursors_for(company, full=False)["payments"] == stored
    settings.UNIFIED_CURSOR_OVERLAP_SECONDS = 90
    assert cursors_for(company, full=False) == {
        "contacts": None,  # never synced: everything
        "invoices": None,
        "creditmemos": None,
        "payments": datetime(2024, 3, 1, 10, 4, 30, tzinfo=UTC),  # 10:06:00 - 90 s
    }
    assert set(cursors_for(company, full=True).values()) == {None}


class _Ceiling(random.Random):
    """Jitter that always draws its ceiling, so backoff delays are exact."""

    def uniform(self, a: float, b: float) -> float:
        return b


def _scripted(*answers: httpx.Response) -> httpx.MockTransport:
    """Answers in order, then empty pages."""
    queue = list(answers)
    return httpx.MockTransport(
        lambda request: queue.pop(0) if queue else httpx.Response(200, json=[])
    )


def _limited(seconds: str | None = "2") -> httpx.Response:
    return httpx.Response(429, headers={"Retry-After": seconds} if seconds else {})


def test_429s_have_their_own_budget_and_wait_retry_after(sleeps):
    transport = _scripted(*[_limited("2")] * 7)
    with _client(
        "https://x.test", sleeps, transport=transport, max_retries=5, max_rate_limit_retries=10
    ) as client:
        assert list(client.list_invoices(CONN)) == []
    assert sleeps == [2.0] * 7  # 7 > max_retries, within max_rate_limit_retries
    assert client.stats["retries"] == 7


def test_without_its_own_sleep_a_client_waits_through_retry_sleep(monkeypatch):
    """The hook the pipeline tests replace, so a run through Dagster records its waits."""
    waited: list[float] = []
    monkeypatch.setattr(client_module, "retry_sleep", waited.append)
    transport = _scripted(_limited("3"), httpx.Response(503))
    with UnifiedClient(
        api_key=KEY, base_url="https://x.test", transport=transport, rng=_Ceiling()
    ) as client:
        assert list(client.list_invoices(CONN)) == []
    assert waited == [3.0, 0.5]


def test_giving_up_says_how_many_retries_were_made(sleeps):
    transport = _scripted(*[httpx.Response(502)] * 3)
    with (
        _client("https://x.test", sleeps, transport=transport, max_retries=2) as client,
        pytest.raises(UnifiedHTTPError) as caught,
    ):
        list(client.list_invoices(CONN))
    assert (caught.value.retries, caught.value.status_code) == (2, 502)


def test_429s_beyond_their_budget_fail(sleeps):
    transport = _scripted(*[_limited("2")] * 4)
    with (
        _client("https://x.test", sleeps, transport=transport, max_rate_limit_retries=3) as c,
        pytest.raises(UnifiedHTTPError, match="HTTP 429 after 3 retries"),
    ):
        list(c.list_invoices(CONN))
    assert sleeps == [2.0] * 3


def test_six_consecutive_500s_exhaust_a_budget_of_five(sleeps):
    transport = _scripted(*[httpx.Response(500)] * 6)
    with (
        _client(
            "https://x.test", sleeps, transport=transport, max_retries=5, max_rate_limit_retries=10
        ) as client,
        pytest.raises(UnifiedHTTPError, match="HTTP 500 after 5 retries"),
    ):
        list(client.list_invoices(CONN))
    assert len(sleeps) == 5


@pytest.mark.parametrize(("extra_500", "succeeds"), [(0, True), (1, False)])
def test_429s_and_5xx_are_counted_apart(sleeps, extra_500, succeeds):
    # Five of each, interleaved: ten retries in all, but neither budget of 5 is exceeded.
    answers = [httpx.Response(503), _limited(None)] * 5 + [httpx.Response(502)] * extra_500
    options = {"max_retries": 5, "max_rate_limit_retries": 5, "backoff_base": 0.5}
    with _client(
        "https://x.test", sleeps, transport=_scripted(*answers), rng=_Ceiling(), **options
    ) as client:
        if succeeds:
            assert list(client.list_invoices(CONN)) == []
        else:
            with pytest.raises(UnifiedHTTPError, match="HTTP 502 after 5 retries"):
                list(client.list_invoices(CONN))
    # Each kind backs off on its own count: 0.5·2^n for its n-th retry, capped at 30.
    own = [0.5, 1.0, 2.0, 4.0, 8.0]
    assert sleeps == [delay for pair in zip(own, own, strict=True) for delay in pair]


def test_unified_resource_passes_both_retry_budgets(settings):
    from etl.resources import UnifiedResource

    settings.UNIFIED_MAX_RETRIES = 4
    settings.UNIFIED_MAX_RATE_LIMIT_RETRIES = 12
    resource = UnifiedResource(api_key=KEY, base_url="https://x.test")
    with resource.get_client() as client:
        assert (client.max_retries, client.max_rate_limit_retries) == (4, 12)
    resource = UnifiedResource(api_key=KEY, base_url="https://x.test", max_rate_limit_retries=3)
    with resource.get_client() as client:
        assert client.max_rate_limit_retries == 3


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
    full_or_short = -(-data.count("contact") // 100)
    assert client.stats["pages"] == full_or_short + 1  # and the empty page


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


def test_webhook_signature_is_unified_tos_hmac_sha1_of_compact_data_plus_nonce():
    expected = hmac.new(
        SECRET.encode(),
        (
            '[{"id":"inv-1","name":"Société Générale","total_amount":12.5,"lines":[1,2]}]n-1'
        ).encode(),
        hashlib.sha1,
    ).hexdigest()
    assert sign_webhook_payload(DATA, "n-1", SECRET) == expected


def test_unified_to_does_not_sign_the_connection_id():
    """Why the receiver binds the connection through its URL instead (ar_dashboard.webhooks)."""
    other = {**_delivery()["webhook"], "connection_id": "conn_other"}
    assert verify_webhook_signature(_delivery(webhook=other), SECRET)


@pytest.mark.parametrize(
    "changes",
    [
        {"data": [{**DATA[0], "total_amount": 1250}]},
        {"nonce": "n-2"},
        {"sig": "0" * 40},
        {"sig": None},
        {"data": {"id": "inv-1"}},
        {"webhook": {"event": "updated"}},
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
