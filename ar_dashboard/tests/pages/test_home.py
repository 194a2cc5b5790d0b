"""`/ar/`: KPI strip, aging summary, top customers and the last sync's state."""

from datetime import UTC, datetime, timedelta

import pytest

from ar_dashboard.models import SyncLog
from ar_dashboard.page_reads import sync_state
from ar_dashboard.tests.factories import CompanyFactory

NOW = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=26)


def test_home_shows_the_figures_and_the_largest_balances_first(
    ledger, alice_client, django_assert_num_queries
):
    """Total 5500.50; overdue = 5500.50 − Current 100.00 = 5400.50; customers by balance:
    Umbrella 2700.00, Initech 2100.00, Globex 450.50, Unknown customer 250.00."""
    # 1-2. session and user; 3. the user's companies; 4. the company asked for (access.py);
    # 5. EXISTS stored rows for this date (none: live) for the stats; 6. the one-pass stats;
    # 7. EXISTS for the distribution; 8. the bucket sums; 9. EXISTS for the rows;
    # 10. currencies in use; 11. the latest sync (none: no second query); 12. the top
    # customers (GROUP BY, LIMIT 10), evaluated as the template renders them; 13. the
    # user's membership (its role offers "Sync now" to collectors and admins).
    with django_assert_num_queries(13):
        response = alice_client.get("/ar/", {"as_of": "2026-06-30"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "$5,500.50" in html and "$5,400.50" in html
    order = [html.index(name) for name in ("Umbrella", "Initech", "Globex", "Unknown customer")]
    assert order == sorted(order)
    assert "No sync has run yet" in html
    assert "Suggested workflows" in html


def _log(company, status, finished):
    return SyncLog.objects.create(company=company, status=status, finished_at=finished)


@pytest.mark.django_db
def test_never_synced_is_stale():
    state = sync_state(company=CompanyFactory(), now=NOW, stale_after=DAY)

    assert (state.status, state.stale, state.failed, state.warning) == ("never", True, False, True)


@pytest.mark.django_db
def test_a_recent_success_is_fresh():
    company = CompanyFactory()
    _log(company, SyncLog.Status.SUCCESS, NOW - timedelta(hours=25))

    state = sync_state(company=company, now=NOW, stale_after=DAY)

    assert (state.status, state.stale, state.failed, state.warning) == (
        "success",
        False,
        False,
        False,
    )


@pytest.mark.django_db
def test_a_success_older_than_the_limit_is_stale():
    company = CompanyFactory()
    _log(company, SyncLog.Status.PARTIAL, NOW - timedelta(hours=27))

    state = sync_state(company=company, now=NOW, stale_after=DAY)

    assert (state.stale, state.failed) == (True, False)


@pytest.mark.django_db
def test_a_failure_after_a_success_warns_and_keeps_the_success_time():
    company = CompanyFactory()
    ok = _log(company, SyncLog.Status.SUCCESS, NOW - timedelta(hours=5))
    failed = _log(company, SyncLog.Status.FAILED, NOW - timedelta(hours=1))
    failed.error = "Unified.to answered 401"
    failed.save()

    state = sync_state(company=company, now=NOW, stale_after=DAY)

    assert (state.status, state.failed, state.stale) == ("failed", True, False)
    assert state.last_success_at == ok.finished_at
    assert state.error == "Unified.to answered 401"


def test_home_warns_when_the_last_sync_failed(ledger, alice_client):
    SyncLog.objects.create(company=ledger.company, status=SyncLog.Status.FAILED, error="boom")

    html = alice_client.get("/ar/", {"as_of": "2026-06-30"}).content.decode()

    assert "The last sync failed" in html and "boom" in html
    assert "alert-danger" in html


def test_home_warns_when_figures_are_stale(ledger, alice_client):
    # The clock is pinned to 2026-07-15 12:00 UTC; a success two days before is stale.
    _log(ledger.company, SyncLog.Status.SUCCESS, datetime(2026, 7, 13, 12, 0, tzinfo=UTC))

    html = alice_client.get("/ar/", {"as_of": "2026-06-30"}).content.decode()

    assert "Figures may be stale" in html


def test_home_shows_a_fresh_sync_quietly(ledger, alice_client):
    _log(ledger.company, SyncLog.Status.SUCCESS, datetime(2026, 7, 15, 6, 0, tzinfo=UTC))

    html = alice_client.get("/ar/", {"as_of": "2026-06-30"}).content.decode()

    assert "Last sync: <strong>success</strong>" in html
    assert "stale" not in html and "alert-danger" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(("silent_for", "status"), [(4, "running"), (6, "failed")])
def test_a_running_sync_silent_beyond_the_lease_reads_as_failed(silent_for, status):
    company = CompanyFactory()
    ok = _log(company, SyncLog.Status.SUCCESS, NOW - timedelta(hours=2))
    SyncLog.objects.create(
        company=company,
        status=SyncLog.Status.RUNNING,
        started_at=NOW - timedelta(minutes=20),
        heartbeat_at=NOW - timedelta(minutes=silent_for),
    )

    state = sync_state(company=company, now=NOW, stale_after=DAY, lease=timedelta(minutes=5))

    assert (state.status, state.failed, state.last_success_at) == (
        status,
        status == "failed",
        ok.finished_at,
    )
    if status == "failed":
        assert state.error_summary == (
            "The sync stopped without finishing: its process was stopped or crashed. Whatever "
            "it had not committed was discarded and the figures are those of the last good "
            "sync; the next sync starts over."
        )
        assert state.error.endswith(
            "no heartbeat since 2026-07-15 11:54:00 UTC: the sync process died"
        )


def test_home_shows_the_plain_reason_and_keeps_the_detail_for_hover(ledger, alice_client):
    _log(ledger.company, SyncLog.Status.SUCCESS, datetime(2026, 7, 15, 6, 0, tzinfo=UTC))
    SyncLog.objects.create(
        company=ledger.company,
        status=SyncLog.Status.FAILED,
        error="Unified.to did not answer in time (6 attempts). Detail: UnifiedTransportError: x",
    )

    html = alice_client.get("/ar/", {"as_of": "2026-06-30"}).content.decode()

    assert (
        '<span title="Unified.to did not answer in time (6 attempts). Detail: '
        'UnifiedTransportError: x">Unified.to did not answer in time (6 attempts).</span>'
    ) in html
    assert "Figures are from the sync of" in html


@pytest.mark.django_db
def test_currencies_in_use_lists_each_ar_currency_once_home_first():
    """EUR home; documents in USD (two), JPY and EUR: EUR first, then JPY and USD, each once;
    another company's CHF is not listed; a company with no documents lists its home only."""
    from ar_dashboard import selectors
    from ar_dashboard.tests.factories import InvoiceFactory

    company = CompanyFactory(home_currency="EUR")
    other = CompanyFactory(home_currency="USD")
    for currency in ("USD", "USD", "JPY", "EUR"):
        InvoiceFactory(company=company, currency=currency)
    InvoiceFactory(company=other, currency="CHF")  # another company's: not listed

    assert selectors.currencies_in_use(company=company) == ["EUR", "JPY", "USD"]
    assert selectors.currencies_in_use(company=CompanyFactory(home_currency="GBP")) == ["GBP"]
