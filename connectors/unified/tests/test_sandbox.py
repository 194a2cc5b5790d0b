"""The sandbox answers like Unified.to: paths, auth, paging, filters, errors and faults."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
import time_machine

from connectors.unified.sandbox import Faults, ListQuery, PagingEdit, SandboxData, SandboxServer
from connectors.unified.sandbox import store as sandbox_store
from connectors.unified.sandbox.cli import _parser

KEY = "test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


def _invoice(number: int, updated: str, **extra: object) -> dict:
    return {
        "id": f"inv-{number}",
        "type": "INVOICE",
        "contact_id": "c-1" if number % 2 else "c-2",
        "total_amount": 100.0 * number,
        "posted_at": "2024-01-05T00:00:00Z",
        "created_at": f"2024-01-{number:02d}T00:00:00Z",
        "updated_at": updated,
        **extra,
    }


INVOICES = [
    _invoice(3, "2024-03-01T00:00:00Z"),
    _invoice(1, "2024-03-01T00:00:00Z"),  # same updated_at as inv-3: id breaks the tie
    _invoice(2, "2024-02-01T00:00:00Z"),
    _invoice(4, "2024-04-01T00:00:00Z", type="CREDITMEMO"),
    _invoice(5, "2024-05-01T12:30:00Z"),
]
CONTACTS = [
    {"id": "c-1", "name": "beta Ltd", "is_customer": True, "updated_at": "2024-01-01T00:00:00Z"},
    {"id": "c-2", "name": "Alpha Inc", "is_customer": True, "updated_at": "2024-01-02T00:00:00Z"},
]
PAYMENTS = [
    {
        "id": "pay-1",
        "contact_id": "c-1",
        "total_amount": 50,
        "updated_at": "2024-03-02T00:00:00Z",
        "allocations": [{"object_type": "INVOICE", "object_id": "inv-1", "amount": 50}],
    },
    {
        "id": "pay-2",
        "invoice_id": "inv-3",
        "total_amount": 10,
        "updated_at": "2024-03-03T00:00:00Z",
    },
]


@pytest.fixture
def server():
    data = SandboxData(contacts=CONTACTS, invoices=INVOICES, payments=PAYMENTS)
    with SandboxServer(data, api_key=KEY, connection_ids={"c1"}) as running:
        yield running


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.base_url, headers=AUTH, timeout=2) as client:
        yield client


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [record["id"] for record in response.json()]


def test_list_is_a_bare_json_array_sorted_stably(http):
    response = http.get("/accounting/c1/invoice", params={"sort": "updated_at", "order": "asc"})
    assert _ids(response) == ["inv-2", "inv-1", "inv-3", "inv-4", "inv-5"]
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-total-count"] == "5"


def test_descending_order_reverses_the_tie_break_too(http):
    response = http.get("/accounting/c1/invoice", params={"sort": "updated_at", "order": "desc"})
    assert _ids(response) == ["inv-5", "inv-4", "inv-3", "inv-1", "inv-2"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("name", ["c-2", "c-1"]), ("created_at", ["c-1", "c-2"])],
)
def test_sort_by_name_is_case_insensitive_and_by_created_at(http, sort, expected):
    assert _ids(http.get("/accounting/c1/contact", params={"sort": sort})) == expected


def test_paging_with_limit_and_offset_accepts_the_sdk_float_form(http):
    params = {"sort": "updated_at", "limit": "2.0", "offset": "2.0"}
    assert _ids(http.get("/accounting/c1/invoice", params=params)) == ["inv-3", "inv-4"]
    params["offset"] = "4"
    assert _ids(http.get("/accounting/c1/invoice", params=params)) == ["inv-5"]
    params["offset"] = "6"
    assert _ids(http.get("/accounting/c1/invoice", params=params)) == []


def test_limit_defaults_to_100_and_is_clamped_to_100():
    contacts = [{"id": f"c-{n:03d}", "updated_at": "2024-01-01T00:00:00Z"} for n in range(150)]
    with SandboxServer(SandboxData(contacts=contacts), api_key=KEY) as server:
        url = f"{server.base_url}/accounting/demo/contact"
        assert len(httpx.get(url, headers=AUTH).json()) == 100
        assert len(httpx.get(url, headers=AUTH, params={"limit": 500}).json()) == 100
        assert len(httpx.get(url, headers=AUTH, params={"offset": 100}).json()) == 50


def test_updated_gte_is_inclusive_and_accepts_offsets(http):
    params = {"sort": "updated_at", "updated_gte": "2024-04-01T00:00:00Z"}
    assert _ids(http.get("/accounting/c1/invoice", params=params)) == ["inv-4", "inv-5"]
    params["updated_gte"] = "2024-05-01T14:30:00+02:00"  # = 12:30Z, inv-5's exact time
    assert _ids(http.get("/accounting/c1/invoice", params=params)) == ["inv-5"]


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("/accounting/c1/invoice", {"contact_id": "c-2"}, ["inv-2", "inv-4"]),
        ("/accounting/c1/invoice", {"type": "CREDITMEMO"}, ["inv-4"]),
        ("/payment/c1/payment", {"invoice_id": "inv-1"}, ["pay-1"]),  # via allocations
        ("/payment/c1/payment", {"invoice_id": "inv-3"}, ["pay-2"]),  # via invoice_id
    ],
)
def test_filters(http, path, params, expected):
    assert _ids(http.get(path, params={"sort": "updated_at", **params})) == expected


def test_single_object_and_its_404(http):
    assert http.get("/accounting/c1/contact/c-2").json()["name"] == "Alpha Inc"
    missing = http.get("/accounting/c1/contact/nope")
    assert missing.status_code == 404
    assert missing.json() == {"error": "contact 'nope' not found", "status": 404}


@pytest.mark.parametrize(
    "authorization", [f"Bearer {KEY}", f"bearer {KEY}", KEY, f"BEARER   {KEY}"]
)
def test_token_accepted_with_or_without_bearer(server, authorization):
    response = httpx.get(
        f"{server.base_url}/accounting/c1/contact", headers={"Authorization": authorization}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": ""}])
def test_missing_or_wrong_token_is_401_json(server, headers):
    response = httpx.get(f"{server.base_url}/accounting/c1/contact", headers=headers)
    assert response.status_code == 401
    assert response.json()["status"] == 401
    assert "API token" in response.json()["error"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/accounting/other/invoice", "connection 'other' not found"),
        ("/accounting/c1/bill", "no route for GET /accounting/c1/bill"),
        ("/crm/c1/contact", "no route for GET /crm/c1/contact"),
        ("/accounting/c1/invoice/inv-1/extra", "no route"),
    ],
)
def test_unknown_connection_or_path_is_404(http, path, message):
    response = http.get(path)
    assert response.status_code == 404
    assert message in response.json()["error"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"limit": "abc"}, "limit='abc' is not a number"),
        ({"limit": "2.5"}, "limit='2.5' must be a whole number"),
        ({"limit": "0"}, "limit='0' must be a whole number >= 1"),
        ({"offset": "-1"}, "offset='-1'"),
        ({"updated_gte": "yesterday"}, "updated_gte='yesterday' is not ISO-8601"),
        ({"sort": "total_amount"}, "sort='total_amount'"),
        ({"order": "up"}, "order='up'"),
    ],
)
def test_invalid_params_are_400_naming_the_param(http, params, named):
    response = http.get("/accounting/c1/invoice", params=params)
    assert response.status_code == 400
    assert named in response.json()["error"]


def test_writes_are_405(http):
    assert http.post("/accounting/c1/invoice", json={"id": "x"}).status_code == 405


def test_update_bumps_updated_at_and_is_seen_incrementally(server, http):
    edited = server.data.update(
        "invoice", "inv-2", {"status": "PAID"}, updated_at=datetime(2024, 6, 1, tzinfo=UTC)
    )
    assert edited["updated_at"] == "2024-06-01T00:00:00Z"
    params = {"sort": "updated_at", "updated_gte": "2024-05-02T00:00:00Z"}
    records = http.get("/accounting/c1/invoice", params=params).json()
    assert [(r["id"], r["status"]) for r in records] == [("inv-2", "PAID")]


def test_deleted_records_disappear(server, http):
    server.data.delete("invoice", "inv-1")
    assert "inv-1" not in _ids(http.get("/accounting/c1/invoice"))
    with pytest.raises(KeyError):
        server.data.delete("invoice", "inv-1")


def test_data_rejects_naive_times_unknown_types_and_missing_ids():
    data = SandboxData(invoices=INVOICES)
    with pytest.raises(ValueError, match="timezone-aware"):
        data.update("invoice", "inv-1", {}, updated_at=datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="unknown object type 'bill'"):
        data.records("bill")
    with pytest.raises(ValueError, match="has no id"):
        data.add("invoice", {"total_amount": 1})


def test_rate_limit_every_nth_request_with_retry_after(server, http):
    server.faults.rate_limit_every = 2
    server.faults.retry_after = 2.5
    statuses = [http.get("/accounting/c1/contact").status_code for _ in range(4)]
    assert statuses == [200, 429, 200, 429]
    limited = http.get("/accounting/c1/contact/c-1")  # 5th: fine; 6th below: limited
    assert limited.status_code == 200
    limited = http.get("/accounting/c1/contact")
    assert limited.headers["retry-after"] == "2.5"
    assert limited.json() == {"error": "rate limit exceeded (injected)", "status": 429}


def test_server_errors_answer_the_next_n_requests(server, http):
    server.faults.server_errors = 2
    statuses = [http.get("/accounting/c1/contact").status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert [entry[3] for entry in server.request_log] == [500, 500, 200]


def test_a_rate_limit_storm_answers_the_next_n_requests_429(server, http):
    server.faults.rate_limit_storm, server.faults.retry_after = 3, 7
    answers = [http.get("/accounting/c1/contact") for _ in range(4)]
    assert [a.status_code for a in answers] == [429, 429, 429, 200]
    assert answers[0].headers["retry-after"] == "7"
    assert answers[0].json() == {"error": "rate limit exceeded (injected storm)", "status": 429}
    assert server.faults.rate_limit_storm == 0


@pytest.mark.parametrize(
    ("fault", "content_type", "body"),
    [
        (
            "not_json",
            "text/html",
            b"<html><body>502 Bad Gateway (served as 200 by a proxy)</body></html>",
        ),
        (
            "wrong_shape",
            "application/json",
            b'{"data": [{"id": "c-1", "name": "beta Ltd", "is_customer": true, '
            b'"updated_at": "2024-01-01T00:00:00Z"}], "count": 1}',
        ),
        (
            "cut_json",
            "application/json",
            b'[{"id": "c-1", "name": "beta Ltd", "is_customer',
        ),
    ],
)
def test_malformed_pages_after_the_good_ones(server, http, fault, content_type, body):
    server.faults.malformed_pages, server.faults.malformed_after = 1, 1
    server.faults.page_fault = fault
    first = http.get("/accounting/c1/contact", params={"limit": 1})
    broken = http.get("/accounting/c1/contact", params={"limit": 1})
    after = http.get("/accounting/c1/contact", params={"limit": 1})
    assert _ids(first) == ["c-1"] and _ids(after) == ["c-1"]
    assert broken.status_code == 200
    assert broken.headers["content-type"] == content_type
    assert broken.content == body


def test_a_truncated_page_closes_the_connection_part_way(server, http):
    server.faults.malformed_pages, server.faults.page_fault = 1, "truncated"
    with pytest.raises(httpx.RemoteProtocolError):
        http.get("/accounting/c1/contact")
    assert _ids(http.get("/accounting/c1/contact")) == ["c-1", "c-2"]


def test_an_unknown_page_fault_is_refused():
    with pytest.raises(ValueError, match="page_fault='html' is not one of"):
        Faults(page_fault="html")


def test_malformed_ids_are_corrupted_on_the_wire_only(server, http):
    server.faults.malformed_ids = {"inv-3", "pay-1"}
    served = {r["id"]: r for r in http.get("/accounting/c1/invoice").json()}
    assert served["inv-3"]["total_amount"] == "not-a-number"
    assert served["inv-3"]["posted_at"] == "31/02/2024"
    assert served["inv-1"]["total_amount"] == 100.0
    assert http.get("/payment/c1/payment/pay-1").json()["paid_at"] == "31/02/2024"
    assert server.data.get("invoice", "inv-3")["total_amount"] == 300.0


def test_poison_serves_field_overrides_on_the_wire_only(server, http):
    long_id = "x" * 150
    server.faults.poison = {
        "inv-3": {"total_amount": 1e30, "posted_at": "0001-01-01T00:00:00Z"},
        "inv-5": {"id": long_id, "due_at": "9999-12-31T00:00:00Z"},
        "pay-2": {"total_amount": 1e16},
    }
    server.faults.malformed_ids = {"inv-3"}  # poison applies over the corruption
    served = {r["id"]: r for r in http.get("/accounting/c1/invoice").json()}
    assert served["inv-3"]["total_amount"] == 1e30
    assert served["inv-3"]["posted_at"] == "0001-01-01T00:00:00Z"
    assert served[long_id]["due_at"] == "9999-12-31T00:00:00Z"
    assert served[long_id]["total_amount"] == 500.0  # the rest of inv-5 as stored
    assert "inv-5" not in served
    assert http.get("/payment/c1/payment/pay-2").json()["total_amount"] == 1e16
    assert server.data.get("invoice", "inv-3")["total_amount"] == 300.0


def _page(http, offset: int, limit: int = 2, **params) -> list[str]:
    query = {"sort": "updated_at", "limit": limit, "offset": offset, **params}
    return _ids(http.get("/accounting/c1/invoice", params=query))


def test_page_cap_clamps_every_page_below_the_limit(server, http):
    server.faults.page_cap = 2
    # Sorted: inv-2, inv-1, inv-3, inv-4, inv-5.
    assert _page(http, 0, limit=100) == ["inv-2", "inv-1"]
    assert _page(http, 2, limit=100) == ["inv-3", "inv-4"]
    assert _page(http, 1, limit=1) == ["inv-1"]  # a smaller limit still wins
    response = http.get("/accounting/c1/invoice", params={"limit": 100})
    assert response.headers["x-total-count"] == "5"


def test_a_short_page_loses_a_record_for_the_whole_listing(server, http):
    server.faults.short_page_at = {0}
    # Sorted: inv-2, inv-1, inv-3, inv-4, inv-5; the page at 0 loses its last record, inv-3.
    assert _page(http, 0, limit=3) == ["inv-2", "inv-1"]
    # Offsets count the upstream's rows: inv-3 is in this window too, and stays filtered.
    assert _page(http, 2, limit=3) == ["inv-4", "inv-5"]
    assert _page(http, 4, limit=3) == ["inv-5"]
    # Another listing (other parameters) is not affected.
    assert _page(http, 2, limit=3, order="desc") == ["inv-3", "inv-1", "inv-2"]
    server.faults.short_page_at = set()
    assert _page(http, 2, limit=3) == ["inv-4", "inv-5"]  # same listing, still filtered
    assert _page(http, 0, limit=3) == ["inv-2", "inv-1", "inv-3"]  # listed afresh: back
    assert _page(http, 2, limit=3) == ["inv-3", "inv-4", "inv-5"]


@time_machine.travel(datetime(2024, 7, 1, 9, 30, tzinfo=UTC), tick=False)
def test_an_edit_during_paging_moves_the_record_to_the_end_once(server, http):
    edit = PagingEdit("invoice", "inv-1", after_offset=2, changes={"status": "PAID"})
    server.faults.edit_during_paging = edit
    assert _page(http, 0) == ["inv-2", "inv-1"]
    assert server.data.get("invoice", "inv-1")["updated_at"] == "2024-03-01T00:00:00Z"
    assert _page(http, 2) == ["inv-3", "inv-4"]  # served, then inv-1 is edited "now"
    assert edit.fired
    edited = server.data.get("invoice", "inv-1")
    assert (edited["status"], edited["updated_at"]) == ("PAID", "2024-07-01T09:30:00Z")
    # inv-1 left place 1: inv-5 slipped back to offset 3, and inv-1 comes last.
    assert _page(http, 4) == ["inv-1"]
    assert _page(http, 2) == ["inv-4", "inv-5"]  # fired once only
    assert server.data.get("invoice", "inv-1")["updated_at"] == "2024-07-01T09:30:00Z"


def test_a_listing_is_sorted_once_until_the_type_is_edited(server, http, monkeypatch):
    calls: list[ListQuery] = []

    def counting(records: list[dict], query: ListQuery) -> list[dict]:
        calls.append(query)
        return real(records, query)

    real = sandbox_store.matching_records
    monkeypatch.setattr(sandbox_store, "matching_records", counting)
    pages = [_page(http, offset, limit=1) for offset in range(5)]
    assert pages == [["inv-2"], ["inv-1"], ["inv-3"], ["inv-4"], ["inv-5"]]
    assert len(calls) == 1  # five pages, one sort
    http.get("/accounting/c1/contact")  # another type: its own listing
    server.data.update("invoice", "inv-2", {}, updated_at=datetime(2024, 6, 1, tzinfo=UTC))
    assert _page(http, 4, limit=1) == ["inv-2"]  # the edit is seen: the order was rebuilt
    server.data.delete("invoice", "inv-5")
    assert _page(http, 3, limit=1) == ["inv-2"]
    server.data.add("invoice", {"id": "inv-9", "updated_at": "2024-01-01T00:00:00Z"})
    assert _page(http, 0, limit=1) == ["inv-9"]
    assert len(calls) == 5  # 1 + contacts + after update + after delete + after add


def test_cli_parses_the_paging_and_poison_faults():
    args = _parser().parse_args(
        ["--page-cap", "33", "--short-page-at", "500", "900", "--poison", 'inv_1={"id": 1e30}']
    )
    assert (args.page_cap, args.short_page_at) == (33, [500, 900])
    assert dict(args.poison) == {"inv_1": {"id": 1e30}}
    with pytest.raises(SystemExit):
        _parser().parse_args(["--poison", "inv_1=[1]"])


def test_cli_parses_the_storm_and_page_faults():
    args = _parser().parse_args(
        ["--rate-limit-storm", "20", "--malformed-pages", "2", "--page-fault", "truncated"]
    )
    assert (args.rate_limit_storm, args.malformed_pages, args.page_fault) == (20, 2, "truncated")


def test_delay_is_applied_before_answering():
    faults = Faults(delay=0.2)
    with (
        SandboxServer(SandboxData(), api_key=KEY, faults=faults) as server,
        pytest.raises(httpx.ReadTimeout),
    ):
        httpx.get(f"{server.base_url}/accounting/demo/contact", headers=AUTH, timeout=0.05)


def test_request_log_records_method_path_query_and_status(server, http):
    http.get("/accounting/c1/invoice", params={"limit": 2, "offset": 0})
    http.get("/accounting/nope/invoice")
    assert server.request_log == [
        ("GET", "/accounting/c1/invoice", {"limit": "2", "offset": "0"}, 200),
        ("GET", "/accounting/nope/invoice", {}, 404),
    ]


def test_base_url_needs_a_started_server():
    server = SandboxServer(SandboxData())
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.base_url
    server.stop()  # stopping a server never started is harmless


def test_demo_ledger_is_served():
    pytest.importorskip("connectors.unified.demo_ledger")
    data = SandboxData.from_demo(today=date(2025, 6, 30), seed=7)
    assert data.count("invoice") > 100, "the demo ledger has several pages of invoices"
    with SandboxServer(data) as server:
        first = httpx.get(
            f"{server.base_url}/accounting/demo/invoice",
            headers={"Authorization": "Bearer sandbox-key"},
            params={"limit": 100, "sort": "updated_at"},
        )
    assert first.status_code == 200
    assert first.headers["x-total-count"] == str(data.count("invoice"))
    assert len(first.json()) == 100
