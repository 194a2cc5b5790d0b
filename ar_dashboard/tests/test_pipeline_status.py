"""GET /ar/api/dagster-status/ from Dagster's GraphQL API, or from the SyncLog without it."""

import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from ar_dashboard.models import SyncLog
from ar_dashboard.services.sync_failures import sync_failure_message
from connectors.unified.client import UnifiedHTTPError

URL = "/ar/api/dagster-status/"
HOUR = timedelta(hours=1)
pytestmark = pytest.mark.django_db


class FakeDagster:
    """A loopback server answering Dagster's `runsOrError` query with a captured shape."""

    def __init__(self, runs, payload=None):
        self.runs, self.queries = runs, []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.queries.append(body)
                answer = {"data": {"runsOrError": {"__typename": "Runs", "results": fake.runs}}}
                answer = answer if payload is None else payload
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def dagster(settings):
    fake = FakeDagster(
        [
            {
                "runId": "r2",
                "status": "FAILURE",
                "startTime": 1700000100.0,
                "endTime": 1700000160.5,
                "tags": [{"key": "company_id", "value": "1"}],
            },
            {
                "runId": "r1",
                "status": "SUCCESS",
                "startTime": 1700000000.0,
                "endTime": 1700000050.0,
                "tags": [],
            },
        ]
    )
    settings.DAGSTER_URL = fake.url
    yield fake
    fake.close()


@pytest.fixture
def no_dagster(settings):
    settings.DAGSTER_URL = "http://127.0.0.1:9"  # discard port: connection refused at once


def test_dagster_answers(api, company_a, dagster):
    body = api.get(URL).json()
    assert body == {
        "status": "failure",
        "message": "Last run: FAILURE",
        "jobName": "ar_data_pipeline",
        "source": "dagster",
        "runs": [
            {
                "runId": "r2",
                "status": "FAILURE",
                "startTime": 1700000100.0,
                "endTime": 1700000160.5,
                "company": company_a.pk,
            },
            {
                "runId": "r1",
                "status": "SUCCESS",
                "startTime": 1700000000.0,
                "endTime": 1700000050.0,
                "company": company_a.pk,
            },
        ],
        # From the SyncLog, whichever source lists the runs: company A has never synced.
        "lastSuccessAt": None,
        "warning": "Figures may be out of date: no sync has succeeded.",
    }
    # Only this company's runs are asked for.
    variables = dagster.queries[0]["variables"]
    assert variables["filter"] == {
        "pipelineName": "ar_data_pipeline",
        "tags": [{"key": "company_id", "value": str(company_a.pk)}],
    }


def test_without_dagster_the_sync_log_answers(api, company_a, company_b, no_dagster):
    start = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    SyncLog.objects.create(
        company=company_a,
        status="success",
        trigger="schedule",
        started_at=start,
        finished_at=start.replace(minute=2),
        counts={"documents": {"created": 3}},
    )
    SyncLog.objects.create(company=company_b, status="failed", error="secret other company")
    body = api.get(URL).json()
    assert body["source"] == "sync_log"
    assert (body["status"], body["message"], body["jobName"]) == (
        "success",
        "Last run: SUCCESS",
        "ar_data_pipeline",
    )
    [run] = body["runs"]
    assert run["status"] == "SUCCESS"
    assert run["startTime"] == start.timestamp()
    assert run["endTime"] == start.timestamp() + 120
    assert run["counts"] == {"documents": {"created": 3}}


def test_no_runs_at_all(api, company_a, no_dagster):
    body = api.get(URL).json()
    assert (body["status"], body["message"], body["runs"]) == ("unknown", "No runs yet", [])


def test_outsider_gets_404(api, company_b, no_dagster):
    assert api.get(URL, {"company": company_b.pk}).status_code == 404


def test_login_required(anon_api):
    assert anon_api.get(URL).status_code in (401, 403)


def test_bad_company_param_is_400(api, company_a):
    response = api.get(URL, {"company": "abc"})
    assert response.status_code == 400
    assert "company" in response.json()


@pytest.fixture
def hung_dagster(settings):
    """A port that accepts connections (the kernel's backlog does) and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    settings.DAGSTER_URL = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings.DAGSTER_STATUS_TIMEOUT_SECONDS = 0.5
    yield
    listener.close()


@pytest.fixture
def trickling_dagster(settings):
    """Answers headers, then one byte every 50 ms: no single read ever times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(5)

    def serve():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
            conn.sendall(b"Content-Length: 100000\r\n\r\n")
            for _ in range(200):  # at most 10 s, then give up on its own
                try:
                    conn.sendall(b" ")
                except OSError:
                    return  # the client hung up, as it should
                time.sleep(0.05)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    settings.DAGSTER_URL = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings.DAGSTER_STATUS_TIMEOUT_SECONDS = 0.5
    yield
    listener.close()
    thread.join(timeout=15)


