"""What a failed sync's log says: first a sentence a finance user can act on, then the detail.

The SyncLog's `error` is read by people who do not know what a 429 or a `ReadTimeout` is (the
dashboard's banner, the sync page) and by the operator who must (`sync_ar`, the admin). So it
holds both, in that order, apart by DETAIL: what happened in plain words, what it means for
the figures (nothing half-loaded), what to do; then `Type: message` as the code raised it.
"""

from __future__ import annotations

import errno

from django.db import DatabaseError, InterfaceError, OperationalError

from connectors.unified.client import UnifiedError, UnifiedHTTPError, UnifiedTransportError

DETAIL = " Detail: "
# Steps before the load's transaction commits: a failure there leaves the ledger untouched.
SAVED_NOTHING = (
    "Nothing from this sync was saved: the figures are still those of the last good sync."
)
SAVED_LEDGER = "The ledger itself was updated; the next sync finishes the rest."
LOAD_STEPS = ("planning", "fetching", "validating", "loading")
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
# PostgreSQL's disk_full (53100) and SQLite's "database or disk is full".
DISK_FULL_TEXTS = ("no space left on device", "disk is full", "could not extend file")


def one_line(exc: BaseException) -> str:
    """`Type: message` on one line, the form the SyncLog and `sync_ar` show."""
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def sync_failure_message(exc: BaseException, *, step: str = "") -> str:
    """The SyncLog `error` for a sync that failed with `exc` during `step` (its progress)."""
    saved = SAVED_NOTHING if step.startswith(LOAD_STEPS) or not step else SAVED_LEDGER
    return f"{plain_reason(exc)} {saved}{DETAIL}{one_line(exc)}"


def failure_summary(error: str) -> str:
    """The plain-words part of a SyncLog error (all of it when it has no detail part)."""
    return error.split(DETAIL, 1)[0]


def plain_reason(exc: BaseException) -> str:
    """What went wrong and what to do, in words a finance user understands."""
    if is_disk_full(exc):
        return "The server ran out of disk space during the sync; an administrator must free some."
    if isinstance(exc, UnifiedHTTPError):
        return _http_reason(exc)
    if isinstance(exc, UnifiedTransportError):
        tries = _tries(exc.retries)
        if "Timeout" in str(exc):
            return f"Unified.to did not answer in time ({tries}); it may be slow or down."
        if "RemoteProtocolError" in str(exc):
            return f"Unified.to's answers kept being cut off part way ({tries})."
        return f"Unified.to could not be reached ({tries}): a network or service outage."
    if isinstance(exc, UnifiedError):
        return "Unified.to answered in a way the sync cannot read through to the end."
    if isinstance(exc, OperationalError | InterfaceError) and "locked" in str(exc):
        return "The database stayed busy (locked by another process) for too long."
    if isinstance(exc, OperationalError | InterfaceError):
        return "The connection to the database was lost during the sync (restarted or cut off)."
    if type(exc).__name__ == "SyncLeaseLost":
        return "The sync stalled for longer than its lease allows and was stopped."
    if isinstance(exc, DatabaseError):
        return "The database refused the sync's changes."
    return "The sync stopped on an unexpected error; retry, and tell support if it persists."


def _http_reason(exc: UnifiedHTTPError) -> str:
    code, tries = exc.status_code, _tries(exc.retries)
    if code == 429:
        return (
            f"Unified.to kept refusing requests over its rate limit (HTTP 429, {tries}); "
            "the next sync should get through."
        )
    if code >= 500:
        return (
            f"Unified.to kept failing on its side (HTTP {code}, {tries}); "
            "the next sync should get through once it recovers."
        )
    if code in (401, 403):
        return (
            f"Unified.to refused the API key (HTTP {code}): an administrator must check "
            "the Unified.to API token."
        )
    if code == 404:
        return (
            "Unified.to does not know this connection (HTTP 404): the ledger may have been "
            "disconnected; reconnect it in the company settings."
        )
    if 200 <= code < 300:
        return (
            "Unified.to sent a page that is not a list of records (malformed or cut off), so "
            "the sync stopped rather than load part of the ledger."
        )
    return f"Unified.to rejected the request (HTTP {code})."


def _tries(retries: int) -> str:
    return f"{retries + 1} attempt{'s' if retries else ''}"


def is_disk_full(exc: BaseException) -> bool:
    """True for an out-of-space error from the OS or from the database, however wrapped."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in DISK_FULL_ERRNOS:
            return True
        if getattr(current, "sqlstate", None) == "53100":
            return True
        if isinstance(current, DatabaseError | OSError) and any(
            text in str(current).lower() for text in DISK_FULL_TEXTS
        ):
            return True
        current = current.__cause__ or current.__context__
    return False
