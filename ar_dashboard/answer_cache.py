"""Cached JSON answers of the read API, keyed so that no answer outlives what it was computed from.

A key names the company, its ledger version (every load bumps it inside the load transaction,
so a sync moves its own company to new keys and leaves every other company's entries alone),
the company settings that change answers (aging edges, basis, time zone, home currency), the
endpoint, the parameters as parsed and validated (`?a=1&b=2` and `?b=2&a=1` share a key, and
so do `?as_of=<today>` and no as_of) and the company's today (an answer for "today" is never
served tomorrow). Stale entries are not deleted: nothing asks for their keys again, and they
expire after CACHE_TTL_SECONDS.

Callers check access first, on every request, hit or not: the cache is only asked about a
company the user may see. Hits and misses are counted in the cache itself (shared by every
process with Redis); `manage.py answer_cache_stats` and the bench read them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from enum import Enum

from django.conf import settings
from django.core.cache import cache

from ar_dashboard.models import Company
from ar_dashboard.selectors import ARFilters
from config.routers import read_primary_if_replica_behind

ENDPOINTS = (
    "summary-stats",
    "aging-distribution",
    "customer-breakdown",
    "invoice-details",
    # issue 15's analytics
    "kpis",
    "trends",
    "customer-health",
    "cash-forecast",
    "payment-velocity",
    # the customers of each risk band, behind the `band` filter (issue 16)
    "risk-bands",
)
# Part of every key: bump it when a cached answer's shape changes, so a deploy never serves
# answers shaped by the previous release.
ANSWER_SHAPE = 1
OUTCOMES = ("hit", "miss")
STATS_PREFIX = "ar:answer-stats"


@dataclass(frozen=True)
class Answer:
    data: dict
    hit: bool | None  # None: the cache is off (CACHE_TTL_SECONDS=0)

    @property
    def header(self) -> str | None:
        """The X-Cache header value: hit, miss, or no header when the cache is off."""
        return None if self.hit is None else ("hit" if self.hit else "miss")


def _plain(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot key on {type(value).__name__}")


def answer_key(
    *, endpoint: str, company: Company, filters: ARFilters, params: Mapping[str, object]
) -> str:
    """The cache key of one answer; `params` are the endpoint's own parsed parameters."""
    material = {
        "settings": {
            "aging_edges": list(company.aging_edges),
            "aging_basis": company.aging_basis,
            "timezone": company.timezone,
            "home_currency": company.home_currency,
        },
        # band_customers is derived from `band` and the rest of the key: never keyed itself.
        "filters": {
            f.name: getattr(filters, f.name) for f in fields(filters) if f.name != "band_customers"
        },
        "params": dict(params),
    }
    encoded = json.dumps(material, sort_keys=True, default=_plain, separators=(",", ":"))
    digest = hashlib.sha256(encoded.encode()).hexdigest()
    return f"ar:answer:{ANSWER_SHAPE}:{company.pk}:{company.ledger_version}:{endpoint}:{digest}"


def fetch(
    *,
    endpoint: str,
    company: Company,
    filters: ARFilters,
    params: Mapping[str, object],
    compute: Callable[[], dict],
) -> Answer:
    """The cached answer, or `compute()`'s (stored for CACHE_TTL_SECONDS).

    Call it after the access check. On a miss the request reads the primary while the replica
    has not replayed the company's latest load, so no answer older than its key is stored.
    """
    ttl = settings.CACHE_TTL_SECONDS
    if ttl == 0:
        return Answer(compute(), hit=None)
    key = answer_key(endpoint=endpoint, company=company, filters=filters, params=params)
    data = cache.get(key)
    if data is not None:
        _count(endpoint, "hit")
        return Answer(data, hit=True)
    read_primary_if_replica_behind(company)
    data = compute()
    cache.set(key, data, ttl)
    _count(endpoint, "miss")
    return Answer(data, hit=False)


def _stats_key(endpoint: str, outcome: str) -> str:
    return f"{STATS_PREFIX}:{endpoint}:{outcome}"


def _count(endpoint: str, outcome: str) -> None:
    key = _stats_key(endpoint, outcome)
    try:
        cache.incr(key)
    except ValueError:  # the first of its kind (or evicted): create it, unless a racer did
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)


@dataclass(frozen=True)
class EndpointStats:
    endpoint: str
    hits: int
    misses: int

    @property
    def hit_rate(self) -> Decimal | None:
        """Hits as a percentage of lookups (2 decimals); None before the first lookup."""
        lookups = self.hits + self.misses
        if not lookups:
            return None
        return (Decimal(self.hits) * 100 / lookups).quantize(Decimal("0.01"))


def stats() -> list[EndpointStats]:
    """Hits and misses per endpoint since the last reset (or since the cache was emptied)."""
    keys = [_stats_key(e, o) for e in ENDPOINTS for o in OUTCOMES]
    counts = cache.get_many(keys)
    return [
        EndpointStats(
            endpoint=e,
            hits=counts.get(_stats_key(e, "hit"), 0),
            misses=counts.get(_stats_key(e, "miss"), 0),
        )
        for e in ENDPOINTS
    ]


def reset_stats() -> None:
    cache.delete_many([_stats_key(e, o) for e in ENDPOINTS for o in OUTCOMES])