def _timed_get(api, company):
    SyncLog.objects.create(company=company, status="success", trigger="schedule")
    started = time.monotonic()
    response = api.get(URL)
    return response, time.monotonic() - started


def test_a_hung_dagster_costs_one_short_timeout_then_the_sync_log_answers(
    api, company_a, hung_dagster
):
    response, elapsed = _timed_get(api, company_a)
    assert (response.status_code, response.json()["source"]) == (200, "sync_log")
    assert response.json()["status"] == "success"
    assert 0.4 <= elapsed < 1.5  # the 0.5 s timeout, not the 3 s it used to wait


def test_a_dagster_that_trickles_bytes_is_cut_off_too(api, company_a, trickling_dagster):
    response, elapsed = _timed_get(api, company_a)
    assert (response.status_code, response.json()["source"]) == (200, "sync_log")
    assert elapsed < 1.5  # 0.5 s overall, though each read got a byte within 50 ms


def test_the_default_timeout_is_one_second():
    from django.conf import settings

    assert settings.DAGSTER_STATUS_TIMEOUT_SECONDS == 1.0


@pytest.mark.parametrize(
    "payload",
    [
        {"data": {"runsOrError": "oops"}},
        {"data": []},
        {"data": {"runsOrError": {"__typename": "Runs", "results": [["not", "a", "run"]]}}},
        {"data": {"runsOrError": {"__typename": "Runs", "results": [{"status": "SUCCESS"}]}}},
        {"data": {"runsOrError": {"__typename": "PythonError", "message": "boom"}}},
        [1, 2, 3],
    ],
    ids=["not-an-object", "data-a-list", "run-a-list", "run-without-id", "python-error", "list"],
)
def test_an_odd_answer_from_dagster_falls_back_to_the_sync_log(api, company_a, settings, payload):
    fake = FakeDagster([], payload=payload)
    settings.DAGSTER_URL = fake.url
    try:
        response = api.get(URL)
    finally:
        fake.close()
    assert (response.status_code, response.json()["source"]) == (200, "sync_log")


def test_run_times_that_are_not_numbers_are_null(api, company_a, settings):
    runs = [
        {"runId": "r3", "status": "SUCCESS", "startTime": "yesterday", "endTime": 1e400},
        {"runId": "r2", "status": "SUCCESS", "startTime": True, "endTime": 10**400},
        {"runId": "r1", "status": "SUCCESS", "startTime": 1700000000, "endTime": None},
    ]
    fake = FakeDagster(runs)
    settings.DAGSTER_URL = fake.url
    try:
        body = api.get(URL).json()
    finally:
        fake.close()
    assert body["source"] == "dagster"
    assert [(r["startTime"], r["endTime"]) for r in body["runs"]] == [
        (None, None),
        (None, None),
        (1700000000.0, None),
    ]


def test_the_last_success_and_the_warning_come_from_the_sync_log(api, company_a, no_dagster):
    now = timezone.now()
    success_at = (now - timedelta(hours=3)).replace(microsecond=0)
    SyncLog.objects.create(
        company=company_a, status="success", started_at=success_at, finished_at=success_at
    )
    error = sync_failure_message(
        UnifiedHTTPError("GET x answered HTTP 500", status_code=500, url="x", retries=5),
        step="fetching contacts",
    )
    SyncLog.objects.create(company=company_a, status="failed", finished_at=now, error=error)

    body = api.get(URL).json()

    assert (body["status"], body["lastSuccessAt"]) == ("failure", success_at.timestamp())
    assert body["warning"] == (
        "The last sync failed: Unified.to kept failing on its side (HTTP 500, 6 attempts); the "
        "next sync should get through once it recovers. Nothing from this sync was saved: the "
        "figures are still those of the last good sync. (the figures are from the sync of "
        f"{success_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)."
    )


@pytest.mark.parametrize(("silent_for", "failed"), [(timedelta(seconds=30), False), (None, True)])
def test_a_running_sync_silent_beyond_its_lease_shows_as_failed_without_a_write(
    api, company_a, no_dagster, settings, silent_for, failed
):
    now = timezone.now()
    SyncLog.objects.create(company=company_a, status="success", finished_at=now - HOUR)
    lease = timedelta(seconds=settings.SYNC_LEASE_SECONDS)
    silent_for = silent_for or lease + timedelta(seconds=5)
    running = SyncLog.objects.create(
        company=company_a, status="running", started_at=now - HOUR, heartbeat_at=now - silent_for
    )

    warning = api.get(URL).json()["warning"]

    if failed:
        assert warning.startswith(
            "The last sync failed: The sync stopped without finishing: its process was stopped "
            "or crashed."
        )
    else:
        assert warning == ""
    running.refresh_from_db()
    assert (running.status, running.error) == ("running", "")
