"""A failed sync's SyncLog error: plain words first, what was saved, then the technical detail."""

import errno

import psycopg
import pytest
from django.db import OperationalError

from ar_dashboard.services.sync_failures import (
    failure_summary,
    is_disk_full,
    plain_reason,
    sync_failure_message,
)
from connectors.unified.client import UnifiedError, UnifiedHTTPError, UnifiedTransportError


def http_error(status: int, retries: int = 0) -> UnifiedHTTPError:
    return UnifiedHTTPError(
        f"GET x answered HTTP {status}", status_code=status, url="x", retries=retries
    )


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (
            http_error(429, 10),
            "Unified.to kept refusing requests over its rate limit (HTTP 429, 11 attempts); "
            "the next sync should get through.",
        ),
        (
            http_error(503, 5),
            "Unified.to kept failing on its side (HTTP 503, 6 attempts); the next sync should "
            "get through once it recovers.",
        ),
        (
            http_error(401),
            "Unified.to refused the API key (HTTP 401): an administrator must check the "
            "Unified.to API token.",
        ),
        (
            http_error(404),
            "Unified.to does not know this connection (HTTP 404): the ledger may have been "
            "disconnected; reconnect it in the company settings.",
        ),
        (http_error(400), "Unified.to rejected the request (HTTP 400)."),
        (
            http_error(200),
            "Unified.to sent a page that is not a list of records (malformed or cut off), so "
            "the sync stopped rather than load part of the ledger.",
        ),
        (
            UnifiedTransportError("GET x failed after 1 retries: ReadTimeout: x", retries=1),
            "Unified.to did not answer in time (2 attempts); it may be slow or down.",
        ),
        (
            UnifiedTransportError("GET x failed after 0 retries: ConnectError: refused"),
            "Unified.to could not be reached (1 attempt): a network or service outage.",
        ),
        (
            UnifiedTransportError(
                "GET x failed after 5 retries: RemoteProtocolError: peer closed", retries=5
            ),
            "Unified.to's answers kept being cut off part way (6 attempts).",
        ),
        (
            UnifiedError("GET x at offset 200 answered the previous page again"),
            "Unified.to answered in a way the sync cannot read through to the end.",
        ),
        (
            OperationalError("terminating connection due to administrator command"),
            "The connection to the database was lost during the sync (restarted or cut off).",
        ),
        (
            OperationalError("database is locked"),
            "The database stayed busy (locked by another process) for too long.",
        ),
        (
            OSError(errno.ENOSPC, "No space left on device"),
            "The server ran out of disk space during the sync; an administrator must free some.",
        ),
        (
            KeyError("total"),
            "The sync stopped on an unexpected error; retry, and tell support if it persists.",
        ),
    ],
)
def test_each_failure_has_a_plain_reason(exc, reason):
    assert plain_reason(exc) == reason


@pytest.mark.parametrize(
    ("step", "saved"),
    [
        ("fetching invoices", "Nothing from this sync was saved"),
        ("loading", "Nothing from this sync was saved"),
        ("summarizing", "The ledger itself was updated; the next sync finishes the rest."),
    ],
)
def test_the_message_says_what_was_saved_then_the_detail(step, saved):
    message = sync_failure_message(KeyError("total"), step=step)
    assert message.startswith("The sync stopped on an unexpected error; ")
    assert saved in message
    assert message.endswith(" Detail: KeyError: 'total'")
    assert failure_summary(message) == message.split(" Detail: ")[0]
    assert failure_summary("boom") == "boom"


def test_a_full_disk_is_recognised_however_it_is_reported():
    wrapped = OperationalError("could not write block")
    wrapped.__cause__ = OSError(errno.ENOSPC, "No space left on device")
    assert is_disk_full(wrapped)
    assert is_disk_full(OperationalError("database or disk is full"))  # SQLite
    assert is_disk_full(psycopg.errors.DiskFull("could not extend file"))  # SQLSTATE 53100
    assert is_disk_full(OSError(errno.EDQUOT, "Disk quota exceeded"))
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not is_disk_full(RuntimeError("No space left on device"))  # not an I/O error
