"""`manage.py sync_ar` runs the pipeline job in-process: progress, a summary, one-line errors."""

from decimal import Decimal as D
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from ar_dashboard.models import Company, Invoice, SyncLog
from ar_dashboard.services.ledger_load import SOURCE_DOC_TYPES
from etl.tests.conftest import API_KEY, CONNECTION

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def unified_settings(settings, monkeypatch):
    settings.UNIFIED_API_KEY = API_KEY
    monkeypatch.delenv("DAGSTER_HOME", raising=False)  # an ephemeral Dagster instance


def sync_ar(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("sync_ar", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_new_connection_gets_its_company_and_a_summary_line(sandbox, today):
    out, err = sync_ar(
        "--connection", CONNECTION, "--name", "Etl Co", "--base-url", sandbox.base_url
    )

    company = Company.objects.get(unified_connection_id=CONNECTION)
    assert company.name == "Etl Co"
    assert Invoice.objects.filter(company=company, doc_type__in=SOURCE_DOC_TYPES).count() == 9
    assert SyncLog.objects.get(company=company).status == SyncLog.Status.SUCCESS
    (summary,) = out.splitlines()
    assert summary.startswith("Etl Co: success; contacts fetched 3, created 2")
    assert "total AR as of 2026-03-15: $1,190.00, €965.00" in summary
    lines = err.splitlines()
    assert lines[0] == f"Syncing Etl Co (connection {CONNECTION})"
    assert lines[-1].startswith("[14/14]") and "sync_log" in lines[-1]
    assert any("unified_invoices_raw records=9" in line for line in lines)


def test_base_url_comes_from_settings_without_the_option(sandbox, settings, today):
    settings.UNIFIED_BASE_URL = sandbox.base_url

    out, _ = sync_ar("--connection", CONNECTION)

    assert out.startswith(f"QuickBooks {CONNECTION}: success")


def test_a_failing_sync_exits_with_the_sync_log_reason_on_one_line(sandbox, today):
    with pytest.raises(CommandError) as failure:
        sync_ar("--connection", "unknown-conn", "--base-url", sandbox.base_url)

    message = str(failure.value)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(
        "Unified.to does not know this connection (HTTP 404): the ledger may have been "
        "disconnected; reconnect it in the company settings. Nothing from this sync was saved"
    )
    assert " Detail: UnifiedHTTPError: GET " in message
    assert "404" in message and "unknown-conn" in message
    log = SyncLog.objects.get(company__unified_connection_id="unknown-conn")
    assert (log.status, log.error) == (SyncLog.Status.FAILED, message)
    # The first failure is the reason; the other extracts stopped without calling the API.
    assert len(sandbox.request_log) == 1


def test_a_failed_error_check_fails_the_command_after_the_summary(sandbox, today):
    mismatch = {"USD": {"summary_customers": D("1"), "open_balances": D("2")}}
    with (
        mock.patch("etl.verdicts.reconcile_figures", return_value=mismatch),
        pytest.raises(CommandError) as failure,
    ):
        sync_ar("--connection", CONNECTION, "--base-url", sandbox.base_url)

    assert str(failure.value).startswith(
        "check ar_summary.totals_reconcile: AR totals do not reconcile: USD"
    )
    # The sync itself committed: the check judged it afterwards.
    assert SyncLog.objects.get().status == SyncLog.Status.SUCCESS


def test_queued_runs_every_sync_the_webhook_queued(sandbox, today):
    company = Company.objects.create(name="Hooked", unified_connection_id=CONNECTION)
    queued = SyncLog.objects.create(
        company=company, status=SyncLog.Status.QUEUED, trigger=SyncLog.Trigger.WEBHOOK
    )

    out, _ = sync_ar("--queued", "--base-url", sandbox.base_url)

    queued.refresh_from_db()
    assert (queued.status, queued.trigger) == (SyncLog.Status.SUCCESS, "webhook")
    assert out.startswith("Hooked: success")
    assert sync_ar("--queued")[0] == "no queued syncs\n"


def test_without_a_connection_or_queued_it_says_what_to_give():
    with pytest.raises(CommandError, match="--connection ID, or --queued"):
        sync_ar()


def test_json_prints_one_object_with_counts_timings_and_the_delta(sandbox, today):
    """A first sync: everything changed (delta "all"); a second with nothing new: no customer."""
    import json

    out, _ = sync_ar("--connection", CONNECTION, "--base-url", sandbox.base_url, "--json")

    (line,) = out.splitlines()
    result = json.loads(line)
    assert (result["status"], result["error"], result["rejected"]) == ("success", "", [])
    assert result["counts"]["invoices"]["fetched"] == 9
    assert result["counts"]["delta"] == {"customers": "all", "since": None}
    assert result["total_ar"] == {"USD": "1190.00", "EUR": "965.00"}
    assert result["as_of"] == "2026-03-15"
    assert set(result["timings"]) == {
        "command_seconds",
        "before_job_seconds",
        "job_seconds",
        "steps",
    }
    assert len(result["timings"]["steps"]) == 14

    again = json.loads(
        sync_ar("--connection", CONNECTION, "--base-url", sandbox.base_url, "--json")[0]
    )
    assert again["counts"]["delta"] == {"customers": 0, "since": None}
