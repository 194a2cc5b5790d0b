"""GET /ar/api/dagster-status/ from Dagster's GraphQL API, or from the SyncLog without it."""

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ar_dashboard.models import SyncLog

URL = "/ar/api/dagster-status/"
pytestmark = pytest.mark.django_db


class FakeDagster:
    """A loopback server answering Dagster's `runsOrError` query with a captured shape."""

    def __init__(self, runs):
        self.runs, self.queries = runs, []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.queries.append(body)
                payload = {"data": {"runsOrError": {"__typename": "Runs", "results": fake.runs}}}
                data = json.dumps(payload).encode()
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
