"""Percentiles, cache-read counting and the time budget of a request series."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client

from bench.timings import CacheReads, Series, percentile, time_series


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (0.5, 5.0),  # ceil(0.5 × 10) = 5th smallest
        (0.95, 10.0),  # ceil(9.5) = 10th
        (0.9, 9.0),  # ceil(9.0) = 9th
        (0.0, 1.0),  # never below the smallest
    ],
)
def test_percentile_is_the_nearest_rank(share, expected):
    samples = [7.0, 1.0, 10.0, 2.0, 9.0, 3.0, 8.0, 4.0, 6.0, 5.0]

    assert percentile(samples, share) == expected


def test_cache_reads_count_hits_and_misses_once_each():
    cache = caches["default"]
    cache.clear()
    cache.set("present", 1)
    reads = CacheReads()

    with reads.counting():
        assert cache.get("present") == 1
        assert cache.get("absent", "fallback") == "fallback"
        # locmem's get_many calls its own get per key: counted once, as the caller's reads.
        assert cache.get_many(["present", "absent"]) == {"present": 1}

    assert (reads.hits, reads.misses) == (2, 2)
    assert "get" not in cache.__dict__  # the counting wrappers are gone afterwards
    cache.get("present")
    assert (reads.hits, reads.misses) == (2, 2)


@pytest.mark.django_db
def test_a_series_stops_at_its_time_budget_after_the_minimum():
    series = Series("health", "today", "/health/")

    time_series(Client(), series, requests=50, budget=0.0, minimum=2)

    assert series.capped and len(series.samples_ms) == 2
    assert series.status == 200 and series.queries is not None


@pytest.mark.django_db
def test_a_failing_request_ends_the_series_with_its_status():
    series = Series("missing", "today", "/no-such-page/")

    time_series(Client(), series, requests=5, budget=60.0)

    assert (series.status, series.error, series.samples_ms) == (404, "HTTP 404", [])
