"""Read replica routing: dashboard reads of the ledger go to `replica`, all else to `default`.

Installed only when DATABASE_REPLICA_URL is set (config/settings.py). Reads opt in per request:
`ReplicaRoutingMiddleware` marks a safe (GET, HEAD) request replica-eligible, and only then do
reads of the ledger and summary models leave the primary. The pipeline, management commands,
the admin's writes and anything outside a request never read the replica, so a load never
looks up rows it has just written on a copy that has not seen them.

Read-your-writes, the three ways a read could miss a write:
- A request that writes (POST, PUT, PATCH, DELETE) reads the primary, and so does every request
  from the same browser for REPLICA_LAG_SECONDS after it (a signed cookie).
- After a sync: `read_primary_if_replica_behind(company)` compares the company's ledger version
  on the primary (the row the access check has just read) with the replica's; until the replica
  has replayed the load, the request reads the primary. This is exact, whatever the lag, and
  costs one primary-key lookup on the replica, made only when a request is about to compute.
- Inside `transaction.atomic()` on the primary, every read stays there: the transaction's own
  writes are nowhere else.

Companies, memberships, users, sessions and the sync log always read the primary: access
checks and settings take effect at once, and they are small primary-key reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
# The heavy reads of a dashboard request: the ledger and the summaries the pipeline writes.
REPLICA_MODELS = frozenset(
    {
        "ar_dashboard.customer",
        "ar_dashboard.invoice",
        "ar_dashboard.payment",
        "ar_dashboard.allocation",
        "ar_dashboard.arsummary",
        "ar_dashboard.arsnapshot",
    }
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
PRIMARY_COOKIE = "ar_read_primary"
PRIMARY_COOKIE_SALT = "config.routers.read-your-writes"

# Whether the current request may read the replica; False outside requests (the default).
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_enabled() -> bool:
    """A replica alias is configured and REPLICA_READS has not switched it off."""
    return REPLICA in settings.DATABASES and settings.REPLICA_READS


def replica_reads_now() -> bool:
    """True when a read of a ledger model made now would go to the replica."""
    return _replica_reads.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block


class ReplicaRouter:
    """Ledger and summary reads of replica-eligible requests → `replica`; all else → `default`."""

    def db_for_read(self, model, **hints) -> str:
        if model._meta.label_lower in REPLICA_MODELS and replica_reads_now():
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Both aliases hold the same rows.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        # The replica gets its schema by replication, never by `migrate`.
        return False if db == REPLICA else None


class ReplicaRoutingMiddleware:
    """Marks safe requests replica-eligible; pins writers to the primary for REPLICA_LAG_SECONDS."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_enabled():
            return self.get_response(request)
        writes = request.method not in SAFE_METHODS
        token = _replica_reads.set(not writes and not _wrote_recently(request))
        try:
            response = self.get_response(request)
        finally:
            _replica_reads.reset(token)
        # A refused request (4xx, 5xx) wrote nothing the next one needs to see.
        if writes and response.status_code < 400 and settings.REPLICA_LAG_SECONDS:
            response.set_signed_cookie(
                PRIMARY_COOKIE,
                "1",
                salt=PRIMARY_COOKIE_SALT,
                max_age=settings.REPLICA_LAG_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def _wrote_recently(request: HttpRequest) -> bool:
    value = request.get_signed_cookie(
        PRIMARY_COOKIE,
        default=None,
        salt=PRIMARY_COOKIE_SALT,
        max_age=settings.REPLICA_LAG_SECONDS,
    )
    return value is not None


def read_primary_if_replica_behind(company) -> None:
    """Send the rest of this request's reads to the primary if the replica lags `company`.

    `company` was read from the primary, so its `ledger_version` counts every committed load;
    a replica still on an older version (or without the company) has not replayed the last one.
    """
    if not replica_reads_now():
        return
    seen = replica_ledger_version(company)
    if seen is None or seen < company.ledger_version:
        _replica_reads.set(False)


def replica_ledger_version(company) -> int | None:
    """The company's ledger version as the replica has it (None: not replicated yet)."""
    return (
        type(company)
        .objects.using(REPLICA)
        .filter(pk=company.pk)
        .values_list("ledger_version", flat=True)
        .first()
    )


@contextmanager
def primary_reads() -> Iterator[None]:
    """Every read inside the block goes to the primary (access checks, lookups before a write)."""
    token = _replica_reads.set(False)
    try:
        yield
    finally:
        _replica_reads.reset(token)
