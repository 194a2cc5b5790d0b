"""`make bench-smoke`'s path end to end on the test database: every measurement is produced.

Timings are not asserted (CI machines vary); that each figure exists, and that the naive
baseline's figures equal summary-stats', are. On PostgreSQL the syncs run as child processes,
as `make bench` runs them; on SQLite's in-memory test database, which no child can open,
they run in this process.
"""

from __future__ import annotations

from datetime import date

import pytest

from bench.harness import BenchConfig, as_of_dates, run_size
from bench.results import machine, render_scaling, render_size

SIZE = 2000
REQUESTS = 3
# A fixed ledger date in the past: the harness passes as_of explicitly on every request, and
# the upstream edit is stamped with the clock, so it is still newer than the ledger.
TODAY = date(2026, 3, 15)
ENDPOINTS = (
    "summary-stats",
    "aging-distribution",
    "customer-breakdown p1, by balance",
    "invoice-details",
    "home page",
    "collections worklist",
    "collections page",
    "kpis",
    "trends",
    "customer-health p1",
    "cash-forecast",
    "payment-velocity p1",
    "widgets page",
    "filtered page",
    "filtered page, buckets + band",
    "report page",
    "customer drill-down",
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_smoke_size_produces_every_measurement_and_its_results_section(tmp_path):
    config = BenchConfig(
        today=TODAY,
        log_dir=tmp_path,
        requests=REQUESTS,
        series_budget=60,
        naive_sizes=(SIZE,),
        naive_runs=1,
        changed=50,
    )

    result = run_size(config, SIZE)

    assert result.errors == []
    _assert_ledger(result)
    _assert_syncs(result)
    _assert_requests(result)
    assert result.naive is not None and len(result.naive.runs_seconds) == 1
    assert result.naive.agrees, result.naive.differences
    _assert_section(render_size(result, machine()), result)
    assert render_scaling([result]) == ""  # a table across sizes needs two of them


def _assert_ledger(result) -> None:
    ledger = result.ledger
    assert ledger["documents"] >= SIZE
    assert ledger["customers_USD"] > 0 and ledger["customers_EUR"] > 0
    assert ledger["type_CREDITMEMO"] > 0 and ledger["payments"] > 0 and ledger["allocations"] > 0
    assert result.sandbox_peak_rss_mb > 0
    assert result.changed == 50


def _assert_syncs(result) -> None:
    full, incremental, unchanged = result.syncs
    assert full.label == "full sync"
    assert incremental.label == "incremental sync (50 documents changed)"
    assert unchanged.label == "sync with nothing changed"
    for run in result.syncs:
        assert run.ok, run.output_tail
        assert run.wall_seconds > 0 and run.peak_rss_mb > 0
        assert run.job_seconds is not None and run.steps


def _assert_requests(result) -> None:
    labels = as_of_dates(TODAY)
    expected = {(endpoint, label) for endpoint in ENDPOINTS for label in labels}
    if result.name_param is not None:
        expected |= {("customer-breakdown p1, name prefix", label) for label in labels}
    assert {(s.endpoint, s.as_of_label) for s in result.series} == expected
    for series in result.series:
        assert (series.status, series.error) == (200, ""), series.url
        assert len(series.samples_ms) == REQUESTS and series.p95 >= series.p50 > 0
        assert series.queries > 0
    assert result.summary_today_p50_ms > 0


def _assert_section(section: str, result) -> None:
    assert f"· {result.documents:,} documents" in section
    for label in ("full sync", "incremental sync", "sync with nothing changed"):
        assert f"| {label}" in section
    for endpoint in ENDPOINTS:
        assert section.count(f"| {endpoint} |") == 3
    assert "same figures as summary-stats: yes" in section
    assert "failed" not in section
