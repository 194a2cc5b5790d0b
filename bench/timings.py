"""Request timings through Django's test client: server time, no network, no browser.

Each series repeats one URL `requests` times (stopping early, flagged, when `budget` seconds
run out) after clearing every cache, so its first request is a cold one (or, `cold`, clears
them before every request: the uncached answer's own time); the query count is the first
request's. Cache reads are counted per series (hits and misses of `get` and
`get_many` on every configured cache), so the hit rate shows once the API caches answers.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

_MISS = object()


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest sample at or above `share` of them."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Series:
    """Timings of one URL, in milliseconds."""

    endpoint: str
    as_of_label: str
    url: str
    samples_ms: list[float] = field(default_factory=list)
    status: int = 0
    queries: int | None = None
    cache_hits: int = 0
    cache_misses: int = 0
    capped: bool = False  # the time budget ended the series before `requests`
    error: str = ""

    @property
    def p50(self) -> float | None:
        return statistics.median(self.samples_ms) if self.samples_ms else None

    @property
    def p95(self) -> float | None:
        return percentile(self.samples_ms, 0.95) if self.samples_ms else None

    @property
    def hit_rate(self) -> float | None:
        reads = self.cache_hits + self.cache_misses
        return self.cache_hits / reads if reads else None


class CacheReads:
    """Counts hits and misses of cache reads made through django.core.cache in this thread."""

    def __init__(self) -> None:
        self.hits = self.misses = 0
        self._depth = threading.local()

    @contextmanager
    def counting(self) -> Iterator[CacheReads]:
        patched = []
        for cache in caches.all():
            patched.append((cache, cache.__dict__.get("get"), cache.__dict__.get("get_many")))
            cache.get = self._get(cache.get)
            cache.get_many = self._get_many(cache.get_many)
        try:
            yield self
        finally:
            for cache, get, get_many in patched:
                for name, original in (("get", get), ("get_many", get_many)):
                    if original is None:
                        delattr(cache, name)
                    else:
                        setattr(cache, name, original)

    @contextmanager
    def _outermost(self) -> Iterator[bool]:
        # A backend's get_many may call its own get: count the caller's read once.
        depth = getattr(self._depth, "n", 0)
        self._depth.n = depth + 1
        try:
            yield depth == 0
        finally:
            self._depth.n = depth

    def _get(self, original):
        def get(key: Any, default: Any = None, version: Any = None) -> Any:
            with self._outermost() as counted:
                value = original(key, _MISS, version=version)
                if counted:
                    self.hits += value is not _MISS
                    self.misses += value is _MISS
            return default if value is _MISS else value

        return get

    def _get_many(self, original):
        def get_many(keys: Any, version: Any = None) -> dict:
            keys = list(keys)
            with self._outermost() as counted:
                found = original(keys, version=version)
                if counted:
                    self.hits += len(found)
                    self.misses += len(keys) - len(found)
            return found

        return get_many


def clear_caches() -> None:
    for cache in caches.all():
        cache.clear()


def time_series(
    client: Client,
    series: Series,
    *,
    requests: int,
    budget: float,
    cold: bool = False,
    minimum: int = 2,
) -> Series:
    """Fill `series` with `requests` timings of GET series.url (fewer if `budget` runs out).

    Caches are cleared before the series, or before every request when `cold`.
    """
    clear_caches()
    reads = CacheReads()
    started = time.monotonic()
    with reads.counting():
        for n in range(requests):
            if n >= minimum and time.monotonic() - started > budget:
                series.capped = True
                break
            if cold and n > 0:
                clear_caches()
            if n == 0:
                with CaptureQueriesContext(connection) as queries:
                    elapsed, status = _timed_get(client, series.url)
                series.queries = len(queries.captured_queries)
            else:
                elapsed, status = _timed_get(client, series.url)
            series.status = status
            if status != 200:
                series.error = f"HTTP {status}"
                break
            series.samples_ms.append(elapsed)
    series.cache_hits, series.cache_misses = reads.hits, reads.misses
    return series


def _timed_get(client: Client, url: str) -> tuple[float, int]:
    # The test client returns the response rendered: the time is the server's whole work.
    begin = time.perf_counter()
    response = client.get(url, secure=True)
    return (time.perf_counter() - begin) * 1000, response.status_code
