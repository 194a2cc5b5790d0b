"""What every fault test runs and checks (test_sync_faults.py, test_sync_faults_postgres.py).

`run` is the real job against the sandbox with the production backoff and small retry budgets;
`Dashboard` is what a member of the synced company reads (the JSON API, the home page and
`dagster-status`); `assert_failed_safely` and `assert_recovers` are the expectations common to
every fault: previous data intact, a plain-words SyncLog, a warning, then recovery.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.cache import cache
from django.test import Client
from django.utils.html import escape
from rest_framework.test import APIClient

from ar_dashboard.models import ARSummary, Company, Invoice, StagedRecord, SyncCursor, SyncLog
from ar_dashboard.services.sync_failures import DETAIL
from ar_dashboard.tests.factories import MembershipFactory, UserFactory
from etl.definitions import defs
from etl.resources import UnifiedResource
from etl.schedules import sync_run_config
from etl.tests.conftest import API_KEY, CONNECTION

CONTACTS_PATH = f"/accounting/{CONNECTION}/contact"
SAVED_NOTHING = (
    "Nothing from this sync was saved: the figures are still those of the last good sync."
)
EDITED = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)  # after every record's updated_at


def run(server, **options):
    """The job against `server`, with the production backoff (0.5 s base, 30 s cap) and small
    retry budgets; options override the resource's fields (timeout, page_size, ...)."""
    resource = UnifiedResource(
        api_key=API_KEY,
        base_url=server.base_url,
        max_retries=3,
        max_rate_limit_retries=4,
        **options,
    )
    return defs.resolve_job_def("ar_data_pipeline").execute_in_process(
        run_config=sync_run_config(connection_id=CONNECTION, trigger="manual"),
        resources={"unified": resource},
        raise_on_error=False,
    )


class Dashboard:
    """What a member of the synced company sees: the JSON API, the home page, sync status."""

    def __init__(self) -> None:
        self.company = Company.objects.get(unified_connection_id=CONNECTION)
        user = UserFactory(username="controller")
        MembershipFactory(user=user, company=self.company)
        self.api = APIClient()
        self.api.force_authenticate(user)
        self.web = Client()
        self.web.force_login(user)

    def answers(self) -> dict:
        """The figures a user reads, fresh (no cached answer), as the API sends them."""
        cache.clear()
        found = {}
        for endpoint, params in [
            ("summary-stats", {}),
            ("summary-stats", {"currency": "EUR"}),
            ("aging-distribution", {}),
            ("customer-breakdown", {}),
        ]:
            response = self.api.get(f"/ar/api/{endpoint}/", params)
            assert response.status_code == 200, response.content
            found[f"{endpoint} {params}"] = response.json()
        return found

    def stored(self) -> tuple:
        """The ledger, watermarks and stored summaries as rows."""
        company = self.company
        return (
            list(Invoice.objects.filter(company=company).order_by("external_id").values()),
            list(SyncCursor.objects.filter(company=company).order_by("object_type").values()),
            list(ARSummary.objects.filter(company=company).order_by("pk").values()),
        )

    def status(self) -> dict:
        response = self.api.get("/ar/api/dagster-status/")
        assert response.status_code == 200
        return response.json()

    def home(self) -> str:
        response = self.web.get("/ar/")
        assert response.status_code == 200
        return response.content.decode()


def good_first_sync(sandbox) -> tuple[Dashboard, SyncLog, dict, tuple]:
    """A successful sync, then an upstream edit the next sync should load."""
    assert run(sandbox).success
    first = SyncLog.objects.get()
    assert first.status == SyncLog.Status.SUCCESS
    dashboard = Dashboard()
    before = dashboard.answers(), dashboard.stored()
    sandbox.data.update("invoice", "inv-1", {"invoice_number": "CHANGED"}, updated_at=EDITED)
    return dashboard, first, *before


def assert_failed_safely(dashboard: Dashboard, first: SyncLog, answers, stored, summary: str):
    """Nothing changed, the log says `summary` (then the detail), and the pages warn."""
    assert dashboard.answers() == answers
    assert dashboard.stored() == stored
    assert not StagedRecord.objects.exists()
    log = SyncLog.objects.latest("id")
    assert (log.status, log.progress) == (SyncLog.Status.FAILED, "failed")
    assert log.finished_at is not None
    assert log.error.startswith(f"{summary} {SAVED_NOTHING}{DETAIL}"), log.error
    html = dashboard.home()
    assert "The last sync failed" in html and escape(summary) in html
    assert "Figures are from the sync of" in html
    status = dashboard.status()
    assert status["status"] == "failure"
    assert status["lastSuccessAt"] == first.finished_at.timestamp()
    since = f"{first.finished_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    assert status["warning"] == (
        f"The last sync failed: {summary} {SAVED_NOTHING} (the figures are from the sync of "
        f"{since})."
    )
    return log


def assert_recovers(dashboard: Dashboard, sandbox, **options) -> None:
    assert run(sandbox, **options).success
    log = SyncLog.objects.latest("id")
    assert (log.status, log.error) == (SyncLog.Status.SUCCESS, "")
    invoice = Invoice.objects.get(company=dashboard.company, external_id="inv-1")
    assert invoice.number == "CHANGED"
    assert "The last sync failed" not in dashboard.home()
    status = dashboard.status()
    assert (status["status"], status["warning"]) == ("success", "")
    assert status["lastSuccessAt"] == log.finished_at.timestamp()


def contact_requests(sandbox, since: int) -> list[int]:
    """Statuses of the contact listing's requests after the first `since` requests."""
    log = sandbox.request_log[since:]
    assert {path for _, path, *_ in log} == {CONTACTS_PATH}, "other listings went on"
    return [status for *_, status in log]
