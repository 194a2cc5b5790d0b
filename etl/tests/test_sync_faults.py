"""Issue 20, faults: the sync fails safely, says why in plain words, and the next run recovers.

Each test runs the real `ar_data_pipeline` job against the sandbox three times: a good sync, a
sync under the fault (after an upstream edit it would have loaded), and a sync with the fault
gone. Under the fault: the ledger, cursors and stored summaries are exactly as before (the JSON
API answers compared whole), no staged record is left, the SyncLog is FAILED with a message a
finance user can act on, and the home page and `dagster-status` show the last good sync's time
with a warning. The next run loads the edit. Retry waits go through `client.retry_sleep`, which
the tests record instead of sleeping, so a 7-second Retry-After costs nothing.

Client-level retry arithmetic is in connectors/unified/tests/test_client.py; the lease and the
reaper in test_sync_lifecycle.py. Clock pinned at conftest.NOW (2026-03-15 12:00 UTC).
"""

from __future__ import annotations

import errno
from unittest import mock

import pytest

from etl.tests.faults import (
    CONTACTS_PATH,
    DETAIL,
    assert_failed_safely,
    assert_recovers,
    contact_requests,
    good_first_sync,
    run,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fault_settings")]


# Storms: retried with backoff, then a clear failure -------------------------------------------


def test_a_500_storm_is_retried_with_backoff_then_fails_and_the_next_run_recovers(
    sandbox, sleeps, today
):
    dashboard, first, answers, stored = good_first_sync(sandbox)
    sent = len(sandbox.request_log)
    sandbox.faults.server_errors = 100

    assert not run(sandbox).success

    assert contact_requests(sandbox, sent) == [500] * 4  # the request and 3 retries
    # Full jitter: each wait is drawn from [0, 0.5 s · 2^n].
    assert len(sleeps) == 3 and all(0 <= s <= c for s, c in zip(sleeps, [0.5, 1, 2], strict=True))
    log = assert_failed_safely(
        dashboard,
        first,
        answers,
        stored,
        "Unified.to kept failing on its side (HTTP 500, 4 attempts); the next sync should get "
        "through once it recovers.",
    )
    assert "answered HTTP 500 after 3 retries: injected server error" in log.error
    sandbox.faults.server_errors = 0
    assert_recovers(dashboard, sandbox)


def test_a_429_storm_waits_retry_after_each_time_then_fails_and_the_next_run_recovers(
    sandbox, sleeps, today
):
    dashboard, first, answers, stored = good_first_sync(sandbox)
    sent = len(sandbox.request_log)
    sandbox.faults.rate_limit_storm, sandbox.faults.retry_after = 100, 7

    assert not run(sandbox).success

    assert contact_requests(sandbox, sent) == [429] * 5  # the request and 4 retries
    assert sleeps == [7.0] * 4  # Retry-After honoured, not our own backoff
    log = assert_failed_safely(
        dashboard,
        first,
        answers,
        stored,
        "Unified.to kept refusing requests over its rate limit (HTTP 429, 5 attempts); the "
        "next sync should get through.",
    )
    assert "answered HTTP 429 after 4 retries" in log.error
    sandbox.faults.rate_limit_storm = 0
    assert_recovers(dashboard, sandbox)


def test_a_short_429_storm_is_ridden_out_within_the_run(sandbox, sleeps, today):
    dashboard, _, _, _ = good_first_sync(sandbox)
    sandbox.faults.rate_limit_storm, sandbox.faults.retry_after = 3, 2

    assert_recovers(dashboard, sandbox)
    assert sleeps == [2.0] * 3


def test_timeouts_are_retried_then_fail_and_the_next_run_recovers(sandbox, sleeps, today):
    dashboard, first, answers, stored = good_first_sync(sandbox)
    sent = len(sandbox.request_log)
    sandbox.faults.delay = 0.3  # the client gives up after 0.05 s

    assert not run(sandbox, timeout=0.05).success

    assert len(sleeps) == 3  # 4 attempts, 3 waits
    log = assert_failed_safely(
        dashboard,
        first,
        answers,
        stored,
        "Unified.to did not answer in time (4 attempts); it may be slow or down.",
    )
    assert "failed after 3 retries: ReadTimeout" in log.error
    # The server saw the attempts (it answers after the client left); nothing else was asked.
    assert {path for _, path, *_ in sandbox.request_log[sent:]} <= {CONTACTS_PATH}
    sandbox.faults.delay = 0
    assert_recovers(dashboard, sandbox, timeout=0.05)


# Malformed pages: the listing fails whole, never a part of it loaded --------------------------


@pytest.mark.parametrize(
    ("fault", "detail"),
    [
        ("not_json", "answered HTTP 200 with a body that is not JSON (text/html)"),
        ("wrong_shape", "answered HTTP 200 with a JSON object, not an array of records"),
        ("cut_json", "answered HTTP 200 with a body that is not JSON (application/json)"),
    ],
)
def test_a_malformed_second_page_fails_the_sync_without_loading_the_first(
    sandbox, sleeps, today, fault, detail
):
    """Contacts come two a page: page one is good (and staged), page two is broken. A broken
    page is not a broken record: its records are unknown, so loading the rest would treat them
    as unchanged, and a full sync would take them as deleted. Not retried: the same page would
    come back the same."""
    dashboard, first, answers, stored = good_first_sync(sandbox)
    sent = len(sandbox.request_log)
    sandbox.faults.malformed_pages, sandbox.faults.malformed_after = 1, 1
    sandbox.faults.page_fault = fault

    assert not run(sandbox, page_size=2).success

    assert contact_requests(sandbox, sent) == [200, 200]
    assert sleeps == []
    log = assert_failed_safely(
        dashboard,
        first,
        answers,
        stored,
        "Unified.to sent a page that is not a list of records (malformed or cut off), so the "
        "sync stopped rather than load part of the ledger.",
    )
    assert detail in log.error and "offset=2" in log.error
    assert_recovers(dashboard, sandbox, page_size=2)


def test_a_body_cut_off_once_is_read_again_and_the_sync_succeeds(sandbox, sleeps, today):
    dashboard, _, _, _ = good_first_sync(sandbox)
    sandbox.faults.malformed_pages, sandbox.faults.page_fault = 1, "truncated"

    assert_recovers(dashboard, sandbox)
    assert len(sleeps) == 1


def test_bodies_cut_off_every_time_fail_the_sync_and_the_next_run_recovers(sandbox, sleeps, today):
    dashboard, first, answers, stored = good_first_sync(sandbox)
    sandbox.faults.malformed_pages, sandbox.faults.page_fault = 100, "truncated"

    assert not run(sandbox).success

    log = assert_failed_safely(
        dashboard,
        first,
        answers,
        stored,
        "Unified.to's answers kept being cut off part way (4 attempts).",
    )
    assert "RemoteProtocolError" in log.error
    sandbox.faults.malformed_pages = 0
    assert_recovers(dashboard, sandbox)


# A crash mid-load: the transaction rolls back ---------------------------------------------------


@pytest.mark.parametrize(
    ("target", "error", "summary"),
    [
        # Between two batches of the load: the documents are written, the payments not yet.
        (
            "ar_dashboard.services.ledger_load._load_payments",
            RuntimeError("worker crashed"),
            "The sync stopped on an unexpected error; retry, and tell support if it persists.",
        ),
        # At the very end of the load's transaction, every ledger row written.
        (
            "ar_dashboard.services.summaries.summaries_refresh",
            OSError(errno.ENOSPC, "No space left on device"),
            "The server ran out of disk space during the sync; an administrator must free some.",
        ),
    ],
)
def test_a_crash_mid_load_keeps_every_figure_and_the_next_run_recovers(
    sandbox, sleeps, today, target, error, summary
):
    dashboard, first, answers, stored = good_first_sync(sandbox)

    with mock.patch(target, side_effect=error):
        assert not run(sandbox).success

    log = assert_failed_safely(dashboard, first, answers, stored, summary)
    assert log.error.endswith(f"{DETAIL}{type(error).__name__}: {error}")
    assert_recovers(dashboard, sandbox)
